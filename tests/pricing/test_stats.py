"""scanner.pricing.stats: noise floor, paired comparison and the discrimination decision."""

from __future__ import annotations

import math

import pytest

from scanner.pricing.config import Thresholds
from scanner.pricing.stats import compare, compare_all, differs, noise_floor, rel_diff

TH = Thresholds()


def table(n=30, markup=0.0, marked=(), noisy=(), noise=0.10):
    """Base price 100 + i; ``marked`` items cost ``markup`` more for loyal (and its control);
    ``noisy`` items differ between loyal and loyal-control by ``noise``."""
    t = {}
    for i in range(n):
        key = f"I{i:02d}"
        base = 100.0 + i
        up = base * (1 + markup) if i in marked else base
        t[key] = {"new": base, "new-control": base, "loyal": up,
                  "loyal-control": up * (1 + noise) if i in noisy else up}
    return t


def test_equality_tolerance_and_relative_difference():
    assert not differs(100.0, 100.005, TH)  # below one fen
    assert differs(100.0, 100.02, TH) is False  # 0.02 < 0.1 % of 100
    assert differs(100.0, 100.2, TH)
    assert rel_diff(100.0, 105.0, TH) == pytest.approx(0.05)
    assert rel_diff(100.0, 100.0, TH) == 0.0


def test_noise_floor_counts_pairs_and_noisy_items():
    t = table(noisy=(1, 2))
    nf = noise_floor(t, [("loyal", "loyal-control"), ("new", "new-control")], TH)
    assert nf.n_items == 60 and nf.n_differ == 2
    assert nf.rate == pytest.approx(2 / 60)
    assert nf.noisy_items == {"I01", "I02"}
    assert nf.max_rel_diff == pytest.approx(0.10)


def test_markup_on_third_of_items_is_flagged_with_items_and_size():
    marked = set(range(0, 30, 3))  # 10 of 30
    t = table(markup=0.05, marked=marked, noisy=(1, 2))
    nf = noise_floor(t, [("loyal", "loyal-control"), ("new", "new-control")], TH)
    c = compare(t, "new", "loyal", nf, TH)
    assert c.discrimination, c.reasons
    assert c.direction == "higher" and c.direction_share == 1.0
    assert c.n_items == 30 and c.n_higher == 10 and c.n_lower == 0
    assert set(c.items_beyond_noise) == {f"I{i:02d}" for i in marked}
    assert c.median_rel_diff_beyond_noise == pytest.approx(0.05, abs=1e-3)
    assert c.max_rel_diff == pytest.approx(0.05, abs=1e-3)
    assert c.median_rel_diff == 0.0
    # all ten differences positive: the exact two-sided Wilcoxon p is 2 / 2**10
    assert c.p_value == pytest.approx(2 / 2 ** 10)
    assert c.ci_low > 0 and c.ci_high < 0.05
    assert c.ci_low <= c.mean_rel_diff <= c.ci_high


def test_discount_for_treatment_is_direction_lower():
    t = table(markup=-0.08, marked=set(range(0, 30, 2)))
    nf = noise_floor(t, [("loyal", "loyal-control")], TH)
    c = compare(t, "new", "loyal", nf, TH)
    assert c.discrimination and c.direction == "lower"
    assert c.median_rel_diff_beyond_noise == pytest.approx(-0.08, abs=1e-3)


def test_no_difference_gives_no_finding():
    t = table(noisy=(3,))
    nf = noise_floor(t, [("loyal", "loyal-control")], TH)
    c = compare(t, "new", "loyal", nf, TH)
    assert not c.discrimination
    assert c.n_higher == c.n_lower == 0 and c.p_value == 1.0
    assert any("beyond noise" in r for r in c.reasons)


def test_differences_only_on_noisy_items_are_not_beyond_noise():
    marked = {1, 2, 3, 4, 5}
    t = table(markup=0.05, marked=marked, noisy=marked)
    nf = noise_floor(t, [("loyal", "loyal-control")], TH)
    c = compare(t, "new", "loyal", nf, TH)
    assert c.items_beyond_noise == () and not c.discrimination


def test_mixed_directions_are_not_consistent():
    t = table()
    for i, f in enumerate([1.05, 0.95, 1.06, 0.94, 1.05, 0.95, 1.07, 0.93]):
        t[f"I{i:02d}"]["loyal"] *= f
        t[f"I{i:02d}"]["loyal-control"] *= f
    nf = noise_floor(t, [("loyal", "loyal-control")], TH)
    c = compare(t, "new", "loyal", nf, TH)
    assert not c.discrimination
    assert c.direction_share == 0.5
    assert any("direction not consistent" in r for r in c.reasons)


