"""The pricing command's pipeline: captures per profile → prices → items → comparisons → findings.

Contract: :func:`run_pricing` takes a :class:`PricingRequest` (profiles with
their capture files, the baseline, control captures) and returns a
:class:`scanner.model.result.ScanResult` with ``command="pricing"``, the
capture files as ``inputs`` (kind flows|har, SHA-256 and SM3), findings from
the rule engine over ``pricing.comparison`` facts, and in ``extra`` the
result.json sections ``profiles`` (one object per capture column, profiles
then controls: name, profile, role baseline|treatment|control, files, capture
statistics), ``items``, ``comparisons`` and ``pricing`` (method, thresholds,
noise). A control ``--control loyal=c.mitm`` becomes the
capture column ``loyal-control``; the pair (loyal, loyal-control) measures the
noise. Files that cannot be opened raise :class:`InputError` before any
analysis, and so does damage met while reading (a capture cut short): prices
from part of a capture would compare unlike browsing. Single responses that
cannot be decoded are listed in ``skipped`` (a partial result). Contradictory
options raise :class:`UsageError`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputError, UsageError
from scanner.knowledge import notice_category_names, tool_info
from scanner.messages import msg, record
from scanner.model.evidence import InputFile
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ScanResult, Skipped
from scanner.pricing.align import ItemRow, align
from scanner.pricing.capture import Capture, open_capture
from scanner.pricing.config import PricingConfig, load_pricing_config
from scanner.pricing.extract import PriceObservation, extract_prices, response_json
from scanner.pricing.fairness import analyse_fairness
from scanner.pricing.lists import ListObservation, TermObservation, extract_lists, extract_terms
from scanner.pricing.stats import Comparison, NoiseFloor, compare_all, noise_floor, rel_diff
from scanner.rules.loader import RuleSet, load_rules
from scanner.timeparse import now_iso

CONTROL_SUFFIX = "-control"
MAX_EVIDENCE_ITEMS = 50
_NAME = re.compile(r"^[^\s=,/\\]{1,64}$")


@dataclass(frozen=True)
class PricingRequest:
    """What ``appaudit pricing`` was asked to compare."""

    profiles: tuple[tuple[str, tuple[Path, ...]], ...]
    baseline: str | None = None
    controls: tuple[tuple[str, tuple[Path, ...]], ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    personalisation_off: tuple[str, ...] = ()  # profiles captured with personalisation off


def control_column(profile: str) -> str:
    """Name of the capture column of a profile's control capture."""
    return f"{profile}{CONTROL_SUFFIX}"


@dataclass
class _Column:
    name: str
    profile: str
    role: str  # baseline | treatment | control
    files: tuple[Path, ...]
    exchanges: int = 0
    responses_with_prices: int = 0
    observations: int = 0
    extractors: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)  # appaudit_profile set by the capture addon
    personalisation: set[str] = field(default_factory=set)  # appaudit_personalisation labels
    lists: int = 0
    terms: int = 0
    first: float | None = None  # request time of the first and last exchange
    last: float | None = None


def _columns(request: PricingRequest) -> list[_Column]:
    names = [n for n, _ in request.profiles]
    if not names:
        raise UsageError("err_pricing_two_profiles")
    for n in names:
        if not _NAME.match(n):
            raise UsageError("err_profile_name", name=repr(n))
    if len(set(names)) != len(names):
        raise UsageError("err_profile_twice")
    baseline = request.baseline or names[0]
    if baseline not in names:
        raise UsageError("err_baseline_unknown", name=repr(baseline), names=names)
    if len(names) < 2:
        raise UsageError("err_pricing_two_profiles")
    cols = [_Column(n, n, "baseline" if n == baseline else "treatment", files)
            for n, files in request.profiles]
    seen_controls = set()
    for prof, files in request.controls:
        if prof not in names:
            raise UsageError("err_control_unknown", name=prof)
        if prof in seen_controls:
            raise UsageError("err_control_twice", name=prof)
        seen_controls.add(prof)
        name = control_column(prof)
        if name in names:
            raise UsageError("err_control_clash", name=repr(name), profile=repr(prof))
        cols.append(_Column(name, prof, "control", files))
    for c in cols:
        if not c.files:
            raise UsageError("err_profile_no_file", name=repr(c.name))
    for p in request.personalisation_off:
        if p not in names:
            raise UsageError("err_pers_off_unknown", name=repr(p), names=names)
    return cols


