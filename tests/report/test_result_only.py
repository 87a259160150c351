"""Reports render from result.json alone: what they name (PI types, notice categories, SDK
vendors, rules) comes from the document, not from the rulesets installed where it is rendered.
Results written before they carried the names are completed from the installed rulesets by
the commands that render stored results (scanner.report.legacy), never by the formats."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURE_APKS

REPORT = Path(__file__).resolve().parents[2] / "scanner" / "report"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scan")
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "multidex_sdk.apk"), "--out",
                                   str(out), "--format", "json", "--category", "news"])
    assert res.exit_code == 0, res.output
    return out / "result.json"


def test_result_carries_the_names(scanned):
    doc = json.loads(scanned.read_text("utf-8"))
    names = doc["pi_type_names"]
    assert names["device_id"]["zh"] and names["android_id"]["en"]
    notice = doc["notice_category_names"]
    assert all(f["notice_category_id"] in notice for f in doc["findings"])
    sdks = {s["id"]: s for s in doc["sdks"]}
    # catalogue vendor in Chinese (rulesets/sdk-vendors.yaml names): checked by hand, Ant
    # Group's own Chinese name is 蚂蚁集团
    assert sdks["alipay"]["vendor"] == "Ant Group"
    assert sdks["alipay"]["vendor_names"] == {"zh": "蚂蚁集团", "en": "Ant Group"}


def test_formats_render_without_rulesets(scanned, tmp_path, monkeypatch):
    doc = json.loads(scanned.read_text("utf-8"))
    empty = tmp_path / "no-rulesets"
    empty.mkdir()
    monkeypatch.setenv("APPAUDIT_RULESETS_DIR", str(empty))
    from scanner.knowledge import load_knowledge

    load_knowledge.cache_clear()
    try:
        for lang in ("zh", "en"):
            for fmt, name in (("html", f"r-{lang}.html"), ("sarif", f"r-{lang}.sarif")):
                r = CliRunner().invoke(cli, ["report", str(scanned), "--format", fmt,
                                             "--lang", lang, "-o", str(tmp_path / name)])
                assert r.exit_code == 0, r.output
        html_en = (tmp_path / "r-en.html").read_text("utf-8")
        html_zh = (tmp_path / "r-zh.html").read_text("utf-8")
        f = next(f for f in doc["findings"] if f.get("pi_types"))
        pi = f["pi_types"][0]
        assert doc["pi_type_names"][pi]["zh"] in html_zh
        assert doc["pi_type_names"][pi]["en"] in html_en
        cid = f["notice_category_id"]
        assert doc["notice_category_names"][cid]["en"] in html_en
        assert "蚂蚁集团" in html_zh and "Ant Group" in html_en
        sarif = json.loads((tmp_path / "r-zh.sarif").read_text("utf-8"))
        rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
        assert rules[f["rule"]]["shortDescription"]["text"] == f["rule_title"]["zh"]
    finally:
        load_knowledge.cache_clear()


def test_old_result_is_completed_by_the_report_command(scanned, tmp_path):
    """A result written before the names existed: `report` fills them from the installed
    rulesets, so the English report names the category, the vendor and the PI types."""
    doc = json.loads(scanned.read_text("utf-8"))
    for key in ("pi_type_names", "notice_category_names"):
        del doc[key]
    for s in doc["sdks"]:
        del s["vendor_names"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    from scanner.report.html import HtmlFormat

    raw = HtmlFormat().render(doc, "en").decode("utf-8")  # the format alone: ids, as written
    f = next(f for f in doc["findings"] if f.get("pi_types"))
    r = CliRunner().invoke(cli, ["report", str(old), "--format", "html", "--lang", "en",
                                 "-o", str(tmp_path / "old.html")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "old.html").read_text("utf-8")
    fresh = json.loads(scanned.read_text("utf-8"))
    en_cat = fresh["notice_category_names"][f["notice_category_id"]]["en"]
    assert en_cat in html and en_cat not in raw
    assert fresh["pi_type_names"][f["pi_types"][0]]["en"] in html


def test_formats_import_no_knowledge_reader():
    """No module of scanner/report except legacy.py (the completion of old results) and the
    message catalogs (i18n.py) reads the rulesets: they import neither load_knowledge nor
    read_yaml nor rulesets_dir."""
    allowed = {"legacy.py", "i18n.py"}
    for path in sorted(REPORT.glob("*.py")):
        if path.name in allowed or path.name.startswith("_"):
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names |= {a.name for a in node.names}
        bad = names & {"load_knowledge", "read_yaml", "rulesets_dir", "load_rules"}
        assert not bad, f"{path.name} reads the installed rulesets: {sorted(bad)}"