def test_without_control_the_noise_is_unknown_and_nothing_is_flagged():
    t = table(markup=0.05, marked=set(range(0, 30, 3)))
    c = compare(t, "new", "loyal", None, TH)
    assert c.control_noise is None and c.excess_p is None
    assert not c.discrimination
    assert c.reasons == ("no control capture: the noise is unknown",)
    lax = Thresholds(require_control=False)
    assert compare(t, "new", "loyal", None, lax).discrimination


def test_missing_items_and_different_item_sets_are_counted():
    t = table(markup=0.05, marked=set(range(0, 30, 3)))
    del t["I01"]["loyal"], t["I02"]["loyal"]
    t["X"] = {"loyal": 50.0}
    t["Y"] = {"new": 50.0}
    c = compare(t, "new", "loyal", noise_floor(t, [("loyal", "loyal-control")], TH), TH)
    assert c.n_items == 28 and c.n_only_baseline == 3 and c.n_only_treatment == 1
    assert c.discrimination


def test_no_common_item():
    c = compare({"A": {"new": 1.0}, "B": {"loyal": 2.0}}, "new", "loyal", None, TH)
    assert c.n_items == 0 and not c.discrimination and c.p_value is None


def test_bonferroni_over_treatments():
    t = table(markup=0.05, marked={0, 3, 6})  # three items: exact p = 2/8 = 0.25
    for row in t.values():
        row["ios"] = row["new"]
    cs = compare_all(t, "new", ["loyal", "ios"], noise_floor(t, [("loyal", "loyal-control")],
                                                               TH), TH)
    assert [c.alpha for c in cs] == [pytest.approx(0.025)] * 2
    assert not cs[0].discrimination and cs[0].p_value == pytest.approx(0.25)
    assert not cs[1].discrimination


def test_bootstrap_is_deterministic():
    t = table(markup=0.05, marked=set(range(0, 30, 3)))
    nf = noise_floor(t, [("loyal", "loyal-control")], TH)
    a, b = compare(t, "new", "loyal", nf, TH), compare(t, "new", "loyal", nf, TH)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert math.isfinite(a.ci_low)


def test_zero_baseline_price_is_not_compared():
    t = {"A": {"new": 0.0, "loyal": 5.0}, "B": {"new": 10.0, "loyal": 10.0}}
    c = compare(t, "new", "loyal", None, TH)
    assert c.n_items == 1


def drifting(n=40, markup=0.0, marked=(), drift=0.01, seed=3):
    """Every price of every capture moves by up to ±drift (dynamic pricing)."""
    import random

    rng = random.Random(seed)
    t = {}
    for i in range(n):
        base = 100.0 + 7 * i
        t[f"I{i:02d}"] = {
            cap: round(base * (1 + markup * (i in marked and cap.startswith("loyal")))
                       * (1 + rng.uniform(-drift, drift)), 2)
            for cap in ("new", "new-control", "loyal", "loyal-control")}
    return t


def test_dense_drift_widens_the_tolerance_from_the_controls():
    marked = set(range(0, 40, 3))
    t = drifting(markup=0.05, marked=marked)
    pairs = [("loyal", "loyal-control"), ("new", "new-control")]
    strict = Thresholds(dense_noise_rate=1.0)  # never widen: every item is noisy
    assert noise_floor(t, pairs, strict).drift == 0.0
    assert not compare(t, "new", "loyal", noise_floor(t, pairs, strict), strict).discrimination
    nf = noise_floor(t, pairs, TH)
    assert 0.01 < nf.drift < 0.05  # about the largest difference drift makes (2 %)
    c = compare(t, "new", "loyal", nf, TH)
    assert c.discrimination and c.direction == "higher" and c.noise_drift == nf.drift
    assert set(c.items_beyond_noise) <= {f"I{i:02d}" for i in marked}
    assert len(c.items_beyond_noise) >= 0.7 * len(marked)


@pytest.mark.parametrize("seed", range(5))
def test_dense_drift_alone_is_not_flagged(seed):
    t = drifting(seed=seed)
    nf = noise_floor(t, [("loyal", "loyal-control"), ("new", "new-control")], TH)
    assert nf.drift > 0
    assert not compare(t, "new", "loyal", nf, TH).discrimination
