"""The validation stamps of the shipped rulesets: current, and skipping validation only
when the data is exactly what was validated."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from scanner import stamps
from scanner.errors import RulesetError
from scanner.knowledge import validated
from scanner.rules.loader import load_rules_from
from scanner.sdk.loader import catalogue_files, load_files

REPO = Path(__file__).resolve().parents[2]
RULESETS = REPO / "rulesets"


def test_stamps_are_current():
    assert stamps.main(["--check"]) == 0, "run python -m scanner.knowledge"


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


def test_every_preparsed_yaml_is_exact():
    import yaml

    files = [p for root in (RULESETS, REPO / "reports") for p in sorted(root.rglob("*.yaml"))
             if "_tools" not in p.relative_to(root).parts]
    preparsed = 0
    for path in files:
        raw = path.read_bytes()
        known = validated.parsed_yaml(raw)
        assert validated.parsed_yaml(raw + b"\n# edited\n") is None, path
        if known is None:  # edited since the last stamp: parsed as YAML, only slower
            continue
        preparsed += 1
        assert known == yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert preparsed > 20


def test_every_shipped_yaml_is_preparsed():
    """A shipped YAML file that is not pre-parsed still loads, only slower; for the message
    catalogs that is ~50 ms of CPU on every scan, so the shipped files must all be in the
    stamp file (python -m scanner.knowledge refreshes it after an edit)."""
    files = [p for root in (RULESETS, REPO / "reports") for p in sorted(root.rglob("*.yaml"))
             if "_tools" not in p.relative_to(root).parts]
    missing = [str(p.relative_to(REPO)) for p in files
               if validated.parsed_yaml(p.read_bytes()) is None
               and p.read_bytes().strip()]  # (an empty document has nothing to keep)
    assert missing == [], "run python -m scanner.knowledge"


def test_the_message_catalogs_come_pre_parsed(monkeypatch):
    """scanner.messages reads the shipped catalogs from the stamp file, not with yaml."""
    from scanner import messages, preparsed

    messages._catalog_file.cache_clear()
    calls = []
    monkeypatch.setattr(preparsed, "parsed_yaml", lambda raw, folder: calls.append(len(raw))
                        or {"probe_key": "from the stamp"})
    try:
        assert messages._catalog_file("zh") == {"probe_key": "from the stamp"}
        assert calls
    finally:
        messages._catalog_file.cache_clear()


def test_a_comment_in_a_rule_keeps_its_stamp(copy):
    rule = next((copy / "rules" / "manifest").glob("PRIV-MAN-0002*.yaml"))
    rule.write_text("# a comment an editor added\n" + rule.read_text("utf-8"), "utf-8")
    validated._stamps.cache_clear()
    rules = load_rules_from(copy, trust=True)
    assert validated.is_validated(copy, "rules", rules.digest)


def test_comments_and_docstrings_do_not_count_in_the_validators():
    src = (REPO / "scanner" / "rules" / "loader.py").read_text("utf-8")
    edited = src.replace('"""Loading rule files', '"""Reading rule files', 1)
    edited = edited.replace("\nMAX_EVIDENCE_PER_FINDING", "\n# a comment\nMAX_EVIDENCE_PER_FINDING")
    assert edited != src

    def dump(text: str) -> str:
        return ast.dump(stamps._without_docstrings(ast.parse(text)))

    assert dump(edited) == dump(src)
    assert dump(src.replace("MAX_EVIDENCE_PER_FINDING = 200", "MAX_EVIDENCE_PER_FINDING = 20")) \
        != dump(src)


def test_an_edited_translation_keeps_the_stamps_current(tmp_path, monkeypatch, capsys):
    reports = tmp_path / "reports"
    shutil.copytree(REPO / "reports", reports)
    zh = reports / "i18n" / "zh.yaml"
    text = zh.read_text("utf-8")
    zh.write_text(text + "\nextra_message_for_the_test: 测试\n", "utf-8")
    monkeypatch.setenv("APPAUDIT_REPORTS_DIR", str(reports))
    assert stamps.main(["--check"]) == 0
    assert "not pre-parsed" in capsys.readouterr().out
