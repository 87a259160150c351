"""Hostile dex input: any bytes give a (possibly partial) index or DexFormatError, quickly."""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from scanner.ingest.dex import DexFormatError, DexIndex  # noqa: E402
from tests.ingest.dex.dexbuild import RETURN_VOID, ClassSpec, MethodSpec, build_dex  # noqa: E402
from tests.ingest.dex.test_dex_index import (  # noqa: E402
    GET_DEVICE_ID,
    MAIN,
    SERIAL,
    main_class,
)

GOOD = build_dex([main_class()])


def exercise(files: list[tuple[str, bytes]]) -> DexIndex | None:
    """Run every query; return the index, or None on DexFormatError (the only allowed error)."""
    try:
        idx = DexIndex.from_dex_files(files)
    except DexFormatError:
        return None
    idx.class_names()
    for name in idx.class_names()[:20]:
        idx.class_info(name)
    idx.find_calls(
        {GET_DEVICE_ID, "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;"}
    )
    idx.find_field_reads({SERIAL})
    idx.find_strings({"android_id"}, ("content://",))
    idx.find_reflective_calls()
    idx.static_string_value(f"{MAIN}->SDK_VERSION:Ljava/lang/String;")
    for d in idx.dexes:
        for k in ("invoke", "field", "string", "new"):
            d.operand_sites(k)
    from scanner.callgraph import Reachability

    r = Reachability(idx, idx.class_names()[:3], max_nodes=200)
    for s in idx.find_calls({GET_DEVICE_ID}):
        r.check_site(s)
    return idx


@settings(deadline=2000, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
@example(b"")
@example(b"dex\n035\x00" + b"\x00" * 0x68)
@example(b"dex\n035\x00" + b"\xff" * 0x200)
def test_any_bytes(data: bytes) -> None:
    exercise([("classes.dex", data)])


@settings(deadline=3000, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=12))
def test_mutated_valid_dex(edits: list[tuple[int, int]]) -> None:
    buf = bytearray(GOOD)
    for pos, val in edits:
        buf[pos] = val
    exercise([("classes.dex", bytes(buf))])


@settings(deadline=3000, max_examples=200)
@given(st.integers(0, len(GOOD)))
def test_truncated_valid_dex(n: int) -> None:
    idx = exercise([("classes.dex", GOOD[:n])])
    if n < len(GOOD):
        # file_size in the header no longer fits the buffer
        assert idx is None


def _patch_u4(buf: bytes, off: int, value: int) -> bytes:
    b = bytearray(buf)
    struct.pack_into("<I", b, off, value)
    return bytes(b)


@pytest.mark.parametrize(
    ("what", "off", "value"),
    [
        ("magic version", 4, 0x00313330),  # "031"
        ("endian tag", 40, 0x78563412),
        ("file_size", 32, len(GOOD) + 1),
        ("string_ids_size", 56, 0x7FFFFFFF),
        ("type_ids_off", 68, len(GOOD) - 2),
        ("method_ids_size", 88, 0x10000000),
        ("class_defs_off", 100, 0xFFFFFFF0),
    ],
)
def test_flipped_header_fields_raise(what: str, off: int, value: int) -> None:
    with pytest.raises(DexFormatError):
        DexIndex.from_dex_files([("classes.dex", _patch_u4(GOOD, off, value))])


def _table_off(slot: int) -> int:
    return struct.unpack_from("<I", GOOD, slot)[0]


def test_out_of_range_method_class_index_raises() -> None:
    meth_off = _table_off(92)
    b = bytearray(GOOD)
    struct.pack_into("<H", b, meth_off, 0xFFFF)
    with pytest.raises(DexFormatError, match="method_ids class"):
        DexIndex.from_dex_files([("classes.dex", bytes(b))])


def test_out_of_range_string_index_in_code_is_partial() -> None:
    # const-string with an index past string_ids: skipped and reported, not an IndexError
    cls = ClassSpec(
        "Lcom/x/A;",
        methods=[MethodSpec("f", "()V", 0x1, lambda r: [0x001A, 0xFFF0] + RETURN_VOID)],
    )
    idx = exercise([("classes.dex", build_dex([cls]))])
    assert idx is not None and idx.partial
    assert any("string instruction" in p for p in (x.detail for x in idx.damage))


