"""Real data: airline fares searched as four OS/browser profiles with a control (2021).

The shared corpus holds fares of Alitalia, Lufthansa and Ryanair searched from
Windows, Android, macOS and iOS profiles (each from its own IP), each search
paired with a control search of the same itinerary (``control_price``). This
converts the CSV rows to the item × profile table of scanner.pricing.stats
(item = search date and session hour, carrier, route, fare brand, travel dates;
one column per profile and one ``control@<profile>`` column for the control
fetched with that profile's search) and runs the same comparison as ``appaudit
pricing``: each profile against Windows, with the noise measured on the control
columns (one identical control profile, fetched at the baseline's and at the
treatment's moment). It prints what it finds; skipped when the corpus is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from _pricing_fixtures import AIRLINE

from scanner.pricing.config import load_pricing_config
from scanner.pricing.stats import compare, noise_floor

FILES = sorted(AIRLINE.glob("clean_data_*.csv")) if AIRLINE.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpus/pricing is absent")
BASELINE = "Windows 10"


def airline_table(path: Path) -> tuple[dict[str, dict[str, float]], list[str]]:
    """(item → {profile or control@profile: price}, profiles) of one CSV file."""
    table: dict[str, dict[str, float]] = {}
    profiles: list[str] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                total, control = float(row["total_price"]), float(row["control_price"])
            except (KeyError, ValueError):
                continue
            key = "|".join([row["search_date"], row["search_time"][:2], row["carrier"],
                            row["origin"], row["destination"], row["fare_brand"],
                            row["departure_date"][:10], row["return_date"][:10]])
            prof = row["os"]
            if prof not in profiles:
                profiles.append(prof)
            cell = table.setdefault(key, {})
            if prof not in cell:  # first search of the session counts
                cell[prof] = total
                cell[f"control@{prof}"] = control
    return table, profiles


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_airline_profiles_against_windows(path):
    th = load_pricing_config().thresholds
    table, profiles = airline_table(path)
    assert BASELINE in profiles and len(profiles) == 4
    treatments = [p for p in profiles if p != BASELINE]
    print(f"\n{path.name}: {len(table)} itineraries x {len(profiles)} profiles")
    n_differ_raw = sum(1 for cells in table.values() for p in profiles
                       if p in cells and cells[p] != cells[f"control@{p}"])
    print(f"  profile price != its simultaneous control: {n_differ_raw} cells")
    for t in treatments:
        noise = noise_floor(table, [(f"control@{BASELINE}", f"control@{t}")], th)
        c = compare(table, BASELINE, t, noise, th, n_tests=len(treatments))
        print(f"  {t:>13} vs {BASELINE}: n={c.n_items} higher={c.n_higher} "
              f"lower={c.n_lower} median={c.median_rel_diff:+.3%} "
              f"max={c.max_rel_diff:+.2%} CI=[{c.ci_low:+.3%}, {c.ci_high:+.3%}] "
              f"p={c.p_value:.3g} control noise={c.control_noise:.1%} "
              f"beyond noise={len(c.items_beyond_noise)} -> "
              f"{'DISCRIMINATION ' + str(c.direction) if c.discrimination else 'no finding'}")
        for r in c.reasons:
            print(f"      ({r})")
        both = sum(1 for cells in table.values() if BASELINE in cells and t in cells)
        assert c.n_items == both > 0
        assert c.n_only_baseline == sum(1 for x in table.values()
                                        if BASELINE in x and t not in x)
        assert c.ci_low <= c.mean_rel_diff <= c.ci_high
        assert 0 <= c.p_value <= 1
    with open(path, newline="", encoding="utf-8") as fh:  # cells are the CSV's own prices
        first = next(csv.DictReader(fh))
    cell = next(iter(table.values()))
    assert cell[first["os"]] == float(first["total_price"])
    assert cell[f"control@{first['os']}"] == float(first["control_price"])
    # each profile against its own simultaneous control (Hannak's test/control pair)
    for p in profiles:
        others = [q for q in profiles if q != p]
        noise = noise_floor(table, [(f"control@{p}", f"control@{others[0]}")], th)
        c = compare(table, f"control@{p}", p, noise, th, n_tests=len(profiles))
        print(f"  {p:>13} vs its control: n={c.n_items} higher={c.n_higher} "
              f"lower={c.n_lower} p={c.p_value:.3g} -> "
              f"{'DISCRIMINATION ' + str(c.direction) if c.discrimination else 'no finding'}")
