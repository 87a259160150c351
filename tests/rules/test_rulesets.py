"""Every rule: schema, id and file name, citations resolve, match and no-match cases pass."""

from __future__ import annotations

import pytest

from scanner.rules.loader import load_rules
from scanner.rules.selftest import run_case, structural_problems

RULES = load_rules().rules


def test_rule_schema_is_a_valid_schema():
    import jsonschema

    from scanner.rules.schema import RULE_SCHEMA

    jsonschema.Draft202012Validator.check_schema(RULE_SCHEMA)


def test_rules_exist_and_ids_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 16


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_structure(rule):
    assert rule.path.name.startswith(rule.id)
    assert not structural_problems(rule)
    assert rule.legal_basis, "every rule cites its legal basis"
    for c in rule.legal_basis:
        assert c.instrument.zh and c.article.zh, c.cite


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_embedded_cases(rule):
    for case in rule.doc["tests"]:
        result = run_case(rule, case)
        assert result.passed, f"{case['name']}: {result.detail}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_messages_fill_every_placeholder(rule):
    """The findings of a rule's own match cases read as text, never as ``{field}``."""
    from scanner.model.facts import Fact

    knowledge = load_rules().knowledge
    for case in rule.doc["tests"]:
        if case["expect"] != "match":
            continue
        facts = [Fact(f["kind"], {k: v for k, v in f.items() if k != "kind"})
                 for f in case["facts"]]
        findings = rule.evaluate(facts, knowledge.pi_types)
        assert findings, case["name"]
        for finding in findings:
            for text in (finding.title.zh, finding.title.en):
                assert "{" not in text and "}" not in text, (case["name"], text)


def test_message_naming_a_field_outside_group_by_is_refused(tmp_path):
    import copy

    from scanner.errors import RulesetError
    from scanner.rules.loader import parse_rule

    rule = next(r for r in RULES if r.id == "PRIV-PERM-0003")
    doc = copy.deepcopy(rule.doc)
    doc["group_by"] = ["api", "pi_type"]
    path = tmp_path / rule.path.name
    with pytest.raises(RulesetError, match=r"names \{permissions\}"):
        parse_rule(doc, path, load_rules().knowledge)
    doc["group_by"] = ["api", "permissions", "pi_type"]
    assert parse_rule(doc, path, load_rules().knowledge).id == "PRIV-PERM-0003"
    # {api_readable} and {api_verb} are derived from a group_by field; a description may
    # name them too, but not a field outside group_by
    doc["description"] = {"zh": "{host}", "en": "x"}
    with pytest.raises(RulesetError, match=r"description.zh names \{host\}"):
        parse_rule(doc, path, load_rules().knowledge)
