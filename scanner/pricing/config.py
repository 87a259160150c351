"""Pricing knowledge from rulesets/pricing/: extractors, discovery vocabulary, thresholds.

Contract: :func:`load_pricing_config` reads and validates ``extractors.yaml``,
``discovery.yaml``, ``thresholds.yaml`` and (when present) ``fairness.yaml``, the
ranked-list and deal-term vocabulary (in ``<rulesets>/pricing/``) into
frozen dataclasses, raising :class:`scanner.errors.RulesetError` naming the
file and key at fault. Regular expressions are compiled here, once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge import read_yaml
from scanner.messages import msg
from scanner.paths import rulesets_dir

UNITS = ("yuan", "cents")


@dataclass(frozen=True)
class Extractor:
    """One known response shape: where the items, their ids and their prices are."""

    id: str
    host: re.Pattern[str]
    path: re.Pattern[str]
    items: str
    item_id: str
    price: str
    list_price: str | None
    unit: str
    description: str = ""
    terms: tuple[tuple[str, str], ...] = ()  # (term id, path inside an item)
    ranked: bool = True  # the order of ``items`` is a ranking


@dataclass(frozen=True)
class Discovery:
    """Key vocabularies of automatic price discovery (normalised: lower case, no - or _)."""

    item_id_keys: frozenset[str]
    price_keys: tuple[str, ...]
    payable_keys: tuple[str, ...]
    list_keys: tuple[str, ...]
    component_keys: tuple[str, ...]
    cents_keys: tuple[str, ...]
    max_depth: int = 12
    max_items_per_response: int = 2000


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds of the comparison (see rulesets/pricing/thresholds.yaml)."""

    equal_abs_yuan: float = 0.01
    equal_rel: float = 0.001
    alpha: float = 0.05
    min_items_beyond_noise: int = 3
    direction_share: float = 0.8
    bootstrap_resamples: int = 2000
    bootstrap_level: float = 0.95
    bootstrap_seed: int = 20140101
    require_control: bool = True
    dense_noise_rate: float = 0.5
    drift_factor: float = 4.0
    rank_min_items: int = 5
    rbo_p: float = 0.9
    rank_one_control_design_effect: float = 3.0


@dataclass(frozen=True)
class Term:
    """One kind of deal term (fee, coupon, discount, member price)."""

    id: str
    zh: str
    en: str
    kind: str  # cost (higher is worse for the user) | benefit (lower is worse)
    keys: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fairness:
    """Ranked-list discovery and deal-term vocabulary (rulesets/pricing/fairness.yaml)."""

    min_list_items: int = 5
    min_id_share: float = 0.8
    max_lists_per_response: int = 20
    list_params: frozenset[str] = frozenset()
    page_params: frozenset[str] = frozenset()
    terms: tuple[Term, ...] = ()

    def term(self, term_id: str) -> Term | None:
        """The term of that id, if defined."""
        return next((t for t in self.terms if t.id == term_id), None)


@dataclass(frozen=True)
class PricingConfig:
    """Everything the pricing stage reads from the rulesets."""

    extractors: tuple[Extractor, ...]
    discovery: Discovery
    thresholds: Thresholds
    fairness: Fairness = Fairness()


@functools.lru_cache(maxsize=65536)
def norm_key(key: str) -> str:
    """Lower case with "-", "_" and spaces removed: "skuId" → "skuid"."""
    return re.sub(r"[-_\s]", "", key).lower()


def _words(doc: dict, key: str, where: Path) -> tuple[str, ...]:
    value = doc.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RulesetError("err_rs_field_must_be", where=str(where), field=key,
                           what=msg("rs_nonempty_string_list"))
    return tuple(norm_key(v) for v in value)


