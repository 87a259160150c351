"""Power and false-positive study of the pricing comparison, by simulation.

Many shops are generated with the fixture generator's price model
(corpus/pricing/make_captures.py ``simulate_shop``: base prices, promotions and
A/B buckets as noise in every capture). In *discriminating* shops the treatment
profile pays ``markup`` more on ``share`` of the ``items``; *fair* shops have the
same noise and no markup. Each shop goes through the comparison statistics
(scanner.pricing.stats) exactly as ``appaudit pricing`` runs them; the
detection rate (discriminating shops flagged, in the right direction) and the
false-positive rate (fair shops flagged) are reported, with a Wilson 95 % interval.

Run: ``python benchmarks/pricing_power.py [--shops 1000] [--markup 0.05] [--noise 0.08]``
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scanner.pricing.config import Thresholds, load_pricing_config
from scanner.pricing.stats import compare, noise_floor

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "pricing_make_captures", ROOT / "corpus" / "pricing" / "make_captures.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@dataclass(frozen=True)
class Rate:
    """A proportion with its Wilson score interval."""

    hits: int
    n: int

    @property
    def value(self) -> float:
        """hits / n"""
        return self.hits / self.n if self.n else 0.0

    def wilson(self, z: float = 1.96) -> tuple[float, float]:
        """95 % Wilson interval."""
        if not self.n:
            return 0.0, 1.0
        p = self.value
        den = 1 + z * z / self.n
        mid = (p + z * z / (2 * self.n)) / den
        half = z * math.sqrt(p * (1 - p) / self.n + z * z / (4 * self.n * self.n)) / den
        return max(0.0, mid - half), min(1.0, mid + half)

    def __str__(self) -> str:
        lo, hi = self.wilson()
        return f"{self.value:6.1%}  ({self.hits}/{self.n}, 95% CI {lo:.1%}–{hi:.1%})"


@dataclass(frozen=True)
class Study:
    """Result of one simulation setting."""

    detection: Rate
    false_positive: Rate
    item_recall: float  # marked items reported beyond noise / marked items
    item_precision: float  # reported items that were marked


def _flagged(shop, th: Thresholds, controls: str):
    table: dict[str, dict[str, float]] = {}
    for cap, prices in shop.prices.items():
        if controls == "treatment" and cap == "new-control":
            continue
        for item, cents in prices.items():
            table.setdefault(item, {})[cap] = cents / 100
    pairs = [("loyal", "loyal-control")]
    if controls == "both":
        pairs.append(("new", "new-control"))
    noise = noise_floor(table, pairs, th)
    return compare(table, "new", "loyal", noise, th)


def run_study(shops: int, markup: float = 0.05, share: float = 1 / 3, items: int = 40,
              p_noise: float = 0.08, seed: int = 1, controls: str = "both",
              th: Thresholds | None = None, jitter: float = 0.0) -> Study:
    """Simulate ``shops`` discriminating and ``shops`` fair shops; rates of flagging."""
    gen = _generator()
    th = th or load_pricing_config().thresholds
    rng = random.Random(seed)
    hits = fps = 0
    tp_items = fp_items = truth_items = 0
    for _ in range(shops):
        shop = gen.simulate_shop(rng, n_items=items, markup=markup, marked_share=share,
                                 p_noise=p_noise, jitter=jitter)
        c = _flagged(shop, th, controls)
        if c.discrimination and c.direction == ("higher" if markup > 0 else "lower"):
            hits += 1
        reported = set(c.items_beyond_noise)
        tp_items += len(reported & set(shop.marked))
        fp_items += len(reported - set(shop.marked))
        truth_items += len(shop.marked)
        fair = gen.simulate_shop(rng, n_items=items, markup=0.0, p_noise=p_noise,
                                 jitter=jitter)
        if _flagged(fair, th, controls).discrimination:
            fps += 1
    return Study(Rate(hits, shops), Rate(fps, shops),
                 tp_items / truth_items if truth_items else 0.0,
                 tp_items / (tp_items + fp_items) if tp_items + fp_items else 1.0)


def main(argv: list[str] | None = None) -> int:
    """Print detection and false-positive rates for the asked setting and a few around it."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shops", type=int, default=1000)
    ap.add_argument("--markup", type=float, default=0.05)
    ap.add_argument("--share", type=float, default=1 / 3)
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--noise", type=float, default=0.08, help="per-capture chance that noise "
                    "moves an item's price")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"{args.shops} discriminating + {args.shops} fair shops per setting, "
          f"{args.items} items, noise p={args.noise}")
    base = load_pricing_config().thresholds
    wide = dataclasses.replace(base, equal_rel=0.02)
    settings = [("both", args.markup, args.noise, 0.0, base),
                ("treatment", args.markup, args.noise, 0.0, base),
                ("both", args.markup, args.noise * 2, 0.0, base),
                ("both", args.markup / 2, args.noise, 0.0, base),
                ("both", 0.0005, args.noise, 0.0, base),  # below the rounding tolerance
                ("treatment", args.markup, args.noise * 3, 0.0, base),
                ("both", args.markup, args.noise, 0.005, base),  # dense drift: band from controls
                ("both", args.markup, args.noise, 0.01, base),
                ("both", args.markup, args.noise, 0.005, wide),  # ... or tolerance set to 2 %
                ("treatment", args.markup, args.noise, 0.01, base),
                ("both", args.markup, args.noise, 0.02, base),
                ("treatment", args.markup, args.noise * 2, 0.02, base)]
    for controls, markup, noise, jitter, th in settings:
        t0 = time.perf_counter()
        s = run_study(args.shops, markup=markup, share=args.share, items=args.items,
                      p_noise=noise, seed=args.seed, controls=controls, th=th, jitter=jitter)
        print(f"\nmarkup {markup:.2%} on {args.share:.0%} of items, noise p={noise}, "
              f"drift ±{jitter:.1%}, equal within {th.equal_rel:.1%}, "
              f"controls of {controls} profile(s)  [{time.perf_counter() - t0:.1f}s]")
        print(f"  detection rate       {s.detection}")
        print(f"  false-positive rate  {s.false_positive}")
        print(f"  items beyond noise: recall {s.item_recall:.1%} of marked items, "
              f"precision {s.item_precision:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
