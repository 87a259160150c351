"""scanner.batch.store: SQLite rows keyed by SHA-256, WAL, blobs, rescans counted."""

from __future__ import annotations

import json
import sqlite3
import zlib

import pytest

from scanner.batch.inputs import Job
from scanner.batch.isolate import Outcome
from scanner.batch.store import Store
from scanner.errors import InputError

DOC = {"app": {"package": "a.b"}, "findings": []}


def _ok(sha: str) -> Outcome:
    blob = zlib.compress(json.dumps(DOC).encode())
    return Outcome(sha, "ok", None, 0.5, 1234, "news", blob,
                   {"package": "a.b", "sdks": [["jpush", "JPush"]], "rules": {"R": 2},
                    "findings": 2, "high": 2, "partial": False}, "w", 0.25)


def test_record_rows_result_and_rescan_count(tmp_path):
    db = tmp_path / "a.sqlite"
    with Store(db) as s:
        run = s.begin_run("src", {"jobs": 1})
        s.add_paths(Job("aa", ("/x/1.apk", "/x/2.apk"), 10), run)
        s.add_unreadable("/x/3.apk", "cannot read", run)
        s.record(_ok("aa"), 10, run)
        s.record(Outcome("bb", "timeout", "killed after 1 s wall clock", 1.0, None), 5, run)
        s.end_run(run, 2, False)
        assert s.done() == {"aa", "bb"} and s.done(("ok",)) == {"aa"}
    with Store(db) as s:  # reopened: everything is still there
        rows = {r["sha256"]: r for r in s.rows()}
        assert rows["aa"]["paths"] == ["/x/1.apk", "/x/2.apk"]
        assert rows["aa"]["sdks"] == [["jpush", "JPush"]] and rows["aa"]["rules"] == {"R": 2}
        assert rows["aa"]["category"] == "news" and rows["aa"]["scans"] == 1
        assert rows["aa"]["cpu_seconds"] == 0.25 and rows["aa"]["peak_rss_kb"] == 1234
        assert rows["bb"]["status"] == "timeout" and rows["bb"]["package"] is None
        assert s.result("aa") == DOC and s.result("bb") is None
        assert {p["path"]: p["error"] for p in s.paths()}["/x/3.apk"] == "cannot read"
        run2 = s.begin_run("src", {})
        s.record(_ok("bb"), 5, run2)
        rows = {r["sha256"]: r for r in s.rows()}
        assert rows["bb"]["status"] == "ok" and rows["bb"]["scans"] == 2
        assert rows["bb"]["run_id"] == run2 and rows["aa"]["run_id"] == run
        assert [r["scanned"] for r in s.runs()] == [2, 0]
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_not_a_database(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError):
        Store(bad)


def test_older_database_gains_new_columns(tmp_path):
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE apks (sha256 TEXT PRIMARY KEY, status TEXT NOT NULL, error TEXT, "
                "package TEXT, size INTEGER, seconds REAL, peak_rss_kb INTEGER, worker TEXT, "
                "run_id INTEGER, scans INTEGER NOT NULL DEFAULT 1, scanned_at TEXT, "
                "result_z BLOB)")
    con.execute("INSERT INTO apks(sha256, status, package) VALUES ('old', 'ok', 'x.y')")
    con.commit()
    con.close()
    with Store(db) as s:
        s.record(_ok("new"), 1, s.begin_run("src", {}))
        rows = {r["sha256"]: r for r in s.rows()}
    assert rows["old"]["package"] == "x.y" and rows["old"]["ruleset_sha256"] is None
    assert rows["new"]["cpu_seconds"] == 0.25
