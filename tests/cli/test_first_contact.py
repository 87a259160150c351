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
        ["diff", tmp / "none.json", tmp / "none2.json", "--out", out],
        ["scan", CLEAN, "--runtime", tmp / "none.jsonl", "--out", out],
        ["runtime", tmp / "none.jsonl", "--out", out],
        ["runtime", ROOT / "README.md", "--apk", tmp / "none.apk", "--out", out],
        ["scan", CLEAN, "--policy", tmp / "none.html", "--out", out],
        ["policy", tmp / "none.html", "--out", out],
        ["policy", ROOT / "README.md", "--device-facts", tmp / "none.json", "--out", out],
    ]


@pytest.mark.parametrize("i", range(22))
def test_missing_input_is_exit_3_whatever_the_other_options(tmp_path, i):
    args = _cases(tmp_path)[i]
    res = invoke(*args, "--lang", "en")
    assert res.exit_code == 3, (args, res.output)
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("appaudit: error: ") and "no such" in lines[0]
    assert not (tmp_path / "o").exists() and not (tmp_path / "b.sqlite").exists()


def test_folder_given_for_a_file_is_exit_3(tmp_path):
    res = invoke("scan", CLEAN, "--device-facts", tmp_path, "--out", tmp_path / "o",
                 "--lang", "en")
    assert res.exit_code == 3 and "is a folder" in res.stderr


def test_verify_of_a_zip_that_is_not_a_bundle_is_exit_3(tmp_path):
    z = tmp_path / "photos.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.jpg", b"\xff\xd8 not a bundle")
    res = invoke("verify", z, "--lang", "en")
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
    res = invoke("traffic", TRAFFIC / "session.har", "--tz", "nowhere", "--out", tmp_path,
                 "--lang", "en")
    assert res.exit_code == 2 and "time zone" in res.stderr


# --- report: several formats, -o file vs folder, default beside RESULT.json -----------------

@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    out = tmp_path_factory.mktemp("stored")
    res = invoke("scan", CLEAN, "--out", out, "--format", "json")
    assert res.exit_code == 0, res.output
    return out / "result.json"


def test_report_one_format_o_is_the_file(stored, tmp_path):
    res = invoke("report", stored, "--format", "html", "-o", tmp_path / "rep" / "ph.html")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rep" / "ph.html").is_file()
    assert res.output.split() == ["已写入", str((tmp_path / "rep" / "ph.html").resolve())]


def test_report_csv_o_named_csv_writes_files_not_a_folder(stored, tmp_path):
    res = invoke("report", stored, "--format", "csv", "-o", tmp_path / "rep" / "ph.csv")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "rep" / "ph.csv").exists()
    assert (tmp_path / "rep" / "ph.findings.csv").is_file()
    assert all(p.is_file() for p in (tmp_path / "rep").iterdir())


def test_report_several_formats_o_is_a_folder(stored, tmp_path):
    res = invoke("report", stored, "--format", "html,sarif,csv", "-o", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "report.html").is_file()
    assert (tmp_path / "out" / "report.sarif").is_file()
    assert (tmp_path / "out" / "csv" / "findings.csv").is_file()


def test_report_without_o_prints_where_it_wrote(stored):
    res = invoke("report", stored, "--format", "sarif", "--lang", "en")
    assert res.exit_code == 0, res.output
    target = (stored.parent / "report.sarif").resolve()
    assert target.is_file() and str(target) in res.output


def test_report_unknown_format_is_usage_error(stored):
    res = invoke("report", stored, "--format", "html,docz")
    assert res.exit_code == 2 and "docz" in res.stderr


# --- --category by Chinese name; rules categories lists both, aligned ----------------------

def test_category_accepts_chinese_name(tmp_path):
    for value in ("新闻资讯类", "新闻资讯", "news"):
        res = invoke("scan", CLEAN, "--category", value, "--out", tmp_path / value,
                     "--format", "json")
        assert res.exit_code == 0, res.output
        doc = json.loads((tmp_path / value / "result.json").read_text("utf-8"))
        assert doc["category"]["id"] == "news" and doc["category"]["known"] is True
    res = invoke("scan", CLEAN, "--category", "不存在类", "--out", tmp_path / "x")
    assert res.exit_code == 2 and "rules categories" in res.stderr


