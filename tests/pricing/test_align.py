"""scanner.pricing.align: rows per item across profiles and endpoints."""

from __future__ import annotations

from scanner.pricing.align import align
from scanner.pricing.extract import PriceObservation


def obs(profile, item, price, endpoint="h/list", unit="yuan", host="h", flow="f", lp=None):
    return PriceObservation(profile=profile, host=host, endpoint=endpoint, item=item,
                            price=price, unit=unit, role="payable", path="p", flow=flow,
                            source=f"{profile}.mitm", time=None, extractor="auto",
                            raw=str(price), list_price=lp, list_path="l" if lp else None)


def test_one_row_per_item_missing_profiles_left_out():
    rows = align([obs("new", "A", 10), obs("loyal", "A", 11), obs("new", "B", 5)],
                 ["new", "loyal"])
    assert [(r.key, r.prices) for r in rows] == [("A", {"new": 10, "loyal": 11}),
                                                  ("B", {"new": 5})]
    assert rows[0].evidence["loyal"]["source"] == "loyal.mitm"


def test_profiles_not_asked_are_ignored():
    rows = align([obs("new", "A", 10), obs("other", "A", 11)], ["new"])
    assert rows[0].prices == {"new": 10}


def test_primary_endpoint_is_the_one_most_profiles_saw():
    rows = align([obs("new", "A", 10, "h/detail"), obs("new", "A", 10.5, "h/list"),
                  obs("loyal", "A", 11, "h/list"), obs("ctl", "A", 10.5, "h/list")],
                 ["new", "loyal", "ctl"])
    (r,) = rows
    assert r.endpoint == "h/list"
    assert r.prices == {"new": 10.5, "loyal": 11, "ctl": 10.5}


def test_fallback_to_other_endpoint_when_profile_lacks_primary():
    (r,) = align([obs("new", "A", 10, "h/list"), obs("loyal", "A", 11, "h/list"),
                  obs("ctl", "A", 12, "h/detail")], ["new", "loyal", "ctl"])
    assert r.prices["ctl"] == 12 and r.evidence["ctl"]["endpoint"] == "h/detail"


def test_price_changing_within_one_capture_is_reported():
    (r,) = align([obs("new", "A", 10, flow="1"), obs("new", "A", 9, flow="2")], ["new"])
    assert r.prices == {"new": 10} and r.varies_within == ("new",)
    assert r.evidence["new"]["flow"] == "1"


def test_units_mixed_are_not_comparable_cents_and_yuan_are():
    r1, r2 = align([obs("new", "A", 128.0, unit="cents"), obs("loyal", "A", 128.0),
                    obs("new", "B", 12800, unit="unknown"), obs("loyal", "B", 128.0)],
                   ["new", "loyal"])
    assert r1.unit == "yuan" and r1.comparable
    assert r2.unit == "mixed" and not r2.comparable


def test_same_id_on_two_hosts_gets_distinct_keys_and_list_prices_kept():
    rows = align([obs("new", "A", 1, host="a", endpoint="a/x", lp=2),
                  obs("new", "A", 3, host="b", endpoint="b/x")], ["new"])
    assert [r.key for r in rows] == ["A @ a", "A @ b"]
    assert rows[0].list_prices == {"new": 2} and rows[1].list_prices == {}
