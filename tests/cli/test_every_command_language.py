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
    # what was skipped and why (不完整), a bundle problem's detail and the error lines are
    # checked like the rest (they come from the catalogs by message id)
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
    other = tmp / "other"
    for apk, out in (("recheck_v1.apk", v1), ("recheck_v2.apk", v2), ("clean.apk", other)):
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
    har = (REPO / "corpus" / "traffic" / "session.har").read_bytes()
    cut = tmp / "cut.har"
    cut.write_bytes(har[:len(har) * 2 // 3])  # a capture cut short: damage after some entries
    return {"tmp": tmp, "v1": v1 / "result.json", "v2": v2 / "result.json", "batch": batch_in,
            "other": other / "result.json",
            "policy": policy, "log": planted_log(tmp / "hooks.jsonl"), "cut": cut,
            "data": [*labels, "隐私测试", "张三", "整改复检测试", "测试购物", "加固测试360"]}


def _commands(w: dict, lang: str, tmp: Path) -> list[tuple[str, list[str], set[int]]]:
    apk = str(FIXTURE_APKS / "privacy_heavy.apk")
    traffic = REPO / "corpus" / "traffic"
    case = tmp / "case.zip"
    return [
        ("scan", ["scan", apk, "--category", "新闻资讯类", "--out", str(tmp / "s")], {0}),
        # a packed build and a capture cut short: the result is partial (不完整), and says why
        ("scan packed", ["scan", str(FIXTURE_APKS / "packed" / "jiagu.apk"), "--flows",
                         str(w["cut"]), "--out", str(tmp / "sp"), "--format", "json"], {0}),
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
        if what == "scan packed":  # the reasons are there, in the language
            assert ("不完整" if lang == "zh" else "partial") in res.output, res.output
        if what == "verify tampered":
            assert ("多出" if lang == "zh" else "added") in res.output, res.output
        _check(res.output, lang, what, work["data"])


def _error_cases(tmp: Path, work: dict) -> list[tuple[str, list[str], int]]:
    """Commands that stop on bad input (3), a bad option value (2) or a broken ruleset (4):
    each says one line, in the language asked for."""
    text = tmp / "notes.txt"
    text.write_text("not an apk", "utf-8")
    empty = tmp / "empty.har"
    empty.write_bytes(b"")
    not_zip = tmp / "fake.apk"
    not_zip.write_bytes(b"PK\x03\x04 not really a zip")
    other_zip = tmp / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("a.txt", "x")
    bad_json = tmp / "bad.json"
    bad_json.write_text("{}", "utf-8")
    facts = tmp / "facts.json"
    facts.write_text("[1, 2]", "utf-8")
    rules = tmp / "rules"
    (rules / "rules").mkdir(parents=True)
    apk = str(FIXTURE_APKS / "clean.apk")
    return [
        ("missing apk", ["scan", str(tmp / "nope.apk")], 3),
        ("folder as apk", ["scan", str(tmp)], 3),
        ("text as apk", ["scan", str(text)], 3),
        ("broken zip", ["scan", str(not_zip)], 3),
        ("empty capture", ["traffic", str(empty)], 3),
        ("facts not a mapping", ["scan", apk, "--device-facts", str(facts), "--out",
                                 str(tmp / "f")], 3),
        ("bad tz", ["scan", apk, "--tz", "Mars/Base"], 2),
        ("bad time", ["scan", apk, "--consent-at", "yesterday"], 2),
        ("unknown category", ["scan", apk, "--category", "toys"], 2),
        ("unknown format", ["report", str(work["v1"]), "--format", "docz"], 2),
        ("not a result", ["report", str(bad_json), "--format", "html"], 3),
        ("not a bundle", ["verify", str(other_zip)], 3),
        ("diff of two apps", ["diff", str(work["v1"]), str(work["other"])], 3),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_error_lines_speak_the_language(work, lang, tmp_path):
    """The `appaudit: error:` line of exit 2/3 is in the language asked for: the prefix
    and the message from the catalogs; only the data (paths, values typed) as given."""
    r = CliRunner()
    for what, args, code in _error_cases(tmp_path, work):
        res = r.invoke(cli, [*args, "--lang", lang])
        assert res.exit_code == code, (what, res.output)
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        assert len(lines) == 1, (what, res.stderr)
        prefix = "appaudit：错误：" if lang == "zh" else "appaudit: error: "
        assert lines[0].startswith(prefix), (what, lines[0])
        line = lines[0].replace(str(tmp_path), " ")
        # values typed on the command line are data: shown as given
        for v in ("Mars/Base", "yesterday", "toys", "docz"):
            line = line.replace(v, " ")
        if what in ("unknown category", "unknown format"):  # the ids one types, and the
            # command that lists them
            line = re.sub(r"`[^`]*`|\b[a-z]+(?:_[a-z]+)*\b(?=,|$)|\bid\b", " ", line)
        _check(line, lang, what, work["data"] + ["other_app"])


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