def test_rules_categories_lists_ids_and_chinese_names_aligned():
    from scanner.cli.common import display_width

    res = invoke("rules", "categories")
    assert res.exit_code == 0
    lines = [x for x in res.output.splitlines() if x[:2].strip().isdigit()]
    assert len(lines) == 39
    news = next(x for x in lines if " news " in x)
    assert "新闻资讯类" in news
    # the English name starts in the same terminal column on every line (CJK = 2 columns)
    cols = {display_width(x[:x.index(en)]) for x, en in
            ((x, x.split("  ")[-1]) for x in lines) if en}
    starts = set()
    from scanner.knowledge import load_knowledge

    for c in load_knowledge().categories.values():
        line = next(x for x in lines if f" {c.id} " in x)
        starts.add(display_width(line[:line.index(c.en)]))
    assert len(starts) == 1, starts
    assert cols  # every line has a last column


def test_display_width_counts_cjk_as_two():
    from scanner.cli.common import display_width, pad

    assert display_width("新闻资讯类") == 10 and display_width("news") == 4
    assert display_width(pad("新闻", 8)) == 8


# --- the same session given twice (flow file and HAR) is counted once, and said -------------

def test_duplicate_exchanges_across_inputs_counted_once_and_said(tmp_path):
    facts = TRAFFIC / "device-facts.json"
    one = invoke("traffic", TRAFFIC / "session.mitm", "--device-facts", facts,
                 "--out", tmp_path / "one", "--format", "json")
    two = invoke("traffic", TRAFFIC / "session.mitm", TRAFFIC / "session.har",
                 "--device-facts", facts, "--out", tmp_path / "two", "--lang", "en")
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    d1 = json.loads((tmp_path / "one" / "result.json").read_text("utf-8"))
    d2 = json.loads((tmp_path / "two" / "result.json").read_text("utf-8"))
    assert len(d1["transmissions"]) > 0
    key = [(t["pi_type"], t["host"], t["where"], t["time"]) for t in d1["transmissions"]]
    assert [(t["pi_type"], t["host"], t["where"], t["time"]) for t in d2["transmissions"]] == key
    dups = d2["duplicate_exchanges"]
    # the HAR is the same session as the flow file (corpus/traffic/make_captures.py writes
    # both from one list of requests): every HAR entry repeats a flow
    har_entries = len(json.loads((TRAFFIC / "session.har").read_text("utf-8"))["log"]["entries"])
    assert dups["count"] == har_entries
    assert dups["inputs"] == [{"input": str(TRAFFIC / "session.har"),
                               "same_as": str(TRAFFIC / "session.mitm"),
                               "exchanges": har_entries}]
    assert "counted once" in two.output
    html = (tmp_path / "two" / "report.html").read_text("utf-8")
    assert f"{har_entries} exchanges appear in more than one input" in html
    assert "duplicate_exchanges" not in d1


def test_same_request_twice_in_one_file_is_kept():
    from scanner.ingest.traffic import open_traffic

    ev = open_traffic([TRAFFIC / "session.mitm"])
    n = sum(1 for _ in ev.exchanges())
    ev2 = open_traffic([TRAFFIC / "session.mitm", TRAFFIC / "session.mitm"])
    assert sum(1 for _ in ev2.exchanges()) == n and sum(ev2.duplicates.values()) == n


# --- bundle --include-inputs from another folder ---------------------------------------------

def test_bundle_include_inputs_from_another_folder(tmp_path, monkeypatch):
    import shutil

    work = tmp_path / "work"
    (work / "apks").mkdir(parents=True)
    shutil.copy(CLEAN, work / "apks" / "clean.apk")
    monkeypatch.chdir(work)
    res = invoke("scan", "apks/clean.apk", "--out", "out", "--format", "json",
                 "--lang", "en")  # relative
    assert res.exit_code == 0, res.output
    doc = json.loads((work / "out" / "result.json").read_text("utf-8"))
    inp = doc["inputs"][0]
    assert inp["path"] == "apks/clean.apk"
    assert inp["abs_path"] == str(work / "apks" / "clean.apk")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(tmp_path / "keys"))
    assert invoke("keys", "generate", "--analyst", "t", "--lang", "en").exit_code == 0
    res = invoke("bundle", work / "out" / "result.json", "--analyst", "t", "--include-inputs",
                 "-o", "case.zip", "--lang", "en")
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(elsewhere / "case.zip") as zf:
        names = zf.namelist()
        assert any(n.startswith("inputs/") and n.endswith("clean.apk") for n in names)
    # the file at the recorded path changed: the hash refuses it
    (work / "apks" / "clean.apk").write_bytes(b"PK\x03\x04 changed")
    res = invoke("bundle", work / "out" / "result.json", "--analyst", "t", "--include-inputs",
                 "-o", "case2.zip", "--lang", "en")
    assert res.exit_code == 3 and "changed since the scan" in res.stderr


