"""Pricing knowledge from rulesets/pricing/: extractors, discovery vocabulary, thresholds.

Contract: :func:`load_pricing_config` reads and validates ``extractors.yaml``,
``discovery.yaml`` and ``thresholds.yaml`` (in ``<rulesets>/pricing/``) into
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


@dataclass(frozen=True)
class PricingConfig:
    """Everything the pricing stage reads from the rulesets."""

    extractors: tuple[Extractor, ...]
    discovery: Discovery
    thresholds: Thresholds


@functools.lru_cache(maxsize=65536)
def norm_key(key: str) -> str:
    """Lower case with "-", "_" and spaces removed: "skuId" → "skuid"."""
    return re.sub(r"[-_\s]", "", key).lower()


def _words(doc: dict, key: str, where: Path) -> tuple[str, ...]:
    value = doc.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RulesetError(f"{where}: {key}: expected a non-empty list of strings")
    return tuple(norm_key(v) for v in value)


def _regex(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise RulesetError(f"{where}: expected a regular expression string")
    try:
        return re.compile(value)
    except re.error as e:
        raise RulesetError(f"{where}: bad regular expression: {e}") from e


def parse_extractors(doc: Any, where: Path) -> tuple[Extractor, ...]:
    """Validate the extractors document."""
    if not isinstance(doc, dict) or not isinstance(doc.get("extractors"), list):
        raise RulesetError(f"{where}: expected a mapping with an 'extractors' list")
    out = []
    seen = set()
    for i, e in enumerate(doc["extractors"]):
        at = f"{where}: extractors[{i}]"
        if not isinstance(e, dict):
            raise RulesetError(f"{at}: expected a mapping")
        for key in ("id", "host", "path", "items", "item_id", "price"):
            if not isinstance(e.get(key), str) or not e[key]:
                raise RulesetError(f"{at}: '{key}' is required (a string)")
        if e["id"] in seen:
            raise RulesetError(f"{at}: duplicate extractor id {e['id']!r}")
        seen.add(e["id"])
        unit = e.get("unit", "yuan")
        if unit not in UNITS:
            raise RulesetError(f"{at}: unit must be one of {', '.join(UNITS)}, not {unit!r}")
        extra = set(e) - {"id", "host", "path", "items", "item_id", "price", "list_price",
                          "unit", "description"}
        if extra:
            raise RulesetError(f"{at}: unknown key(s) {', '.join(sorted(extra))}")
        out.append(Extractor(
            id=e["id"], host=_regex(e["host"], f"{at}.host"), path=_regex(e["path"], f"{at}.path"),
            items=e["items"], item_id=e["item_id"], price=e["price"],
            list_price=e.get("list_price"), unit=unit, description=str(e.get("description", "")),
        ))
    return tuple(out)


def parse_discovery(doc: Any, where: Path) -> Discovery:
    """Validate the discovery vocabulary document."""
    if not isinstance(doc, dict):
        raise RulesetError(f"{where}: expected a mapping")
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
        raise RulesetError(f"{where}: expected a mapping")
    known = {f.name: f for f in fields(Thresholds)}
    values: dict[str, Any] = {}
    defaults = Thresholds()
    for key, value in doc.items():
        if key == "version":
            continue
        if key not in known:
            raise RulesetError(f"{where}: unknown threshold {key!r}")
        want = type(getattr(defaults, key))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
            raise RulesetError(f"{where}: {key}: expected {want.__name__}")
        values[key] = value
    th = Thresholds(**values)
    if not 0 < th.alpha < 1 or not 0.5 <= th.direction_share <= 1:
        raise RulesetError(f"{where}: alpha must be in (0, 1), direction_share in [0.5, 1]")
    if not 0 < th.dense_noise_rate <= 1 or th.drift_factor < 1:
        raise RulesetError(f"{where}: dense_noise_rate in (0, 1], drift_factor >= 1")
    if not 0 < th.bootstrap_level < 1 or th.bootstrap_resamples < 100:
        raise RulesetError(f"{where}: bootstrap_level in (0, 1), bootstrap_resamples >= 100")
    return th


@functools.cache
def load_pricing_config(folder: Path | None = None) -> PricingConfig:
    """Read ``<rulesets>/pricing/*.yaml`` (cached per folder)."""
    base = (folder or rulesets_dir()) / "pricing"
    ex = base / "extractors.yaml"
    di = base / "discovery.yaml"
    th = base / "thresholds.yaml"
    return PricingConfig(
        extractors=parse_extractors(read_yaml(ex), ex),
        discovery=parse_discovery(read_yaml(di), di),
        thresholds=parse_thresholds(read_yaml(th), th),
    )
