"""Every rule maps to a notice problem category and says, in both languages, what the
operator must change; findings carry both into result.json."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from scanner.errors import RulesetError
from scanner.model.facts import Fact
from scanner.rules.loader import load_rules, parse_rule

RULES = load_rules().rules
KNOWLEDGE = load_rules().knowledge
CJK = re.compile(r"[\u4e00-\u9fff]")
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_a_notice_category_and_bilingual_remediation(rule):
    assert rule.notice_category in KNOWLEDGE.notice_categories, rule.notice_category
    assert rule.notice_term == KNOWLEDGE.notice_categories[rule.notice_category]["zh"]
    rem = rule.doc["remediation"]
    assert CJK.search(rem["zh"]), "the Chinese remediation is Chinese"
    assert not CJK.search(rem["en"]), "the English remediation has no Chinese in it"
    assert len(rem["zh"]) >= 10 and len(rem["en"]) >= 20


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_findings_carry_category_and_filled_remediation(rule):
    for case in rule.doc["tests"]:
        if case["expect"] != "match":
            continue
        facts = [Fact(f["kind"], {k: v for k, v in f.items() if k != "kind"})
                 for f in case["facts"]]
        for finding in rule.evaluate(facts, KNOWLEDGE.pi_types):
            assert finding.notice_category == rule.notice_term
            assert finding.notice_category_id == rule.notice_category
            for text in (finding.remediation.zh, finding.remediation.en):
                assert "{" not in text and "}" not in text, (case["name"], text)


def test_vocabulary_holds_the_terms_of_the_published_notices():
    """The five terms PRODUCT.md names, exactly as the notices' 所涉问题 column prints them
    (checked against the nmca/sdca.miit.gov.cn lists named in the file's header)."""
    terms = {c["zh"]: c for c in KNOWLEDGE.notice_categories.values()}
    for term in ("违规收集个人信息", "超范围收集个人信息", "违规使用个人信息",
                 "APP强制、频繁、过度索取权限", "APP频繁自启动和关联启动",
                 "强制用户使用定向推送功能"):
        assert term in terms, term
        assert terms[term]["in_notices"] is True and terms[term]["verified"] is True
    for cid, c in KNOWLEDGE.notice_categories.items():
        assert c["cite"] in KNOWLEDGE.citations, cid
        assert c["source"], cid
        assert c["verified"] in (True, False, "partial"), cid


def test_rule_without_or_with_unknown_notice_category_is_refused(tmp_path):
    rule = next(r for r in RULES if r.id == "PRIV-PERM-0002")
    path = tmp_path / rule.path.name
    doc = copy.deepcopy(rule.doc)
    del doc["notice_category"]
    with pytest.raises(RulesetError, match="notice_category"):
        parse_rule(doc, path, KNOWLEDGE)
    doc = copy.deepcopy(rule.doc)
    doc["notice_category"] = "made_up"
    with pytest.raises(RulesetError, match="made_up"):
        parse_rule(doc, path, KNOWLEDGE)
    doc = copy.deepcopy(rule.doc)
    del doc["remediation"]
    with pytest.raises(RulesetError, match="remediation"):
        parse_rule(doc, path, KNOWLEDGE)
    doc = copy.deepcopy(rule.doc)
    doc["remediation"] = {"zh": "删除 {api}", "en": "Remove {api}"}
    with pytest.raises(RulesetError, match=r"remediation\.zh names \{api\}"):
        parse_rule(doc, path, KNOWLEDGE)


def test_scanned_fixture_findings_name_the_permission_to_remove():
    """privacy_heavy declares CAMERA, RECORD_AUDIO and READ_CONTACTS without using them
    (corpus/README.md); the remediation of each PRIV-PERM-0002 finding names its permission."""
    doc = json.loads((GOLDEN / "privacy_heavy.json").read_text(encoding="utf-8"))
    unused = {f["subject"]["name"]: f for f in doc["findings"] if f["rule"] == "PRIV-PERM-0002"}
    assert set(unused) == {"android.permission.CAMERA", "android.permission.RECORD_AUDIO",
                           "android.permission.READ_CONTACTS"}
    for name, f in unused.items():
        assert name in f["remediation"]["zh"] and name in f["remediation"]["en"]
        assert f["notice_category"] == "APP强制、频繁、过度索取权限"
    for f in doc["findings"]:
        assert f["notice_category"] and f["notice_category_id"], f["id"]
        assert f["remediation"]["zh"] and f["remediation"]["en"], f["id"]
