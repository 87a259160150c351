"""Partial damage met while reading an input: the one channel from the readers to the result.

Contract:
    Damage(part, detail)        frozen: the part of the input that was not (fully) analysed,
                                as the result names it ("APK container", "code", a capture
                                file's path), and why, in the reader's words
    DamageLog(limit, more)      where a reader records damage while it reads (streamed
                                captures, dex files parsed on demand): ``add(part, detail)``
                                keeps the first ``limit`` records in order, then one record
                                saying ``more`` ("further damage not listed") per part;
                                ``add_once`` records a part's first damage only; iterating
                                gives :class:`Damage` records, ``bool(log)`` whether any

Every reader in ``scanner/ingest`` records partial damage only here, on its evidence
(``ApkEvidence.damage``, ``DexIndex.damage``, ``TrafficEvidence.damage``); detectors report
each record as one ``Skipped`` item (``Skipped.from_damage``), which makes the result
``partial``. Damage that stops a whole input is an ``InputError`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

#: records a DamageLog keeps by default (a hostile file can be damaged everywhere)
MAX_DAMAGE = 200


@dataclass(frozen=True, order=True)
class Damage:
    """One part of an input that was not (fully) read, and why."""

    part: str
    detail: str


class DamageLog:
    """Damage records of one reader, in the order met; bounded."""

    def __init__(self, limit: int = MAX_DAMAGE, more: str = "further damage not listed") -> None:
        self.limit = limit
        self.more = more
        self._items: list[Damage] = []
        self._parts: set[str] = set()
        self._over: set[str] = set()
        self._kept = 0

    def add(self, part: str, detail: str) -> None:
        """Record one damage (the first ``limit``; then one ``more`` record per part)."""
        if self._kept < self.limit:
            self._kept += 1
            self._parts.add(part)
            self._items.append(Damage(part, detail))
        elif part not in self._over:
            self._over.add(part)
            self._items.append(Damage(part, self.more))

    def add_once(self, part: str, detail: str) -> None:
        """Record a part's first damage only (a reader that may pass over a file again)."""
        if part not in self._parts:
            self.add(part, detail)

    def extend(self, records: Iterator[Damage] | list[Damage] | tuple[Damage, ...]) -> None:
        for d in records:
            self.add(d.part, d.detail)

    @property
    def items(self) -> tuple[Damage, ...]:
        return tuple(self._items)

    def __iter__(self) -> Iterator[Damage]:
        return iter(tuple(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)
