"""Algorithm-recommendation transparency (apk.algorithm_transparency, ALGO-TRANS-*).

The fixtures corpus/apps/transparency/* plant a feed, a switch, an ad SDK with or without
its personalisation call, an explanation and filing numbers in known places; their
groundtruth.json says what each plants and which findings follow, written from the sources
(not from scanner output). The real-cn builds of ../shared/corpus were read by hand: no
build has recommendation wording (a byte search of every resources.arsc, res/*.xml, asset
and dex for the feed phrases of rulesets/transparency.yaml in UTF-8 and UTF-16 found none),
the OAID demo ships only Huawei's advertising-identifier client (no ad serving), and the
MinimalPoem build is packed with Legu: so no ALGO-TRANS finding is expected for any of them.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from scanner.engine import ScanRequest, assemble, detect
from scanner.errors import RulesetError
from scanner.knowledge.transparency import parse_transparency
from scanner.paths import rulesets_dir
from scanner.rules.loader import load_rules
from tests.conftest import FIXTURE_APKS, FIXTURE_APPS, SHARED_CORPUS, needs_corpus

NAMES = ("feed_disclosed", "feed_undisclosed", "no_feed", "feed_packed")
RULES = load_rules()


def _scan(apk: Path):
    request = ScanRequest(apk=apk)
    ctx, inputs = detect(request, RULES.knowledge)
    facts = list(ctx.facts("apk.algorithm_transparency"))
    return facts, assemble(ctx, RULES, request, inputs, "2026-01-01T00:00:00Z")


def _gt(name: str) -> dict:
    return json.loads((FIXTURE_APPS / "transparency" / name / "groundtruth.json")
                      .read_text("utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_fact_and_findings_match_ground_truth(name):
    gt = _gt(name)
    want = gt["transparency"]
    facts, result = _scan(FIXTURE_APKS / "transparency" / f"{name}.apk")
    assert len(facts) == 1
    fact = facts[0].attrs
    for key in ("feed", "feed_evidence", "switch", "switch_evidence", "ad_sdks", "ad_switch",
                "explanation", "filing_numbers", "filing_malformed", "code_incomplete"):
        if key in want:
            assert fact[key] == want[key], key
    if "explanation_file" in want:
        assert all(e.endswith(f"({want['explanation_file']})")
                   for e in fact["explanation_evidence"])
    if "ad_switch_call" in want:
        caller = want["ad_switch_call"].split(" calls ")[0]
        assert any(caller in e for e in fact["ad_switch_evidence"])
    got = sorted({f.rule for f in result.findings if f.rule.startswith("ALGO-TRANS")})
    assert got == want["findings"]
    assert fact["text_complete"] is True


def test_findings_carry_evidence_and_both_languages():
    _, result = _scan(FIXTURE_APKS / "transparency" / "feed_undisclosed.apk")
    by_rule = {f.rule: f for f in result.findings}
    ads = by_rule["ALGO-TRANS-0002"]
    assert "腾讯广告 优量汇" in ads.title.zh and "Tencent GDT" in ads.title.en
    bad = by_rule["ALGO-TRANS-0005"]
    assert "网信算备1101080000000012400号" in bad.title.zh
    feed = by_rule["ALGO-TRANS-0001"]
    assert feed.severity.value == "low" and feed.confidence == "low"
    locs = [dict(loc) for ev in feed.evidence for loc in ev.locators]
    assert {"kind": "string", "dex": "classes.dex", "text": "为你推荐"} in locs


def test_policy_asset_mention_is_not_a_feed():
    # no_feed and feed_undisclosed both ship a policy naming 个性化推荐
    facts, _ = _scan(FIXTURE_APKS / "transparency" / "no_feed.apk")
    assert facts[0].attrs["feed"] is False
    with zipfile.ZipFile(FIXTURE_APKS / "transparency" / "no_feed.apk") as z:
        assert "个性化推荐".encode() in z.read("assets/privacy_policy.html")


def test_main_fixtures_only_privacy_heavy_ships_an_ad_sdk():
    # privacy_heavy plants Tencent GDT (groundtruth sdks) and no ad switch: ALGO-TRANS-0002;
    # no main fixture has a feed
    for apk in sorted(FIXTURE_APKS.glob("*.apk")):
        facts, result = _scan(apk)
        rules = sorted({f.rule for f in result.findings if f.rule.startswith("ALGO-TRANS")})
        assert facts[0].attrs["feed"] is False, apk.name
        want = ["ALGO-TRANS-0002"] if apk.stem == "privacy_heavy" else []
        assert rules == want, apk.name


@needs_corpus
def test_real_cn_builds_hand_checked():
    apks = sorted((SHARED_CORPUS / "apks" / "real-cn").glob("*.apk"))
    assert len(apks) == 15
    packed = []
    for apk in apks:
        facts, result = _scan(apk)
        fact = facts[0].attrs
        assert fact["feed"] is False, apk.name
        assert fact["ad_sdks"] == [], apk.name  # the OAID demo's Huawei client serves no ads
        assert not [f.rule for f in result.findings if f.rule.startswith("ALGO-TRANS")]
        if fact["code_incomplete"]:
            packed.append(apk.name)
    assert packed == ["Deali-Axy__MinimalPoem__app-release_legu_signed_zipalign.apk"]


# ---------------------------------------------------------------- the lexicon


FILINGS_SEEN = [  # public filing numbers as printed (see rulesets/transparency.yaml)
    "网信算备520111252474601240079号", "网信算备330106003156001240091号",
    "网信算备610102726918801240017号", "网信算备330110507206401230035号",
    "网信算备330109830471102220013号", "网信算备110108823483901230031号",
    "网信算备：310115124334401240013号",
]


def test_filing_format_accepts_every_published_number_and_refuses_other_shapes():
    lex = RULES.knowledge.transparency
    for text in FILINGS_SEEN:
        m = lex.filing.pattern.search(text)
        assert m and lex.filing.well_formed(m.group(1)), text
    for number in ("52011125247460124007", "5201112524746012400799", "991111252474601240079"):
        assert not lex.filing.well_formed(number), number
    # a placeholder left in a build is read as a malformed number (ALGO-TRANS-0005)
    m = lex.filing.pattern.search("网信算备110108xxxxxx号")
    assert m and m.group(1) == "110108" and not lex.filing.well_formed(m.group(1))


@pytest.mark.parametrize("text, signal, expect", [
    ("关闭个性化推荐", "switch", True),
    ("个性化推荐开关", "switch", True),
    ("你可以在设置中关闭个性化内容推荐", "switch", True),
    ("我们会向你提供个性化推荐", "switch", False),
    ("不针对您个人特征的选项", "switch", True),
    ("个性化广告推荐管理", "ad_switch", True),
    ("关闭程序化广告", "ad_switch", True),
    ("个性化广告", "ad_switch", False),
    ("算法推荐服务说明", "explanation", True),
    ("推荐算法的基本原理、目的意图和主要运行机制", "explanation", True),
    ("推荐理由：好评如潮", "explanation", False),
    ("推荐给朋友", "feed", False),
    ("猜你喜欢", "feed", True),
])
def test_signal_wording(text, signal, expect):
    sig = RULES.knowledge.transparency.signals[signal]
    assert sig.matches("resource", text) is expect


def test_keys_count_only_in_resource_names_and_compiled_xml():
    sig = RULES.knowledge.transparency.signals["switch_key"]
    assert sig.matches("xml", "personalized_recommend")
    assert sig.matches("resource_key", "personalized_recommend_title")
    assert not sig.matches("dex", "personalized_recommend")  # an SDK's API parameter


def _doc() -> dict:
    import yaml

    return yaml.safe_load((rulesets_dir() / "transparency.yaml").read_text("utf-8"))


@pytest.mark.parametrize("path, value, message", [
    (("signals", "switch", "confirm"), "(unclosed", "not a regular expression"),
    (("signals", "switch", "sources"), ["screen"], "sources"),
    (("signals", "ad_switch_api", "apis"), ["GlobalSetting.setPersonalizedState"], "descriptor"),
    (("signals", "feed", "about"), {"zh": "只有中文"}, "zh and en"),
    (("filing", "pattern"), "网信算备([0-9]+)(号)", "one group"),
    (("filing", "digits"), 3, "digits"),
    (("signals", "feed", "colour"), "red", "unknown key"),
])
def test_malformed_lexicon_is_a_ruleset_error(path, value, message):
    doc = _doc()
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    with pytest.raises(RulesetError, match=message):
        parse_transparency(doc)


def test_shipped_lexicon_loads_with_every_signal():
    lex = parse_transparency(_doc())
    assert set(lex.signals) == {"feed", "switch", "switch_key", "ad_switch", "ad_switch_key",
                                "ad_switch_api", "explanation", "filing_mention"}
    assert len(lex.apis) == 3 and lex.filing.digits == 21
