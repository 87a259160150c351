"""Ranking statistics: the order of one list for two profiles, against the controls' noise.

Contract (steering measurement of Hannak et al., IMC 2014, with item-level tests):

- Ranks are compared over the items both lists show (re-ranked 0..n-1 among
  them, so that an item missing from one list moves nobody). The *shift* of an
  item is ``rank(reference) - rank(other)``: positive when it moved up (nearer
  the top) for the other profile.
- :func:`rank_noise` measures the control pairs of a list (a profile and its
  control capture, same orientation: profile → control): their Kendall's tau,
  the largest absolute shift, the 95th percentile of the absolute shifts
  (``shift_limit``: robust to one item pinned to the top, as an advert is), and
  each item's shift.
- :func:`compare_ranking` gives for (baseline, treatment): Kendall's tau-b of the common
  items, rank-biased overlap (RBO, Webber et al. 2010, extrapolated, persistence
  ``rbo_p``, lists cut to the shorter length), Jaccard overlap of the item sets, every
  item's shift, and the items *beyond noise*: shifted by more than ``shift_limit`` and
  by more than any control pair shifted that item. ``displacement_p`` is a one-sided
  Wilcoxon signed-rank test that items moved further between the profiles than between
  identical captures (per item ``|shift| - |control shift|``; when the profiles are
  treated alike the two are exchangeable), the largest p over every control pair
  measured on the list: an advert pinned in one capture moves every item above its place
  by one, which only the control pair of that same capture shows as well.
  When a profile of the comparison has no control pair of its own on the list (one
  control profile only), the noise model is conservative: per such *uncontrolled* profile
  the item that moved most is left out of the gate (``left_out``; its capture may have
  pinned it, which no control shows), and the displacement test counts its sample as
  ``n / rank_one_control_design_effect`` independent items (z divided by the square root):
  neighbouring swaps move items in pairs, and one control pair's noise level is a single
  draw. The factor is calibrated by benchmarks/fairness_power.py (one-control false
  positives 3.4 % -> 0.4 % over 1000 fair shops, steering detection 99.8 % -> 99.2 %).
  ``price_rank_p`` is Spearman's correlation (two-sided) between an item's price and the
  contrast ``shift - control shift`` (one control pair: the treatment's own if measured
  on this list, else the baseline's; the contrast's mean is zero for every item when the
  profiles are treated alike, whatever the list's own order), ``price_rank_rho`` > 0
  meaning higher-priced items moved up.
- ``beyond_noise`` is True only when a control pair was measured on the list
  (if required), at least ``rank_min_items`` items are shared, at least
  ``min_items_beyond_noise`` items are beyond noise, Kendall's tau (without ``left_out``)
  is below the lowest of the control pairs' and ``displacement_p`` is below
  ``alpha / n_tests``;
  ``steering`` (``expensive_up`` | ``cheap_up``) is set when, in addition,
  ``steering_p`` is below ``alpha / n_tests``: twice the smaller of ``price_rank_p``
  and ``movers_price_p``, a two-sided Mann-Whitney U test of the prices of the items
  moved up beyond noise against those moved down beyond noise (the Spearman test misses
  a list already ordered by price, where promoting the dearest pushes the next dearest
  down; the movers test misses promotions past many small moves), the direction of the
  smaller.
  ``reasons`` says which condition failed.

Pure functions over ordered id lists; deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as sps

from scanner.pricing.config import Thresholds

NOISE_QUANTILE = 0.95  # shifts above this quantile of the controls' are beyond noise


def ranks(order: Sequence[str], keep: set[str] | frozenset[str]) -> dict[str, int]:
    """0-based rank of every kept item among the kept items, in list order."""
    out: dict[str, int] = {}
    for item in order:
        if item in keep and item not in out:
            out[item] = len(out)
    return out


def shifts(reference: Sequence[str], other: Sequence[str]) -> dict[str, int]:
    """rank(reference) - rank(other) over the common items (positive: moved up in other)."""
    common = set(reference) & set(other)
    ra, rb = ranks(reference, common), ranks(other, common)
    return {k: ra[k] - rb[k] for k in ra}


def kendall_tau(reference: Sequence[str],
                other: Sequence[str]) -> tuple[float | None, float | None]:
    """(tau-b, two-sided p) over the common items; (None, None) with fewer than 2."""
    common = set(reference) & set(other)
    if len(common) < 2:
        return None, None
    ra, rb = ranks(reference, common), ranks(other, common)
    keys = list(ra)
    res = sps.kendalltau([ra[k] for k in keys], [rb[k] for k in keys])
    tau = float(res.statistic) if math.isfinite(res.statistic) else 1.0
    p = float(res.pvalue) if math.isfinite(res.pvalue) else 1.0
    return tau, p


def rbo(reference: Sequence[str], other: Sequence[str], p: float = 0.9) -> float | None:
    """Extrapolated rank-biased overlap (Webber, Moffat, Zobel 2010, eq. 32), lists cut to
    the shorter length; 1.0 for identical lists, top positions weigh most."""
    k = min(len(reference), len(other))
    if k == 0:
        return None
    seen_a: set[str] = set()
    seen_b: set[str] = set()
    overlap = 0
    total = 0.0
    for d in range(1, k + 1):
        a, b = reference[d - 1], other[d - 1]
        if a == b:
            overlap += 1
        else:
            overlap += (a in seen_b) + (b in seen_a)
        seen_a.add(a)
        seen_b.add(b)
        total += overlap / d * p ** d
    return float(overlap / k * p ** k + (1 - p) / p * total)


@dataclass(frozen=True)
class RankNoise:
    """What identical captures (control pairs) show on one list."""

    list: str
    pairs: tuple[tuple[str, str], ...]  # control pairs measured on this list
    kendall_tau: float | None  # the lowest over the pairs
    max_shift: int | None  # the largest |shift| of any item in any pair
    shifts: Mapping[tuple[str, str], Mapping[str, int]] = field(default_factory=dict)
    shift_limit: float | None = None  # 95th percentile of the controls' |shift|

    @property
    def noise(self) -> float | None:
        """Share of item pairs the controls order differently: (1 - tau) / 2."""
        return None if self.kendall_tau is None else (1 - self.kendall_tau) / 2


def rank_noise(name: str, lists: Mapping[str, Sequence[str]],
               pairs: Sequence[tuple[str, str]], th: Thresholds) -> RankNoise:
    """Measure the control pairs (profile, control capture) that both show this list."""
    measured = []
    taus = []
    worst = 0
    sh: dict[tuple[str, str], dict[str, int]] = {}
    for a, b in pairs:
        if a not in lists or b not in lists:
            continue
        s = shifts(lists[a], lists[b])
        if len(s) < th.rank_min_items:
            continue
        measured.append((a, b))
        tau, _ = kendall_tau(lists[a], lists[b])
        if tau is not None:
            taus.append(tau)
        worst = max([worst, *(abs(v) for v in s.values())])
        sh[(a, b)] = s
    pooled = [abs(v) for x in sh.values() for v in x.values()]
    limit = float(np.quantile(pooled, NOISE_QUANTILE)) if pooled else None
    return RankNoise(name, tuple(measured), min(taus) if taus else None,
                     worst if measured else None, sh, limit)


@dataclass(frozen=True)
class RankComparison:
    """One list, one treatment against the baseline (result.json ``rankings[]``)."""

    list: str
    baseline: str
    treatment: str
    n_items: int  # items both lists show
    n_only_baseline: int
    n_only_treatment: int
    kendall_tau: float | None
    kendall_p: float | None
    rbo: float | None
    jaccard: float | None
    discordant_share: float | None  # (1 - tau) / 2
    control_pair: tuple[str, str] | None
    control_kendall_tau: float | None
    control_noise: float | None  # controls' share of item pairs ordered differently
    control_max_shift: int | None
    shifts: Mapping[str, int]
    items_beyond_noise: tuple[str, ...]
    displacement_p: float | None
    price_rank_rho: float | None
    price_rank_p: float | None
    movers_price_p: float | None  # prices of items moved up vs down beyond noise
    steering_p: float | None  # the smaller of the two price tests, times two
    n_priced: int
    top_k: int
    top_mean_price_baseline: float | None  # mean price of the top-k items of each list,
    top_mean_price_treatment: float | None  # priced alike (the baseline's prices)
    beyond_noise: bool
    steering: str | None  # expensive_up | cheap_up when the price test is significant too
    alpha: float
    reasons: tuple[str, ...] = ()
    #: profiles of the comparison whose own captures no control pair measured on this list
    uncontrolled: tuple[str, ...] = ()
    #: items left out of the noise gate, one per uncontrolled profile (the largest movers)
    left_out: tuple[str, ...] = ()
    design_effect: float = 1.0  # the displacement test's sample counted as n / design_effect


def _wilcoxon_greater(d: np.ndarray, design_effect: float = 1.0) -> float:
    """One-sided Wilcoxon signed-rank p that ``d`` is centred above 0, with the sample
    counted as ``len(d) / design_effect`` independent units: z divided by
    sqrt(design_effect) (normal approximation, ties and zeros as scipy's "wilcox"), and
    0.5 ** (n / design_effect) when every difference is positive."""
    nz = d[d != 0]
    if len(nz) == 0:
        return 1.0
    if np.all(nz > 0):
        return float(0.5 ** (len(nz) / design_effect))
    if np.all(nz < 0):
        return 1.0
    res = sps.wilcoxon(nz, zero_method="wilcox", alternative="greater", method="approx")
    if design_effect == 1.0:
        return float(res.pvalue)
    return float(sps.norm.sf(float(res.zstatistic) / math.sqrt(design_effect)))


def _movers_test(beyond: Sequence[str], s: Mapping[str, int],
                 prices: Mapping[str, float]) -> tuple[float | None, str | None]:
    """Mann-Whitney U (two-sided) of the prices of the items beyond noise that moved up
    against those that moved down; (p, expensive_up | cheap_up), or (None, None) with fewer
    than two priced items on either side."""
    up = [prices[k] for k in beyond if s[k] > 0 and k in prices and math.isfinite(prices[k])]
    down = [prices[k] for k in beyond if s[k] < 0 and k in prices and math.isfinite(prices[k])]
    if len(up) < 2 or len(down) < 2:
        return None, None
    res = sps.mannwhitneyu(up, down, alternative="two-sided")
    direction = "expensive_up" if np.median(up) > np.median(down) else "cheap_up"
    return float(res.pvalue), direction


def _top_mean(order: Sequence[str], prices: Mapping[str, float], k: int) -> float | None:
    vals = [prices[i] for i in order[:k] if i in prices]
    return float(np.mean(vals)) if vals else None


def compare_ranking(name: str, lists: Mapping[str, Sequence[str]], baseline: str,
                    treatment: str, noise: RankNoise, prices: Mapping[str, float],
                    th: Thresholds, n_tests: int = 1) -> RankComparison:
    """Compare the order of ``treatment``'s list with ``baseline``'s."""
    a, b = list(lists[baseline]), list(lists[treatment])
    sa, sb = set(a), set(b)
    s = shifts(a, b)
    tau, tau_p = kendall_tau(a, b)
    alpha = th.alpha / max(1, n_tests)
    pair = next((p for p in noise.pairs if p[0] == treatment),
                next((p for p in noise.pairs if p[0] == baseline),
                     noise.pairs[0] if noise.pairs else None))
    ctrl = noise.shifts.get(pair, {}) if pair else {}
    both = [k for k in s if k in ctrl]
    beyond: tuple[str, ...] = ()
    disp_p = rho = rho_p = None
    n_priced = 0
    # captures of the two profiles that no control pair measured on this list: each may
    # carry one item out of place (an advert pinned to the top) that no control shows, so
    # the item that moved most per such capture is left out of the gate (see the contract)
    unmeasured = tuple(x for x in (baseline, treatment)
                       if pair is not None and not any(cp[0] == x for cp in noise.pairs))
    left_out = tuple(sorted(s, key=lambda k: (-abs(s[k]), k))[:len(unmeasured)])
    deff = th.rank_one_control_design_effect if unmeasured else 1.0
    gate_tau = tau
    if pair is not None:
        limit = noise.shift_limit or 0
        beyond = tuple(k for k in sorted(s, key=lambda k: (-abs(s[k]), k))
                       if abs(s[k]) > limit
                       and all(abs(s[k]) > abs(c.get(k, 0)) for c in noise.shifts.values()))
        gs, gctrl = s, noise.shifts
        if left_out:
            drop = set(left_out)
            ka = [x for x in a if x not in drop]
            kb = [x for x in b if x not in drop]
            gs = shifts(ka, kb)
            gate_tau, _ = kendall_tau(ka, kb)
            gctrl = {cp: shifts([x for x in lists[cp[0]] if x not in drop],
                                [x for x in lists[cp[1]] if x not in drop])
                     for cp in noise.pairs}
        for cp in noise.pairs:  # the largest p over every control pair: see the contract
            c = gctrl[cp]
            common = [k for k in gs if k in c]
            if not common:
                continue
            p = _wilcoxon_greater(np.array([abs(gs[k]) - abs(c[k]) for k in common],
                                           dtype=float), deff)
            disp_p = p if disp_p is None else max(disp_p, p)
        priced = [k for k in both if k in prices and math.isfinite(prices[k])]
        n_priced = len(priced)
        if n_priced >= th.rank_min_items:
            x = [prices[k] for k in priced]
            v = [s[k] - ctrl[k] for k in priced]
            if len(set(x)) > 1 and len(set(v)) > 1:
                res = sps.spearmanr(x, v)
                rho, rho_p = float(res.statistic), float(res.pvalue)
    reasons = []
    if pair is None and th.require_control:
        reasons.append("no control capture shows this list: the noise is unknown")
    if len(s) < th.rank_min_items:
        reasons.append(f"{len(s)} item(s) in both lists, fewer than {th.rank_min_items}")
    if pair is not None and len(beyond) < th.min_items_beyond_noise:
        reasons.append(f"{len(beyond)} item(s) moved beyond the controls' shifts "
                       f"(95th percentile {noise.shift_limit:g}), fewer than "
                       f"{th.min_items_beyond_noise}")
    if pair is not None and not (disp_p is not None and disp_p < alpha):
        reasons.append("items did not move further than between the control captures "
                       f"(p={'n/a' if disp_p is None else f'{disp_p:.3g}'} >= {alpha:.3g})")
    if (pair is not None and gate_tau is not None and noise.kendall_tau is not None
            and not gate_tau < noise.kendall_tau):
        reasons.append(f"Kendall's tau {gate_tau:.3f} not below the controls' "
                       f"{noise.kendall_tau:.3f}"
                       + (f" (without {', '.join(left_out)})" if left_out else ""))
    if pair is None and not th.require_control:
        reasons.append("no control capture shows this list: nothing to test against")
    beyond_noise = not reasons
    steering = None
    mover_p, mover_dir = _movers_test(beyond, s, prices)
    tests = [(p, d) for p, d in ((rho_p, None if rho is None or rho == 0 else
                                  ("expensive_up" if rho > 0 else "cheap_up")),
                                 (mover_p, mover_dir)) if p is not None and d is not None]
    steer_p = min((p for p, _ in tests), default=None)
    if steer_p is not None:
        steer_p = min(1.0, steer_p * 2)  # Bonferroni over the two price tests
    if beyond_noise and steer_p is not None and steer_p < alpha:
        steering = min(tests)[1]
    k = min(10, max(1, min(len(a), len(b)) // 2))
    return RankComparison(
        list=name, baseline=baseline, treatment=treatment, n_items=len(s),
        n_only_baseline=len(sa - sb), n_only_treatment=len(sb - sa),
        kendall_tau=tau, kendall_p=tau_p, rbo=rbo(a, b, th.rbo_p),
        jaccard=len(sa & sb) / len(sa | sb) if sa | sb else None,
        discordant_share=None if tau is None else (1 - tau) / 2,
        control_pair=pair, control_kendall_tau=noise.kendall_tau,
        control_noise=noise.noise, control_max_shift=noise.max_shift, shifts=s,
        items_beyond_noise=beyond, displacement_p=disp_p, price_rank_rho=rho,
        price_rank_p=rho_p, movers_price_p=mover_p, steering_p=steer_p, n_priced=n_priced,
        top_k=k,
        top_mean_price_baseline=_top_mean(a, prices, k),
        top_mean_price_treatment=_top_mean(b, prices, k),
        beyond_noise=beyond_noise, steering=steering, alpha=alpha, reasons=tuple(reasons),
        uncontrolled=unmeasured, left_out=left_out, design_effect=deff,
    )
