"""The vectorised class_data decoding (``DexFile.method_table``) against the byte-wise
reader (``DexFile._class_data``) it replaces on the hot path: same methods in the same
order, same problems, on built, mutated and real dex files."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from scanner.ingest.dex import DexFormatError  # noqa: E402
from scanner.ingest.dex.reader import DexFile  # noqa: E402
from tests.ingest.dex.dexbuild import RETURN_VOID, ClassSpec, MethodSpec, build_dex  # noqa: E402

APKS = REPO / ".." / "shared" / "corpus" / "apks"


def _classes(n: int) -> list[ClassSpec]:
    out = []
    for i in range(n):
        methods = [MethodSpec(f"m{k}", "()V", 0x1 | (0x8 if k % 2 else 0),
                              lambda r: RETURN_VOID) for k in range(i % 5)]
        methods.append(MethodSpec("<init>", "()V", 0x10001, lambda r: RETURN_VOID))
        statics = [(f"F{k}", "Ljava/lang/String;", f"v{i}.{k}") for k in range(i % 3)]
        out.append(ClassSpec(f"Lcom/x/C{i};", methods=methods, static_fields=statics))
    return out


MANY = build_dex(_classes(40))


def bytewise(data: bytes, name: str = "classes.dex") -> tuple[list[tuple], list[str]]:
    """The reference: every class's class_data read byte by byte, first owner only."""
    d = DexFile(name, data)
    seen: set[int] = set()
    rows: list[tuple] = []
    for c in range(len(d.class_defs)):
        off = int(d.class_defs["data"][c])
        if off in seen:
            d.problem(f"class {d.class_name(c)} shares class_data at {off:#x}")
            continue
        if off:
            seen.add(off)
        rows.extend(tuple(m) for m in d._class_data(c)[1])
    return rows, [x.detail for x in d.damage]


def vectorised(data: bytes, name: str = "classes.dex") -> tuple[list[tuple], list[str]]:
    d = DexFile(name, data)
    return [tuple(m) for m in d.methods], [x.detail for x in d.damage]


def assert_same(data: bytes, name: str = "classes.dex") -> int:
    try:
        ref_rows, ref_problems = bytewise(data, name)
    except DexFormatError:
        with pytest.raises(DexFormatError):
            vectorised(data, name)
        return 0
    rows, problems = vectorised(data, name)
    assert rows == ref_rows
    assert sorted(problems) == sorted(ref_problems)
    return len(rows)


def test_built_dex_is_decoded_exactly() -> None:
    n = assert_same(MANY)
    assert n == sum(1 + i % 5 for i in range(40))
    d = DexFile("classes.dex", MANY)
    assert not d.damage
    names = {d.method_name(m.method_idx) for m in d.methods}
    assert "m3()V" in names and "<init>()V" in names


@settings(deadline=3000, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(MANY) - 1), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_mutated_dex_matches_bytewise(edits: list[tuple[int, int]]) -> None:
    buf = bytearray(MANY)
    for pos, val in edits:
        buf[pos] = val
    assert_same(bytes(buf))


def _class_data_span(data: bytes) -> tuple[int, int]:
    d = DexFile("classes.dex", data)
    offs = d.class_defs["data"]
    return int(offs[offs > 0].min()), int(offs.max())


@settings(deadline=3000, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_class_data_matches_bytewise(data) -> None:
    lo, hi = _class_data_span(MANY)
    buf = bytearray(MANY)
    for _ in range(data.draw(st.integers(1, 4))):
        buf[data.draw(st.integers(lo, hi + 8))] = data.draw(
            st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF, 0x81, 0x40]))
    assert_same(bytes(buf))


@pytest.mark.parametrize("cls", [4, 9, 39])
def test_over_long_leb128_is_read_bytewise(cls: int) -> None:
    """A 6-byte LEB128: the byte-wise reader stops after 5 bytes and reads the 6th as
    the next value, where splitting at terminator bytes would read one value."""
    d = DexFile("classes.dex", MANY)
    off = int(d.class_defs["data"][cls])
    buf = bytearray(MANY)
    # byte-wise: sizes 0 0 0 1, one virtual method with code_off 1 (a problem);
    # split at terminators: sizes 0 0 1 0, one direct method without code.
    buf[off : off + 12] = b"\x80\x80\x80\x80\x80\x00" + b"\x00\x01\x00" * 2
    assert_same(bytes(buf))
    assert bytewise(bytes(buf))[0] != bytewise(MANY)[0]


def test_five_byte_leb128_wraps_to_32_bits(monkeypatch) -> None:
    """Every LEB128 of the file written with 5 bytes whose last byte also sets bits 32-34:
    the byte-wise reader masks those bits off, and so must the vector decoding (a 64-bit
    sum would give e.g. access flags 0x700000001 instead of 1)."""
    from tests.ingest.dex import dexbuild

    def long_uleb(v: int) -> bytes:
        groups = [(v >> (7 * i)) & 0x7F for i in range(5)]
        return bytes(g | 0x80 for g in groups[:4]) + bytes([(groups[4] & 0x0F) | 0x70])

    monkeypatch.setattr(dexbuild, "uleb", long_uleb)
    data = build_dex(_classes(12))
    assert assert_same(data) > 12
    d = DexFile("classes.dex", data)
    assert {m.access_flags for m in d.methods} <= {0x1, 0x9, 0x10001}


def test_shared_class_data_matches_bytewise() -> None:
    import struct

    buf = bytearray(MANY)
    cdefs = struct.unpack_from("<I", buf, 100)[0]
    first = struct.unpack_from("<I", buf, cdefs + 24)[0]
    for i in range(0, 40, 3):
        struct.pack_into("<I", buf, cdefs + 32 * i + 24, first)
    assert_same(bytes(buf))


@pytest.mark.corpus
@pytest.mark.skipif(not APKS.is_dir(), reason="shared corpus absent")
@pytest.mark.parametrize("rel", ["insecurebankv2/InsecureBankv2.apk",
                                 "exodus-core/blooddonation.apk"])
def test_real_apks_match_bytewise(rel: str) -> None:
    apk = APKS / rel
    if not apk.is_file():
        pytest.skip("APK missing")
    with zipfile.ZipFile(apk) as z:
        for n in z.namelist():
            if n.startswith("classes") and n.endswith(".dex"):
                assert assert_same(z.read(n), n) > 1000


def test_fixture_apks_match_bytewise() -> None:
    apks = sorted((REPO / "corpus" / "apk").glob("*.apk"))
    assert apks
    for apk in apks:
        with zipfile.ZipFile(apk) as z:
            for n in z.namelist():
                if n.startswith("classes") and n.endswith(".dex"):
                    assert_same(z.read(n), n)


def test_method_table_is_int64_columns() -> None:
    t = DexFile("classes.dex", MANY).method_table
    assert all(c.dtype == np.int64 for c in t)
    assert len({len(c) for c in t}) == 1
