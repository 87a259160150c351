"""Partial damage met while reading an input: the one channel from the readers to the result.

Contract:
    Damage(part, detail, part_msg, detail_msg)
                                frozen: the part of the input that was not (fully) analysed,
                                as the result names it ("APK container", "code", a capture
                                file's path), and why, in English; ``part_msg``/``detail_msg``
                                the same as messages by catalog key (``{"id", "params"}``,
                                scanner.messages) that reports render in their language
    DamageLog(limit, more)      where a reader records damage while it reads (streamed
                                captures, dex files parsed on demand):
                                ``add(part, detail, part_msg=None, detail_msg=None)``
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
from dataclasses import dataclass, field
from typing import Any

#: records a DamageLog keeps by default (a hostile file can be damaged everywhere)
MAX_DAMAGE = 200


@dataclass(frozen=True, order=True)
class Damage:
    """One part of an input that was not (fully) read, and why."""

    part: str
    detail: str
    #: ``part`` and ``detail`` as messages (``{"id", "params"}``), when the reader gave them
    part_msg: Any = field(default=None, compare=False)
    detail_msg: Any = field(default=None, compare=False)


#: the record saying that a part has more damage than a log keeps
MORE_MSG = {"id": "skip_more_damage", "params": {}}


class DamageLog:
    """Damage records of one reader, in the order met; bounded."""

    def __init__(self, limit: int = MAX_DAMAGE, more: str = "further damage not listed",
                 more_msg: Any = MORE_MSG) -> None:
        self.limit = limit
        self.more = more
        self.more_msg = more_msg
        self._items: list[Damage] = []
        self._parts: set[str] = set()
        self._over: set[str] = set()
        self._kept = 0

    def add(self, part: str, detail: str, part_msg: Any = None, detail_msg: Any = None) -> None:
        """Record one damage (the first ``limit``; then one ``more`` record per part)."""
        if self._kept < self.limit:
            self._kept += 1
            self._parts.add(part)
            self._items.append(Damage(part, detail, part_msg, detail_msg))
        elif part not in self._over:
            self._over.add(part)
            self._items.append(Damage(part, self.more, part_msg, self.more_msg))

    def add_once(self, part: str, detail: str, part_msg: Any = None,
                 detail_msg: Any = None) -> None:
        """Record a part's first damage only (a reader that may pass over a file again)."""
        if part not in self._parts:
            self.add(part, detail, part_msg, detail_msg)

    def extend(self, records: Iterator[Damage] | list[Damage] | tuple[Damage, ...]) -> None:
        for d in records:
            self.add(d.part, d.detail, d.part_msg, d.detail_msg)

    @property
    def items(self) -> tuple[Damage, ...]:
        return tuple(self._items)

    def __iter__(self) -> Iterator[Damage]:
        return iter(tuple(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)
