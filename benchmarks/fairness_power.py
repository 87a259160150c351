"""Power and false-positive study of the ranking and deal-term comparisons, by simulation.

Many shops are generated with the fixture generator's market model
(corpus/pricing/make_captures.py ``simulate_market``: a ranked list of 40 items
with prices, a delivery fee and a coupon per item; every capture ranks by
relevance plus Gaussian noise, sometimes with one item pinned to the top as an
advert, and its terms move by promotions). *Ranking-discriminating* shops move
the 10 most expensive items up by ``boost`` places for the treatment profile
(and its control, the same profile captured again); *fee-discriminating* shops
charge the treatment ``fee_delta`` 分 more delivery fee on a third of the
items; *fair* shops have the same noise and neither. Each shop goes through the
statistics exactly as ``appaudit pricing`` runs them (scanner.pricing.ranking
and scanner.pricing.terms, with the Bonferroni factor of one list and two terms).

Rates, with Wilson 95 % intervals:
- steering detection: ranking-discriminating shops with ``steering`` =
  ``expensive_up`` (rule ALGO-RANK-0001);
- fee detection: fee-discriminating shops with the delivery fee flagged
  ``worse`` (rule ALGO-TERM-0001);
- false positives over fair shops, per rule: ALGO-RANK-0001 (steering),
  ALGO-RANK-0002 (order beyond noise, not price-related), ALGO-TERM-0001 (any term),
  any of them, and those of medium severity and up (ALGO-RANK-0001, ALGO-TERM-0001;
  ALGO-RANK-0002 is an observation of severity info).

Run: ``python benchmarks/fairness_power.py [--shops 1000] [--seed 1]``
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from pricing_power import Rate  # noqa: E402

from scanner.pricing.config import Thresholds, load_pricing_config  # noqa: E402
from scanner.pricing.ranking import compare_ranking, rank_noise  # noqa: E402
from scanner.pricing.terms import compare_terms, term_noise  # noqa: E402

TERMS = {"delivery_fee": "cost", "coupon": "benefit"}


def _generator():
    spec = importlib.util.spec_from_file_location(
        "pricing_make_captures", ROOT / "corpus" / "pricing" / "make_captures.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@dataclass(frozen=True)
class Verdict:
    """What the comparisons of one shop say (new = baseline, loyal = treatment)."""

    steering: str | None
    beyond_noise: bool
    terms_worse: frozenset[str]
    any_term: bool


def judge(market, th: Thresholds, controls: str = "both") -> Verdict:
    """Run one simulated shop through the ranking and term statistics."""
    drop = {"both": None, "treatment": "new-control", "baseline": "loyal-control"}[controls]
    caps = [c for c in market.orders if c != drop]
    pairs = [("new", "new-control"), ("loyal", "loyal-control")]
    pairs = [p for p in pairs if p[1] in caps]
    orders = {c: market.orders[c] for c in caps}
    prices = {it: cents / 100 for it, cents in market.price.items()}
    noise = rank_noise("L", orders, pairs, th)
    r = compare_ranking("L", orders, "new", "loyal", noise, prices, th, n_tests=1)
    worse = set()
    anyt = False
    for term, kind in TERMS.items():
        table = {it: {c: market.terms[c][it][term] / 100 for c in caps} for it in market.items}
        tn = term_noise(term, table, pairs, th)
        c = compare_terms(term, kind, table, "new", "loyal", tn, th, n_tests=len(TERMS))
        if c.discrimination:
            anyt = True
            if c.direction == "worse":
                worse.add(term)
    return Verdict(r.steering, r.beyond_noise, frozenset(worse), anyt)


@dataclass(frozen=True)
class Study:
    """Rates of one setting."""

    steering: Rate
    fees: Rate
    fp_steering: Rate
    fp_order: Rate
    fp_terms: Rate
    fp_any: Rate
    fp_medium: Rate  # ALGO-RANK-0001 (medium) or ALGO-TERM-0001 (high): medium severity and up
    seconds: float


def run_study(shops: int, seed: int = 1, boost: float = 10.0, promote: int = 10,
              rank_sd: float = 0.6, p_pin: float = 0.1, price_order: bool = False,
              fee_delta: int = 150, p_term_noise: float = 0.08, controls: str = "both",
              th: Thresholds | None = None) -> Study:
    """``shops`` ranking-discriminating, fee-discriminating and fair shops each."""
    gen = _generator()
    th = th or load_pricing_config().thresholds
    rng = random.Random(seed)
    kw = {"rank_sd": rank_sd, "p_pin": p_pin, "price_order": price_order,
          "p_term_noise": p_term_noise}
    st = fe = f_st = f_ord = f_t = f_any = f_med = 0
    t0 = time.perf_counter()
    for _ in range(shops):
        v = judge(gen.simulate_market(rng, promote=promote, boost=boost, **kw), th, controls)
        st += v.steering == "expensive_up"
        v = judge(gen.simulate_market(rng, fee_share=1 / 3, fee_delta=fee_delta, **kw), th,
                  controls)
        fe += "delivery_fee" in v.terms_worse
        v = judge(gen.simulate_market(rng, **kw), th, controls)
        f_st += v.steering is not None
        f_ord += v.beyond_noise and v.steering is None
        f_t += v.any_term
        f_any += v.beyond_noise or v.any_term
        f_med += v.steering is not None or v.any_term
    return Study(Rate(st, shops), Rate(fe, shops), Rate(f_st, shops), Rate(f_ord, shops),
                 Rate(f_t, shops), Rate(f_any, shops), Rate(f_med, shops),
                 time.perf_counter() - t0)


SETTINGS = [
    ("default: 10 most expensive up 10 places, fee +1.50 yuan, both controls", {}),
    ("controls of the treatment profile only", {"controls": "treatment"}),
    ("noisier ranking (rank noise sd 1.5 places, adverts pinned in 30 % of captures)",
     {"rank_sd": 1.5, "p_pin": 0.3}),
    ("weaker effects (up 5 places, fee +1.00 yuan)", {"boost": 5.0, "fee_delta": 100}),
    ("list ordered by price (cheapest first)", {"price_order": True}),
    ("noisier terms (promotions on 20 % of items per capture)", {"p_term_noise": 0.2}),
    ("controls of the baseline profile only", {"controls": "baseline"}),
]


def main(argv: list[str] | None = None) -> int:
    """Print the rates of every setting."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shops", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", type=int, default=None, help="run setting N (0-based) only")
    args = ap.parse_args(argv)
    print(f"{args.shops} ranking-discriminating + {args.shops} fee-discriminating + "
          f"{args.shops} fair shops per setting, 40 items")
    for i, (label, kw) in enumerate(SETTINGS):
        if args.only is not None and i != args.only:
            continue
        s = run_study(args.shops, seed=args.seed, **kw)
        print(f"\n{label}  [{s.seconds:.1f}s]")
        print(f"  steering detected (ALGO-RANK-0001)   {s.steering}")
        print(f"  fee detected (ALGO-TERM-0001)        {s.fees}")
        print(f"  fair: ALGO-RANK-0001                 {s.fp_steering}")
        print(f"  fair: ALGO-RANK-0002 (order only)    {s.fp_order}")
        print(f"  fair: ALGO-TERM-0001 (any term)      {s.fp_terms}")
        print(f"  fair: any of them                    {s.fp_any}")
        print(f"  fair: medium severity and up         {s.fp_medium}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
