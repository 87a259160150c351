"""What an analyst meets in the first hour (issue 14): inputs that are missing are refused
whatever the other options, consent times are read as Beijing time unless told otherwise,
and the report says where the consent moment came from."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.errors import UsageError
from scanner.timeparse import parse_time, parse_tz
from tests.conftest import FIXTURE_APKS

ROOT = Path(__file__).resolve().parents[2]
TRAFFIC = ROOT / "corpus" / "traffic"
CLEAN = FIXTURE_APKS / "clean.apk"
SHOP = ROOT / "corpus" / "pricing" / "shop-fair"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --- every input option of every command: missing or unreadable is exit 3 ----------------

def _cases(tmp: Path) -> list[list]:
    missing = tmp / "missing.json"
    out = tmp / "o"
    return [
        ["scan", CLEAN, "--device-facts", missing, "--out", out],  # no --flows: still read
        ["scan", CLEAN, "--flows", tmp / "none.mitm", "--out", out],
        ["scan", tmp / "none.apk", "--out", out],
        ["traffic", TRAFFIC / "session.har", "--device-facts", missing, "--out", out],
        ["traffic", TRAFFIC / "session.har", "--apk", tmp / "none.apk", "--out", out],
        ["traffic", tmp / "none.har", "--out", out],
        ["sdks", tmp / "none.apk"],
        ["pricing", "--profile", f"a={SHOP / 'new.mitm'}", "--profile", f"b={SHOP / 'loyal.mitm'}",
         "--control", f"a={tmp / 'none.mitm'}", "--out", out],
        ["report", tmp / "none.json", "--format", "html"],
        ["bundle", tmp / "none.json", "-o", tmp / "c.zip"],
        ["verify", tmp / "none.zip"],
        ["verify", tmp / "none.zip", "--key", tmp / "none.pub"],
        ["batch", tmp / "none_dir", "--db", tmp / "b.sqlite"],
        ["batch", FIXTURE_APKS, "--category-map", tmp / "none.csv", "--db", tmp / "b.sqlite"],
        ["batch-report", tmp / "none.sqlite"],
    ]


@pytest.mark.parametrize("i", range(15))
def test_missing_input_is_exit_3_whatever_the_other_options(tmp_path, i):
    args = _cases(tmp_path)[i]
    res = invoke(*args)
    assert res.exit_code == 3, (args, res.output)
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("appaudit: error: ") and "no such" in lines[0]
    assert not (tmp_path / "o").exists() and not (tmp_path / "b.sqlite").exists()


def test_folder_given_for_a_file_is_exit_3(tmp_path):
    res = invoke("scan", CLEAN, "--device-facts", tmp_path, "--out", tmp_path / "o")
    assert res.exit_code == 3 and "is a folder" in res.stderr


def test_verify_of_a_zip_that_is_not_a_bundle_is_exit_3(tmp_path):
    z = tmp_path / "photos.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.jpg", b"\xff\xd8 not a bundle")
    res = invoke("verify", z)
    assert res.exit_code == 3, res.output
    assert "not an appaudit case bundle" in res.stderr and "TAMPERED" not in res.output


def test_readme_documents_exit_1_for_a_failed_verification():
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme[readme.index("## Exit codes"):]
    row1 = next(line for line in table.splitlines() if line.startswith("| 1 |"))
    assert "verify" in row1


# --- consent time: Beijing time by default, --tz, and the report says the source ----------

def test_naive_time_is_beijing_time_unless_tz_says_otherwise():
    beijing = dt.datetime(2026, 11, 18, 11, 7, tzinfo=dt.UTC).timestamp()
    assert parse_time("2026-11-18 19:07:00") == beijing  # 19:07 in Beijing is 11:07 UTC
    assert parse_time("2026-11-18T19:07:00+08:00") == beijing
    assert parse_time("2026-11-18 11:07:00", "UTC") == beijing
    assert parse_time("2026-11-18 11:07:00Z", "+05:00") == beijing  # an offset given wins
    assert parse_time("2026-11-18 12:07:00", "Europe/Berlin") == beijing  # CET, UTC+1
    assert parse_time("2026-11-18 19:07", "Asia/Shanghai") == beijing
    assert parse_time(str(beijing)) == beijing
    assert parse_tz("UTC+8").utcoffset(None) == dt.timedelta(hours=8)
    assert parse_tz("-0330").utcoffset(None) == -dt.timedelta(hours=3, minutes=30)
    with pytest.raises(UsageError):
        parse_tz("Mars/Olympus")


def _consent(tmp_path, *extra, lang="zh"):
    out = tmp_path / "o"
    res = invoke("traffic", TRAFFIC / "session.mitm", "--device-facts",
                 TRAFFIC / "device-facts.json", "--out", out, "--lang", lang, *extra)
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    return res.output, doc, (out / "report.html").read_text("utf-8")


def test_consent_option_without_offset_read_as_beijing_and_shown_with_offset(tmp_path):
    out, doc, html = _consent(tmp_path, "--consent-at", "2025-11-30 08:00:10")
    c = doc["consent"]
    assert c["source"] == "option" and c["at_local"] == "2025-11-30T08:00:10+08:00"
    assert c["at"] == dt.datetime(2025, 11, 30, 0, 0, 10, tzinfo=dt.UTC).timestamp()
    assert c["zone_source"] == "default"
    cover = html[:html.index('id="summary"')]
    assert "2025-11-30T08:00:10+08:00" in cover and "由 --consent-at 给出" in cover
    assert "按北京时间（UTC+8）解读" in cover
    assert "2025-11-30T08:00:10+08:00" in out


def test_consent_with_tz_option(tmp_path):
    _out, doc, html = _consent(tmp_path, "--consent-at", "2025-11-30 00:00:10", "--tz", "UTC",
                               lang="en")
    c = doc["consent"]
    assert c["at_local"] == "2025-11-30T00:00:10+00:00" and c["zone_source"] == "tz_option"
    assert "read in the --tz zone" in html


def test_consent_from_capture_marker(tmp_path):
    """The fixture capture carries the addon's consent marker (corpus/traffic/README.md)."""
    _out, doc, html = _consent(tmp_path)
    c = doc["consent"]
    assert c["source"] == "capture_marker" and c["at_local"].endswith("+08:00")
    assert "取自采集中的同意标记" in html


def test_no_consent_anywhere_says_checks_were_not_possible(tmp_path):
    har = tmp_path / "plain.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                       "entries": [{
        "startedDateTime": "2026-11-18T11:07:00.000Z", "time": 1,
        "request": {"method": "GET", "url": "http://example.org/a?imei=490154203237518",
                    "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "x"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}]}}), "utf-8")
    for lang, text in (("zh", "无法判断哪些传输发生在用户同意之前"),
                       ("en", "no before-consent check was made")):
        out = tmp_path / lang
        res = invoke("traffic", har, "--out", out, "--lang", lang)
        assert res.exit_code == 0, res.output
        doc = json.loads((out / "result.json").read_text("utf-8"))
        assert doc["consent"]["source"] is None and doc["consent"]["at"] is None
        html = (out / "report.html").read_text("utf-8")
        assert text in html[:html.index('id="summary"')] and text in res.output


def test_bad_tz_is_usage_error(tmp_path):
    res = invoke("traffic", TRAFFIC / "session.har", "--tz", "nowhere", "--out", tmp_path)
    assert res.exit_code == 2 and "time zone" in res.stderr
