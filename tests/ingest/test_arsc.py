"""scanner.ingest.arsc against androguard's ARSCParser (the path ApkReader used before).

* fixture APKs: label equal to the ground truth and to androguard's resolution;
* shared corpus (skipped when absent): label, icon candidates and icon bytes equal to the
  androguard path on InsecureBankv2, blooddonation, branch_testbed and PlayStore2, plus every
  resource id of their tables; ``APPAUDIT_ORACLE_ALL=1`` runs every corpus APK;
* hand-built tables for what the corpus lacks (sparse and 16-bit offsets, compact entries,
  UTF-16 pools, reference chains and cycles, bags);
* hypothesis: any bytes, and mutations or truncations of real tables, give values or
  ResourceTableError, never another exception, within a deadline.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from androguard.core.axml import ARSCParser  # noqa: E402  (the oracle)

from scanner.errors import InputError  # noqa: E402
from scanner.ingest import arsc as A  # noqa: E402
from scanner.ingest.apk import ICON_MAX, ApkReader, _attr, _local  # noqa: E402
from scanner.ingest.arsc import ResourceTable, ResourceTableError  # noqa: E402
from scanner.ingest.safezip import MAX_ARSC, MAX_MANIFEST, SafeZip  # noqa: E402
from tests.conftest import FIXTURE_APKS, fixture_names, groundtruth  # noqa: E402

SHARED = REPO / ".." / "shared" / "corpus"
APKS = SHARED / "apks"
NAMED = ("insecurebankv2/InsecureBankv2.apk", "exodus-core/blooddonation.apk",
         "sdk-vendor-demos/branch_testbed.apk", "droidbench/EmulatorDetection/PlayStore2.apk")


# ------------------------------------------------------------------ the androguard path
def _rid(ref: str) -> int:
    return int(ref[1:].split(":")[-1], 16)


def old_label(value: str | None, parser) -> str | None:
    """ApkReader's label resolution as it was with androguard (commit ed5b345)."""
    if value is None or not value.startswith("@") or parser is None:
        return value
    try:
        configs = parser.get_resolved_res_configs(_rid(value))
    except Exception:
        return value
    if not configs:
        return value
    for config, text in configs:
        if config.get_language() in ("\x00\x00", "") and config.get_country() in ("\x00\x00", ""):
            return text
    return configs[0][1]


def old_icon_paths(ref: str | None, parser) -> list[str] | None:
    if not ref or not ref.startswith("@") or parser is None:
        return None
    try:
        return [v for _, v in parser.get_resolved_res_configs(_rid(ref)) if isinstance(v, str)]
    except Exception:
        return None


def new_icon_paths(ref: str | None, table) -> list[str] | None:
    if not ref or not ref.startswith("@") or table is None:
        return None
    try:
        return [v for _, v in table.resolve(_rid(ref))]
    except (ValueError, ResourceTableError):
        return None


def pick_icon(paths: list[str] | None, zf: SafeZip) -> bytes | None:
    """ApkReader._icon's choice among candidate paths (unchanged by the new reader)."""
    cands = [p for p in paths or () if zf.has(p) and p.endswith((".png", ".webp"))
             and zf.entries[p].size <= ICON_MAX]
    if not cands:
        return None
    data = zf.read(max(cands, key=lambda p: zf.entries[p].size), ICON_MAX)
    if data.startswith(b"\x89PNG") or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return data
    return None


def compare_apk(path: Path) -> dict:
    """Label, icon candidates and icon bytes by the androguard path and by ApkReader."""
    data = path.read_bytes()
    zf = SafeZip(data, path.name)
    root = ApkReader._parse_manifest(zf.read("AndroidManifest.xml", MAX_MANIFEST), path.name)
    app = next((el for el in root if _local(el) == "application"), None)
    label_ref = _attr(app, "label") if app is not None else None
    icon_ref = _attr(app, "icon") if app is not None else None
    raw = zf.read("resources.arsc", MAX_ARSC) if zf.has("resources.arsc") else None
    try:
        parser = ARSCParser(raw) if raw is not None else None
    except Exception:
        parser = None
    try:
        table = ResourceTable(raw) if raw is not None else None
    except ResourceTableError:
        table = None
    old_paths = old_icon_paths(icon_ref, parser)
    ev = ApkReader(path).read()
    return {
        "label_ref": label_ref, "icon_ref": icon_ref,
        "old_label": old_label(label_ref, parser), "new_label": ev.label,
        "old_icons": old_paths, "new_icons": new_icon_paths(icon_ref, table),
        "old_png": pick_icon(old_paths, zf), "new_png": ev.icon_png,
        "old_version": old_label(root.get("{http://schemas.android.com/apk/res/android}"
                                          "versionName"), parser),
        "new_version": ev.version_name,
    }


