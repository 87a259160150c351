"""A real ``appaudit serve`` on a loopback port, driven over HTTP (and by chromium)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APKS = REPO / "corpus" / "apk"
TOKEN = "test-token-" + "x" * 24


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process over a data folder; ``restart`` keeps the folder."""

    def __init__(self, data: Path, *extra: str) -> None:
        self.data = data
        self.extra = extra
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def start(self) -> Server:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.log = open(self.data.parent / f"server-{port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scanner", "serve", "--data", str(self.data), "--port",
             str(port), "--token", TOKEN, *self.extra], env=env, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.logtext()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def logtext(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)  # the server and its scan processes
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    # ------------------------------------------------------------------ HTTP
    def request(self, path: str, *, data: bytes | None = None, headers: dict | None = None,
                method: str | None = None, token: bool = True):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {TOKEN}"
        req = urllib.request.Request(self.base + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def upload(self, files: list[tuple[str, str, bytes]], fields: dict | None = None,
               path: str = "/api/scans", **kw):
        body, ctype = multipart(files, fields or {})
        return self.request(path, data=body, headers={"Content-Type": ctype}, method="POST",
                            **kw)

    def submit(self, apk: Path, category: str | None = None, flows: tuple[Path, ...] = ()):
        files = [("apk", apk.name, apk.read_bytes())]
        files += [("flows", f.name, f.read_bytes()) for f in flows]
        status, _, body = self.upload(files, {"category": category} if category else {})
        assert status == 202, body
        return json.loads(body)["id"]

    def job(self, job_id: str) -> dict:
        status, _, body = self.request(f"/api/scans/{job_id}")
        assert status == 200, body
        return json.loads(body)

    def wait(self, job_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} not finished: {self.job(job_id)}")


def multipart(files: list[tuple[str, str, bytes]], fields: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                   .encode() + str(v).encode() + b"\r\n")
    for field, name, blob in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                   f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                   .encode() + blob + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"
