"""Fair treatment beyond the price tag: rankings, deal terms and "personalisation off".

Contract: :func:`analyse_fairness` takes what the pricing pipeline read (the
capture columns, the ranked-list and term observations, the price table and its
noise) and returns a :class:`FairnessResult`: the result.json sections
``ranked_lists``, ``rankings``, ``terms``, ``term_comparisons`` and
``personalisation_off``, and the facts ``pricing.ranking``, ``pricing.term``
and ``pricing.personalisation_off`` for the rules (ALGO-RANK-*, ALGO-TERM-*,
ALGO-PERSOFF-*). Every treatment is compared with the baseline on every list
both show (scanner.pricing.ranking) and on every term (scanner.pricing.terms);
the control pairs give the noise of each list and term. Profiles captured with
personalisation switched off (``--personalisation-off NAME`` or the capture
addon's label) are compared with the first of them on prices, lists and terms:
with personalisation off, what a user sees must not depend on who they are, so
any difference beyond the noise is reported. Bonferroni over every comparison
of one kind (lists × treatments, terms × treatments, off pairs). Nothing here
decides legality.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.pricing.config import PricingConfig
from scanner.pricing.lists import ListObservation, RankedList, TermObservation, join_pages
from scanner.pricing.ranking import RankComparison, RankNoise, compare_ranking, rank_noise
from scanner.pricing.stats import Comparison, NoiseFloor, compare
from scanner.pricing.terms import (
    TermComparison,
    TermNoise,
    TermRow,
    align_terms,
    compare_terms,
    term_noise,
)

MAX_SHIFTS = 200  # per ranking in result.json
MAX_EVIDENCE = 50


@dataclass(frozen=True)
class FairnessResult:
    """The sections and facts of the fairness analysis."""

    sections: dict[str, Any]
    facts: tuple[Fact, ...]
    rankings: tuple[RankComparison, ...] = ()
    term_comparisons: tuple[TermComparison, ...] = ()
    off_pairs: tuple[dict[str, Any], ...] = field(default=())


def _round(v: Any, nd: int = 6) -> Any:
    return round(v, nd) if isinstance(v, float) else v


def _list_prices(by_col: Mapping[str, RankedList], baseline: str,
                 price_of: Mapping[tuple[str, str], float], host: str) -> dict[str, float]:
    """Price of each item of a list, the same for every profile: the baseline's list price,
    else another profile's list price, else the baseline's price from the price table."""
    out: dict[str, float] = {}
    order = [baseline, *sorted(c for c in by_col if c != baseline)]
    for col in order:
        if col in by_col:
            for item, p in by_col[col].prices.items():
                out.setdefault(item, p)
    for rl in by_col.values():
        for item in rl.items:
            if item not in out and (host, item) in price_of:
                out[item] = price_of[(host, item)]
    return out


def _ranking_doc(c: RankComparison, rl: RankedList, off: bool) -> dict[str, Any]:
    doc = {k: _round(v) for k, v in dataclasses.asdict(c).items()
           if k not in ("shifts", "control_pair", "items_beyond_noise", "reasons")}
    top = sorted(c.shifts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:MAX_SHIFTS]
    doc.update(host=rl.host, endpoint=rl.endpoint, shifts=dict(top),
               control_pair=list(c.control_pair) if c.control_pair else None,
               items_beyond_noise=list(c.items_beyond_noise),
               n_items_beyond_noise=len(c.items_beyond_noise), reasons=list(c.reasons),
               personalisation_off=off)
    return doc


def _ranking_fact(c: RankComparison, lists: Mapping[str, RankedList], off: bool) -> Fact:
    locs = []
    for prof in (c.baseline, c.treatment):
        rl = lists.get(prof)
        if rl is not None:
            locs.extend(Locator("pricing", flow=f, path=rl.path, profile=prof, list=c.list,
                                source=rl.source) for f in rl.flows[:MAX_EVIDENCE])
    pricier = (c.treatment if c.steering == "expensive_up" else
               c.baseline if c.steering == "cheap_up" else None)
    other = c.baseline if pricier == c.treatment else c.treatment
    attrs = {
        "list": c.list, "baseline": c.baseline, "treatment": c.treatment,
        "beyond_noise": c.beyond_noise, "steering": c.steering or "none",
        "pricier_first": pricier, "other": other if pricier else None,
        "personalisation_off": off,
        "kendall_tau": c.kendall_tau, "control_kendall_tau": c.control_kendall_tau,
        "rbo": c.rbo, "n_items": c.n_items, "items": list(c.items_beyond_noise),
        "displacement_p": c.displacement_p, "price_rank_rho": c.price_rank_rho,
        "price_rank_p": c.price_rank_p, "reasons": list(c.reasons),
    }
    return Fact("pricing.ranking", attrs, tuple(locs))


def _term_fact(c: TermComparison, rows: Mapping[str, TermRow], zh: str, en: str,
               off: bool) -> Fact:
    locs = []
    for key in c.items_beyond_noise[:MAX_EVIDENCE]:
        row = rows[key]
        for prof in (c.baseline, c.treatment):
            ev = row.evidence.get(prof)
            if ev:
                locs.append(Locator("pricing", flow=ev["flow"], path=ev["path"], profile=prof,
                                    item=row.item, term=row.term, source=ev["source"],
                                    time=ev.get("time"), price=row.values[prof]))
    direction = c.direction or "worse"
    attrs = {
        "term": c.term, "term_zh": zh, "term_en": en, "kind": c.kind,
        "baseline": c.baseline, "treatment": c.treatment,
        "discrimination": c.discrimination, "direction": direction,
        "direction_zh": "更差" if direction == "worse" else "更优",
        "personalisation_off": off, "n_items": c.n_items, "n_worse": c.n_worse,
        "n_better": c.n_better, "median_diff_beyond_noise": c.median_diff_beyond_noise,
        "p_value": c.p_value, "excess_p": c.excess_p, "control_noise": c.control_noise,
        "items": [rows[k].item for k in c.items_beyond_noise], "reasons": list(c.reasons),
    }
    return Fact("pricing.term", attrs, tuple(locs))


def _term_doc(c: TermComparison, rows: Mapping[str, TermRow], off: bool) -> dict[str, Any]:
    doc = {k: _round(v) for k, v in dataclasses.asdict(c).items()}
    doc["items_beyond_noise"] = [rows[k].item for k in c.items_beyond_noise]
    doc["n_items_beyond_noise"] = len(c.items_beyond_noise)
    doc["reasons"] = list(c.reasons)
    doc["personalisation_off"] = off
    return doc


def _term_name(config: PricingConfig, term: str, lang: str) -> str:
    """A deal term's name in ``lang`` (rulesets/pricing/fairness.yaml), else its id."""
    spec = config.fairness.term(term)
    return (spec.zh if lang == "zh" else spec.en) if spec else term