def androguard_values(parser, rid: int) -> list[tuple[tuple, str]]:
    """androguard's resolution as (config tuple, value); bags (lists) are not values here."""
    return [(c._get_tuple(), v) for c, v in parser.get_resolved_res_configs(rid)
            if isinstance(v, str)]


def table_differences(raw: bytes) -> list[tuple]:
    """Every resource id androguard knows whose resolution differs from ours."""
    parser = ARSCParser(raw)
    parser._analyse()
    table = ResourceTable(raw)
    out = []
    for rid in list(parser.resource_values):
        mine = [(c.key, v) for c, v in table.resolve(rid)]
        theirs = androguard_values(parser, rid)
        if mine != theirs:
            out.append((hex(rid), theirs, mine))
    return out


# ------------------------------------------------------------------ fixture APKs
@pytest.mark.parametrize("name", fixture_names())
def test_fixture_label(name):
    got = compare_apk(FIXTURE_APKS / f"{name}.apk")
    assert got["new_label"] == got["old_label"] == groundtruth(name)["label"]
    assert got["new_icons"] == got["old_icons"]
    assert got["new_png"] == got["old_png"]
    assert got["new_version"] == got["old_version"] == groundtruth(name)["version_name"]


@pytest.mark.parametrize("name", fixture_names())
def test_fixture_tables(name):
    raw = zipfile.ZipFile(FIXTURE_APKS / f"{name}.apk").read("resources.arsc")
    assert table_differences(raw) == []


# ------------------------------------------------------------------ shared corpus
def _corpus() -> list[Path]:
    if not APKS.is_dir():
        return []
    if os.environ.get("APPAUDIT_ORACLE_ALL") == "1":
        return sorted(APKS.rglob("*.apk"))
    return [APKS / n for n in NAMED if (APKS / n).is_file()]


@pytest.mark.corpus
@pytest.mark.skipif(not APKS.is_dir(), reason="shared corpus absent")
@pytest.mark.parametrize("apk", _corpus(), ids=lambda p: p.relative_to(APKS).as_posix())
def test_corpus_label_icon_differential(apk: Path):
    try:
        got = compare_apk(apk)
    except InputError as e:  # no manifest, corrupt zip: refused before the resource table
        pytest.skip(f"ApkReader refuses it: {e}")
    assert got["new_label"] == got["old_label"]
    assert got["new_icons"] == got["old_icons"]
    assert got["new_png"] == got["old_png"]
    assert got["new_version"] == got["old_version"]
    if apk.name in {Path(n).name for n in NAMED}:
        assert got["new_png"] and got["new_icons"]  # these four do have a launcher icon
        assert got["new_label"] and not got["new_label"].startswith("@")


@pytest.mark.corpus
@pytest.mark.skipif(not APKS.is_dir(), reason="shared corpus absent")
@pytest.mark.parametrize("apk", _corpus(), ids=lambda p: p.relative_to(APKS).as_posix())
def test_corpus_every_resource_id(apk: Path):
    try:
        zf = SafeZip(apk.read_bytes(), apk.name)
    except InputError as e:
        pytest.skip(f"not a readable zip: {e}")
    if not zf.has("resources.arsc"):
        pytest.skip("no resources.arsc")
    assert table_differences(zf.read("resources.arsc", MAX_ARSC)) == []


