"""scanner.batch.runner: a mixed batch stores every outcome; reruns skip; interrupts resume."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from batch_helpers import (
    HOSTILE_REJECTED,
    REPO,
    corpus_smallest,
    groundtruth,
    manifest_packages,
)

from scanner.batch import BatchOptions, Limits, Store, run_batch


def _sha(p) -> str:
    return hashlib.sha256(open(p, "rb").read()).hexdigest()


def _by_path(rows):
    return {p: r for r in rows for p in r["paths"]}


def test_mixed_batch_stores_every_outcome(local_db, mixed_inputs):
    db, stats = local_db
    paths = {os.path.abspath(p) for p in mixed_inputs["paths"]}
    assert not stats.interrupted
    assert stats.paths == len(paths) and stats.duplicates == 1
    assert stats.distinct == len(paths) - 1 == stats.scanned
    with Store(db) as s:
        rows = s.rows()
        by_path = _by_path(rows)
        assert set(by_path) == paths
        assert all(r["scans"] == 1 for r in rows)
        for p in mixed_inputs["fixtures"]:
            r = by_path[os.path.abspath(p)]
            gt = groundtruth(p.stem)
            assert r["status"] == "ok", r["error"]
            assert r["package"] == gt["package"] and r["version_name"] == gt["version_name"]
            assert s.result(r["sha256"])["inputs"][0]["sha256"] == _sha(p)
        clean = by_path[os.path.abspath(mixed_inputs["fixtures"][0].parent / "clean.apk")]
        assert clean["paths"] == sorted([
            os.path.abspath(mixed_inputs["fixtures"][0].parent / "clean.apk"),
            os.path.abspath(mixed_inputs["duplicate"])])
        for name in HOSTILE_REJECTED:
            r = by_path[os.path.abspath(mixed_inputs["hostile"][name])]
            assert r["status"] != "ok" and r["error"], name
            assert "\n" not in r["error"]
        dex = by_path[os.path.abspath(mixed_inputs["hostile"]["corrupt_dex"])]
        if dex["status"] == "ok":  # kept as a partial result that says why
            reasons = [x["reason"] for x in s.result(dex["sha256"])["skipped"]]
            assert dex["partial"] and any("dex" in x for x in reasons)
        else:
            assert "dex" in dex["error"]
        trav = by_path[os.path.abspath(mixed_inputs["hostile"]["traversal"])]
        assert trav["status"] != "ok" or trav["findings"] > 0
        packages = manifest_packages()
        for p in mixed_inputs["corpus"]:
            r = by_path[os.path.abspath(p)]
            assert r["status"] in ("ok", "input_error"), (p, r["error"])
            if r["status"] == "ok":
                assert s.result(r["sha256"])["inputs"][0]["sha256"] == _sha(p)
                if os.path.abspath(p) in packages:
                    assert r["package"] == packages[os.path.abspath(p)]
            else:
                assert r["error"]


def _copy_db(src, dst):
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()


def test_rerun_skips_done_and_retry_errors(local_db, mixed_inputs, tmp_path):
    db, first = local_db
    copy = tmp_path / "copy.sqlite"
    _copy_db(db, copy)
    again = run_batch(mixed_inputs["list"], copy, BatchOptions(jobs=2), progress=False)
    assert again.scanned == 0 and again.already_done == first.distinct
    with Store(copy) as s:
        failed = {r["sha256"] for r in s.rows() if r["status"] != "ok"}
    retry = run_batch(mixed_inputs["list"], copy, BatchOptions(jobs=2, retry_errors=True),
                      progress=False)
    assert retry.scanned == len(failed) > 0
    with Store(copy) as s:
        rows = s.rows()
        assert {r["sha256"] for r in rows if r["scans"] == 2} == failed
        assert [r["scanned"] for r in s.runs()] == [first.distinct, 0, len(failed)]


def _rows_done(db) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT count(*) FROM apks").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


@pytest.mark.skipif(not corpus_smallest(1), reason="../shared/corpus is absent")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill9"])
def test_interrupted_batch_resumes_without_rescanning(tmp_path, sig):
    apks = corpus_smallest(24)
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(map(str, apks)) + "\n", encoding="utf-8")
    total = len({_sha(p) for p in apks})
    db = tmp_path / "audit.sqlite"
    cmd = [sys.executable, "-m", "scanner", "batch", str(listing), "--db", str(db),
           "--jobs", "1", "--timeout", "120"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _rows_done(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    done_before = _rows_done(db)
    assert 3 <= done_before < total, "the batch must be stopped midway for this test"
    if sig == signal.SIGTERM:
        assert proc.returncode == 130, err.decode()
        assert b"interrupted" in out
    else:
        assert proc.returncode == -signal.SIGKILL
    stats = run_batch(listing, db, BatchOptions(jobs=2, limits=Limits(120, 4096)),
                      progress=False)
    assert not stats.interrupted
    assert stats.already_done == done_before
    assert stats.scanned == total - done_before
    with Store(db) as s:
        rows = s.rows()
        assert len(rows) == total
        assert all(r["scans"] == 1 for r in rows)  # nothing was scanned twice
        runs = s.runs()
        assert runs[-1]["scanned"] == total - done_before
        if sig == signal.SIGTERM:
            assert runs[0]["interrupted"] == 1 and runs[0]["scanned"] == done_before
        else:  # killed before end_run: marked interrupted by the next run
            assert runs[0]["interrupted"] == 1 and runs[0]["finished"] is None
        assert runs[-1]["interrupted"] == 0


def test_stop_signal_never_falls_between_storing_and_counting():
    """A SIGTERM (or SIGINT) that arrives while an outcome is being stored is held back until
    the outcome is counted, so the run's ``scanned`` always equals the rows it stored (this
    race once left a run row one short of its stored APKs under load)."""
    from scanner.batch.runner import BatchInterrupted, _StopSignals

    for sig in (signal.SIGTERM, signal.SIGINT):
        stops = _StopSignals()
        steps = []
        with pytest.raises(BatchInterrupted), stops.installed():
            with stops.atomic():
                os.kill(os.getpid(), sig)
                steps.append("stored")
                steps.append("counted")
            steps.append("next outcome")  # never reached: the stop is raised after the step
        assert steps == ["stored", "counted"]
        with pytest.raises(BatchInterrupted), stops.installed():
            os.kill(os.getpid(), sig)  # outside a step the stop is immediate
            time.sleep(1)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