def test_truncated_code_item_is_partial() -> None:
    # insns_size larger than the rest of the file: the method is cut at the end of the buffer
    cls = ClassSpec("Lcom/x/A;", methods=[MethodSpec("f", "()V", 0x1, lambda r: RETURN_VOID * 4)])
    buf = bytearray(build_dex([cls]))
    pos = buf.find(struct.pack("<I", 4) + struct.pack("<4H", *(RETURN_VOID * 4)))
    assert pos > 0
    struct.pack_into("<I", buf, pos, 0x7FFFFFFF)
    idx = exercise([("classes.dex", bytes(buf))])
    assert idx is not None and idx.partial
    assert any("truncated" in p or "past the end" in p for p in (x.detail for x in idx.damage))


def test_instruction_running_past_code_end_is_dropped() -> None:
    # the last instruction is an invoke whose operands would lie beyond insns_size
    cls = ClassSpec(
        "Lcom/x/A;",
        methods=[MethodSpec("f", "()V", 0x1, lambda r: RETURN_VOID + [0x106E])],
        refs_methods=(GET_DEVICE_ID,),
    )
    idx = exercise([("classes.dex", build_dex([cls]))])
    assert idx is not None
    assert idx.find_calls({GET_DEVICE_ID}) == []
    assert any("past the end" in p for p in (x.detail for x in idx.damage))


def test_class_data_offset_outside_file_is_partial() -> None:
    cdef = _table_off(100)
    buf = _patch_u4(GOOD, cdef + 24, len(GOOD) + 100)
    idx = exercise([("classes.dex", buf)])
    assert idx is not None and idx.partial
    assert idx.find_calls({GET_DEVICE_ID}) == []


def test_huge_method_is_bounded_in_time() -> None:
    # 2 MiB of nops in one method: the walk must stay linear
    n = 1 << 20
    cls = ClassSpec("Lcom/x/A;", methods=[MethodSpec("f", "()V", 0x1, lambda r: [0] * n)])
    data = build_dex([cls])
    t = time.perf_counter()
    idx = exercise([("classes.dex", data)])
    assert idx is not None and not idx.partial
    assert len(idx.dexes[0].instructions) == n
    assert time.perf_counter() - t < 10


def test_many_switch_payloads_with_huge_sizes() -> None:
    # payload headers claiming enormous sizes end the walk of that method, nothing else
    code = [0x0100, 0xFFFF, 0, 0] * 4 + RETURN_VOID
    cls = ClassSpec("Lcom/x/A;", methods=[MethodSpec("f", "()V", 0x1, lambda r: code)])
    idx = exercise([("classes.dex", build_dex([cls]))])
    assert idx is not None and idx.partial


def test_classes_sharing_one_class_data_are_read_once() -> None:
    classes = [
        ClassSpec(f"Lcom/x/C{i};", methods=[MethodSpec("f", "()V", 0x1, lambda r: RETURN_VOID)])
        for i in range(50)
    ]
    buf = bytearray(build_dex(classes))
    cdefs = _u4_at(buf, 100)
    first = _u4_at(buf, cdefs + 24)
    for i in range(50):
        struct.pack_into("<I", buf, cdefs + 32 * i + 24, first)
    idx = exercise([("classes.dex", bytes(buf))])
    assert idx is not None and idx.partial
    assert len(idx.dexes[0].methods) == 1
    assert sum("shares class_data" in p for p in (x.detail for x in idx.damage)) >= 49


def test_overlapping_code_items_are_bounded() -> None:
    import numpy as np

    from scanner.ingest.dex.reader import DexFile, MethodTable

    n = 200_000
    cls = ClassSpec("Lcom/x/A;", methods=[MethodSpec("f", "()V", 0x1, lambda r: [0] * n)])
    d = DexFile("classes.dex", build_dex([cls]))
    real = d.methods[0]
    # 5000 methods starting one unit apart inside the same code: quadratic without a cap
    k = np.arange(5000, dtype=np.int64)
    one = np.ones(5000, dtype=np.int64)
    d.__dict__["method_table"] = MethodTable(
        one * real.method_idx, one, one * 0, one * real.code_off, real.insn_start + k,
        one * real.insn_end)
    t = time.perf_counter()
    ins = d.instructions
    assert time.perf_counter() - t < 10
    assert len(ins) <= len(d.words)
    assert any("overlap" in p for p in (x.detail for x in d.damage))


def _u4_at(buf: bytes | bytearray, off: int) -> int:
    return struct.unpack_from("<I", buf, off)[0]
