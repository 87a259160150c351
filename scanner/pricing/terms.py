"""Deal terms across profiles: fees, coupons, discounts, member prices, against the noise.

Contract:

- :func:`align_terms` groups :class:`TermObservation` objects by (host, item,
  term) into :class:`TermRow` objects with one value per capture column (the
  endpoint most columns saw the item on wins, the first observation of a
  column counts, later different values are recorded in ``varies_within``),
  as prices are aligned (scanner.pricing.align).
- :func:`term_noise` measures the control pairs per term: the share of rows
  whose value differs between identical captures and which rows were noisy.
  Two values differ by more than ``equal_abs_yuan`` or ``equal_rel`` of the
  larger (terms are often 0: a relative difference to the baseline would not
  exist).
- :func:`compare_terms` compares one term of a treatment with the baseline,
  over the rows both show, by the *disadvantage* of the treatment: ``T - B``
  for a cost (fees, member price), ``B - T`` for a benefit (coupons,
  discounts), in the term's unit. As for prices: rows beyond noise (differ,
  and no control pair differed on that row), their direction (``worse`` |
  ``better``) and its share, a two-sided Wilcoxon signed-rank test over the
  rows the controls show stable (``p_value``), a one-sided Fisher exact test
  that the profile's share of differing rows exceeds the control's
  (``excess_p``). ``discrimination`` needs a control (if required), at least
  ``min_items_beyond_noise`` rows beyond noise, a share ``direction_share`` of
  them one way, and both tests below ``alpha / n_tests``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from scanner.pricing.config import Thresholds
from scanner.pricing.lists import TermObservation


@dataclass(frozen=True)
class TermRow:
    """One term of one item across capture columns (result.json ``terms[]``)."""

    key: str  # "item · term", or with the host on collision
    item: str
    term: str
    host: str
    endpoint: str
    unit: str  # yuan | unknown | mixed
    values: dict[str, float]
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    varies_within: tuple[str, ...] = ()

    @property
    def comparable(self) -> bool:
        """Whether the values may be compared across columns (same unit)."""
        return self.unit != "mixed"


def align_terms(observations: Iterable[TermObservation], columns: Sequence[str]) -> list[TermRow]:
    """Rows for every (item, term) seen by at least one column, in first-seen order."""
    wanted = set(columns)
    groups: dict[tuple[str, str, str], list[TermObservation]] = defaultdict(list)
    for o in observations:
        if o.profile in wanted:
            groups[(o.host, o.item, o.term)].append(o)
    rows = []
    for (host, item, term), obs in groups.items():
        first_at: dict[str, int] = {}
        for i, o in enumerate(obs):
            first_at.setdefault(o.endpoint, i)
        seen_by = {ep: len({o.profile for o in obs if o.endpoint == ep}) for ep in first_at}
        primary = max(first_at, key=lambda ep: (seen_by[ep], -first_at[ep]))
        chosen: dict[str, TermObservation] = {}
        varies: set[str] = set()
        for o in sorted(obs, key=lambda o: o.endpoint != primary):
            prev = chosen.get(o.profile)
            if prev is None:
                chosen[o.profile] = o
            elif o.endpoint == prev.endpoint and abs(o.value - prev.value) > 1e-9:
                varies.add(o.profile)
        ordered = [c for c in columns if c in chosen]
        units = {chosen[c].unit for c in ordered}
        rows.append(TermRow(
            key=f"{item} · {term}", item=item, term=term, host=host, endpoint=primary,
            unit=units.pop() if len(units) == 1 else "mixed",
            values={c: chosen[c].value for c in ordered},
            evidence={c: {"flow": chosen[c].flow, "path": chosen[c].path,
                          "source": chosen[c].source, "raw": chosen[c].raw,
                          "extractor": chosen[c].extractor, "endpoint": chosen[c].endpoint,
                          **({"time": chosen[c].time} if chosen[c].time is not None else {})}
                      for c in ordered},
            varies_within=tuple(c for c in columns if c in varies),
        ))
    counts = Counter((r.item, r.term) for r in rows)
    return [TermRow(**{**r.__dict__, "key": f"{r.item} · {r.term} @ {r.host}"})
            if counts[(r.item, r.term)] > 1 else r for r in rows]


def term_differs(a: float, b: float, th: Thresholds) -> bool:
    """Whether two term values differ by more than rounding."""
    return abs(a - b) > max(th.equal_abs_yuan, th.equal_rel * max(abs(a), abs(b)))


@dataclass(frozen=True)
class TermNoise:
    """What identical captures show for one term."""

    term: str
    pairs: tuple[tuple[str, str], ...]
    n_items: int
    n_differ: int
    noisy_items: frozenset[str]

    @property
    def rate(self) -> float:
        """Share of rows whose value differs between identical captures."""
        return self.n_differ / self.n_items if self.n_items else 0.0


def term_noise(term: str, table: Mapping[str, Mapping[str, float]],
               pairs: Sequence[tuple[str, str]], th: Thresholds) -> TermNoise:
    """Measure the control pairs over the rows of one term both captures of a pair show."""
    n = nd = 0
    noisy: set[str] = set()
    measured: set[tuple[str, str]] = set()
    for a, b in pairs:
        for key, vals in table.items():
            if a in vals and b in vals:
                n += 1
                measured.add((a, b))
                if term_differs(vals[a], vals[b], th):
                    nd += 1
                    noisy.add(key)
    return TermNoise(term, tuple(p for p in pairs if p in measured), n, nd, frozenset(noisy))


@dataclass(frozen=True)
class TermComparison:
    """One term, one treatment against the baseline."""

    term: str
    kind: str  # cost | benefit
    baseline: str
    treatment: str
    n_items: int
    n_worse: int
    n_better: int
    median_diff: float | None  # median disadvantage of the rows that differ (unit of the term)
    mean_diff: float | None
    p_value: float | None
    excess_p: float | None
    inconsistency_rate: float | None
    control_noise: float | None
    items_beyond_noise: tuple[str, ...]
    median_diff_beyond_noise: float | None
    direction: str | None  # worse | better
    direction_share: float | None
    discrimination: bool
    alpha: float
    reasons: tuple[str, ...] = ()


def _wilcoxon(d: np.ndarray) -> float:
    nz = d[d != 0]
    if len(nz) == 0:
        return 1.0
    if np.all(nz > 0) or np.all(nz < 0):
        return float(min(1.0, 2 * 0.5 ** len(nz)))
    return float(sps.wilcoxon(nz, zero_method="wilcox", alternative="two-sided",
                                    method="approx").pvalue)


def compare_terms(term: str, kind: str, table: Mapping[str, Mapping[str, float]],
                  baseline: str, treatment: str, noise: TermNoise | None, th: Thresholds,
                  n_tests: int = 1) -> TermComparison:
    """Compare one term of ``treatment`` with ``baseline`` over the rows both show."""
    sign = 1.0 if kind == "cost" else -1.0
    keys = [k for k, v in table.items() if baseline in v and treatment in v]
    d = np.array([sign * (table[k][treatment] - table[k][baseline])
                  if term_differs(table[k][baseline], table[k][treatment], th) else 0.0
                  for k in keys], dtype=float)
    alpha = th.alpha / max(1, n_tests)
    control_rate = noise.rate if noise is not None and noise.n_items else None
    noisy = noise.noisy_items if noise is not None else frozenset()
    reasons: list[str] = []
    if not keys:
        return TermComparison(term, kind, baseline, treatment, 0, 0, 0, None, None, None, None,
                              None, control_rate, (), None, None, None, False, alpha,
                              ("no item shows this term for both profiles",))
    n_worse, n_better = int((d > 0).sum()), int((d < 0).sum())
    n_diff = n_worse + n_better
    nonzero = d[d != 0]
    clean = np.array([v for k, v in zip(keys, d, strict=True) if k not in noisy], dtype=float)
    p = _wilcoxon(clean)
    beyond = [(k, v) for k, v in zip(keys, d, strict=True) if v != 0 and k not in noisy]
    worse = sum(1 for _, v in beyond if v > 0)
    direction = None if not beyond else ("worse" if worse >= len(beyond) - worse else "better")
    share = max(worse, len(beyond) - worse) / len(beyond) if beyond else None
    in_dir = [(k, v) for k, v in beyond if (v > 0) == (direction == "worse")]
    excess_p = None
    if control_rate is not None and noise is not None:
        excess_p = float(sps.fisher_exact(
            [[n_diff, len(keys) - n_diff], [noise.n_differ, noise.n_items - noise.n_differ]],
            alternative="greater").pvalue)
    if control_rate is None and th.require_control:
        reasons.append("no control capture: the noise is unknown")
    if len(beyond) < th.min_items_beyond_noise:
        reasons.append(f"{len(beyond)} item(s) beyond noise, fewer than "
                       f"{th.min_items_beyond_noise}")
    if share is not None and share < th.direction_share:
        reasons.append(f"direction not consistent ({share:.0%} of items beyond noise "
                       f"go {direction})")
    if not p < alpha:
        reasons.append(f"paired test not significant (p={p:.3g} >= {alpha:.3g})")
    if excess_p is not None and not excess_p < alpha:
        reasons.append(f"differences not more frequent than the control's "
                       f"(p={excess_p:.3g} >= {alpha:.3g})")
    return TermComparison(
        term=term, kind=kind, baseline=baseline, treatment=treatment, n_items=len(keys),
        n_worse=n_worse, n_better=n_better,
        median_diff=float(np.median(nonzero)) if len(nonzero) else None,
        mean_diff=float(d.mean()), p_value=p, excess_p=excess_p,
        inconsistency_rate=n_diff / len(keys), control_noise=control_rate,
        items_beyond_noise=tuple(k for k, _ in in_dir),
        median_diff_beyond_noise=(float(np.median([v for _, v in in_dir])) if in_dir
                                  else None),
        direction=direction, direction_share=share, discrimination=not reasons, alpha=alpha,
        reasons=tuple(reasons),
    )


def finite(v: float | None) -> float | None:
    """The value when finite, else None (JSON-safe)."""
    return v if v is not None and math.isfinite(v) else None
