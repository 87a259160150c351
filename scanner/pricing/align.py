"""Alignment: price observations of every profile → one row per item with a price per profile.

Contract: :func:`align` groups :class:`PriceObservation` objects by (host,
item id); an item shown by several endpoints (search page, detail page) is one
row, priced per profile from the endpoint most profiles saw it on, so that the
profiles compare like with like. Within one profile the first observation
counts; later different prices of the same item are reported
(``varies_within``), never silently averaged. Rows whose profiles disagree on
the unit (a bare number in one, yuan in another) are kept but marked not
comparable. Pure functions: no I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.pricing.extract import PriceObservation


@dataclass(frozen=True)
class ItemRow:
    """One item across profiles (result.json ``items[]``)."""

    key: str  # unique label of the row: the item id, or "id @ endpoint" on collision
    item: str
    host: str
    endpoint: str
    unit: str  # yuan | unknown | mixed
    role: str  # payable | price | list: what kind of price is compared
    prices: dict[str, float]
    list_prices: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    varies_within: tuple[str, ...] = ()

    @property
    def comparable(self) -> bool:
        """Whether the prices of this row may be compared across profiles."""
        return self.unit != "mixed"


def _unit(units: Iterable[str]) -> str:
    kinds = {"unknown" if u == "unknown" else "yuan" for u in units}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def align(observations: Iterable[PriceObservation], profiles: Sequence[str]) -> list[ItemRow]:
    """Rows for every item seen by at least one of ``profiles``, in first-seen order."""
    wanted = set(profiles)
    groups: dict[tuple[str, str], list[PriceObservation]] = defaultdict(list)
    for o in observations:
        if o.profile in wanted:
            groups[(o.host, o.item)].append(o)
    rows = []
    for (host, item), obs in groups.items():
        seen_by: Counter[str] = Counter()
        first_at: dict[str, int] = {}
        for i, o in enumerate(obs):
            first_at.setdefault(o.endpoint, i)
        for ep in first_at:
            seen_by[ep] = len({o.profile for o in obs if o.endpoint == ep})
        primary = max(first_at, key=lambda ep: (seen_by[ep], -first_at[ep]))
        chosen: dict[str, PriceObservation] = {}
        varies: set[str] = set()
        for o in sorted(obs, key=lambda o: o.endpoint != primary):  # stable: primary first
            prev = chosen.get(o.profile)
            if prev is None:
                chosen[o.profile] = o
            elif o.endpoint == prev.endpoint and abs(o.price - prev.price) > 1e-9:
                varies.add(o.profile)
        ordered = [p for p in profiles if p in chosen]
        rows.append(ItemRow(
            key=item, item=item, host=host, endpoint=primary,
            unit=_unit(chosen[p].unit for p in ordered),
            role=chosen[ordered[0]].role,
            prices={p: chosen[p].price for p in ordered},
            list_prices={p: chosen[p].list_price for p in ordered
                         if chosen[p].list_price is not None},
            evidence={p: _evidence(chosen[p]) for p in ordered},
            varies_within=tuple(p for p in profiles if p in varies),
        ))
    return _unique_keys(rows)


def _evidence(o: PriceObservation) -> dict[str, Any]:
    ev: dict[str, Any] = {"flow": o.flow, "path": o.path, "source": o.source,
                          "endpoint": o.endpoint, "extractor": o.extractor, "raw": o.raw}
    if o.time is not None:
        ev["time"] = o.time
    if o.list_path:
        ev["list_path"] = o.list_path
    return ev


def _unique_keys(rows: list[ItemRow]) -> list[ItemRow]:
    counts = Counter(r.item for r in rows)
    out = []
    for r in rows:
        if counts[r.item] > 1:
            r = replace(r, key=f"{r.item} @ {r.host}")
        out.append(r)
    return out
