"""Comparison statistics: profile vs baseline over the same items, against the control's noise.

Contract (method of Hannak et al., IMC 2014, with paired tests):

- A *price table* maps an item key to ``{profile: price}``; prices of one item
  are comparable (same unit). Relative difference of treatment T to baseline B:
  ``(T - B) / B``. Two prices are *equal* within ``equal_abs_yuan`` or
  ``equal_rel`` of the baseline (rounding).
- :func:`noise_floor` measures the control pairs (two captures of one profile):
  the share of items whose price differs (``rate``, Hannak's inconsistency of
  identical accounts), the largest relative difference, and which items were noisy.
  When the controls differ on most items (``rate >= dense_noise_rate``: prices
  drift everywhere, as with dynamic pricing), ``drift_factor`` times the median
  of their relative differences (robust to the sparse large moves of promotions)
  becomes the equality tolerance (``drift``): differences within the drift
  identical profiles show count as equal, and the noise is measured again with it.
- :func:`compare` gives, over the items both profiles priced: counts higher /
  lower, median, mean and max relative difference, a bootstrap percentile CI of
  the mean relative difference, the items *beyond noise* (differ, and no control
  pair showed a difference on that item), a two-sided Wilcoxon signed-rank test
  (``p_value``) and sign test (``sign_p``) over the items the controls show
  stable (Hannak's comparison restricted to consistent controls; with no control,
  over every item), and a one-sided Fisher exact test that the profile's
  inconsistency rate exceeds the control's (``excess_p``).
- ``discrimination`` is True only when: a control was measured (if required),
  at least ``min_items_beyond_noise`` items are beyond noise, a share
  ``direction_share`` of them go the same way, and both ``p_value`` and
  ``excess_p`` are below ``alpha / n_tests`` (Bonferroni over the profiles
  compared). ``reasons`` says which condition failed.
Pure functions over numbers; deterministic (seeded bootstrap).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats as sps

from scanner.pricing.config import Thresholds

PriceTable = Mapping[str, Mapping[str, float]]


def differs(base: float, other: float, th: Thresholds) -> bool:
    """Whether two prices differ by more than rounding."""
    return abs(other - base) > max(th.equal_abs_yuan, th.equal_rel * abs(base))


def rel_diff(base: float, other: float, th: Thresholds) -> float:
    """(other - base) / base, 0.0 when the prices are equal within rounding."""
    if not differs(base, other, th):
        return 0.0
    return (other - base) / base if base > 0 else math.copysign(math.inf, other - base)


@dataclass(frozen=True)
class NoiseFloor:
    """What identical profiles (control pairs) show: the noise a difference must exceed."""

    pairs: tuple[tuple[str, str], ...]
    n_items: int  # item-pairs compared over all control pairs
    n_differ: int
    max_rel_diff: float
    noisy_items: frozenset[str]
    drift: float = 0.0  # relative tolerance raised to this when prices drift everywhere

    @property
    def rate(self) -> float:
        """Share of items whose price differs between identical captures."""
        return self.n_differ / self.n_items if self.n_items else 0.0


def effective(th: Thresholds, noise: NoiseFloor | None) -> Thresholds:
    """Thresholds with the equality tolerance widened to the controls' drift, if any."""
    if noise is None or noise.drift <= th.equal_rel:
        return th
    return replace(th, equal_rel=noise.drift)


def _measure(table: PriceTable, pairs: tuple[tuple[str, str], ...],
             th: Thresholds) -> tuple[NoiseFloor, list[float]]:
    n = nd = 0
    worst = 0.0
    noisy: set[str] = set()
    rels: list[float] = []
    for a, b in pairs:
        for key, prices in table.items():
            if a in prices and b in prices and prices[a] > 0:
                n += 1
                rels.append(abs(prices[b] - prices[a]) / prices[a])
                if differs(prices[a], prices[b], th):
                    nd += 1
                    noisy.add(key)
                    worst = max(worst, abs(rel_diff(prices[a], prices[b], th)))
    return NoiseFloor(pairs, n, nd, worst, frozenset(noisy)), rels


def noise_floor(table: PriceTable, pairs: Iterable[tuple[str, str]],
                th: Thresholds) -> NoiseFloor:
    """Measure the control pairs over every item both captures of a pair priced."""
    pairs = tuple(pairs)
    nf, rels = _measure(table, pairs, th)
    if not nf.n_items or nf.rate < th.dense_noise_rate:
        return nf
    drift = float(np.median(rels)) * th.drift_factor
    if drift <= th.equal_rel:
        return nf
    nf, _ = _measure(table, pairs, replace(th, equal_rel=drift))
    return replace(nf, drift=drift)


@dataclass(frozen=True)
class Comparison:
    """One treatment profile against the baseline (result.json ``comparisons[]``)."""

    baseline: str
    treatment: str
    n_items: int
    n_higher: int
    n_lower: int
    n_equal: int
    median_rel_diff: float | None
    mean_rel_diff: float | None
    max_rel_diff: float | None  # the signed relative difference of largest magnitude
    ci_low: float | None  # bootstrap CI of the mean relative difference
    ci_high: float | None
    p_value: float | None  # Wilcoxon signed-rank, two-sided, items stable in the controls
    sign_p: float | None  # sign test, two-sided, same items
    excess_p: float | None  # Fisher exact: inconsistency rate above the control's
    inconsistency_rate: float | None
    control_noise: float | None  # the control pairs' inconsistency rate (None: no control)
    control_max_rel_diff: float | None
    noise_drift: float | None  # equality tolerance taken from the controls' drift (0: none)
    items_beyond_noise: tuple[str, ...]
    median_rel_diff_beyond_noise: float | None  # the typical markup / discount
    direction: str | None  # higher | lower (of the items beyond noise)
    direction_share: float | None
    discrimination: bool
    alpha: float  # per-comparison level after Bonferroni
    n_only_baseline: int = 0
    n_only_treatment: int = 0
    reasons: tuple[str, ...] = field(default=())


