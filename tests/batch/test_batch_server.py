"""scanner.batch.server: forks one scan per request, enforces the timeout, dies with its pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from batch_helpers import FIXTURE_APKS, REPO

from scanner.batch.isolate import ServerGone, _Server


def _request(tmp_path, apk, name="r"):
    req = {"apk": str(apk), "category": None, "packages": {}, "max_memory_mb": 0,
           "log": str(tmp_path / f"{name}.log"), "result": str(tmp_path / f"{name}.z"),
           "meta": str(tmp_path / f"{name}.json")}
    path = tmp_path / f"{name}.req"
    path.write_text(json.dumps(req), encoding="utf-8")
    return path


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_server_runs_requests_and_kills_at_timeout(tmp_path):
    big = tmp_path / "big.apk"
    with open(big, "wb") as fh:
        fh.truncate(1 << 30)  # reading 1 GiB of (sparse) zeros takes well over 1 ms
    srv = _Server()
    try:
        timed_out, code = srv.run(_request(tmp_path, FIXTURE_APKS / "clean.apk", "a"), 120)
        assert (timed_out, code) == (False, 0)
        assert json.loads((tmp_path / "a.json").read_text())["status"] == "ok"
        timed_out, code = srv.run(_request(tmp_path, big, "b"), 0.001)
        assert timed_out and code == -9
        assert not (tmp_path / "b.json").exists()
        # The same server goes on serving after a kill.
        assert srv.run(_request(tmp_path, FIXTURE_APKS / "clean.apk", "c"), 120) == (False, 0)
    finally:
        srv.close()


def test_server_exits_and_kills_its_scan_when_the_pipe_closes(tmp_path):
    big = tmp_path / "big.apk"
    with open(big, "wb") as fh:
        fh.truncate(3 << 30)
    srv = _Server()
    req = json.dumps({"request": str(_request(tmp_path, big)), "timeout": 120}) + "\n"
    srv.proc.stdin.write(req.encode())
    srv.proc.stdin.flush()
    pid = srv._read(60)["pid"]
    srv.proc.stdin.close()  # what the batch process's death looks like to the server
    srv.proc.wait(timeout=20)
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid)
    assert not (tmp_path / "r.json").exists()  # killed mid-scan, not finished
    try:
        srv._read(1)
        raise AssertionError("a dead server answered")
    except ServerGone:
        pass


def test_script_without_main_guard_can_scan(tmp_path):
    # Scan processes never import the caller's __main__ again (no multiprocessing spawn).
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from scanner.batch.isolate import Limits, scan_isolated\n"
        f"print(scan_isolated({str(FIXTURE_APKS / 'clean.apk')!r}, Limits(120, 0)).status)\n",
        encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_changed_rulesets_replace_idle_servers(tmp_path, monkeypatch):
    import shutil

    from scanner.batch import isolate
    from scanner.batch.isolate import Limits, note_rulesets, scan_isolated

    rules = tmp_path / "rulesets"
    shutil.copytree(REPO / "rulesets", rules)
    monkeypatch.setenv("APPAUDIT_RULESETS_DIR", str(rules))
    note_rulesets()
    apk = FIXTURE_APKS / "clean.apk"
    first = scan_isolated(apk, Limits(120, 0))
    with isolate._idle_lock:
        before = {s.proc.pid for s in isolate._idle if s.digest == isolate._digest}
    assert first.status == "ok" and before
    again = scan_isolated(apk, Limits(120, 0))  # unchanged rulesets: a server is reused
    with isolate._idle_lock:
        assert {s.proc.pid for s in isolate._idle} & before
    # A rule's title changes: the next scan must come from a server that loaded it.
    rule = next((rules / "rules" / "manifest").glob("PRIV-MAN-0004-*.yaml"))
    text = rule.read_text("utf-8")
    rule.write_text(text.replace("en: ", "en: CHANGED ", 1), "utf-8")
    note_rulesets()
    try:
        changed = scan_isolated(apk, Limits(120, 0))
        with isolate._idle_lock:
            assert not {s.proc.pid for s in isolate._idle} & before
    finally:  # later tests in this process scan with the real rulesets again
        monkeypatch.undo()
        note_rulesets()
    assert again.row["ruleset_sha256"] == first.row["ruleset_sha256"]
    assert changed.row["ruleset_sha256"] != first.row["ruleset_sha256"]
