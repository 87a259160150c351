"""Headless chromium, used to print the HTML report to PDF (and by the browser tests).

Chromium is optional: :func:`find_chromium` returns None when it is not installed
(Debian package ``chromium``), and :func:`run_chromium` raises :class:`UsageError` then.
Chromium runs with networking features off and a throw-away profile; the page it
loads is a local file that makes no requests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from scanner.errors import UsageError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio")
TIMEOUT = 120


def find_chromium() -> str | None:
    """Path of a chromium binary ($APPAUDIT_CHROMIUM or on PATH), or None."""
    env = os.environ.get("APPAUDIT_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(args: Sequence[str], timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
    """Run headless chromium with ``args`` and a temporary profile; return the process."""
    exe = find_chromium()
    if exe is None:
        raise UsageError("err_no_chromium")
    with tempfile.TemporaryDirectory(prefix="appaudit-chromium-") as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise UsageError("err_chromium_timeout", s=timeout) from e


def html_to_pdf(html: bytes) -> bytes:
    """Print an HTML document to an A4 PDF with chromium."""
    with tempfile.TemporaryDirectory(prefix="appaudit-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        dst = Path(tmp) / "report.pdf"
        src.write_bytes(html)
        proc = run_chromium(["--no-pdf-header-footer", f"--print-to-pdf={dst}", src.as_uri()])
        if not dst.is_file() or not dst.read_bytes().startswith(b"%PDF"):
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise UsageError("err_chromium_pdf", detail=" ".join(err))
        return dst.read_bytes()