# ------------------------------------------------------------------ a table builder
def _len8(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _len16(n: int) -> bytes:
    return struct.pack("<H", n) if n < 0x8000 else struct.pack("<HH", 0x8000 | (n >> 16),
                                                                 n & 0xFFFF)


def pool(strings: list[str], utf8: bool = True) -> bytes:
    data, offsets = b"", []
    for s in strings:
        offsets.append(len(data))
        if utf8:
            b = s.encode("utf-8")
            data += _len8(len(s.encode("utf-16-le")) // 2) + _len8(len(b)) + b + b"\0"
        else:
            b = s.encode("utf-16-le")
            data += _len16(len(b) // 2) + b + b"\0\0"
    data += b"\0" * (-len(data) % 4)
    start = 28 + 4 * len(strings)
    body = struct.pack(f"<{len(strings)}I", *offsets) + data
    return struct.pack("<HHIIIIII", 1, 28, 28 + len(body), len(strings), 0,
                       0x100 if utf8 else 0, start, 0) + body


def value(dtype: int, data: int) -> bytes:
    return struct.pack("<HBBI", 8, 0, dtype, data)


def simple(dtype: int, data: int, size: int = 8) -> bytes:
    return struct.pack("<HHI", size, 0, 0) + b"\0" * (size - 8) + value(dtype, data)


def compact(dtype: int, data: int) -> bytes:
    return struct.pack("<HHI", 0, A.ENTRY_FLAG_COMPACT | (dtype << 8), data)


def bag(*items: tuple[int, int, int]) -> bytes:
    out = struct.pack("<HHIII", 16, A.ENTRY_FLAG_COMPLEX, 0, 0, len(items))
    return out + b"".join(struct.pack("<I", n) + value(t, d) for n, t, d in items)


def type_chunk(type_id: int, entries: dict[int, bytes], *, count: int | None = None,
               locale: str = "", density: int = 0, flags: int = 0) -> bytes:
    count = (max(entries) + 1 if entries else 0) if count is None else count
    loc = locale.encode().ljust(2, b"\0")[:2] + b"\0\0" if locale else b"\0" * 4
    config = struct.pack("<III", 36, 0, 0) + struct.pack("<I", density << 16)
    config = (config[:8] + loc + config[12:]).ljust(36, b"\0")
    body, where = b"", {}
    for i in sorted(entries):
        where[i] = len(body)
        body += entries[i]
    if flags & A.TYPE_FLAG_SPARSE:
        offs = b"".join(struct.pack("<HH", i, where[i] // 4) for i in sorted(entries))
        count = len(entries)
    elif flags & A.TYPE_FLAG_OFFSET16:
        offs = b"".join(struct.pack("<H", where[i] // 4 if i in where else 0xFFFF)
                        for i in range(count))
    else:
        offs = b"".join(struct.pack("<I", where.get(i, 0xFFFFFFFF)) for i in range(count))
    offs += b"\0" * (-len(offs) % 4)
    header = 20 + len(config)
    return struct.pack("<HHIBBHII", 0x201, header, header + len(offs) + len(body), type_id,
                       flags, 0, count, header + len(offs)) + config + offs + body


TYPE_NAMES = ["attr", "drawable", "string", "mipmap", "xml"]


def table(strings: list[str], chunks: list[bytes], *, utf8: bool = True,
          pkg_id: int = 0x7F) -> bytes:
    types, keys = pool(TYPE_NAMES), pool(["k"])
    name = "test".encode("utf-16-le").ljust(256, b"\0")
    body = types + keys + b"".join(chunks)
    pkg = struct.pack("<HHII", 0x200, 288, 288 + len(body), pkg_id) + name + struct.pack(
        "<IIIII", 288, len(TYPE_NAMES), 288 + len(types), 1, 0) + body
    main = pool(strings, utf8)
    return struct.pack("<HHII", 2, 12, 12 + len(main) + len(pkg), 1) + main + pkg


def rid(type_id: int, entry: int) -> int:
    return 0x7F000000 | (type_id << 16) | entry


def resolved(raw: bytes, r: int) -> list[tuple[str, str]]:
    return [(c.language, v) for c, v in ResourceTable(raw).resolve(r)]


# ------------------------------------------------------------------ hand-built tables
@pytest.mark.parametrize("utf8", [True, False])
def test_pools_and_locales_match_androguard(utf8):
    long = "x" * (20000 if utf8 else 40000)  # two-byte UTF-8 lengths, two-unit UTF-16 ones
    strings = ["App", "Appli é", "应用" * 50, long, "emoji \U0001F600", ""]
    raw = table(strings, [
        type_chunk(3, {0: simple(3, 0), 1: simple(3, 3), 2: simple(3, 5)}),
        type_chunk(3, {0: simple(3, 1), 2: simple(3, 4)}, locale="fr"),
        type_chunk(3, {0: simple(3, 2)}, locale="zh"),
    ], utf8=utf8)
    assert table_differences(raw) == []
    assert resolved(raw, rid(3, 0)) == [("", "App"), ("fr", "Appli é"), ("zh", "应用" * 50)]
    assert resolved(raw, rid(3, 1)) == [("", long)]
    assert resolved(raw, rid(3, 2))[1] == ("fr", "emoji \U0001F600")


def test_references_follow_every_config_of_the_target():
    raw = table(["res/mipmap-mdpi/ic.png", "res/mipmap-xhdpi/ic.png", "Name"], [
        type_chunk(2, {0: simple(1, rid(4, 0)), 1: simple(1, 0), 2: simple(1, rid(2, 2))}),
        type_chunk(4, {0: simple(3, 0)}, density=160),
        type_chunk(4, {0: simple(3, 1)}, density=320),
    ])
    assert table_differences(raw) == []
    t = ResourceTable(raw)
    assert [(c.density, v) for c, v in t.resolve(rid(2, 0))] == [
        (160, "res/mipmap-mdpi/ic.png"), (320, "res/mipmap-xhdpi/ic.png")]
    assert t.resolve(rid(2, 1)) == []  # @null
    assert t.resolve(rid(2, 2)) == []  # itself: nothing, as androguard
    assert t.resolve(rid(2, 9)) == [] and t.resolve(rid(9, 0)) == []
    assert t.resolve(0x01040000) == [] and t.resolve(0) == []


def test_offset16_matches_androguard():
    raw = table(["a", "b", "c"], [
        type_chunk(3, {0: simple(3, 0), 3: simple(3, 2)}, count=5, flags=A.TYPE_FLAG_OFFSET16),
        type_chunk(3, {1: simple(3, 1)}, count=4, locale="de", flags=A.TYPE_FLAG_OFFSET16),
    ])
    assert table_differences(raw) == []
    assert resolved(raw, rid(3, 3)) == [("", "c")]
    assert resolved(raw, rid(3, 1)) == [("de", "b")]
    assert resolved(raw, rid(3, 2)) == resolved(raw, rid(3, 4)) == []


def test_sparse_entries_by_index():
    # androguard reads sparse chunks as dense offsets; Android looks entries up by index
    raw = table(["zero", "seven", "three hundred"], [
        type_chunk(3, {0: simple(3, 0), 7: simple(3, 1), 300: simple(3, 2)},
                   flags=A.TYPE_FLAG_SPARSE),
    ])
    assert resolved(raw, rid(3, 0)) == [("", "zero")]
    assert resolved(raw, rid(3, 7)) == [("", "seven")]
    assert resolved(raw, rid(3, 300)) == [("", "three hundred")]
    assert resolved(raw, rid(3, 1)) == resolved(raw, rid(3, 301)) == []


def test_compact_entries():
    raw = table(["label", "res/drawable/i.png"], [
        type_chunk(3, {0: compact(3, 0), 1: compact(1, rid(2, 0)), 2: compact(0x12, 1)}),
        type_chunk(2, {0: compact(3, 1)}),
    ])
    assert resolved(raw, rid(3, 0)) == [("", "label")]  # same as androguard
    assert ARSCParser(raw).get_resolved_res_configs(rid(3, 0))[0][1] == "label"
    # androguard reads every compact entry as a string index; Android honours the type
    assert resolved(raw, rid(3, 1)) == [("", "res/drawable/i.png")]
    assert resolved(raw, rid(3, 2)) == [("", "true")]


def test_entry_size_places_the_value():
    # Android reads the value entry.size bytes after the entry; aapt always writes 8
    raw = table(["a", "b"], [type_chunk(3, {0: simple(3, 1, size=16)})])
    assert resolved(raw, rid(3, 0)) == [("", "b")]


def test_plain_values_formatted_as_androguard():
    raw = table(["s"], [type_chunk(3, {
        0: simple(0x10, 0xFFFFFFFE), 1: simple(0x11, 255), 2: simple(0x12, 0),
        3: simple(0x1C, 0xFF00FF00), 4: simple(5, 0x1001), 5: simple(6, 0x3201),
        6: simple(4, 0x3F800000), 7: simple(2, 0x01010000), 8: simple(0x44, 7),
    })])
    assert table_differences(raw) == []
    assert [v for _, v in ResourceTable(raw).resolve(rid(3, 0))] == ["-2"]


def test_bags_and_null_give_no_value():
    raw = table(["x"], [type_chunk(3, {0: bag((0x01010000, 3, 0)), 1: simple(0, 0),
                                      2: simple(3, 0)})])
    t = ResourceTable(raw)
    assert t.resolve(rid(3, 0)) == [] and t.resolve(rid(3, 1)) == []
    assert [v for _, v in t.resolve(rid(3, 2))] == ["x"]


def test_duplicate_configs_behave_as_androguard():
    raw = table(["first", "second"], [type_chunk(3, {0: simple(3, 0)}),
                                      type_chunk(3, {0: simple(3, 1)})])
    assert table_differences(raw) == []
    assert resolved(raw, rid(3, 0)) == [("", "second")]


def test_cycles_and_depth_are_typed_errors():
    raw = table(["end"], [type_chunk(3, {0: simple(1, rid(3, 1)), 1: simple(1, rid(3, 0))})])
    with pytest.raises(ResourceTableError, match="cycle"):
        ResourceTable(raw).resolve(rid(3, 0))
    n = A.MAX_DEPTH + 5
    chain = {i: simple(1, rid(3, i + 1)) for i in range(n)} | {n: simple(3, 0)}
    t = ResourceTable(table(["end"], [type_chunk(3, chain)]))
    with pytest.raises(ResourceTableError, match="deeper"):
        t.resolve(rid(3, 0))
    assert [v for _, v in t.resolve(rid(3, n - A.MAX_DEPTH + 1))] == ["end"]


def test_fan_out_is_bounded():
    # 300 configs of A each point at B, which has 300 configs: 90000 values
    locales = [f"{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(300)]
    chunks = [type_chunk(3, {0: simple(1, rid(3, 1)), 1: simple(3, 0)}, locale=loc,
                         density=i) for i, loc in enumerate(locales)]
    t = ResourceTable(table(["v"], chunks))
    assert len(t.resolve(rid(3, 1))) == 300
    with pytest.raises(ResourceTableError, match="steps"):
        t.resolve(rid(3, 0))


def test_chunk_count_is_bounded():
    empty_type = struct.pack("<HHIBBHII", 0x201, 24, 24, 3, 0, 0, 0, 24)[:20] + b"\4\0\0\0"
    with pytest.raises(ResourceTableError, match="chunks side by side"):
        ResourceTable(table(["a"], [empty_type * (A.MAX_CHUNKS + 1)])).resolve(rid(3, 0))
    eight = struct.pack("<HHI", 0x7777, 8, 8) * (A.MAX_CHUNKS + 1)
    with pytest.raises(ResourceTableError, match="chunks side by side"):
        ResourceTable(struct.pack("<HHII", 2, 12, 12 + len(eight), 1) + eight)


@pytest.mark.parametrize("raw, message", [
    (b"", "too short"),
    (b"\x03\x00\x08\x00" + b"\0" * 8, "not a resource table"),
    (struct.pack("<HHII", 2, 12, 99, 1), "truncated"),
    (struct.pack("<HHII", 2, 4, 12, 1), "table header"),
])
def test_unusable_table_header(raw, message):
    with pytest.raises(ResourceTableError, match=message):
        ResourceTable(raw)


def test_broken_string_is_a_typed_error():
    raw = bytearray(table(["abc"], [type_chunk(3, {0: simple(3, 0)})]))
    at = raw.index(b"abc\0")
    raw[at + 3] = ord("!")  # no NUL terminator
    with pytest.raises(ResourceTableError, match="NUL"):
        ResourceTable(bytes(raw)).resolve(rid(3, 0))


def test_apk_with_broken_table_keeps_the_reference(tmp_path):
    src = FIXTURE_APKS / "privacy_heavy.apk"
    out = tmp_path / "broken_arsc.apk"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data[:100] if info.filename == "resources.arsc" else data)
    ev = ApkReader(out).read()
    assert ev.label == "@7F020000" and ev.icon_png is None


# ------------------------------------------------------------------ hostile bytes
def exercise(raw: bytes, rids: list[int]) -> None:
    """Resolve every rid; ResourceTableError is the only exception allowed."""
    try:
        t = ResourceTable(raw)
    except ResourceTableError:
        return
    for r in rids:
        try:
            for config, text in t.resolve(r):
                assert isinstance(text, str)
                config.default_locale, config.language, config.country  # noqa: B018
        except ResourceTableError as e:
            assert "\n" not in str(e)


def _real(apk: Path) -> tuple[bytes, list[int]]:
    with zipfile.ZipFile(apk) as z:
        raw = z.read("resources.arsc")
    parser = ARSCParser(raw)
    parser._analyse()
    return raw, sorted(parser.resource_values)[:200]


FIXTURE_RAW, FIXTURE_RIDS = _real(FIXTURE_APKS / "exported_flags.apk")
SMALL = table(["a", "b"], [
    type_chunk(3, {0: simple(3, 0), 1: simple(1, rid(3, 0))}),
    type_chunk(2, {0: compact(3, 1)}, flags=A.TYPE_FLAG_SPARSE),
    type_chunk(3, {1: simple(3, 1)}, locale="fr", flags=A.TYPE_FLAG_OFFSET16),
], utf8=False)
SMALL_RIDS = [rid(3, 0), rid(3, 1), rid(2, 0), rid(3, 5), 0x7FFFFFFF]


def _mutations(raw: bytes):
    n = len(raw)
    return st.tuples(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 255)), max_size=8),
        st.lists(st.tuples(st.integers(0, max(0, n // 4 - 1)),
                           st.sampled_from([0, 1, 4, 8, 0x7F, 0xFFFF, 0x8000,
                                            0x7FFFFFFF, 0xFFFFFFFF, n, n - 8])), max_size=4),
        st.integers(0, n),
    )


def _mutate(raw: bytes, muts) -> bytes:
    flips, words, cut = muts
    b = bytearray(raw)
    for pos, v in flips:
        b[pos] = v
    for at, v in words:
        b[4 * at:4 * at + 4] = struct.pack("<I", v & 0xFFFFFFFF)
    return bytes(b[:cut])


HOSTILE = settings(deadline=2000, max_examples=300, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large])


@HOSTILE
@given(st.binary(max_size=2048))
@example(b"")
@example(struct.pack("<HHII", 2, 12, 12, 1))
@example(struct.pack("<HHII", 2, 12, 0xFFFFFFFF, 1))
def test_any_bytes(data):
    exercise(data, [0x7F010000, 0x7F020000, 0x7F030000])
    exercise(struct.pack("<HHII", 2, 12, 12 + len(data), 1) + data, [0x7F020000, 0x7F030000])


@HOSTILE
@given(_mutations(FIXTURE_RAW))
def test_mutated_fixture_table(muts):
    exercise(_mutate(FIXTURE_RAW, muts), FIXTURE_RIDS)


@HOSTILE
@given(_mutations(SMALL))
def test_mutated_built_table(muts):
    exercise(_mutate(SMALL, muts), SMALL_RIDS)


_CORPUS_APK = APKS / "droidbench" / "EmulatorDetection" / "PlayStore2.apk"


@pytest.mark.corpus
@pytest.mark.skipif(not _CORPUS_APK.is_file(), reason="shared corpus absent")
def test_mutated_corpus_table():
    raw, rids = _real(_CORPUS_APK)

    @HOSTILE
    @given(_mutations(raw))
    def run(muts):
        exercise(_mutate(raw, muts), rids)

    run()


def test_buffer_types():
    # ResourceTable copies what it is given into bytes: bytearray and memoryview work too
    raw = table(["a"], [type_chunk(3, {0: simple(3, 0)})])
    for buf in (bytearray(raw), memoryview(raw), io.BytesIO(raw).getvalue()):
        assert [v for _, v in ResourceTable(buf).resolve(rid(3, 0))] == ["a"]