def _open(cols: Sequence[_Column]) -> dict[str, Capture]:
    """Every capture file checked and digested once, before any analysis.

    A control made of the same bytes as its profile's capture would show no
    noise at all: refused.
    """
    out: dict[str, Capture] = {}
    for c in cols:
        for f in c.files:
            if str(f) not in out:
                out[str(f)] = open_capture(f)
    by_name = {c.name: {out[str(f)].input.sha256 for f in c.files} for c in cols}
    for c in cols:
        if c.role == "control" and by_name[c.name] & by_name[c.profile]:
            raise UsageError("err_control_same_file", name=c.profile)
    return out


@dataclass
class _Observed:
    prices: list[PriceObservation] = field(default_factory=list)
    lists: list[ListObservation] = field(default_factory=list)
    terms: list[TermObservation] = field(default_factory=list)


def _observe(cols: Sequence[_Column], captures: dict[str, Capture], config: PricingConfig,
             skipped: list[Skipped]) -> _Observed:
    out = _Observed()
    obs = out.prices
    for c in cols:
        for f in c.files:
            cap = captures[str(f)]
            for ex in cap.exchanges():
                c.exchanges += 1
                if ex.time is not None:
                    c.first = ex.time if c.first is None else min(c.first, ex.time)
                    c.last = ex.time if c.last is None else max(c.last, ex.time)
                label = (ex.marker or {}).get("appaudit_profile")
                if isinstance(label, str) and label:
                    c.labels.add(label[:64])
                pers = (ex.marker or {}).get("appaudit_personalisation")
                if isinstance(pers, str) and pers:
                    c.personalisation.add(pers.strip().lower()[:16])
                if ex.truncated or ex.decode_error:
                    why = ex.decode_error_msg or ex.decode_error or msg("skip_body_cut")
                    skipped.append(Skipped(*record(
                        msg("part_flow", source=str(f), flow=ex.flow_id),
                        msg("skip_response_not_read", why=why))))
                    continue
                body = response_json(ex)
                if body is None:
                    continue
                found = extract_prices(ex, c.name, config, body)
                lists = extract_lists(ex, c.name, config, body)
                terms = extract_terms(ex, c.name, config, body)
                c.lists += len(lists)
                c.terms += len(terms)
                out.lists.extend(lists)
                out.terms.extend(terms)
                if found:
                    c.responses_with_prices += 1
                    c.observations += len(found)
                    c.extractors.update(o.extractor for o in found)
                    obs.extend(found)
            if cap.damage:  # prices from half a capture would compare unlike browsing
                raise InputError("err_capture_damaged", path=str(f),
                                 detail=cap.damage_msg or cap.damage)
        if not c.observations and not c.lists and not c.terms:
            skipped.append(Skipped(*record(msg("part_profile", name=c.name),
                                           msg("skip_no_prices", n=c.exchanges))))
    return out


def _item_doc(row: ItemRow, baseline: str, treatments: Sequence[str],
              comparisons: dict[str, Comparison], noise: NoiseFloor | None,
              config: PricingConfig, all_cols: Sequence[str]) -> dict[str, Any]:
    rd: dict[str, float] = {}
    base = row.prices.get(baseline)
    if row.comparable and base and base > 0:
        for t in [c for c in all_cols if c != baseline]:
            if t in row.prices:
                rd[t] = round(rel_diff(base, row.prices[t], config.thresholds), 6)
    return {
        "item": row.item, "key": row.key, "host": row.host, "endpoint": row.endpoint,
        "unit": row.unit, "price_role": row.role, "comparable": row.comparable,
        "prices": row.prices, "list_prices": row.list_prices,
        "missing": [c for c in all_cols if c not in row.prices],
        "rel_diff": rd,
        "beyond_noise": [t for t in treatments if row.key in comparisons[t].items_beyond_noise],
        "noisy_in_control": bool(noise and row.key in noise.noisy_items),
        "varies_within": list(row.varies_within),
        "evidence": row.evidence,
    }


