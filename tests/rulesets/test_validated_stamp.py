"""The validation stamps of the shipped rulesets: current, and skipping validation only
when the data is exactly what was validated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.errors import RulesetError
from scanner.knowledge import validated
from scanner.rules.loader import load_rules_from
from scanner.sdk.loader import catalogue_files, load_files

REPO = Path(__file__).resolve().parents[2]
RULESETS = REPO / "rulesets"


def test_stamps_are_current():
    assert validated.main(["--check"]) == 0, "run python -m scanner.knowledge"


def test_trusted_and_validated_loads_are_identical():
    trusted, checked = load_rules_from(RULESETS, trust=True), load_rules_from(RULESETS, trust=False)
    assert trusted.digest == checked.digest
    assert validated.is_validated(RULESETS, "rules", trusted.digest)
    assert [(r.id, r.doc, r.title, r.legal_basis) for r in trusted.rules] == \
        [(r.id, r.doc, r.title, r.legal_basis) for r in checked.rules]
    files = catalogue_files(RULESETS / "sdks")
    fast, slow = load_files(files, trust=True), load_files(files, trust=False)
    assert validated.is_validated(RULESETS, "sdks", fast.digest)
    assert fast == slow  # frozen dataclasses: every field of every signature


@pytest.fixture
def copy(tmp_path):
    dst = tmp_path / "rulesets"
    shutil.copytree(RULESETS, dst)
    return dst


def test_an_edited_rule_is_validated_again(copy):
    rule = next((copy / "rules" / "manifest").glob("PRIV-MAN-0002*.yaml"))
    rule.write_text(rule.read_text("utf-8").replace("severity: medium", "severity: fatal"),
                    "utf-8")
    with pytest.raises(RulesetError, match="severity"):
        load_rules_from(copy, trust=True)


def test_an_edited_sdk_entry_is_validated_again(copy):
    china = copy / "sdks" / "china.yaml"
    text = china.read_text("utf-8")
    china.write_text(text.replace("code_signature:", "code_signatur:", 1), "utf-8")
    with pytest.raises(RulesetError, match="unknown keys"):
        load_files(catalogue_files(copy / "sdks"), trust=True)


def test_a_missing_or_foreign_stamp_validates(copy):
    (copy / validated.STAMP_FILE).unlink()
    validated._stamps.cache_clear()
    rules = load_rules_from(copy, trust=True)
    assert not validated.is_validated(copy, "rules", rules.digest)


def test_every_shipped_yaml_is_preparsed_exactly():
    import yaml

    files = [p for root in (RULESETS, REPO / "reports") for p in sorted(root.rglob("*.yaml"))
             if "_tools" not in p.relative_to(root).parts]
    assert len(files) > 20
    for path in files:
        raw = path.read_bytes()
        fresh = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert validated.parsed_yaml(raw) == fresh, path
        assert validated.parsed_yaml(raw + b"\n# edited\n") is None, path
