"""Errors of the rule and knowledge files (exit 4) and the rules' self-test are said in the
user's language (issue 14): the real CLI is run on a copy of the rulesets broken one way at a
time, in Chinese (the default) and with --lang en. The line names the file and the YAML
location as they are (data); everything around them comes from the catalogs, so the Chinese
line has no English sentence and the English one no Chinese (checked as every command's
output is, tests/cli/test_every_command_language.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_every_command_language import _check
from tests.conftest import FIXTURE_APKS, REPO

NET3 = "rules/traffic/PRIV-NET-0003-pi-before-consent.yaml"


def _broken(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    folder = tmp_path / "rulesets"
    shutil.copytree(REPO / "rulesets", folder)
    path = folder / rel
    text = path.read_text("utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), "utf-8")
    return folder


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, APPAUDIT_RULESETS_DIR=str(folder), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "scanner", *args], env=env,
                          capture_output=True, text=True, timeout=120)


# (file, text, replacement, what the English line says: from en.yaml by hand,
# what the Chinese line says: from zh.yaml by hand)
BREAKAGES = [
    (NET3, "  fact: traffic.transmission", "  fact: traffic.transmision",
     "match.fact: unknown fact kind 'traffic.transmision' (rulesets/facts.yaml lists the kinds)",
     "：match.fact：未知的事实类型“traffic.transmision”（rulesets/facts.yaml 列出了可用的类型）"),
    (NET3, "pi_types_from: pi_type", "pi_types_from: pi_typ",
     "pi_types_from: fact 'traffic.transmission' has no field 'pi_typ' (its fields: ",
     "：pi_types_from：事实“traffic.transmission”没有字段“pi_typ”（它的字段："),
    (NET3, "severity: high", "severity: severe",
     "severity: 'severe' is not one of info, low, medium, high, critical",
     "：severity：'severe' 不是以下之一：info, low, medium, high, critical"),
    (NET3, "status: stable", "status: [stable",
     "invalid YAML (PyYAML: ", "：不是有效的 YAML（PyYAML："),
    ("api-map.yaml", "permissions: [android.permission.READ_PHONE_STATE]",
     "permissions: [android.permission.READ_PHONE_STAT]",
     "permission 'android.permission.READ_PHONE_STAT' not in permissions.yaml",
     "：权限“android.permission.READ_PHONE_STAT”不在 permissions.yaml 中"),
    ("packers.yaml", "  - id: ", "  - colour: red\n    id: ",
     ": unknown keys colour", "：未知的键 colour"),
]


@pytest.mark.parametrize(("rel", "old", "new", "en", "zh"), BREAKAGES,
                         ids=["fact-kind", "field", "schema", "yaml", "permission", "packers"])
def test_a_ruleset_error_in_each_language(tmp_path, rel, old, new, en, zh):
    folder = _broken(tmp_path, rel, old, new)
    # data: the file and its YAML location, the names and values it holds
    # (the values a rule author types: field names, severities, keys)
    from scanner.knowledge import load_knowledge
    from scanner.model.findings import SEVERITY_NAMES

    fields = list(load_knowledge().facts.kinds["traffic.transmission"].fields)
    data = [str(folder), rel, "traffic.transmision", "traffic.transmission", "pi_typ",
            "apis[0]", "packers[0]", "colour", "YAML", *fields, *SEVERITY_NAMES]
    # the packer signatures are read by a scan, the rest by every command
    command = (["scan", str(FIXTURE_APKS / "clean.apk"), "--out", str(tmp_path / "o")]
               if rel == "packers.yaml" else ["rules", "list"])
    for lang, prefix, says in (("zh", "appaudit：错误：规则集错误：", zh),
                               ("en", "appaudit: error: ruleset error: ", en)):
        proc = _run(folder, *command, *(["--lang", "en"] if lang == "en" else []))
        assert proc.returncode == 4, proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(prefix), proc.stderr
        assert says in lines[0], lines[0]
        # what PyYAML says is quoted as it says it (third-party wording)
        line = lines[0].split("PyYAML")[0]
        _check(line.replace(prefix, " "), lang, f"ruleset error {rel}", data)


def test_rules_self_test_details_in_each_language(tmp_path):
    # the rule's match case now expects no match: it fails, and the rule has no match
    # case left (a structural problem)
    folder = _broken(tmp_path, NET3, "    expect: match", "    expect: no_match")
    out = {}
    for lang in ("zh", "en"):
        proc = _run(folder, "rules", "test", "--lang", lang)
        assert proc.returncode == 1, proc.stderr
        out[lang] = [ln for ln in proc.stdout.splitlines() if "PRIV-NET-0003" in ln]
        # data: the rule's test case names and the expect values it lacks
        _check("\n".join(out[lang]), lang, "rules test", ["IMEI before consent", "'match'",
                                                          "“match”"])
    # by hand from the catalogs: cli_rules_test_fail, selftest_structure,
    # selftest_missing_case, selftest_unexpected_match
    assert "未通过 PRIV-NET-0003 （结构）：缺少“match”测试用例" in out["zh"]
    assert "FAIL PRIV-NET-0003 (structure): no 'match' test case" in out["en"]
    assert any(ln.startswith("未通过 PRIV-NET-0003 ")
               and ln.endswith("：不应匹配，实际得到 1 条发现") for ln in out["zh"]), out["zh"]
    assert any(ln.startswith("FAIL PRIV-NET-0003 ")
               and ln.endswith(": expected no match, got 1 finding(s)") for ln in out["en"])
