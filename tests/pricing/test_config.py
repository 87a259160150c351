"""scanner.pricing.config: the shipped pricing rulesets load; bad ones are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import RulesetError
from scanner.pricing.config import (
    load_pricing_config,
    norm_key,
    parse_discovery,
    parse_extractors,
    parse_thresholds,
)

W = Path("x.yaml")
GOOD = {"id": "e", "host": "h", "path": "p", "items": "$", "item_id": "id", "price": "price"}


def test_shipped_config_loads():
    cfg = load_pricing_config()
    assert {e.id for e in cfg.extractors} >= {"fixture-shop-search"}
    assert "goodsid" in cfg.discovery.item_id_keys and "fen" in cfg.discovery.cents_keys
    assert 0 < cfg.thresholds.alpha < 1 and cfg.thresholds.require_control


def test_norm_key():
    assert norm_key("sku_Id") == norm_key("skuId") == norm_key("SKU-ID") == "skuid"


@pytest.mark.parametrize(("doc", "message"), [
    ({}, "extractors"),
    ({"extractors": [{**GOOD, "unit": "dollars"}]}, "unit"),
    ({"extractors": [{**GOOD, "host": "("}]}, "regular expression"),
    ({"extractors": [{k: v for k, v in GOOD.items() if k != "price"}]}, "'price'"),
    ({"extractors": [GOOD, GOOD]}, "duplicate"),
    ({"extractors": [{**GOOD, "prices": "x"}]}, "unknown key"),
])
def test_bad_extractors(doc, message):
    with pytest.raises(RulesetError, match=message):
        parse_extractors(doc, W)


@pytest.mark.parametrize(("doc", "message"), [
    ({"alpha": 2.0}, "alpha"), ({"alpha": "0.05"}, "float"), ({"nope": 1}, "unknown"),
    ({"require_control": 1}, "bool"), ({"bootstrap_resamples": 10}, "bootstrap"),
])
def test_bad_thresholds(doc, message):
    with pytest.raises(RulesetError, match=message):
        parse_thresholds(doc, W)


def test_threshold_int_accepted_for_float():
    assert parse_thresholds({"alpha": 0, "version": 1} | {"alpha": 0.01}, W).alpha == 0.01
    assert parse_thresholds({"equal_abs_yuan": 1}, W).equal_abs_yuan == 1.0


def test_bad_discovery():
    with pytest.raises(RulesetError, match="price_keys"):
        parse_discovery({"item_id_keys": ["id"]}, W)