def analyse_fairness(columns: Sequence[tuple[str, str, str]], baseline: str,
                     treatments: Sequence[str], list_obs: Sequence[ListObservation],
                     term_obs: Sequence[TermObservation],
                     price_table: Mapping[str, Mapping[str, float]],
                     price_noise: NoiseFloor | None,
                     price_of: Mapping[tuple[str, str], float],
                     config: PricingConfig, off: Sequence[str] = ()) -> FairnessResult:
    """Compare lists and terms of every treatment (and every off pair) with the noise.

    ``columns`` are (name, profile, role) of every capture column; ``price_of`` maps
    (host, item) to the baseline's price (for lists that show no prices).
    """
    th = config.thresholds
    names = [n for n, _, _ in columns]
    pairs = [(prof, name) for name, prof, role in columns if role == "control"]
    off = [p for p in names if p in set(off)]
    off_pairs = [(off[0], o) for o in off[1:]] if len(off) > 1 else []
    cmp_pairs = [(baseline, t) for t in treatments]
    cmp_pairs += [p for p in off_pairs if p not in cmp_pairs]
    off_set = set(off_pairs)

    # ---------------------------------------------------------------- rankings
    ranked = join_pages(list_obs)
    by_list: dict[str, dict[str, RankedList]] = {}
    for rl in ranked:
        by_list.setdefault(rl.list, {})[rl.profile] = rl
    todo = [(name, a, b) for name, cols in by_list.items() for a, b in cmp_pairs
            if a in cols and b in cols]
    n_main = sum(1 for _, a, b in todo if (a, b) not in off_set or a == baseline)
    n_off = sum(1 for _, a, b in todo if (a, b) in off_set)
    noises: dict[str, RankNoise] = {}
    rankings: list[RankComparison] = []
    rank_docs, facts = [], []
    for name, a, b in todo:
        cols = by_list[name]
        orders = {c: rl.items for c, rl in cols.items()}
        if name not in noises:
            noises[name] = rank_noise(name, orders, pairs, th)
        prices = _list_prices(cols, a, price_of, cols[a].host)
        is_off = (a, b) in off_set
        n_tests = n_off if is_off and a != baseline else n_main
        c = compare_ranking(name, orders, a, b, noises[name], prices, th, n_tests=n_tests)
        rankings.append(c)
        rank_docs.append(_ranking_doc(c, cols[a], is_off))
        facts.append(_ranking_fact(c, cols, is_off))
    list_docs = []
    for name, cols in by_list.items():
        any_col = next(iter(cols.values()))
        prices = _list_prices(cols, baseline, price_of, any_col.host)
        list_docs.append({
            "list": name, "host": any_col.host, "endpoint": any_col.endpoint,
            "path": any_col.path,
            "orders": {c: list(cols[c].items) for c in names if c in cols},
            "prices": {k: _round(v) for k, v in prices.items()},
            "varies_within": [c for c in names if c in cols and cols[c].varies_within],
            "flows": {c: list(cols[c].flows) for c in names if c in cols},
        })

    # ---------------------------------------------------------------- terms
    rows = align_terms(term_obs, names)
    by_key = {r.key: r for r in rows}
    terms_by_id: dict[str, dict[str, dict[str, float]]] = {}
    for r in rows:
        if r.comparable:
            terms_by_id.setdefault(r.term, {})[r.key] = r.values
    tnoise: dict[str, TermNoise] = {t: term_noise(t, tab, pairs, th)
                                    for t, tab in terms_by_id.items()}
    tcmp: list[TermComparison] = []
    term_docs = []
    todo_t = [(t, a, b) for t in terms_by_id for a, b in cmp_pairs]
    n_main_t = sum(1 for _, a, b in todo_t if (a, b) not in off_set or a == baseline)
    n_off_t = sum(1 for _, a, b in todo_t if (a, b) in off_set)
    for t, a, b in todo_t:
        spec = config.fairness.term(t)
        kind = spec.kind if spec else "cost"
        is_off = (a, b) in off_set
        c = compare_terms(t, kind, terms_by_id[t], a, b,
                          tnoise[t] if tnoise[t].pairs else None, th,
                          n_tests=n_off_t if is_off and a != baseline else n_main_t)
        if c.n_items == 0:
            continue
        tcmp.append(c)
        term_docs.append({**_term_doc(c, by_key, is_off),
                          "label": {"zh": spec.zh if spec else t, "en": spec.en if spec else t}})
        facts.append(_term_fact(c, by_key, spec.zh if spec else t, spec.en if spec else t,
                                is_off))
    beyond_t: dict[str, list[str]] = {}
    for c in tcmp:
        if (c.baseline, c.treatment) not in off_set or c.baseline == baseline:
            for k in c.items_beyond_noise:
                beyond_t.setdefault(k, []).append(c.treatment)
    row_docs = []
    for r in rows:
        spec = config.fairness.term(r.term)
        row_docs.append({
            "item": r.item, "term": r.term, "values": {k: _round(v) for k, v in r.values.items()},
            "key": r.key, "host": r.host, "endpoint": r.endpoint, "unit": r.unit,
            "kind": spec.kind if spec else None, "comparable": r.comparable,
            "label": {"zh": spec.zh if spec else r.term, "en": spec.en if spec else r.term},
            "missing": [c for c in names if c not in r.values],
            "beyond_noise": beyond_t.get(r.key, []),
            "noisy_in_control": r.key in (tnoise.get(r.term).noisy_items
                                          if r.term in tnoise else ()),
            "varies_within": list(r.varies_within), "evidence": r.evidence,
        })

    # ---------------------------------------------------------------- personalisation off
    off_docs = []
    for a, b in off_pairs:
        pc: Comparison | None = None
        if any(a in v and b in v for v in price_table.values()):
            pc = compare(price_table, a, b, price_noise, th, n_tests=max(1, len(off_pairs)))
        r_diff = [c.list for c in rankings if (c.baseline, c.treatment) == (a, b)
                  and c.beyond_noise]
        t_diff = [c.term for c in tcmp if (c.baseline, c.treatment) == (a, b)
                  and c.discrimination]
        p_diff = bool(pc and pc.discrimination)
        doc = {"reference": a, "profile": b, "differs": bool(p_diff or r_diff or t_diff),
               "prices_differ": p_diff, "lists_differ": r_diff, "terms_differ": t_diff,
               "lists_compared": sum(1 for c in rankings if (c.baseline, c.treatment) == (a, b)),
               "terms_compared": sum(1 for c in tcmp if (c.baseline, c.treatment) == (a, b)),
               "price_items": pc.n_items if pc else 0,
               "price_items_beyond_noise": list(pc.items_beyond_noise) if pc else [],
               "price_median_rel_diff": pc.median_rel_diff_beyond_noise if pc else None,
               "price_reasons": list(pc.reasons) if pc else []}
        off_docs.append(doc)
        locs: list[Locator] = []
        for f in facts:
            if f.get("personalisation_off") and (f.get("baseline"), f.get("treatment")) == (a, b) \
                    and (f.get("beyond_noise") or f.get("discrimination")):
                locs.extend(f.evidence[:MAX_EVIDENCE])
        facts.append(Fact("pricing.personalisation_off",
                          {**{k: v for k, v in doc.items()
                              if k in ("reference", "profile", "differs", "prices_differ",
                                       "lists_differ", "terms_differ")},
                           "what": ", ".join(
                               (["prices"] if p_diff else []) + [f"list {x}" for x in r_diff]
                               + [f"term {_term_name(config, x, 'en')}" for x in t_diff])
                           or "nothing",
                           "what_zh": "、".join(
                               (["价格"] if p_diff else []) + [f"列表排序 {x}" for x in r_diff]
                               + [f"交易条件 {_term_name(config, x, 'zh')}" for x in t_diff])
                           or "无"},
                          tuple(locs[:MAX_EVIDENCE])))

    sections = {
        "ranked_lists": list_docs,
        "rankings": rank_docs,
        "terms": row_docs,
        "term_comparisons": term_docs,
        "personalisation_off": {"profiles": off, "comparisons": off_docs},
    }
    return FairnessResult(sections, tuple(facts), tuple(rankings), tuple(tcmp),
                          tuple(off_docs))