def _regex(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise RulesetError("err_rs_must_be", where=where, what=msg("rs_regex_string"))
    try:
        return re.compile(value)
    except re.error as e:
        raise RulesetError("err_rs_regex", where=where, regex=value, detail=str(e)) from e


def parse_extractors(doc: Any, where: Path,
                     term_ids: frozenset[str] | None = None) -> tuple[Extractor, ...]:
    """Validate the extractors document (term ids checked against ``term_ids`` if given)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("extractors"), list):
        raise RulesetError("err_rs_must_be", where=str(where),
                           what=msg("rs_mapping_with_list", key="extractors"))
    out = []
    seen = set()
    for i, e in enumerate(doc["extractors"]):
        at = f"{where}: extractors[{i}]"
        if not isinstance(e, dict):
            raise RulesetError("err_rs_must_be", where=at, what=msg("rs_mapping"))
        for key in ("id", "host", "path", "items", "item_id", "price"):
            if not isinstance(e.get(key), str) or not e[key]:
                raise RulesetError("err_rs_required_string", where=at, key=key)
        if e["id"] in seen:
            raise RulesetError("err_rs_duplicate_id", where=at, id=str(e["id"]))
        seen.add(e["id"])
        unit = e.get("unit", "yuan")
        if unit not in UNITS:
            raise RulesetError("err_rs_value_must_be", where=f"{at}: unit",
                               what=msg("rs_one_of", choices=list(UNITS)), got=repr(unit))
        extra = set(e) - {"id", "host", "path", "items", "item_id", "price", "list_price",
                          "unit", "description", "terms", "ranked"}
        if extra:
            raise RulesetError("err_rs_unknown_keys", where=at, keys=sorted(map(str, extra)))
        terms = e.get("terms") or {}
        if not isinstance(terms, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in terms.items()):
            raise RulesetError("err_rs_field_must_be", where=at, field="terms",
                               what=msg("rs_term_paths"))
        if term_ids is not None and set(terms) - term_ids:
            raise RulesetError("err_rs_unknown_terms", where=f"{at}: terms",
                               ids=sorted(map(str, set(terms) - term_ids)))
        if not isinstance(e.get("ranked", True), bool):
            raise RulesetError("err_rs_field_must_be", where=at, field="ranked",
                               what=msg("rs_bool"))
        out.append(Extractor(
            id=e["id"], host=_regex(e["host"], f"{at}.host"), path=_regex(e["path"], f"{at}.path"),
            items=e["items"], item_id=e["item_id"], price=e["price"],
            list_price=e.get("list_price"), unit=unit, description=str(e.get("description", "")),
            terms=tuple(sorted(terms.items())), ranked=e.get("ranked", True),
        ))
    return tuple(out)


def parse_discovery(doc: Any, where: Path) -> Discovery:
    """Validate the discovery vocabulary document."""
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_must_be", where=str(where), what=msg("rs_mapping"))
    return Discovery(
        item_id_keys=frozenset(_words(doc, "item_id_keys", where)),
        price_keys=_words(doc, "price_keys", where),
        payable_keys=_words(doc, "payable_keys", where),
        list_keys=_words(doc, "list_keys", where),
        component_keys=_words(doc, "component_keys", where),
        cents_keys=_words(doc, "cents_keys", where),
        max_depth=int(doc.get("max_depth", 12)),
        max_items_per_response=int(doc.get("max_items_per_response", 2000)),
    )


def parse_thresholds(doc: Any, where: Path) -> Thresholds:
    """Validate the thresholds document (unknown keys refused, types checked)."""
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_must_be", where=str(where), what=msg("rs_mapping"))
    known = {f.name: f for f in fields(Thresholds)}
    values: dict[str, Any] = {}
    defaults = Thresholds()
    for key, value in doc.items():
        if key == "version":
            continue
        if key not in known:
            raise RulesetError("err_rs_unknown_key", where=str(where), key=str(key))
        want = type(getattr(defaults, key))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
            raise RulesetError("err_rs_field_must_be", where=str(where), field=key,
                               what=msg("rs_type_named", type=want.__name__))
        values[key] = value
    th = Thresholds(**values)
    for ok, ranges in (
            (0 < th.alpha < 1 and 0.5 <= th.direction_share <= 1,
             "alpha ∈ (0, 1), direction_share ∈ [0.5, 1]"),
            (0 < th.dense_noise_rate <= 1 and th.drift_factor >= 1,
             "dense_noise_rate ∈ (0, 1], drift_factor ≥ 1"),
            (0 < th.bootstrap_level < 1 and th.bootstrap_resamples >= 100,
             "bootstrap_level ∈ (0, 1), bootstrap_resamples ≥ 100"),
            (th.rank_min_items >= 3 and 0 < th.rbo_p < 1, "rank_min_items ≥ 3, rbo_p ∈ (0, 1)"),
            (1 <= th.rank_one_control_design_effect <= 10,
             "rank_one_control_design_effect ∈ [1, 10]")):
        if not ok:
            raise RulesetError("err_rs_ranges", where=str(where), ranges=ranges)
    return th


TERM_KINDS = ("cost", "benefit")


def parse_fairness(doc: Any, where: Path) -> Fairness:
    """Validate the ranked-list and deal-term vocabulary document."""
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_must_be", where=str(where), what=msg("rs_mapping"))
    known = {"version", "min_list_items", "min_id_share", "max_lists_per_response",
             "list_params", "page_params", "terms"}
    if set(doc) - known:
        raise RulesetError("err_rs_unknown_keys", where=str(where),
                           keys=sorted(map(str, set(doc) - known)))
    terms_doc = doc.get("terms") or {}
    if not isinstance(terms_doc, dict):
        raise RulesetError("err_rs_field_must_be", where=str(where), field="terms",
                           what=msg("rs_term_definitions"))
    terms = []
    for tid, t in terms_doc.items():
        at = f"{where}: terms.{tid}"
        if not isinstance(tid, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", tid):
            raise RulesetError("err_rs_must_be", where=at, what=msg("rs_term_id"))
        if not isinstance(t, dict) or set(t) - {"zh", "en", "kind", "keys", "exclude"}:
            raise RulesetError("err_rs_keys_optional", where=at,
                               known=["zh", "en", "kind", "keys"], optional=["exclude"])
        for key in ("zh", "en"):
            if not isinstance(t.get(key), str) or not t[key]:
                raise RulesetError("err_rs_required_string", where=at, key=key)
        if t.get("kind") not in TERM_KINDS:
            raise RulesetError("err_rs_field_must_be", where=at, field="kind",
                               what=msg("rs_one_of", choices=list(TERM_KINDS)))
        exclude = _words(t, "exclude", Path(at)) if "exclude" in t else ()
        terms.append(Term(tid, t["zh"], t["en"], t["kind"], _words(t, "keys", Path(at)),
                          exclude))
    min_items = doc.get("min_list_items", 5)
    share = doc.get("min_id_share", 0.8)
    most = doc.get("max_lists_per_response", 20)
    if (not isinstance(min_items, int) or isinstance(min_items, bool) or min_items < 3
            or not isinstance(share, (int, float)) or not 0 < share <= 1
            or not isinstance(most, int) or isinstance(most, bool) or most < 1):
        raise RulesetError("err_rs_ranges", where=str(where),
                           ranges="min_list_items ≥ 3, min_id_share ∈ (0, 1], "
                                  "max_lists_per_response ≥ 1")
    return Fairness(
        min_list_items=min_items, min_id_share=float(share), max_lists_per_response=most,
        list_params=frozenset(_words(doc, "list_params", where)),
        page_params=frozenset(_words(doc, "page_params", where)),
        terms=tuple(terms),
    )


@functools.cache
def load_pricing_config(folder: Path | None = None) -> PricingConfig:
    """Read ``<rulesets>/pricing/*.yaml`` (cached per folder)."""
    base = (folder or rulesets_dir()) / "pricing"
    ex = base / "extractors.yaml"
    di = base / "discovery.yaml"
    th = base / "thresholds.yaml"
    fa = base / "fairness.yaml"
    fairness = parse_fairness(read_yaml(fa), fa) if fa.is_file() else Fairness()
    return PricingConfig(
        extractors=parse_extractors(read_yaml(ex), ex,
                                    frozenset(t.id for t in fairness.terms)),
        discovery=parse_discovery(read_yaml(di), di),
        thresholds=parse_thresholds(read_yaml(th), th),
        fairness=fairness,
    )
