"""scanner.ingest.app_text and the string searches under it, against independent readers.

Oracles: androguard's StringBlock (every string of resources.arsc's global pool, of each
package's key pool and of a compiled XML file's pool, decoded one by one), and for dex
files every string decoded through DexFile.string (whose decoding the dex tests check
against androguard). The searches must return exactly the strings of the pool that contain
a needle, though they decode only the strings around a byte match.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from scanner.messages import is_message

pytest.importorskip("androguard")

from androguard.core.axml import ARSCParser, AXMLParser  # noqa: E402  (the oracle)
from loguru import logger  # noqa: E402

from scanner.ingest.apk import ApkReader  # noqa: E402
from scanner.ingest.app_text import search_text  # noqa: E402
from scanner.ingest.arsc import ResourceTable, ResourceTableError, xml_strings_containing  # noqa: E402
from scanner.ingest.dex import DexIndex  # noqa: E402
from scanner.model.evidence import TextFile  # noqa: E402
from tests.conftest import FIXTURE_APKS, SHARED_CORPUS  # noqa: E402

logger.disable("androguard")

NEEDLES = ("个性化", "推荐", "猜你喜欢", "网信算备", "app", "setting", "_title", "Google")
FIXTURES = sorted(FIXTURE_APKS.glob("*.apk")) + sorted(FIXTURE_APKS.glob("transparency/*.apk"))
REAL = sorted((SHARED_CORPUS / "apks" / "real-cn").glob("*.apk"))[:6]


def _block_strings(block) -> list[str]:
    return [block.getString(i) for i in range(block.stringCount)]


def _containing(strings, needles) -> list[str]:
    return sorted(s for s in strings if any(n in s for n in needles))


@pytest.mark.parametrize("apk", FIXTURES + REAL, ids=lambda p: p.name)
def test_arsc_pools_match_androguard(apk: Path):
    with zipfile.ZipFile(apk) as z:
        if "resources.arsc" not in z.namelist():
            pytest.skip("no resources.arsc")
        raw = z.read("resources.arsc")
    parser = ARSCParser(raw)
    table = ResourceTable(raw)
    for needles in (NEEDLES, ("猜你喜欢",), ("zz-not-there",)):
        want = _containing(_block_strings(parser.stringpool_main), needles)
        assert sorted(table.strings_containing(needles)) == want
        keys = []
        for pkg in parser.packages:
            keys += _block_strings(parser.packages[pkg][2])  # [package, type pool, key pool]
        assert sorted(table.keys_containing(needles)) == _containing(keys, needles)


@pytest.mark.parametrize("apk", FIXTURES + REAL[:3], ids=lambda p: p.name)
def test_compiled_xml_pools_match_androguard(apk: Path):
    with zipfile.ZipFile(apk) as z:
        names = [n for n in z.namelist()
                 if n.startswith(("res/xml", "res/layout", "res/menu")) and n.endswith(".xml")]
        files = [(n, z.read(n)) for n in names[:60]]
    for name, raw in files:
        sb = AXMLParser(raw).sb
        want = _containing(_block_strings(sb), NEEDLES)
        assert sorted(xml_strings_containing(raw, NEEDLES)) == want, name


@pytest.mark.parametrize("apk", FIXTURES[:3] + REAL[:3], ids=lambda p: p.name)
def test_dex_strings_containing_matches_every_string_decoded(apk: Path):
    ev = ApkReader(apk).read()
    index = DexIndex.from_dex_files([(d.name, d.data) for d in ev.dex_files])
    # mixed needles take the byte-regex scan; needles that all begin with a non-ASCII byte
    # (CJK phrases, the transparency lexicon's case) take the lead-byte prefilter
    for needles in (("个性化", "recommend", "Activity;", "http"),
                    ("个性化", "推荐", "用户", "获取", "更新", "支付", "网络", "权限")):
        got = sorted(index.strings_containing(needles, limit=10**6))
        want = sorted((d.name, d.string(i)) for d in index.dexes
                      for i in range(len(d.string_offs)) if any(n in d.string(i) for n in needles))
        assert got == want, needles
        capped = index.strings_containing(needles, limit=2)
        assert set(capped) <= set(want)
        assert len(capped) >= min(2, len(want))


def test_search_text_reads_every_kind_of_file():
    ev = ApkReader(FIXTURE_APKS / "transparency" / "feed_disclosed.apk").read()
    kinds = {f.kind for f in ev.text_files}
    assert kinds == {"arsc", "xml", "asset"} and ev.text_complete
    found = search_text(ev.text_files, ("猜你喜欢", "personalized_recommend", "网信算备",
                                        "算法推荐服务说明", "pref_feed"))
    got = {(h.kind, h.file, h.text) for h in found.hits}
    assert ("resource", "resources.arsc", "猜你喜欢") in got
    assert ("xml", "res/xml/settings.xml", "personalized_recommend") in got
    assert ("xml", "res/layout/about.xml", "网信算备110108000000001240001号") in got
    assert ("asset", "assets/algorithm_intro.html", "<h1>算法推荐服务说明</h1>") in got
    assert ("resource_key", "resources.arsc", "pref_feed_title") in got
    assert found.problems == ()


def test_asset_in_gb18030_and_utf16_is_read():
    text = "设置\n关闭个性化推荐\n"
    for enc in ("gb18030", "utf-16"):
        f = TextFile("assets/a.txt", "asset", 0, text.encode(enc))
        hits = search_text([f], ("个性化",)).hits
        assert [h.text for h in hits] == ["关闭个性化推荐"], enc


def test_damaged_text_files_are_problems_never_crashes():
    ev = ApkReader(FIXTURE_APKS / "transparency" / "feed_disclosed.apk").read()
    rng = random.Random(18)
    seen = 0
    for f in ev.text_files:
        for _ in range(150):
            data = bytearray(f.data)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            cut = bytes(data[:rng.randint(0, len(data))]) if rng.random() < 0.3 else bytes(data)
            found = search_text([TextFile(f.name, f.kind, len(cut), cut)],
                                ("个性化", "推荐", "personalized", "网信算备"))
            # each problem is a message naming the file, its reason a message too (said in
            # the report's language, not English text)
            for p in found.problems:
                assert is_message(p) and p["params"]["what"] == f.name, p
                assert is_message(p["params"]["reason"]), p
            seen += len(found.problems)
    assert seen  # some of the damaged tables are unreadable (else nothing was checked)
    with pytest.raises(ResourceTableError):
        ResourceTable(b"\x02\x00\x0c\x00" + b"\xff" * 8)


def test_text_bounds_mark_the_set_incomplete(monkeypatch):
    from scanner import limits

    monkeypatch.setattr(limits, "MAX_TEXT_FILES", 1)
    ev = ApkReader(FIXTURE_APKS / "transparency" / "feed_disclosed.apk").read()
    assert not ev.text_complete and len(ev.text_files) <= 2


def test_crafted_pool_headers_give_nothing_or_a_problem():
    import struct

    pool = struct.pack("<HHI", 0x0001, 28, 20)  # a pool chunk shorter than its header
    xml = struct.pack("<HHI", 0x0003, 8, 8 + 40) + pool + b"\x00" * 32
    assert xml_strings_containing(xml, ("a",)) == []
    big = struct.pack("<HHI", 0x0001, 28, 40) + struct.pack("<IIIII", 10**6, 0, 0, 28, 0)
    xml = struct.pack("<HHI", 0x0003, 8, 8 + 40) + big + b"\x00" * 12
    assert xml_strings_containing(xml, ("a",)) == []  # a string count past the chunk
    for cut in range(0, len(xml)):
        assert isinstance(xml_strings_containing(xml[:cut], ("a",)), list)
