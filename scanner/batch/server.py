"""The warm scan server: ``python -m scanner.batch.server``, one per batch worker thread.

Contract: started by scanner.batch.isolate with pipes on stdin/stdout. It loads the pipeline,
the rules and the SDK catalogue once (scanner.batch.warm), writes ``{"ready": true}`` and then
serves one request at a time, each a JSON line ``{"request": path, "timeout": seconds}``:
it forks a scan process (scanner.batch.child.warm_main on that request file), answers
``{"pid": n}``, waits for it at most ``timeout`` seconds (SIGKILL past that) and answers
``{"code": exit code, negative for a signal, "timed_out": bool}``. Each scan therefore runs
in its own process, forked from a server that is already warm; nothing a scan does can
touch the server or the batch. The server exits at end of input, also while a scan runs
(killing it): when the batch process dies its pipe closes. A scan process dies with the
server (PR_SET_PDEATHSIG). Being a plain subprocess, it needs no multiprocessing start
method, does not import the caller's ``__main__``, and works inside daemonic dask workers.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time


def _wait(pid: int, timeout: float, watch: int) -> tuple[int, bool]:
    """Exit status of ``pid``, killing it after ``timeout`` seconds, or at once (and exiting)
    when ``watch`` (our stdin) closes: the batch process is gone."""
    deadline = time.monotonic() + timeout
    pidfd = None
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pass
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), False
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status), True
            fds = [watch] if pidfd is None else [pidfd, watch]
            ready = select.select(fds, [], [], left if pidfd is not None else min(left, 0.01))[0]
            if watch in ready and not _peek_open(watch):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os._exit(0)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _peek_open(fd: int) -> bool:
    """False when the pipe on ``fd`` has reached end of input (the writer is gone)."""
    import fcntl

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        data = os.read(fd, 1)
    except BlockingIOError:
        return True
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags)
    if data:
        _pending.append(data)
        return True
    return False


_pending: list[bytes] = []


def serve() -> int:
    """The request loop (see module docstring)."""
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # stray prints must not corrupt the protocol
    from scanner.batch import warm  # noqa: F401  (the preload itself)
    from scanner.batch.child import warm_main

    def say(obj: dict) -> None:
        proto_out.write((json.dumps(obj) + "\n").encode("utf-8"))

    say({"ready": True})
    buf = b""
    while True:
        chunk = b"".join(_pending) or proto_in.read(65536)
        _pending.clear()
        if not chunk:
            return 0
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            req = json.loads(line)
            pid = os.fork()
            if pid == 0:  # the scan process
                code = 1
                try:
                    proto_in.close()
                    proto_out.close()
                    warm_main(req["request"])
                    code = 0
                finally:
                    os._exit(code)
            say({"pid": pid})
            code, timed_out = _wait(pid, float(req["timeout"]), proto_in.fileno())
            say({"code": code, "timed_out": timed_out})


if __name__ == "__main__":
    sys.exit(serve())
