"""Hook logs (JSON Lines, PRODUCT.md "Runtime evidence") read as a stream.

Contract:
    RuntimeLog(paths)                  the log files; InputError when one is missing or
                                       unreadable
    log.inputs                         their InputFile records (kind ``runtime``, SHA-256 and
                                       SM3); the digests are computed in a background thread
                                       while the events are read (the GIL is released while
                                       hashing), so reading them waits for it; InputError
                                       when a file could not be read to the end
    log.events() -> Iterator[Event]    every usable event of every file in file order, as
                                       :class:`Event` (``kind`` = the ``event`` field); lines
                                       that are not a JSON object with a finite numeric ``ts``
                                       and a string ``event`` are skipped and counted in
                                       ``log.malformed`` (first line numbers in
                                       ``log.malformed_lines``); unknown events and fields
                                       are passed through for the detector to ignore;
                                       a camille export (.xls) is read as such
                                       (scanner.ingest.camille)
    log.records()                      the same as plain tuples (the detector's fast path)
Lines longer than MAX_LINE_BYTES are skipped as malformed without being held in memory;
memory does not grow with the log's length (one block of BLOCK bytes and at most one line
are held).

Speed: blocks are split into lines in C and parsed with orjson (3-4 times faster than the
standard library on these lines); an event is a plain named tuple. A line orjson refuses is
read again by the standard library, so text is clean and nothing valid is lost: bytes that are
not UTF-8 and lone UTF-16 surrogates (``"\\ud800"``, valid JSON) are read as U+FFFD; NaN and
integers beyond 64 bits are accepted as the standard library reads them (a NaN ``ts`` is
still malformed).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from scanner.errors import InputError
from scanner.messages import msg, os_reason
from scanner.model.evidence import InputFile

MAX_LINE_BYTES = 1 << 20
BLOCK = 1 << 20  # must not exceed MAX_LINE_BYTES
KEEP_LINE_NUMBERS = 20
_loads = orjson.loads
_JSONError = orjson.JSONDecodeError
_decode = json.JSONDecoder().decode
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_tree(obj: Any) -> Any:
    """A decoded line with lone UTF-16 surrogates replaced by U+FFFD in every string (keys
    too); iterative, so a deeply nested line costs no recursion."""
    def clean(v: Any) -> Any:
        return _SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v

    root = [clean(obj)]
    todo = [(root, 0)]
    while todo:
        parent, key = todo.pop()
        v = parent[key]
        if isinstance(v, dict):
            new = {clean(k): x for k, x in v.items()}
            parent[key] = new
            todo.extend((new, k) for k in new)
        elif isinstance(v, list):
            todo.extend((v, i) for i in range(len(v)))
        else:
            parent[key] = clean(v)
    return root[0]


def _lenient(raw: bytes) -> Any:
    """A line orjson refused, read by the standard library with bytes that are not UTF-8
    and lone surrogates as U+FFFD; None when it is not JSON at all."""
    text = raw.decode("utf-8", "replace")
    try:
        doc = _decode(text)
    except (ValueError, RecursionError):
        return None
    return _clean_tree(doc) if _ESCAPED_SURROGATE.search(text) else doc


class Event(NamedTuple):
    ts: float
    kind: str
    data: dict[str, Any]
    source: str
    line: int


@dataclass
class RuntimeLog:
    paths: tuple[Path, ...]
    consent_at: float | None = None  # --consent-at; else the log's first consent event
    #: for camille exports (scanner.ingest.camille): the API map's method entries (the
    #: knowledge's ``apis``) and the zone of their local times
    apis: tuple = ()
    zone: Any = None
    malformed: int = 0
    malformed_lines: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for p in self.paths:
            if not p.is_file():
                raise InputError("err_no_such", path=str(p), what=msg("what_runtime_log"))
            try:
                with open(p, "rb"):
                    pass
            except OSError as e:
                raise InputError("err_unreadable", path=str(p), reason=os_reason(e)) from e
        self._inputs: tuple[InputFile, ...] | None = None
        self._error: InputError | None = None
        self._digest = threading.Thread(target=self._digest_all, name="runtime-log-digest",
                                        daemon=True)
        self._digest.start()

    def _digest_all(self) -> None:
        from scanner.hashing import digest_file

        records = []
        for p in self.paths:
            try:
                d = digest_file(p)
            except OSError as e:
                self._error = InputError("err_unreadable", path=str(p), reason=os_reason(e))
                return
            records.append(InputFile("runtime", str(p), d.bytes, d.sha256, d.sm3))
        self._inputs = tuple(records)

    @property
    def inputs(self) -> tuple[InputFile, ...]:
        self._digest.join()
        if self._error is not None:
            raise self._error
        return self._inputs or ()

    def events(self) -> Iterator[Event]:
        for rec in self.records():
            yield Event(*rec)

    def records(self) -> Iterator[tuple[float, str, dict, str, int]]:
        """:meth:`events` as plain tuples (ts, kind, data, source, line): the fast path."""
        for p in self.paths:
            from scanner.ingest.camille import is_xls

            if is_xls(p):
                yield from self._camille(p)
            else:
                yield from self._file(p)

    def _camille(self, path: Path) -> Iterator[tuple[float, str, dict, str, int]]:
        """A camille export (scanner.ingest.camille), rows without a time counted as
        malformed."""
        from scanner.ingest.camille import api_index, camille_records
        from scanner.timeparse import BEIJING

        index = api_index(self.apis)
        for rec in camille_records(path, path.name, index, self.zone or BEIJING):
            if rec[1] == "camille_bad":
                self._bad(rec[3], rec[4])
            else:
                yield rec

    def _bad(self, name: str, n: int) -> None:
        self.malformed += 1
        if len(self.malformed_lines) < KEEP_LINE_NUMBERS:
            self.malformed_lines.append((name, n))

    def _file(self, path: Path) -> Iterator[tuple[float, str, dict, str, int]]:
        """Blocks of BLOCK bytes split into lines in C; a line over MAX_LINE_BYTES (it can
        only span blocks, as BLOCK <= MAX_LINE_BYTES) is dropped while it is read."""
        name = path.name
        loads, isfinite, JSONError = _loads, math.isfinite, _JSONError
        n = 0
        carry = b""
        dropping = False  # inside an over-long line, until its newline
        with open(path, "rb") as fh:
            while True:
                block = fh.read(BLOCK)
                if not block:
                    parts = [None] if dropping else [carry] if carry else []
                else:
                    parts = block.split(b"\n")
                    last = parts.pop()
                    if parts:
                        first = carry + parts[0]
                        parts[0] = None if dropping or len(first) > MAX_LINE_BYTES else first
                        carry, dropping = b"", False
                    if not dropping:
                        carry += last
                        if len(carry) > MAX_LINE_BYTES:
                            carry, dropping = b"", True
                for raw in parts:
                    n += 1
                    if raw is None:
                        self._bad(name, n)
                        continue
                    try:
                        doc = loads(raw)
                    except JSONError:
                        if not raw.strip():
                            continue
                        doc = _lenient(raw.strip())
                        if doc is None:
                            self._bad(name, n)
                            continue
                    if type(doc) is not dict:
                        self._bad(name, n)
                        continue
                    ts = doc.get("ts")
                    kind = doc.get("event")
                    tt = type(ts)
                    if tt is float:
                        if not isfinite(ts):
                            self._bad(name, n)
                            continue
                    elif tt is int:
                        ts = float(ts)
                    else:
                        self._bad(name, n)
                        continue
                    if type(kind) is not str:
                        self._bad(name, n)
                        continue
                    yield ts, kind, doc, name, n
                if not block:
                    return
