"""benchmarks/pricing_power.py, fast version: detection and false-positive rates by simulation."""

from __future__ import annotations

import importlib.util
import sys

from _pricing_fixtures import REPO


def _bench():
    spec = importlib.util.spec_from_file_location("pricing_power",
                                                  REPO / "benchmarks" / "pricing_power.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_power_and_false_positives_for_5_percent_markup_on_a_third_of_40_items():
    bench = _bench()
    s = bench.run_study(shops=150, markup=0.05, share=1 / 3, items=40, p_noise=0.08, seed=7)
    print(f"\ndetection {s.detection}\nfalse positives {s.false_positive}")
    assert s.false_positive.value <= 0.05
    assert s.detection.value >= 0.9
    assert s.item_precision >= 0.95


def test_false_positives_with_heavy_noise_and_one_control():
    bench = _bench()
    s = bench.run_study(shops=150, markup=0.05, p_noise=0.25, seed=8, controls="treatment")
    print(f"\ndetection {s.detection}\nfalse positives {s.false_positive}")
    assert s.false_positive.value <= 0.05


def test_wilson_interval():
    r = _bench().Rate(5, 100)
    lo, hi = r.wilson()
    assert lo < 0.05 < hi and abs(lo - 0.0215) < 0.001 and abs(hi - 0.1118) < 0.001


def test_power_with_dense_price_drift():
    bench = _bench()
    s = bench.run_study(shops=100, markup=0.05, p_noise=0.08, seed=9, jitter=0.01)
    print(f"\ndetection {s.detection}\nfalse positives {s.false_positive}")
    assert s.false_positive.value <= 0.05
    assert s.detection.value >= 0.9
