"""Golden reports of the fixture APKs (corpus/apk/), and their agreement with ground truth.

Each fixture is scanned through the CLI (``appaudit scan``), its result.json is validated
against reports/schema/result.schema.json, then streamlined (tool and ruleset versions,
ruleset hash, scan times and input folders replaced by placeholders) and rendered as
json, csv, html and sarif. The renders are compared with tests/golden/<fixture>.*;
``SCANNER_REGEN_GOLDEN=1`` rewrites them (review the diff before committing). Whatever
the goldens say, the renders must also show the hand-written ground truth of
corpus/apps/<fixture>/groundtruth.json (identity, signer, SDKs, API call sites).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.report import get_format
from scanner.report.json import dumps
from scanner.report.schema import validate_result
from scanner.report.view import dalvik_class

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
APKS = REPO / "corpus" / "apk"
GROUND = REPO / "corpus" / "apps"
CATEGORY = {"privacy_heavy": "news", "multidex_sdk": "online_shopping", "recheck_v1": "news",
            "recheck_v2": "news"}
FIXTURES = sorted(p.stem for p in APKS.glob("*.apk"))
CSV_TABLES = ("findings", "evidence", "api_uses", "sdks", "transmissions")
REGEN = os.environ.get("SCANNER_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    """result.json of every fixture, scanned once through the CLI."""
    out = {}
    runner = CliRunner()
    for name in FIXTURES:
        folder = tmp_path_factory.mktemp(name)
        args = ["scan", str(APKS / f"{name}.apk"), "--out", str(folder), "--format", "json"]
        if name in CATEGORY:
            args += ["--category", CATEGORY[name]]
        res = runner.invoke(cli, args)
        assert res.exit_code == 0, res.output
        out[name] = json.loads((folder / "result.json").read_text("utf-8"))
    return out


def streamline(doc: dict) -> dict:
    """The document with what changes between runs and machines replaced."""
    doc = copy.deepcopy(doc)
    doc["tool"].update(version="<version>", ruleset_version="<ruleset>",
                       ruleset_sha256="0" * 64)
    doc["started"] = doc["finished"] = "<time>"
    for inp in doc.get("inputs") or ():
        inp["path"] = Path(inp["path"]).name
        if inp.get("abs_path"):
            inp["abs_path"] = "<abs>/" + Path(inp["abs_path"]).name
    return doc


def renders(doc: dict) -> dict[str, bytes]:
    """Golden file suffix → bytes."""
    out = {"json": dumps(doc).encode("utf-8"),
           "html": get_format("html").render(doc, "zh"),
           "sarif": get_format("sarif").render(doc, "zh")}
    tables = get_format("csv").render(doc, "zh")
    for t in CSV_TABLES:
        out[f"{t}.csv"] = tables[f"{t}.csv"]
    return out


def test_fixtures_present():
    assert FIXTURES == ["arg_semantics", "china_sdks", "clean", "exported_flags", "multidex_sdk",
                        "privacy_heavy", "recheck_v1", "recheck_v2", "result_use"]


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_result_validates(results, name):
    validate_result(results[name])
    validate_result(streamline(results[name]))


@pytest.mark.parametrize("name", FIXTURES)
def test_golden(results, name):
    doc = streamline(results[name])
    got = renders(doc)
    if REGEN:
        for suffix, blob in got.items():
            (GOLDEN / f"{name}.{suffix}").write_bytes(blob)
    mismatched = [suffix for suffix, blob in got.items()
                  if not (GOLDEN / f"{name}.{suffix}").is_file()
                  or (GOLDEN / f"{name}.{suffix}").read_bytes() != blob]
    assert mismatched == [], (f"{name}: renders differ from tests/golden for {mismatched}; "
                              "if the change is intended, rerun with SCANNER_REGEN_GOLDEN=1 "
                              "and review the diff")


def _rows(blob: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(blob.decode("utf-8-sig"))))


@pytest.mark.parametrize("name", FIXTURES)
def test_renders_show_ground_truth(results, name):
    gt = json.loads((GROUND / name / "groundtruth.json").read_text("utf-8"))
    got = renders(streamline(results[name]))
    html = got["html"].decode("utf-8")
    for text in (gt["package"], gt["label"], gt["version_name"], gt["signer_sha256"]):
        assert str(text) in html, text
    assert sorted(r["id"] for r in _rows(got["sdks.csv"])) == sorted(gt["sdks"])
    uses = {(r["api"], r["pi_type"], r["caller"]) for r in _rows(got["api_uses.csv"])}
    assert uses == {(u["api"], u["pi_type"], u["caller"]) for u in gt["api_uses"]}
    from markupsafe import escape

    for u in gt["api_uses"]:
        # the call site as people read it (com.a.B.m()), its exact signature in the title
        cls, _, method = u["caller"].partition("->")
        shown = f"{dalvik_class(cls)}.{method.partition('(')[0]}()"
        assert f'title="{escape(u["caller"])}">{escape(shown)}<' in html, u["caller"]
    sarif = json.loads(got["sarif"])
    assert len(sarif["runs"][0]["results"]) == len(results[name]["findings"])


def test_news_app_every_collected_pi_beyond_scope(results):
    """privacy_heavy is a news app, whose necessary PI is none (ground truth 'planted').
    A read whose permission the app does not declare (planted 'undeclared_permission_uses':
    content://sms without READ_SMS) is refused by Android and collects nothing."""
    gt = json.loads((GROUND / "privacy_heavy" / "groundtruth.json").read_text("utf-8"))
    html = renders(streamline(results["privacy_heavy"]))["html"].decode("utf-8")
    refused = {(u["api"], u["caller"]) for u in gt["planted"]["undeclared_permission_uses"]}
    assert refused
    assert html.count('<span class="bad">超出必要范围</span>') == len(
        {u["pi_type"] for u in gt["api_uses"] if (u["api"], u["caller"]) not in refused})


OTHER_COMMANDS = {
    "pricing": lambda d: ["pricing", "--profile", f"new={d / 'new.mitm'}",
                          "--profile", f"loyal={d / 'loyal.mitm'}",
                          "--control", f"new={d / 'new-control.mitm'}",
                          "--control", f"loyal={d / 'loyal-control.mitm'}"],
    "traffic": lambda d: ["traffic", str(d / "session.mitm"), "--device-facts",
                          str(d / "device-facts.json"), "--apk",
                          str(APKS / "privacy_heavy.apk"), "--category", "news"],
}
OTHER_INPUTS = {"pricing": REPO / "corpus" / "pricing" / "shop-discriminating",
                "traffic": REPO / "corpus" / "traffic"}


@pytest.mark.parametrize("command", sorted(OTHER_COMMANDS))
def test_other_commands_results_validate_and_render(tmp_path, command):
    """Results of the traffic and pricing fixtures follow the schema; every format renders."""
    from scanner.report import FORMATS
    from scanner.report.browser import find_chromium

    folder = OTHER_INPUTS[command]
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    args = OTHER_COMMANDS[command](folder) + ["--out", str(tmp_path), "--format", "json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (0, 1), res.output
    doc = json.loads((tmp_path / "result.json").read_text("utf-8"))
    validate_result(doc)
    for fmt in sorted(FORMATS):
        if fmt == "pdf" and find_chromium() is None:
            continue
        assert get_format(fmt).render(doc, "zh"), fmt
    if command == "pricing":
        html = get_format("html").render(doc, "zh").decode("utf-8")
        assert 'src="data:image/png;base64,' in html
        gt = json.loads((folder / "ground_truth.json").read_text("utf-8"))
        assert len(doc["items"]) == len(gt["base_prices_cents"])
