"""Reader adapter: a capture file → :class:`scanner.model.traffic.Exchange` objects.

Contract: :func:`capture_kind` returns "flows" or "har" (told apart by content)
and :func:`read_exchanges` yields the exchanges of one file; both raise
:class:`scanner.errors.InputError` (one line) on unreadable input. The pricing
stage reads captures only through this module, so that switching to the shared
``scanner.ingest.traffic`` reader is a change here alone. Until then it
delegates to ``scanner.ingest.pricing_capture`` (the ingest stage owns
mitmproxy).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scanner.ingest.pricing_capture import read_capture, sniff_kind
from scanner.model.traffic import Exchange


def capture_kind(path: Path) -> str:
    """"flows" (mitmproxy) or "har"."""
    return sniff_kind(path)


def read_exchanges(path: Path) -> Iterator[Exchange]:
    """Every exchange of a capture, in file order."""
    return read_capture(path)
