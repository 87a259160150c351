"""Traffic ingest: capture files (mitmproxy dumps or HAR, told apart by content) as
lazily re-readable exchange streams, with the device facts and the consent moment.

Contract
--------
``open_traffic(paths, device_facts, consent_at, first_party, body_limit)`` (called by the
engine when flows are given):

* checks every input exists and is a flow dump or a HAR (first bytes), digests it
  (:func:`scanner.hashing.digest_file`) and raises :class:`InputError` with one line
  naming the file otherwise (missing file, empty file, neither format);
* loads ``device_facts`` (:mod:`scanner.ingest.device_facts`), or else the facts
  the capture addon stored in the capture's first flows (``appaudit_device_facts``);
* returns :class:`TrafficEvidence` whose :meth:`~TrafficEvidence.exchanges` re-reads the
  files each time it is called (nothing is held in memory) and records damage found while
  reading in :attr:`~TrafficEvidence.damage` (a :class:`scanner.model.damage.DamageLog`,
  one record per damaged file, part = its path), which the traffic detector reports as
  ``Skipped`` items.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import InputError
from scanner.hashing import digest_file
from scanner.ingest.device_facts import DeviceFacts, facts_from_mapping, load_device_facts
from scanner.ingest.flowfile import BODY_LIMIT, is_flow_file, iter_flow_file
from scanner.ingest.har import is_zlib, iter_har_file
from scanner.messages import msg, os_reason
from scanner.model.damage import DamageLog
from scanner.model.evidence import InputFile
from scanner.model.traffic import Exchange


def sniff(path: Path) -> str:
    """"flows" or "har" from the first bytes; InputError for anything else."""
    try:
        if Path(path).exists() and not Path(path).is_file():
            raise InputError("err_capture_not_regular", path=str(path))
        with open(path, "rb") as fh:
            head = fh.read(64)
    except FileNotFoundError as e:
        raise InputError("err_no_such", path=str(path), what=msg("what_capture")) from e
    except OSError as e:
        raise InputError("err_unreadable", path=str(path), reason=os_reason(e)) from e
    if not head:
        raise InputError("err_capture_empty", path=str(path))
    if head[:2] == b"\x1f\x8b":
        return "har"  # gzip-compressed HAR; checked further when read
    if is_zlib(head):
        return "har"  # zlib-compressed HAR (.zhar)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "har"
    if is_flow_file(head):
        return "flows"
    raise InputError("err_capture_kind", path=str(path))


@dataclass
class TrafficEvidence:
    """The capture inputs of one scan; exchanges are streamed on demand."""

    files: tuple[tuple[Path, str], ...]  # (path, kind)
    inputs: tuple[InputFile, ...]
    device_facts: DeviceFacts | None = None
    consent_at: float | None = None
    first_party: tuple[str, ...] = ()
    body_limit: int = BODY_LIMIT
    damage: DamageLog = field(default_factory=DamageLog)
    #: (later input, earlier input) -> exchanges of the later one that repeat the earlier one
    #: (the same session given twice, e.g. as .mitm and as .har): counted by the last pass
    duplicates: dict[tuple[str, str], int] = field(default_factory=dict)

    def exchanges(self) -> Iterator[Exchange]:
        """Every HTTP exchange of every input, in file order (re-reads the files). An exchange
        that repeats one of an earlier input (same method, URL, request body and start time
        to the millisecond: the same session given twice, as a flow file and as a HAR, or the
        same file twice) is skipped and counted in :attr:`duplicates`; repeats inside one
        file are real requests and kept."""
        seen: dict[bytes, int] = {}  # 16-byte key -> index of the input first holding it
        self.duplicates = {}
        for i, (path, kind) in enumerate(self.files):
            reader = iter_flow_file if kind == "flows" else iter_har_file
            mine: list[bytes] = []
            for ex in reader(path, self.damage, self.body_limit):
                if ex.time is None:  # no start time: cannot tell a repeat from a new request
                    yield ex
                    continue
                keys = _dedup_keys(ex)
                first = next((seen[k] for k in keys if seen.get(k, i) != i), None)
                if first is not None:
                    pair = (str(path), str(self.files[first][0]))
                    self.duplicates[pair] = self.duplicates.get(pair, 0) + 1
                    continue
                mine.append(keys[1])
                yield ex
            for k in mine:
                seen.setdefault(k, i)


def _dedup_keys(ex: Exchange) -> tuple[bytes, bytes, bytes]:
    """Keys of an exchange for the start times one millisecond before, at and after its own
    (flow files keep microseconds, HAR milliseconds, rounded either way)."""
    import hashlib

    ms = round(ex.time * 1000) if ex.time is not None else -1
    body = hashlib.blake2b(ex.request_body, digest_size=16).digest()
    out = []
    for t in (ms - 1, ms, ms + 1):
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{ex.method}\0{ex.url}\0{t}\0".encode("utf-8", "surrogatepass"))
        h.update(body)
        out.append(h.digest())
    return out[0], out[1], out[2]


def open_traffic(paths: list[Path] | tuple[Path, ...], device_facts: Path | None = None,
                 consent_at: float | None = None, first_party: tuple[str, ...] = (),
                 body_limit: int = BODY_LIMIT) -> TrafficEvidence:
    """Check and digest the capture files; see the module contract."""
    files = []
    inputs = []
    for p in paths:
        path = Path(p)
        kind = sniff(path)
        if kind == "har":
            _check_har_start(path)
        d = digest_file(path)
        files.append((path, kind))
        inputs.append(InputFile(kind, str(path), d.bytes, d.sha256, d.sm3))
    facts = None
    if device_facts:
        facts = load_device_facts(Path(device_facts))
        d = digest_file(Path(device_facts))
        inputs.append(InputFile("device_facts", str(device_facts), d.bytes, d.sha256, d.sm3))
    ev = TrafficEvidence(tuple(files), tuple(inputs), facts, consent_at,
                         tuple(first_party), body_limit)
    if facts is None:
        ev.device_facts = facts_from_capture(ev)
    return ev


def facts_from_capture(ev: TrafficEvidence, look: int = 50) -> DeviceFacts | None:
    """Device facts the capture addon stored in the first flows (``appaudit_device_facts``)."""
    seen = 0
    for path, kind in ev.files:
        reader = iter_flow_file if kind == "flows" else iter_har_file
        gen = reader(path, DamageLog(), ev.body_limit)  # damage is recorded by exchanges()
        try:
            for ex in gen:
                doc = (ex.marker or {}).get("appaudit_device_facts")
                if isinstance(doc, dict):
                    return facts_from_mapping(doc, f"{path} (capture labels)")
                seen += 1
                if seen >= look:
                    break
        finally:
            gen.close()
    return None


def _check_har_start(path: Path) -> None:
    """Raise InputError now when a HAR's header is unreadable (before any analysis)."""
    from scanner.ingest.har import iter_har_entries

    gen = iter_har_entries(path, DamageLog())  # damage after the header: found later
    try:
        next(gen, None)
    finally:
        gen.close()
