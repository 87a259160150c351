"""Reader adapter: a capture file → :class:`scanner.model.traffic.Exchange` objects.

Contract: :func:`open_capture` checks one capture file (mitmproxy flow file or
HAR, told apart by content), digests it and returns a :class:`Capture` whose
``exchanges()`` streams the file; it raises :class:`scanner.errors.InputError`
(one line naming the file) when the file is missing, empty, of neither format,
or a HAR whose header cannot be read. Damage found while streaming (a flow
file cut short, a corrupt entry) does not raise: it is recorded in
``damage`` for the pipeline to report as a partial result. The pricing stage
reads captures only through this module; it delegates to the shared reader
``scanner.ingest.traffic`` (the ingest stage owns mitmproxy and HAR parsing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.ingest.traffic import TrafficEvidence, open_traffic, sniff
from scanner.model.evidence import InputFile
from scanner.model.traffic import Exchange


@dataclass(frozen=True)
class Capture:
    """One opened capture file."""

    path: Path
    kind: str  # flows | har
    input: InputFile
    _evidence: TrafficEvidence

    def exchanges(self) -> Iterator[Exchange]:
        """Every exchange of the file, in file order (re-reads the file)."""
        return self._evidence.exchanges()

    @property
    def damage(self) -> str | None:
        """What could not be read, once :meth:`exchanges` has run; None when intact."""
        return next((d.detail for d in self._evidence.damage if d.part == str(self.path)),
                    None)

    @property
    def damage_msg(self) -> Any:
        """The same as a message (scanner.messages), when the reader gave one."""
        return next((d.detail_msg for d in self._evidence.damage
                     if d.part == str(self.path)), None)


def capture_kind(path: Path) -> str:
    """"flows" (mitmproxy) or "har"; InputError for anything else."""
    return sniff(path)


def open_capture(path: Path) -> Capture:
    """Check and digest one capture file."""
    ev = open_traffic((path,))
    (kind,) = (k for _, k in ev.files)
    return Capture(path, kind, ev.inputs[0], ev)


def read_exchanges(path: Path) -> Iterator[Exchange]:
    """Every exchange of a capture, in file order."""
    return open_capture(path).exchanges()
