"""Hook logs (JSON Lines, PRODUCT.md "Runtime evidence") read as a stream.

Contract:
    RuntimeLog(paths)                  the log files; ``inputs`` are their InputFile records
                                       (kind ``runtime``, SHA-256 and SM3); InputError when
                                       one is missing or unreadable
    log.events() -> Iterator[Event]    every usable event of every file in file order, as
                                       :class:`Event` (``kind`` = the ``event`` field); lines
                                       that are not a JSON object with a finite numeric ``ts``
                                       and a string ``event`` are skipped and counted in
                                       ``log.malformed`` (first line numbers in
                                       ``log.malformed_lines``); unknown events and fields
                                       are passed through for the detector to ignore
Lines longer than MAX_LINE_BYTES are skipped as malformed without being held in memory;
memory does not grow with the log's length. Text is clean: bytes that are not UTF-8 and lone
UTF-16 surrogates (``"\\ud800"``, valid JSON) are read as U+FFFD.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.model.evidence import InputFile

MAX_LINE_BYTES = 1 << 20
_decode = json.JSONDecoder().decode
KEEP_LINE_NUMBERS = 20
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


@dataclass(frozen=True)
class Event:
    ts: float
    kind: str
    data: dict[str, Any]
    source: str
    line: int


@dataclass
class RuntimeLog:
    paths: tuple[Path, ...]
    consent_at: float | None = None  # --consent-at; else the log's first consent event
    inputs: tuple[InputFile, ...] = ()
    malformed: int = 0
    malformed_lines: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from scanner.hashing import digest_file

        records = []
        for p in self.paths:
            if not p.is_file():
                raise InputError(f"{p}: no such runtime log file")
            try:
                d = digest_file(p)
                records.append(InputFile("runtime", str(p), d.bytes, d.sha256, d.sm3))
            except OSError as e:
                raise InputError(f"{p}: cannot read runtime log ({e.strerror or e})") from e
        self.inputs = tuple(records)

    def events(self) -> Iterator[Event]:
        for p in self.paths:
            yield from self._file(p)

    def _bad(self, path: Path, n: int) -> None:
        self.malformed += 1
        if len(self.malformed_lines) < KEEP_LINE_NUMBERS:
            self.malformed_lines.append((path.name, n))

    def _file(self, path: Path) -> Iterator[Event]:
        name = path.name
        with open(path, "rb") as fh:
            n = 0
            while True:
                raw = fh.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    return
                n += 1
                if len(raw) > MAX_LINE_BYTES:  # skip the rest of an over-long line
                    while raw and not raw.endswith(b"\n"):
                        raw = fh.readline(MAX_LINE_BYTES + 1)
                    self._bad(path, n)
                    continue
                raw = raw.strip()
                if not raw:
                    continue
                text = raw.decode("utf-8", "replace")  # bytes that are not UTF-8: U+FFFD
                try:
                    doc = _decode(text)
                except (ValueError, RecursionError):
                    self._bad(path, n)
                    continue
                if _ESCAPED_SURROGATE.search(text):  # "\ud800" is valid JSON, not text
                    doc = _clean_tree(doc)
                if not isinstance(doc, dict):
                    self._bad(path, n)
                    continue
                ts, kind = doc.get("ts"), doc.get("event")
                if isinstance(ts, bool) or not isinstance(ts, (int, float)) or \
                        not isinstance(kind, str) or not math.isfinite(ts):
                    self._bad(path, n)
                    continue
                yield Event(float(ts), kind, doc, name, n)
