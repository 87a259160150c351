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