# --- batch: per-app reports ------------------------------------------------------------------

def test_batch_reports_folder_and_batch_report_app(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("clean.apk", "privacy_heavy.apk"):
        (src / name).symlink_to(FIXTURE_APKS / name)
    db = tmp_path / "a.sqlite"
    res = invoke("batch", src, "--db", db, "--reports", tmp_path / "reps", "--no-progress",
                 "--lang", "en")
    assert res.exit_code == 0, res.output
    reps = sorted((tmp_path / "reps").glob("*.html"))
    assert len(reps) == 2 and any(p.name.startswith("com.appaudit.fixture.privacy-")
                                  for p in reps)
    assert "Compliance Audit Report" in reps[0].read_text("utf-8")
    # over-scope could not be judged: no category was given
    assert "could not be judged" in res.output and "0 with over-scope" not in res.output
    from scanner.batch import Store

    with Store(db) as s:
        sha = next(r["sha256"] for r in s.rows() if r["package"].endswith(".privacy"))
    monkeypatch.chdir(tmp_path)
    res = invoke("batch-report", db, "--app", sha[:12], "--lang", "en")
    assert res.exit_code == 0, res.output
    out = tmp_path / f"com.appaudit.fixture.privacy-{sha[:12]}.html"
    assert out.is_file() and str(out) in res.output
    assert "隐私测试" in out.read_text("utf-8")
    res = invoke("batch-report", db, "--app", "0000000000", "--lang", "en")
    assert res.exit_code == 2 and "no APK" in res.stderr


# --- README: the first command needs only Python ----------------------------------------------

def test_readme_first_command_runs_with_only_python_on_the_path(tmp_path):
    """The README's first command, run with a PATH holding nothing but the Python interpreter
    (no chromium, no fontconfig): it must succeed and write the HTML report."""
    import os
    import shlex
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0].strip()
    install, _, command = block.partition(" && ")
    assert install == "python3 -m pip install ."
    argv = shlex.split(command)
    assert argv[:3] == ["python3", "-m", "scanner"]
    out = tmp_path / "o"
    argv = [sys.executable, *argv[1:argv.index("--out")], "--out", str(out)]
    pybin = tmp_path / "bin"
    pybin.mkdir()
    (pybin / "python3").symlink_to(sys.executable)
    env = {"PATH": str(pybin), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "LANG": "C.UTF-8"}
    res = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (out / "report.html").is_file() and (out / "result.json").is_file()
    doc = json.loads((out / "result.json").read_text("utf-8"))
    assert doc["category"]["id"] == "news"
    assert os.path.isfile(sys.executable)


def test_pdf_without_chromium_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    from scanner.report import browser

    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    res = invoke("scan", CLEAN, "--out", tmp_path / "o", "--format", "pdf")
    assert res.exit_code != 0 and "apt-get install chromium" in res.output


def test_cjk_font_found_again_after_the_cache_lost_it(monkeypatch):
    """A font installed after matplotlib built its cache: cjk_font() looks at the system
    fonts again instead of drawing boxes (here the cache is made to forget the CJK fonts)."""
    from matplotlib import font_manager as fm

    from scanner.report import fonts

    if not any(fonts.CJK_FILE.search(p) for p in fm.findSystemFonts()):
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    kept = [f for f in fm.fontManager.ttflist if f.name not in fonts.CJK_FAMILIES]
    monkeypatch.setattr(fm.fontManager, "ttflist", kept)
    monkeypatch.setattr(fonts, "_save_cache", lambda _fm: None)
    fonts.cjk_font.cache_clear()
    try:
        assert fonts.cjk_font() in fonts.CJK_FAMILIES
    finally:
        fonts.cjk_font.cache_clear()