def _bootstrap_ci(d: np.ndarray, th: Thresholds) -> tuple[float, float]:
    rng = np.random.default_rng(th.bootstrap_seed)
    batch = max(1, min(th.bootstrap_resamples, 2_000_000 // max(1, len(d))))  # bounded memory
    means = np.concatenate([
        d[rng.integers(0, len(d), size=(min(batch, th.bootstrap_resamples - i), len(d)))]
        .mean(axis=1) for i in range(0, th.bootstrap_resamples, batch)])
    tail = (1 - th.bootstrap_level) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(lo), float(hi)


def _wilcoxon(d: np.ndarray) -> float:
    nz = d[d != 0]
    if len(nz) == 0:
        return 1.0
    if np.all(nz > 0) or np.all(nz < 0):  # exact: all signs alike
        return float(min(1.0, 2 * 0.5 ** len(nz)))
    return float(sps.wilcoxon(nz, zero_method="wilcox", alternative="two-sided").pvalue)


def compare(table: PriceTable, baseline: str, treatment: str, noise: NoiseFloor | None,
            th: Thresholds, n_tests: int = 1) -> Comparison:
    """Compare ``treatment`` to ``baseline`` over the items both priced."""
    th = effective(th, noise)
    keys: list[str] = []
    only_b = only_t = 0
    for key, prices in table.items():
        has_b, has_t = baseline in prices, treatment in prices
        if has_b and has_t and prices[baseline] > 0:
            keys.append(key)
        elif has_b and not has_t:
            only_b += 1
        elif has_t and not has_b:
            only_t += 1
    alpha = th.alpha / max(1, n_tests)
    d = np.array([rel_diff(table[k][baseline], table[k][treatment], th) for k in keys],
                 dtype=float)
    n = len(d)
    reasons: list[str] = []
    control_rate = noise.rate if noise is not None and noise.n_items else None
    if n == 0:
        return Comparison(
            baseline, treatment, 0, 0, 0, 0, None, None, None, None, None, None, None, None,
            None, control_rate, noise.max_rel_diff if noise else None,
            noise.drift if noise else None, (), None, None, None,
            False, alpha, only_b, only_t, ("no item priced by both profiles",))
    n_hi, n_lo = int((d > 0).sum()), int((d < 0).sum())
    n_diff = n_hi + n_lo
    finite = d[np.isfinite(d)]
    ci_lo, ci_hi = _bootstrap_ci(finite, th) if len(finite) else (None, None)
    noisy = noise.noisy_items if noise is not None else frozenset()
    clean = np.array([v for k, v in zip(keys, d, strict=True) if k not in noisy and
                      math.isfinite(v)], dtype=float)
    p = _wilcoxon(clean)
    c_hi, c_diff = int((clean > 0).sum()), int((clean != 0).sum())
    sign_p = float(sps.binomtest(c_hi, c_diff, 0.5).pvalue) if c_diff else 1.0
    beyond = [(k, v) for k, v in zip(keys, d, strict=True) if v != 0 and k not in noisy]
    up = sum(1 for _, v in beyond if v > 0)
    down = len(beyond) - up
    direction = None if not beyond else ("higher" if up >= down else "lower")
    share = max(up, down) / len(beyond) if beyond else None
    in_dir = [(k, v) for k, v in beyond if (v > 0) == (direction == "higher")]
    excess_p = None
    if control_rate is not None and noise is not None:
        table2 = [[n_diff, n - n_diff], [noise.n_differ, noise.n_items - noise.n_differ]]
        excess_p = float(sps.fisher_exact(table2, alternative="greater").pvalue)
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
        reasons.append(f"inconsistency not above the control's (p={excess_p:.3g} >= "
                       f"{alpha:.3g})")
    biggest = float(finite[np.argmax(np.abs(finite))]) if len(finite) else None
    return Comparison(
        baseline=baseline, treatment=treatment, n_items=n, n_higher=n_hi, n_lower=n_lo,
        n_equal=n - n_diff,
        median_rel_diff=float(np.median(finite)) if len(finite) else None,
        mean_rel_diff=float(finite.mean()) if len(finite) else None,
        max_rel_diff=biggest, ci_low=ci_lo, ci_high=ci_hi, p_value=p, sign_p=sign_p,
        excess_p=excess_p, inconsistency_rate=n_diff / n, control_noise=control_rate,
        control_max_rel_diff=noise.max_rel_diff if noise is not None else None,
        noise_drift=noise.drift if noise is not None else None,
        items_beyond_noise=tuple(k for k, _ in in_dir),
        median_rel_diff_beyond_noise=(float(np.median([v for _, v in in_dir]))
                                      if in_dir else None),
        direction=direction, direction_share=share, discrimination=not reasons,
        alpha=alpha, n_only_baseline=only_b, n_only_treatment=only_t, reasons=tuple(reasons),
    )


def compare_all(table: PriceTable, baseline: str, treatments: Sequence[str],
                noise: NoiseFloor | None, th: Thresholds) -> list[Comparison]:
    """Every treatment against the baseline, Bonferroni-corrected together."""
    return [compare(table, baseline, t, noise, th, n_tests=len(treatments)) for t in treatments]
