"""Reports render from result.json alone: what they name (PI types, rules) comes from the
document, not from the rulesets installed where it is rendered."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURE_APKS


def test_html_and_sarif_need_no_rulesets(tmp_path, monkeypatch):
    out = tmp_path / "scan"
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "privacy_heavy.apk"), "--out",
                                   str(out), "--format", "json", "--category", "news"])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    names = doc["pi_type_names"]
    assert names["device_id"]["zh"] and names["android_id"]["en"]
    # a finding of the over-scope rule names its PI type and its rule's own title
    over = next(f for f in doc["findings"] if f["rule"] == "PRIV-CODE-0001")
    assert over["rule_title"]["zh"] != over["title"]["zh"]

    from scanner.report import view

    empty = tmp_path / "no-rulesets"
    empty.mkdir()
    monkeypatch.setenv("APPAUDIT_RULESETS_DIR", str(empty))
    view.pi_names.cache_clear()
    try:
        assert view.pi_names() == {}  # nothing installed to read names from
        for fmt, name in (("html", "r.html"), ("sarif", "r.sarif")):
            r = CliRunner().invoke(cli, ["report", str(out / "result.json"), "--format", fmt,
                                         "-o", str(tmp_path / name)])
            assert r.exit_code == 0, r.output
        html = (tmp_path / "r.html").read_text("utf-8")
        pi = over["pi_types"][0]
        assert names[pi]["zh"] in html
        sarif = json.loads((tmp_path / "r.sarif").read_text("utf-8"))
        rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
        assert rules["PRIV-CODE-0001"]["shortDescription"]["text"] == over["rule_title"]["zh"]
    finally:
        view.pi_names.cache_clear()
