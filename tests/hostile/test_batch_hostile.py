"""Hostile batch inputs and damaged batch databases, round two."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import zlib

import pytest
from click.testing import CliRunner

from scanner.batch.inputs import group_by_hash
from scanner.batch.isolate import Outcome
from scanner.batch.store import Store
from scanner.cli import cli
from scanner.errors import InputError
from scanner.messages import english, msg
from tests.conftest import FIXTURE_APKS, REPO


def _one_error_line(res, *needles):
    assert "Traceback" not in res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, lines
    assert "internal error" not in lines[0]
    for n in needles:
        assert n in lines[0], lines[0]


def _with_timeout(fn, seconds=20):
    """Run ``fn`` in a thread; fail (instead of hanging the suite) when it does not end."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s (blocked on a FIFO?)"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_list_naming_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.apk"
    os.mkfifo(fifo)
    apk = FIXTURE_APKS / "clean.apk"
    jobs, unreadable = _with_timeout(lambda: group_by_hash([fifo, tmp_path, apk]))
    assert [j.path for j in jobs] == [str(apk)]
    # why, as messages (err_not_regular, en.yaml: "{path}: not a regular file")
    assert {p: english(m) for p, m in unreadable.items()} == {
        str(fifo): f"{fifo}: not a regular file",
        str(tmp_path): f"{tmp_path}: not a regular file"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_batch_cli_with_a_fifo_in_the_list(tmp_path):
    fifo = tmp_path / "pipe.apk"
    os.mkfifo(fifo)
    listing = tmp_path / "list.txt"
    listing.write_text(f"{fifo}\n", "utf-8")
    db = tmp_path / "a.sqlite"
    res = _with_timeout(lambda: CliRunner().invoke(
        cli, ["batch", str(listing), "--db", str(db), "--jobs", "1", "--lang", "en"]))
    assert res.exit_code == 0, res.output
    with Store(db) as s:
        # the English text and the message (err_not_regular) beside it
        assert s.paths() == [{"path": str(fifo), "sha256": None,
                              "error": f"{fifo}: not a regular file",
                              "error_msg": msg("err_not_regular", path=str(fifo))}]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_traffic_and_device_facts_fifo_refused(tmp_path):
    fifo = tmp_path / "cap.har"
    os.mkfifo(fifo)
    res = _with_timeout(lambda: CliRunner().invoke(
        cli, ["traffic", str(fifo), "--out", str(tmp_path / "o"), "--lang", "en"]))
    assert res.exit_code == 3
    _one_error_line(res, "not a regular file")


def _good_db(tmp_path):
    db = tmp_path / "a.sqlite"
    doc = {"app": {"package": "a.b"}, "findings": []}
    with Store(db) as s:
        run = s.begin_run("src", {})
        for i in range(200):  # a few pages, so a flipped byte can land in data
            s.record(Outcome(f"{i:064x}", "ok", None, 0.5, 1, None,
                             zlib.compress(json.dumps(doc).encode()),
                             {"package": f"p{i}", "sdks": [], "rules": {}, "findings": 0,
                              "partial": False}), 10, run)
        s.end_run(run, 200, False)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db


def _corruptions(db):
    data = db.read_bytes()
    page = 4096
    yield "header", b"\0" * 100 + data[100:]
    yield "truncated", data[: len(data) // 2]
    # a flipped byte deep inside a table page, in the record header of row 100 (the byte
    # before its first value, its SHA-256; found by content: a fixed offset moves whenever
    # the table gains a column, and once landed in the table's copy of a key that queries
    # read from its index, unseen): reads of other pages still work
    mid = data.index(f"{100:064x}ok".encode()) - 1
    assert mid > 4 * page
    yield "flipped", data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:]
    yield "page_header", data[:2 * page] + b"\xff" * 16 + data[2 * page + 16:]


@pytest.mark.parametrize("command", ["batch", "batch-report"])
def test_corrupt_database_is_one_clear_line(tmp_path, command):
    good = _good_db(tmp_path)
    listing = tmp_path / "list.txt"
    listing.write_text(f"{FIXTURE_APKS / 'clean.apk'}\n", "utf-8")
    for name, blob in _corruptions(good):
        db = tmp_path / f"{name}.sqlite"
        db.write_bytes(blob)
        args = (["batch", str(listing), "--db", str(db), "--jobs", "1"] if command == "batch"
                else ["batch-report", str(db), "-o", str(tmp_path / f"{name}.html")])
        res = CliRunner().invoke(cli, [*args, "--lang", "en"])
        assert res.exit_code == 3, (name, res.output)
        line = res.stderr.strip()
        _one_error_line(res, str(db))
        assert "damaged" in line or "not a usable batch database" in line, line


def test_wrong_value_types_in_a_database(tmp_path):
    db = _good_db(tmp_path)
    con = sqlite3.connect(db)
    con.execute("UPDATE apks SET sdks='7' WHERE package='p3'")  # valid JSON, not a list
    con.commit()
    con.close()
    with Store(db) as s, pytest.raises(InputError, match="apks.sdks"):
        s.rows()
    res = CliRunner().invoke(cli, ["batch-report", str(db), "-o", str(tmp_path / "o.html"),
                                   "--lang", "en"])
    assert res.exit_code == 3
    _one_error_line(res, "damaged", "apks.sdks")


def test_killed_run_is_marked_interrupted_by_the_next(tmp_path):
    db = tmp_path / "a.sqlite"
    # a process that starts a run and dies without ending it (as after kill -9)
    code = ("import os, sys; from scanner.batch.store import Store; "
            "s = Store(sys.argv[1]); s.begin_run('src', {}); os._exit(9)")
    proc = subprocess.run([sys.executable, "-c", code, str(db)], cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60)
    assert proc.returncode == 9
    with Store(db) as s:
        (first,) = s.runs()
        assert first["finished"] is None and first["interrupted"] == 0
        mine = s.begin_run("src", {})
        runs = {r["id"]: r for r in s.runs()}
        assert runs[first["id"]]["interrupted"] == 1
        # a run of a process still alive (this one) is left alone
        s.begin_run("src", {})
        assert {r["id"]: r for r in s.runs()}[mine]["interrupted"] == 0