def _fact(cmp: Comparison, rows: dict[str, ItemRow]) -> Fact:
    locs = []
    for key in cmp.items_beyond_noise[:MAX_EVIDENCE_ITEMS]:
        row = rows[key]
        for prof in (cmp.baseline, cmp.treatment):
            ev = row.evidence.get(prof)
            if ev:
                locs.append(Locator("pricing", flow=ev["flow"], path=ev["path"], profile=prof,
                                    item=key, source=ev["source"], time=ev.get("time"),
                                    price=row.prices[prof]))
    direction = cmp.direction or "higher"
    attrs = {
        "baseline": cmp.baseline, "treatment": cmp.treatment,
        "discrimination": cmp.discrimination, "direction": direction,
        "direction_zh": "高" if direction == "higher" else "低",
        "n_items": cmp.n_items, "n_higher": cmp.n_higher, "n_lower": cmp.n_lower,
        "median_rel_diff": cmp.median_rel_diff, "max_rel_diff": cmp.max_rel_diff,
        "median_rel_diff_beyond_noise": cmp.median_rel_diff_beyond_noise,
        "p_value": cmp.p_value, "excess_p": cmp.excess_p, "control_noise": cmp.control_noise,
        "ci_low": cmp.ci_low, "ci_high": cmp.ci_high,
        "items": list(cmp.items_beyond_noise), "reasons": list(cmp.reasons),
    }
    return Fact("pricing.comparison", attrs, tuple(locs))


