"""Every command's terminal output is in the language asked for (issue 14): each command is
run as an analyst would, with --lang zh (the default) and --lang en, on the fixtures, and its
output is checked like the reports (tests/report/test_every_label.py): no Chinese in English,
and in Chinese no raw id and no English word but the acronyms and names Chinese writes as they
are. What the inputs hold (package names, paths, app labels, hashes, profile names) is data,
shown as given, and is left out of the check.

``rules show`` prints a rule's texts and false-positive notes in both languages on purpose (for
rule authors; checked by their own test below), and ``rules categories`` lists each app type's
Chinese and English names side by side (either is accepted by --category): both are left
out."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURE_APKS, REPO
from tests.report.test_every_label import CJK, ZH_LATIN
from tests.runtime.test_runtime_log import planted_log

RAW_IDS = {"high", "medium", "low", "info", "critical", "stable", "experimental", "True",
           "False", "None", "fixed", "remaining", "new", "wrote", "classes", "passed", "failed",
           "not_rectified", "rectified", "advertising", "analytics", "push", "OK", "TAMPERED"}


def _data_free(text: str, data: list[str]) -> str:
    # diagnostics of the readers (what was skipped and why, a bundle problem's detail) are
    # technical English in both languages; their labels are checked
    text = re.sub(r"^(不完整|partial) .*$", r"\1", text, flags=re.M)
    text = re.sub(r"^(多出|缺失|内容被改|签名|清单|压缩包|added|missing|changed|signature|"
                  r"manifest|container) +\S+: .*$", r"\1", text, flags=re.M)
    text = re.sub(r"^  [a-z][a-z0-9_]*  ", "  ", text, flags=re.M)  # SDK ids (sdks table)
    text = re.sub(
        r"(?:PRIV|ALGO|SEC)-[A-Z]+-\d+|\S*/\S*|[\w-]+(?:\.[\w-]+)+\.?|[0-9a-f]{16,}…?|"
        r"android\.permission\.\w+|--[\w-]+|\b\w+=\S+|\S+\+\d\d:\d\d|Ed25519|Frida|REPL|"
        r"consent\(\)|\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|"
        r"\b\w+(?:\.\w+)*\(\)|\bproceed\b", " ", text)
    for d in sorted(data, key=len, reverse=True):
        if d:
            text = text.replace(d, " ")
    return text


def _check(out: str, lang: str, what: str, data: list[str]) -> None:
    text = _data_free(out, data)
    if lang == "en":
        bad = CJK.findall(text)
        assert not bad, f"{what} (en) shows Chinese {sorted(set(bad))}:\n{out}"
        return
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    english = sorted(words - ZH_LATIN)
    assert not english, f"{what} (zh) shows English {english}:\n{out}"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("cmds")
    r = CliRunner()
    v1, v2 = tmp / "v1", tmp / "v2"
    for apk, out in (("recheck_v1.apk", v1), ("recheck_v2.apk", v2)):
        res = r.invoke(cli, ["scan", str(FIXTURE_APKS / apk), "--out", str(out),
                             "--format", "json"])
        assert res.exit_code == 0, res.output
    batch_in = tmp / "apks"
    batch_in.mkdir()
    for name in ("clean.apk", "multidex_sdk.apk"):
        (batch_in / name).write_bytes((FIXTURE_APKS / name).read_bytes())
    policy = tmp / "policy.txt"
    policy.write_text("我们收集您的设备识别码与位置信息，用于提供服务。" * 20, "utf-8")
    labels = [json.loads((d / "result.json").read_text("utf-8"))["app"]["label"]
              for d in (v1, v2)]
    return {"tmp": tmp, "v1": v1 / "result.json", "v2": v2 / "result.json", "batch": batch_in,
            "policy": policy, "log": planted_log(tmp / "hooks.jsonl"),
            "data": [*labels, "隐私测试", "张三", "整改复检测试", "测试购物"]}


def _commands(w: dict, lang: str, tmp: Path) -> list[tuple[str, list[str], set[int]]]:
    apk = str(FIXTURE_APKS / "privacy_heavy.apk")
    traffic = REPO / "corpus" / "traffic"
    case = tmp / "case.zip"
    return [
        ("scan", ["scan", apk, "--category", "新闻资讯类", "--out", str(tmp / "s")], {0}),
        ("traffic", ["traffic", str(traffic / "session.har"), "--device-facts",
                     str(traffic / "device-facts.json"), "--out", str(tmp / "t"),
                     "--format", "json"], {0}),
        ("runtime", ["runtime", str(w["log"]), "--out", str(tmp / "r"), "--format", "json"],
         {0}),
        ("policy", ["policy", str(w["policy"]), "--apk", apk, "--out", str(tmp / "p"),
                    "--format", "json"], {0}),
        ("sdks", ["sdks", str(FIXTURE_APKS / "multidex_sdk.apk")], {0}),
        ("diff", ["diff", str(w["v1"]), str(w["v2"]), "--out", str(tmp / "d")], {0}),
        ("report", ["report", str(w["v1"]), "--format", "html,sarif", "-o", str(tmp / "rep")],
         {0}),
        ("keys generate", ["keys", "generate", "--analyst", "张三", "--force"], {0}),
        ("keys list", ["keys", "list"], {0}),
        ("bundle", ["bundle", str(w["v1"]), "--analyst", "张三", "--include-inputs",
                    "-o", str(case)], {0}),
        ("verify", ["verify", str(case)], {0}),
        ("verify tampered", ["verify", str(tmp / "bad.zip")], {1}),
        ("hooks", ["hooks", "-o", str(tmp / "hooks.js")], {0}),
        ("batch", ["batch", str(w["batch"]), "--db", str(tmp / "b.sqlite"), "--no-progress",
                   "--reports", str(tmp / "per-app")], {0}),
        ("batch-report", ["batch-report", str(tmp / "b.sqlite"), "-o",
                          str(tmp / "overview.html")], {0}),
        ("batch-report --notice", ["batch-report", str(tmp / "b.sqlite"), "--notice",
                                   "--min-severity", "low", "-o", str(tmp / "notice.xlsx")],
         {0}),
        ("rules list", ["rules", "list"], {0}),
        ("rules test", ["rules", "test"], {0}),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_speaks_the_language(work, lang, tmp_path, monkeypatch):
    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(tmp_path / "keys"))
    r = CliRunner()
    for what, args, codes in _commands(work, lang, tmp_path):
        if what == "verify tampered":
            with zipfile.ZipFile(tmp_path / "case.zip") as src, \
                    zipfile.ZipFile(tmp_path / "bad.zip", "w") as dst:
                for info in src.infolist():
                    dst.writestr(info, src.read(info))
                dst.writestr("extra.txt", "x")
        res = r.invoke(cli, [*args, "--lang", lang])
        assert res.exit_code in codes, (what, res.output)
        assert res.output.strip(), what
        _check(res.output, lang, what, work["data"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rules_show_false_positive_notes_in_both_languages(lang):
    """`rules show` prints each false-positive note in Chinese and in English (the rule's
    texts are shown in both for rule authors); every rule has both, and each is in its
    script."""
    from scanner.report.i18n import messages
    from scanner.rules.loader import load_rules

    rules = load_rules().rules
    assert sum(len(r.doc.get("falsepositives") or ()) for r in rules) >= 70
    for r in rules:
        for fp in r.doc.get("falsepositives") or ():
            assert CJK.search(fp["zh"]) and not CJK.search(fp["en"]), (r.id, fp)
    res = CliRunner().invoke(cli, ["rules", "show", "PRIV-CODE-0001", "--lang", lang])
    assert res.exit_code == 0, res.output
    head, _, notes = res.output.partition(messages(lang)["cli_false_positives"])
    notes = notes.split(messages(lang)["cli_file"])[0]
    # by hand, from rulesets/rules/code/PRIV-CODE-0001-over-scope-static.yaml
    assert "受同意检查保护的代码路径" in notes and "Code paths guarded by a consent check" in notes
    zh = [ln.strip()[2:] for ln in notes.splitlines() if ln.strip().startswith("- ")]
    en = [ln.strip() for ln in notes.splitlines()
          if ln.strip() and not ln.strip().startswith(("- ", ":"))]
    assert len(zh) == len(en) == 2 and all(CJK.search(x) for x in zh) and \
        not any(CJK.search(x) for x in en), notes
