"""The CLI contract on bad input: exit 3, one line naming the file, nothing written anywhere."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURE_APKS

REFUSED = ["empty", "not_a_zip", "truncated", "no_manifest", "zip_bomb", "duplicate_manifest",
           "corrupt_axml"]


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*"))


@pytest.mark.parametrize("name", REFUSED)
def test_hostile_apk_exit_3(hostile_inputs, tmp_path, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _files(hostile_inputs[name].parent)
    res = CliRunner().invoke(cli, ["scan", str(hostile_inputs[name]), "--out", str(work / "o"),
                                   "--lang", "en"])
    assert res.exit_code == 3
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"appaudit: error: {name}.apk")
    assert "Traceback" not in res.output
    assert _files(work) == []
    assert _files(hostile_inputs[name].parent) == before


def test_missing_file(tmp_path):
    res = CliRunner().invoke(cli, ["scan", str(tmp_path / "absent.apk"), "--out", str(tmp_path),
                                   "--lang", "en"])
    assert res.exit_code == 3
    assert "no such file" in res.stderr


def test_traversal_entries_analysed_and_reported(hostile_inputs, tmp_path):
    res = CliRunner().invoke(cli, ["scan", str(hostile_inputs["traversal"]), "--out",
                                   str(tmp_path / "o"), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "o" / "result.json").read_text("utf-8"))
    anomalies = {f["subject"]["type"] for f in doc["findings"] if f["rule"] == "PRIV-MAN-0005"}
    assert anomalies == {"path_traversal", "absolute_path"}
    assert _files(tmp_path) == sorted(p.relative_to(tmp_path) for p in
                                      [tmp_path / "o", tmp_path / "o" / "result.json"])


def test_corrupt_dex_gives_partial_result(hostile_inputs, tmp_path):
    res = CliRunner().invoke(cli, ["scan", str(hostile_inputs["corrupt_dex"]), "--out",
                                   str(tmp_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert doc["partial"] is True
    assert any(s["what"] == "code" for s in doc["skipped"])
    # the manifest was still audited; permissions stay "not analysed"
    assert doc["app"]["package"] == "com.appaudit.fixture.clean"
    assert all(p["used"] is None for p in doc["app"]["permissions"])


def test_unknown_category_is_usage_error(tmp_path):
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "clean.apk"), "--category",
                                   "nonsense", "--out", str(tmp_path / "o"), "--lang", "en"])
    assert res.exit_code == 2
    assert "unknown category" in res.stderr
    assert not (tmp_path / "o").exists()


def test_unknown_format_is_usage_error(tmp_path):
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "clean.apk"), "--format", "pdfx",
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 2


def test_fail_on(tmp_path):
    apk = str(FIXTURE_APKS / "privacy_heavy.apk")
    res = CliRunner().invoke(cli, ["scan", apk, "--category", "news", "--out", str(tmp_path),
                                   "--fail-on", "high"])
    assert res.exit_code == 1
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "clean.apk"), "--category",
                                   "utilities", "--out", str(tmp_path / "c"), "--fail-on", "info"])
    assert res.exit_code == 0


def test_rules_commands():
    runner = CliRunner()
    res = runner.invoke(cli, ["rules", "test"])
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    assert last.endswith("，0 项未通过"), last  # Chinese by default
    res = runner.invoke(cli, ["rules", "test", "--lang", "en"])
    assert res.output.strip().splitlines()[-1].endswith(" 0 failed")
    assert runner.invoke(cli, ["rules", "list"]).exit_code == 0
    show = runner.invoke(cli, ["rules", "show", "PRIV-CODE-0001"])
    assert show.exit_code == 0 and "Necessary-PI-2021-Art5" in show.output
    assert runner.invoke(cli, ["rules", "show", "NOPE-0000"]).exit_code == 2


def test_report_rerenders_stored_result(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["scan", str(FIXTURE_APKS / "clean.apk"), "--out", str(tmp_path),
                               "--format", "json"]).exit_code == 0
    res = runner.invoke(cli, ["report", str(tmp_path / "result.json"), "--format", "html",
                              "--lang", "en", "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert "Compliance Audit Report" in (tmp_path / "r.html").read_text("utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert runner.invoke(cli, ["report", str(bad), "--format", "html"]).exit_code == 3


def test_a_bug_exits_5_not_3(tmp_path, monkeypatch):
    """An unexpected exception is a bug of ours, not bad input: exit 5, one line, the
    traceback only with --debug. (The bug is injected: no real one is known.)"""
    import scanner.engine

    def broken(*_a, **_k):
        raise KeyError("no_such_key")

    monkeypatch.setattr(scanner.engine, "detect", broken)
    args = ["scan", str(FIXTURE_APKS / "clean.apk"), "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert res.exit_code == 5
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert lines[0].startswith("appaudit: error: internal error: a bug — please report it")
    assert "KeyError" in lines[0] and "--debug" in lines[0]
    res = CliRunner().invoke(cli, ["--debug", *args, "--lang", "en"])
    assert res.exit_code == 5 and "Traceback" in res.stderr and "no_such_key" in res.stderr