def run_pricing(request: PricingRequest, rules: RuleSet | None = None,
                config: PricingConfig | None = None) -> ScanResult:
    """Read every capture, compare every profile with the baseline, judge with the rules."""
    started = now_iso()
    rules = rules or load_rules()
    config = config or load_pricing_config()
    th = config.thresholds
    cols = _columns(request)
    captures = _open(cols)
    inputs: tuple[InputFile, ...] = tuple(c.input for c in captures.values())
    skipped: list[Skipped] = []
    observed = _observe(cols, captures, config, skipped)
    obs = observed.prices
    names = [c.name for c in cols]
    baseline = next(c.name for c in cols if c.role == "baseline")
    treatments = [c.name for c in cols if c.role == "treatment"]
    rows = align(obs, names)
    by_key = {r.key: r for r in rows}
    table = {r.key: r.prices for r in rows if r.comparable}
    pairs = [(c.profile, c.name) for c in cols if c.role == "control"]
    noise = noise_floor(table, pairs, th) if pairs else None
    comparisons = compare_all(table, baseline, treatments, noise, th)
    by_t = {c.treatment: c for c in comparisons}
    facts = [_fact(c, by_key) for c in comparisons]
    off = _personalisation_off(request, cols)
    price_of = {(r.host, r.item): r.prices[baseline] for r in rows
                if r.comparable and baseline in r.prices}
    fair = analyse_fairness([(c.name, c.profile, c.role) for c in cols], baseline, treatments,
                            observed.lists, observed.terms, table, noise, price_of, config,
                            off)
    facts.extend(fair.facts)
    findings = rules.evaluate(facts, applies_to={"pricing"})
    skipped.extend(Skipped(*record(msg("part_item", key=r.key), msg("skip_price_unit")))
                   for r in rows if not r.comparable)
    profile_docs = [{"name": c.name, "profile": c.profile, "role": c.role,
                      "files": [str(f) for f in c.files], "exchanges": c.exchanges,
                      "responses_with_prices": c.responses_with_prices,
                      "prices": c.observations,
                      "items": sum(1 for r in rows if c.name in r.prices),
                      "extractors": sorted(c.extractors),
                      "capture_labels": sorted(c.labels),
                      "lists": c.lists, "terms": c.terms,
                      "personalisation": ("off" if c.profile in off else
                                          "on" if "on" in c.personalisation else None),
                      "personalisation_labels": sorted(c.personalisation),
                      "time_start": c.first, "time_end": c.last,
                      "label_mismatch": bool(c.labels) and c.labels != {c.profile}}
                    for c in cols]
    extra = {
        "profiles": profile_docs,
        "items": [_item_doc(r, baseline, treatments, by_t, noise, config, names) for r in rows],
        "comparisons": [_cmp_doc(c) for c in comparisons],
        **fair.sections,
        "pricing": {
            "baseline": baseline, "treatments": treatments,
            "verdict": overall_verdict([verdict_of(c) for c in comparisons]),
            "start_spread_s": _spread(c.first for c in cols),
            "controls": [{"profile": a, "capture": b} for a, b in pairs],
            "noise": None if noise is None else {
                "pairs": [list(p) for p in noise.pairs], "n_items": noise.n_items,
                "n_differ": noise.n_differ, "rate": noise.rate,
                "max_rel_diff": noise.max_rel_diff, "drift": noise.drift,
                "noisy_items": sorted(noise.noisy_items)},
            "thresholds": dataclasses.asdict(th),
            "method": "Hannak et al. IMC 2014 control pairs; Wilcoxon signed-rank and sign "
                      "tests; Fisher exact test of inconsistency against the control; "
                      "bootstrap CI of the mean relative difference",
        },
    }
    return ScanResult(
        tool=tool_info(rules.knowledge), command="pricing", inputs=inputs,
        findings=tuple(findings), skipped=tuple(skipped), started=started,
        finished=now_iso(),
        options={k: v for k, v in request.options.items() if v not in (None, (), [], {})},
        notice_category_names=notice_category_names(rules.knowledge),
        extra=extra,
    )


def _personalisation_off(request: PricingRequest, cols: Sequence[_Column]) -> list[str]:
    """Profiles captured with personalisation off: named by the option, or every flow of the
    profile's captures labelled off by the capture addon (appaudit_personalisation=off)."""
    named = set(request.personalisation_off)
    for c in cols:
        if c.role != "control" and c.personalisation == {"off"}:
            named.add(c.profile)
    return [c.name for c in cols if c.role != "control" and c.name in named]


def _spread(times) -> float | None:
    """Seconds between the earliest and the latest capture start (same time window?)."""
    known = [t for t in times if t is not None]
    return round(max(known) - min(known), 3) if len(known) > 1 else None


def verdict_of(c: Comparison) -> str:
    """``discrimination``, ``cannot_tell_no_control`` (no control capture: the noise is
    unknown, so a difference cannot be judged), ``cannot_tell_no_items`` (no item priced by
    both profiles) or ``no_finding``."""
    if c.discrimination:
        return "discrimination"
    if c.n_items == 0:
        return "cannot_tell_no_items"
    if c.control_noise is None:
        return "cannot_tell_no_control"
    return "no_finding"


def overall_verdict(verdicts: Sequence[str]) -> str | None:
    """The verdict of a whole pricing run: discrimination if any comparison shows it, else
    cannot tell if any comparison cannot be judged, else no finding (None: no comparison)."""
    for v in ("discrimination", "cannot_tell_no_control", "cannot_tell_no_items",
              "no_finding"):
        if v in verdicts:
            return v
    return None


def _cmp_doc(c: Comparison) -> dict[str, Any]:
    doc = dataclasses.asdict(c)
    doc["verdict"] = verdict_of(c)
    doc["items_beyond_noise"] = list(c.items_beyond_noise)
    doc["n_items_beyond_noise"] = len(c.items_beyond_noise)
    doc["reasons"] = list(c.reasons)
    return doc
