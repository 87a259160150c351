"""Hostile manifests and rule folders, round two: each case is its own minimal input.

The manifests are written with corpus/axml.py into a copy of corpus/apk/clean.apk.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest
from click.testing import CliRunner

from corpus.axml import Node, apk_with_manifest, encode, manifest
from scanner import limits
from scanner.cli import cli
from scanner.ingest.axml import check_axml
from scanner.paths import rulesets_dir


def _app(children):
    return manifest([Node("uses-sdk", {"minSdkVersion": 21, "targetSdkVersion": 30}),
                     Node("application", {"label": "H"}, {}, children)])


def _one_error_line(res, *needles):
    assert "Traceback" not in res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, lines
    assert "internal error" not in lines[0]
    for n in needles:
        assert n in lines[0], lines[0]


def test_axml_writer_round_trip(tmp_path):
    # the writer itself, read back by the real scanner: one exported activity
    apk = apk_with_manifest(encode(_app([Node("activity", {"name": ".Main", "exported": True})])),
                            tmp_path / "one.apk")
    res = CliRunner().invoke(cli, ["scan", str(apk), "--out", str(tmp_path / "o"),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "o" / "result.json").read_text("utf-8"))
    assert doc["app"]["package"] == "com.example.hostile"
    assert [(c["name"], c["exported"]) for c in doc["app"]["components"]] == [
        ("com.example.hostile.Main", True)]


def test_deep_manifest_refused_before_androguard(tmp_path):
    # 100,000 nested elements in ~20 KB took androguard's printer about a minute
    root = cur = Node("x")
    for _ in range(100_000):
        nxt = Node("x")
        cur.children.append(nxt)
        cur = nxt
    apk = apk_with_manifest(encode(_app([root])), tmp_path / "deep.apk")
    assert apk.stat().st_size < 100_000
    t0 = time.perf_counter()
    res = CliRunner().invoke(cli, ["scan", str(apk), "--out", str(tmp_path / "o")])
    assert time.perf_counter() - t0 < 15
    assert res.exit_code == 3
    _one_error_line(res, "deep.apk", "MAX_XML_DEPTH")
    assert not (tmp_path / "o").exists()


def test_too_many_elements_refused(tmp_path):
    comps = [Node("activity", {"name": f".A{i}", "exported": True})
             for i in range(limits.MAX_XML_ELEMENTS + 1)]
    apk = apk_with_manifest(encode(_app(comps)), tmp_path / "many.apk")
    t0 = time.perf_counter()
    res = CliRunner().invoke(cli, ["scan", str(apk), "--out", str(tmp_path / "o")])
    assert time.perf_counter() - t0 < 15
    assert res.exit_code == 3
    _one_error_line(res, "many.apk", "MAX_XML_ELEMENTS")


def test_check_axml_counts():
    # manifest + uses-sdk + application + 3 activities = 6 elements, 3 deep
    raw = encode(_app([Node("activity", {"name": f".A{i}"}) for i in range(3)]))
    assert check_axml(raw, "x") == (6, 3)
    assert check_axml(b"", "x") == (0, 0)
    assert check_axml(raw[:40], "x") == (0, 0)  # cut short: left to the parser


def test_findings_capped_per_rule(tmp_path, monkeypatch):
    # 30 exported activities, limit 10: 10 findings of PRIV-MAN-0001, one skipped item
    import scanner.engine as engine

    monkeypatch.setattr(engine, "MAX_FINDINGS_PER_RULE", 10)
    orig = engine.cap_findings
    monkeypatch.setattr(engine, "cap_findings", lambda f, limit=10: orig(f, limit))
    comps = [Node("activity", {"name": f".A{i}", "exported": True}) for i in range(30)]
    apk = apk_with_manifest(encode(_app(comps)), tmp_path / "thirty.apk")
    res = CliRunner().invoke(cli, ["scan", str(apk), "--out", str(tmp_path / "o"),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "o" / "result.json").read_text("utf-8"))
    assert len(doc["app"]["components"]) == 30
    assert sum(f["rule"] == "PRIV-MAN-0001" for f in doc["findings"]) == 10
    assert {"what": "rule PRIV-MAN-0001",
            "reason": "20 more findings not listed (limit 10 per rule, MAX_FINDINGS_PER_RULE)",
            "what_msg": {"id": "part_rule", "params": {"rule": "PRIV-MAN-0001"}},
            "reason_msg": {"id": "skip_more_findings", "params": {"n": 20, "max": 10}},
            } in doc["skipped"]
    assert doc["partial"] is True


# ------------------------------------------------------------------ rule folders

@pytest.fixture()
def rules_copy(tmp_path, monkeypatch):
    dest = tmp_path / "rulesets"
    shutil.copytree(rulesets_dir(), dest)
    monkeypatch.setenv("APPAUDIT_RULESETS_DIR", str(dest))
    from scanner.knowledge import load_knowledge
    from scanner.rules import loader

    load_knowledge.cache_clear()
    for fn in (getattr(loader, "load_rules", None), getattr(loader, "load_rules_from", None)):
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    yield dest
    load_knowledge.cache_clear()


def _scan_clean(tmp_path, lang="en"):
    # in English: the needles below are the English wording (tests/test_messages.py and
    # test_a_ruleset_error_in_each_language check the Chinese one)
    from tests.conftest import FIXTURE_APKS

    return CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "clean.apk"), "--out",
                                    str(tmp_path / "o"), "--lang", lang])


def test_api_map_replaced_by_a_scalar_is_a_ruleset_error(rules_copy, tmp_path):
    (rules_copy / "api-map.yaml").write_text("just a scalar\n", "utf-8")
    res = _scan_clean(tmp_path)
    assert res.exit_code == 4, res.output
    _one_error_line(res, "api-map.yaml", "mapping")


def test_api_map_result_without_its_reason_is_a_ruleset_error(rules_copy, tmp_path):
    # result data (how a returned collection's entries are read) must say why a call it
    # rules out reads no PI, in both languages
    path = rules_copy / "api-map.yaml"
    text = path.read_text("utf-8")
    start = text.index("      reason: {zh: \"只读取 pid 等于本进程")
    end = text.index("\n", start)
    path.write_text(text[:start] + "      reason: {zh: 只有中文}" + text[end:], "utf-8")
    res = _scan_clean(tmp_path)
    assert res.exit_code == 4, res.output
    _one_error_line(res, "api-map.yaml", "result needs one_entry")
    res = _scan_clean(tmp_path, "zh")
    assert res.exit_code == 4, res.output
    # by hand from zh.yaml: err_rs_field_needs "{where}：{field} 需要 {keys}"
    _one_error_line(res, "appaudit：错误：规则集错误：api-map.yaml: apis[",
                    "]：result 需要 one_entry {key, equals}, reason {zh, en}")


def test_api_map_unknown_collection_kind_is_a_ruleset_error(rules_copy, tmp_path):
    path = rules_copy / "api-map.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("  collections:\n", "  collections:\n    values: [\"*->x()V\"]\n",
                                 1), "utf-8")
    res = _scan_clean(tmp_path)
    assert res.exit_code == 4, res.output
    _one_error_line(res, "api-map.yaml", "values.collections")


def test_alias_bomb_in_a_rule_file_refused_fast(rules_copy, tmp_path):
    rule = sorted((rules_copy / "rules").rglob("*.yaml"))[0]
    bomb = 'x0: &a0 ["y","y","y","y","y","y","y","y","y"]\n' + "".join(
        f'x{i}: &a{i} [{",".join(["*a" + str(i - 1)] * 9)}]\n' for i in range(1, 8))
    rule.write_text(rule.read_text("utf-8") + bomb, "utf-8")
    t0 = time.perf_counter()
    res = _scan_clean(tmp_path)
    assert time.perf_counter() - t0 < 20
    assert res.exit_code == 4, res.output
    _one_error_line(res, rule.name, "alias")


def test_knowledge_alias_expansion_bounded():
    # the shipped citations use anchors; a bomb in a knowledge file is refused by size
    from scanner.errors import RulesetError
    from scanner.knowledge import parse_yaml

    ok = parse_yaml(b"a: &x {zh: A, en: B}\nb: *x\n", "k.yaml")
    assert ok == {"a": {"zh": "A", "en": "B"}, "b": {"zh": "A", "en": "B"}}
    bomb = 'x0: &a0 ["y","y","y","y","y","y","y","y","y"]\n' + "".join(
        f'x{i}: &a{i} [{",".join(["*a" + str(i - 1)] * 9)}]\n' for i in range(1, 8))
    with pytest.raises(RulesetError, match="nodes"):
        parse_yaml(bomb.encode(), "k.yaml")


@pytest.mark.parametrize("text", ["version: 1\nsdks: 5\n", "- just\n- a list\n",
                                  '{"version": 1, "sdks": [[1, 2]]}', "x: [\n"])
def test_invalid_sdk_catalogue_named_by_its_path(tmp_path, text):
    from scanner.errors import RulesetError
    from scanner.sdk.loader import load_files

    bad = tmp_path / "cat" / ("bad.json" if text.startswith("{") else "bad.yaml")
    bad.parent.mkdir()
    bad.write_text(text, "utf-8")
    with pytest.raises(RulesetError) as e:
        load_files([bad], trust=False)
    assert str(e.value).startswith(str(bad)), str(e.value)


def test_damaged_zip_gives_a_note_not_a_stray_log_line(tmp_path):
    # the local header of an entry the scanner does not read is damaged: apkInspector (under
    # androguard's signature check) logged "WARNING:root:Does not seem to be the start of a
    # local header!" straight to stderr; now it is a skipped part of the result
    import subprocess
    import sys
    import zipfile

    from tests.conftest import FIXTURE_APKS, REPO

    src = FIXTURE_APKS / "clean.apk"
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo("assets/privacy_policy.html")
    data[info.header_offset:info.header_offset + 4] = b"XXXX"
    apk = tmp_path / "damaged.apk"
    apk.write_bytes(bytes(data))
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(apk), "--out",
                           str(tmp_path / "o"), "--format", "json"], cwd=tmp_path,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    doc = json.loads((tmp_path / "o" / "result.json").read_text("utf-8"))
    assert doc["partial"] is True
    (note,) = [s for s in doc["skipped"] if s["what"] == "APK container"]
    assert "local header" in note["reason"]


def test_every_limit_is_documented_in_the_readme():
    import re

    from tests.conftest import REPO

    names = [n for n in dir(limits) if re.fullmatch(r"[A-Z][A-Z_]+", n)
             and n not in ("KIB", "MIB", "GIB")]
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Limits on hostile input", 1)[1].split("\n## ", 1)[0]
    missing = [n for n in names if f"`{n}`" not in section]
    assert not missing, missing
