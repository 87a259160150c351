"""Scan one APK in its own process with a wall-clock and a memory limit.

Contract:
    scan_isolated(path, limits, sha256="", category=None, packages=None, worker=None,
                  warm=True, flows=(), policy=(), runtime=()) -> Outcome
        Scans in a process of its own: with ``warm`` (the default on POSIX) a process forked
        from an idle warm server (scanner.batch.server: a subprocess that has the
        pipeline, rules and SDK catalogue loaded once); otherwise a fresh
        ``python -m scanner.batch.child``. Either way nothing is shared with the caller and
        a scan that crashes its interpreter takes only itself down. Warm servers are kept
        for the life of the process, one per concurrent scan, and replaced when the
        rulesets change (``note_rulesets``); the first scans wait for them to load.
        ``kill_all`` kills them too. Waits at most
        ``limits.timeout`` seconds, kills the process past that, and never raises for
        anything the APK does: every end is an Outcome with a status:
        ok | input_error | ruleset_error | timeout | memory | crash.
        ``Outcome.result_z`` is the zlib-compressed result.json text (status ok only),
        ``Outcome.row`` the summary columns (scanner.batch.summary.summary_row) and
        ``Outcome.worker`` the caller's label plus ``/warm`` or ``/fresh``.
    The caller may kill every running child with ``kill_all()`` (used on SIGINT/SIGTERM).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.batch.status import BatchStatus

STATUSES = tuple(s.value for s in BatchStatus)

_live: set[subprocess.Popen] = set()
_live_lock = threading.Lock()


@dataclass(frozen=True)
class Limits:
    """Per-APK limits: wall-clock seconds and address space in MB (0 = no memory limit)."""

    timeout: float = 600.0
    max_memory_mb: int = 4096


@dataclass(frozen=True)
class Outcome:
    """How one scan ended."""

    sha256: str
    status: str
    error: str | None
    seconds: float
    peak_rss_kb: int | None
    category: str | None = None
    result_z: bytes | None = None
    row: dict[str, Any] = field(default_factory=dict)
    worker: str | None = None
    cpu_seconds: float | None = None  # user + system CPU of the scan process
    #: ``error`` as a message (scanner.messages), said in the reader's language by the
    #: batch overview; None when there is no error, or from a worker that predates it
    error_msg: dict[str, Any] | None = None


def failed(sha256: str, status: str, message: dict[str, Any], seconds: float = 0.0,
           category: str | None = None, worker: str | None = None) -> Outcome:
    """The Outcome of a scan that ended without a result: ``message`` (scanner.messages)
    and its English text as ``error``."""
    from scanner.messages import english

    return Outcome(sha256, status, english(message), seconds, None, category, worker=worker,
                   error_msg=message)


_stopping = threading.Event()


def kill_all() -> None:
    """Kill every child started by this process that is still running, and refuse to start
    new ones until :func:`allow_starts` (an interrupted batch must not leave scans behind)."""
    with _live_lock:
        _stopping.set()
        procs = list(_live)
        _live.clear()
    for p in procs:
        try:
            p.kill()
        except OSError:
            pass


def allow_starts() -> None:
    """Start scans again after :func:`kill_all` (a new batch in the same process)."""
    _stopping.clear()


def _register(proc) -> bool:
    """Track a started child; kill it at once when a stop is under way."""
    with _live_lock:
        _live.add(proc)
        stopping = _stopping.is_set()
    if stopping:
        proc.kill()
    return not stopping


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.path.getsize(path) - 4096))
            lines = [x.strip() for x in fh.read().decode("utf-8", "replace").splitlines()]
    except OSError:
        return ""
    lines = [x for x in lines if x]
    return lines[-1][:300] if lines else ""


def _classify_exit(returncode: int, stderr_tail: str, limits: Limits
                   ) -> tuple[str, dict[str, Any]]:
    """Status and message (scanner.messages) of a child that died without writing its meta
    file; the last line it wrote on stderr is quoted as it is."""
    from scanner.messages import msg

    if "MemoryError" in stderr_tail or "Cannot allocate memory" in stderr_tail \
            or "std::bad_alloc" in stderr_tail:
        return BatchStatus.MEMORY, msg("batch_oom_detail", limit=limits.max_memory_mb,
                                       detail=stderr_tail)
    tail = msg("batch_tail", text=stderr_tail) if stderr_tail else ""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return BatchStatus.CRASH, msg("batch_killed", signal=name, tail=tail)
    return BatchStatus.CRASH, msg("batch_exit_code", code=returncode, tail=tail)


SERVER_START_TIMEOUT = 600.0  # loading the rules on a very busy machine


def warm_available() -> bool:
    """True where scan processes can be forked from a warm server (POSIX)."""
    return hasattr(os, "fork") and sys.platform != "win32"


class ServerGone(Exception):
    """The warm server died or stopped answering."""


_digest: str | None = None  # the rulesets digest new warm servers are expected to load


def note_rulesets() -> str:
    """Record the current rulesets digest; idle warm servers that loaded other rulesets are
    then replaced instead of reused (called at the start of every batch and dask task)."""
    global _digest
    try:
        from scanner.knowledge import ruleset_digest
        from scanner.paths import rulesets_dir

        _digest = ruleset_digest(rulesets_dir())
    except OSError:
        _digest = ""
    return _digest


class _Server:
    """One warm scan server (scanner.batch.server), used by one scan at a time."""

    def __init__(self) -> None:
        self.digest = _digest
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scanner.batch.server"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        self.buf = b""
        self.child: int | None = None
        _register(self)
        self._read(SERVER_START_TIMEOUT)  # {"ready": true}

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the server; its running scan dies with it (PR_SET_PDEATHSIG)."""
        child = self.child
        if child is not None:
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.kill()
        except OSError:
            pass

    def close(self) -> None:
        self.kill()
        self.proc.wait()
        with _live_lock:
            _live.discard(self)

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ServerGone("no answer from the warm server")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ServerGone("the warm server exited")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def run(self, request: Path, timeout: float) -> tuple[bool, int]:
        """Run one request; (timed out, exit code)."""
        try:
            self.proc.stdin.write((json.dumps({"request": str(request), "timeout": timeout})
                                   + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as e:
            raise ServerGone(f"the warm server is gone: {e}") from e
        self.child = int(self._read(60.0)["pid"])
        try:
            # The server enforces the timeout; the margin only guards against a hung server.
            done = self._read(timeout + 60.0)
        finally:
            self.child = None
        return bool(done["timed_out"]), int(done["code"])


_idle: list[_Server] = []
_idle_lock = threading.Lock()


def _checkout() -> _Server:
    """An idle warm server of this process, or a new one."""
    while True:
        with _idle_lock:
            srv = _idle.pop() if _idle else None
        if srv is None:
            return _Server()
        if srv.alive() and srv.digest == _digest:
            return srv
        srv.close()  # dead, or loaded rulesets that have changed since


def _run_warm(request: Path, timeout: float) -> tuple[bool, int]:
    if _digest is None:
        note_rulesets()
    try:
        srv = _checkout()
    except ServerGone:  # killed while loading (an interrupt) or could not load
        return False, -signal.SIGKILL
    if _stopping.is_set():
        srv.kill()
    try:
        result = srv.run(request, timeout)
    except ServerGone:
        srv.close()
        return False, -signal.SIGKILL
    with _idle_lock:
        _idle.append(srv)
    return result


def _run_fresh(request: Path, log: Path, timeout: float) -> tuple[bool, int]:
    env = dict(os.environ)
    with open(log, "ab") as err:
        proc = subprocess.Popen([sys.executable, "-m", "scanner.batch.child", str(request)],
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env,
                                close_fds=True)
        _register(proc)
        try:
            proc.wait(timeout=timeout)
            return False, proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return True, proc.returncode
        finally:
            with _live_lock:
                _live.discard(proc)


def scan_isolated(path: str | Path, limits: Limits, sha256: str = "",
                  category: str | None = None, packages: Mapping[str, str] | None = None,
                  worker: str | None = None, warm: bool = True,
                  flows: tuple[str | Path, ...] = (), policy: tuple[str | Path, ...] = (),
                  runtime: tuple[str | Path, ...] = ()) -> Outcome:
    """Scan ``path`` in a process of its own (see module docstring); ``flows``, ``policy`` and
    ``runtime`` are analysed with the APK, as ``appaudit scan --flows/--policy/--runtime``."""
    tmp = Path(tempfile.mkdtemp(prefix="appaudit-batch-"))
    t0 = time.monotonic()
    try:
        log = tmp / "stderr.log"
        req = {"apk": str(path), "category": category, "packages": dict(packages or {}),
               "flows": [str(f) for f in flows], "policy": [str(f) for f in policy],
               "runtime": [str(f) for f in runtime],
               "max_memory_mb": int(limits.max_memory_mb), "log": str(log),
               "result": str(tmp / "result.json.z"), "meta": str(tmp / "meta.json")}
        request = tmp / "request.json"
        request.write_text(json.dumps(req), encoding="utf-8")
        if _stopping.is_set():
            from scanner.messages import msg

            return failed(sha256, BatchStatus.CRASH, msg("batch_stopped_before"),
                          category=category, worker=worker)
        if warm and warm_available():
            worker = f"{worker or 'local'}/warm"
            timed_out, returncode = _run_warm(request, limits.timeout)
        else:
            worker = f"{worker or 'local'}/fresh"
            timed_out, returncode = _run_fresh(request, log, limits.timeout)
        seconds = round(time.monotonic() - t0, 3)
        meta_path = tmp / "meta.json"
        if timed_out:
            from scanner.messages import msg

            return failed(sha256, BatchStatus.TIMEOUT,
                          msg("batch_timeout", seconds=f"{limits.timeout:g}"), seconds,
                          category, worker)
        if not meta_path.exists():
            status, message = _classify_exit(returncode, _last_line(log), limits)
            return failed(sha256, status, message, seconds, category, worker)
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        blob = None
        row: dict[str, Any] = {}
        if meta["status"] == BatchStatus.OK:
            blob = (tmp / "result.json.z").read_bytes()
            row = meta.get("row") or {}
        return Outcome(sha256, meta["status"], meta.get("error"), seconds,
                       meta.get("peak_rss_kb"), meta.get("category"), blob, row, worker,
                       meta.get("cpu_seconds"), meta.get("error_msg"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
