"""scanner.pricing.extract: price strings, JSON paths, declarative extractors, discovery."""

from __future__ import annotations

import json
import re

import pytest

from scanner.model.traffic import Exchange
from scanner.pricing.config import Extractor, load_pricing_config
from scanner.pricing.extract import extract_prices, parse_price, select

CFG = load_pricing_config()


def ex(body, path="/api/x", host="api.test", status=200, request_json=None, raw=None):
    return Exchange(
        flow_id="f1", source="cap.mitm", index=0, time=1.0,
        method="POST" if request_json is not None else "GET", scheme="https", host=host,
        port=443, path=path, request_headers=(),
        request_body=json.dumps(request_json).encode() if request_json is not None else b"",
        status=status, response_body=raw if raw is not None else json.dumps(body).encode())


@pytest.mark.parametrize(("value", "unit", "expected"), [
    ("¥128.00", None, (128.0, "yuan")),
    ("￥1,280.50", None, (1280.5, "yuan")),
    ("128.00元", None, (128.0, "yuan")),
    ("RMB 99", None, (99.0, "yuan")),
    ("CNY99.5", "cents", (99.5, "yuan")),  # a currency mark wins over the declared unit
    ("399元/晚", None, (399.0, "yuan")),
    (12800, "cents", (128.0, "cents")),
    ("12800", "cents", (128.0, "cents")),
    (128.5, None, (128.5, "yuan")),
    (128, "yuan", (128.0, "yuan")),
    (12800, None, (12800.0, "unknown")),
    (True, None, None), (None, None, None), (-5, None, None), ("abc", None, None),
    ("¥", None, None), ("12 apples", None, None), (float("nan"), None, None),
    ({"a": 1}, None, None), ("1" * 50, None, None),
])
def test_parse_price(value, unit, expected):
    assert parse_price(value, unit) == expected


def test_select_paths():
    doc = {"data": {"goods": [{"p": 1}, {"p": 2}], "one": {"p": 3}}}
    assert list(select(doc, "data.goods[*].p")) == [("data.goods[0].p", 1),
                                                     ("data.goods[1].p", 2)]
    assert list(select(doc, "data.goods[1]")) == [("data.goods[1]", {"p": 2})]
    assert list(select(doc, "data.one[*].p")) == [("data.one.p", 3)]
    assert list(select(doc, "$")) == [("", doc)]
    assert list(select(doc, "data.missing[*]")) == []


def test_declarative_extractor_cents_with_list_price():
    body = {"data": {"goods": [{"goods_id": "G1", "sale_price": 11800, "market_price": 12800},
                               {"goods_id": "G2", "sale_price": "¥99.00"},
                               {"goods_id": "G3", "sale_price": None}]}}
    obs = extract_prices(ex(body, "/api/v2/search?page=1", "m.shop.example"), "new", CFG)
    assert [(o.item, o.price, o.unit, o.list_price, o.extractor) for o in obs] == [
        ("G1", 118.0, "cents", 128.0, "fixture-shop-search"),
        ("G2", 99.0, "yuan", None, "fixture-shop-search")]
    assert obs[0].path == "data.goods[0].sale_price"
    assert obs[0].list_path == "data.goods[0].market_price"
    assert obs[0].endpoint == "m.shop.example/api/v2/search" and obs[0].flow == "f1"


def test_declarative_item_id_from_request_body_and_query():
    base = {"host": re.compile("ride"), "path": re.compile("quote"), "items": "data",
                "price": "fare", "list_price": None, "unit": "yuan"}
    cfg = type(CFG)((Extractor(id="b", item_id="body:trip.route", **base),), CFG.discovery,
                    CFG.thresholds)
    e = ex({"data": {"fare": "¥23.50"}}, "/quote", "ride", request_json={"trip": {"route": 7}})
    (o,) = extract_prices(e, "ios", cfg)
    assert (o.item, o.price, o.role) == ("7", 23.5, "price")
    cfg = type(CFG)((Extractor(id="q", item_id="query:rid", **base),), CFG.discovery,
                    CFG.thresholds)
    (o,) = extract_prices(ex({"data": {"fare": 12}}, "/quote?rid=R9", "ride"), "ios", cfg)
    assert o.item == "R9" and o.price == 12.0


def test_discovery_nested_price_info_payable_and_list():
    body = {"goods": {"goods_id": "G7", "name": "x",
                      "price_info": {"original_price": "¥128.00", "pay_price": "118.00元",
                                     "coupon_amount": "¥10.00"}}}
    (o,) = extract_prices(ex(body, "/detail?goods_id=G7"), "loyal", CFG)
    assert (o.item, o.price, o.role, o.list_price) == ("G7", 118.0, "payable", 128.0)
    assert o.path == "goods.price_info.pay_price"
    assert o.list_path == "goods.price_info.original_price"
    assert o.extractor == "auto"


def test_discovery_list_of_items_cents_key_and_not_price_keys():
    body = {"result": {"total": 2, "list": [
        {"skuId": 1001, "priceFen": 4990, "linePrice": "¥59.90", "salesCount": 10,
         "priceType": 2},
        {"skuId": 1002, "price": 19.9, "totalCount": 3}]}}
    obs = extract_prices(ex(body), "new", CFG)
    assert [(o.item, o.price, o.unit, o.role, o.list_price) for o in obs] == [
        ("1001", 49.9, "cents", "payable", 59.9), ("1002", 19.9, "yuan", "price", None)]


def test_discovery_quote_takes_item_id_from_request():
    body = {"errno": 0, "data": {"origin_fare": "¥25.50", "coupon_amount": "¥2.00",
                                 "pay_fare": "¥23.50", "eta_min": 4}}
    (o,) = extract_prices(ex(body, "/v1/quote", request_json={"route_id": "R3"}), "ios", CFG)
    assert (o.item, o.price, o.list_price, o.path) == ("R3", 23.5, 25.5, "data.pay_fare")
    (o,) = extract_prices(ex(body, "/v1/quote?sku_id=S1"), "ios", CFG)
    assert o.item == "S1"
    assert extract_prices(ex(body, "/v1/quote"), "ios", CFG) == []  # no id anywhere


@pytest.mark.parametrize("raw", [b"", b"<html>", b"{not json", b"[1, 2", b"\xff\xfe",
                                 b"[" * 100000])
def test_non_json_and_hostile_bodies_give_nothing(raw):
    assert extract_prices(ex(None, raw=raw), "new", CFG) == []


def test_error_status_ignored():
    body = {"id": "A", "price": 5}
    assert extract_prices(ex(body, status=500), "new", CFG) == []
    assert len(extract_prices(ex(body), "new", CFG)) == 1


def test_deep_nesting_is_bounded():
    node = {"id": "deep", "price": 1}
    for _ in range(50):
        node = {"wrap": node}
    assert extract_prices(ex(node), "new", CFG) == []  # beyond max_depth


def test_coupon_objects_are_not_items():
    body = {"data": {"item": {"sku_id": "A1", "price": "¥50.00"},
                     "coupons": [{"id": "C1", "amount": 10}, {"id": "C2", "amount": 5}],
                     "delivery": {"id": "D", "fee": 3}}}
    obs = extract_prices(ex(body), "new", CFG)
    assert [(o.item, o.price) for o in obs] == [("A1", 50.0)]
