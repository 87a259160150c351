"""Batch progress on stderr: a redrawn bar with rate and ETA on a terminal, plain lines
otherwise (one per finished APK, so logs and CI output stay readable).

Contract: ``Progress(total, stream=None, tty=None, width=30, lang="zh")``; ``.advance(name,
status)`` after each finished scan; ``.close()`` at the end. ``rate`` is APKs per minute over
this run. The words (rate, time left, the status) are the catalogs' in ``lang``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _fmt_eta(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Progress of one batch run (see module docstring)."""

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None,
                 width: int = 30, lang: str = "zh") -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.width = width
        self.t0 = time.monotonic()
        self.lang = lang

    @property
    def rate(self) -> float:
        """APKs per minute so far."""
        elapsed = time.monotonic() - self.t0
        return self.done * 60.0 / elapsed if elapsed > 0 else 0.0

    def eta(self) -> float | None:
        """Seconds left at the current rate, None before the first APK."""
        if not self.done:
            return None
        return (self.total - self.done) * 60.0 / self.rate if self.rate else None

    def line(self, name: str = "", status: str = "") -> str:
        """The text shown after the latest APK."""
        eta = self.eta()
        eta_s = _fmt_eta(eta) if eta is not None else "--:--"
        from scanner.messages import catalog, pad, render

        text = render("batch_progress", {"done": self.done, "total": self.total,
                                         "rate": f"{self.rate:.1f}", "eta": eta_s}, self.lang)
        if self.tty:
            filled = int(self.width * self.done / self.total) if self.total else self.width
            return f"[{'#' * filled}{'.' * (self.width - filled)}] {text}"
        key = f"status_{status}"
        said = render(key, {}, self.lang) if key in catalog(self.lang) else status
        return f"{text}  {pad(said, 13)} {name}"

    def advance(self, name: str, status: str) -> None:
        """One more APK finished."""
        self.done += 1
        if self.tty:
            self.stream.write("\r" + self.line(name, status)[:160] + "\x1b[K")
        else:
            self.stream.write(self.line(name, status) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty and self.total:
            self.stream.write("\n")
            self.stream.flush()
