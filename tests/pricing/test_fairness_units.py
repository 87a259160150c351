"""Ranked lists, deal terms and their statistics (scanner.pricing.lists / ranking / terms).

Expected values are worked out by hand in the comments, not copied from the code.
"""

from __future__ import annotations

import json
import random

import pytest

from scanner.errors import RulesetError
from scanner.model.traffic import Exchange
from scanner.pricing.config import load_pricing_config, parse_fairness
from scanner.pricing.lists import (
    extract_lists,
    extract_terms,
    join_pages,
    term_of,
    term_value,
)
from scanner.pricing.ranking import compare_ranking, kendall_tau, rank_noise, rbo, shifts
from scanner.pricing.terms import align_terms, compare_terms, term_noise

CONFIG = load_pricing_config()
TH = CONFIG.thresholds


def _ex(path: str, body: object, host: str = "hotel.example", flow: str = "f1",
        request: object = None, method: str = "GET") -> Exchange:
    return Exchange(flow_id=flow, source="t.mitm", index=0, time=1.0, method=method,
                    scheme="https", host=host, port=443, path=path, request_headers=(),
                    request_body=json.dumps(request).encode() if request is not None else b"",
                    status=200, response_headers=(),
                    response_body=json.dumps(body, ensure_ascii=False).encode())


# ---------------------------------------------------------------- rank statistics


def test_shifts_kendall_rbo_by_hand():
    a, b = ["a", "b", "c"], ["b", "a", "c"]
    # a: rank 0 -> 1 (moved down 1), b: 1 -> 0 (up 1), c stays
    assert shifts(a, b) == {"a": -1, "b": 1, "c": 0}
    # 3 pairs, one discordant (a,b): tau = (2 - 1) / 3
    tau, _ = kendall_tau(a, b)
    assert tau == pytest.approx(1 / 3)
    # RBO_ext, p=0.9: agreement A1=0, A2=1, A3=1:
    # A3*p^3 + (1-p)/p * (0*0.9 + 1*0.81 + 1*0.729) = 0.729 + 0.171 = 0.9
    assert rbo(a, b, 0.9) == pytest.approx(0.9)
    assert rbo(a, a, 0.9) == pytest.approx(1.0)
    assert kendall_tau(a, list(reversed(a)))[0] == pytest.approx(-1.0)


def test_items_missing_from_one_list_move_nobody():
    # "x" only in the second list: the others keep ranks 0, 1, 2 among common items
    assert shifts(["a", "b", "c"], ["x", "a", "b", "c"]) == {"a": 0, "b": 0, "c": 0}


def _lists(rng: random.Random, promote: int, n: int = 40, price_order: bool = False):
    items = [f"H{i:03d}" for i in range(n)]
    price = {it: float(rng.randrange(200, 1500)) for it in items}
    relevance = sorted(items, key=lambda i: price[i]) if price_order else rng.sample(items, n)
    score = {it: i for i, it in enumerate(relevance)}
    top = set(sorted(items, key=lambda i: -price[i])[:promote])
    out = {}
    for cap in ("new", "new-control", "loyal", "loyal-control"):
        boost = 10 if cap.startswith("loyal") else 0
        s = {it: score[it] - (boost if it in top else 0) + rng.gauss(0, 0.6) for it in items}
        out[cap] = sorted(items, key=lambda i: s[i])
    return out, price


def test_promoted_expensive_items_are_steering_and_noise_alone_is_not():
    pairs = [("new", "new-control"), ("loyal", "loyal-control")]
    rng = random.Random(5)
    lists, price = _lists(rng, promote=10)
    c = compare_ranking("L", lists, "new", "loyal", rank_noise("L", lists, pairs, TH), price, TH)
    assert c.beyond_noise and c.steering == "expensive_up"
    assert c.kendall_tau < c.control_kendall_tau
    # the promoted items moved up: every item beyond noise with a positive shift is one of
    # the ten most expensive
    top = set(sorted(price, key=lambda i: -price[i])[:10])
    assert {k for k in c.items_beyond_noise if c.shifts[k] > 0} <= top
    lists, price = _lists(rng, promote=0)
    c = compare_ranking("L", lists, "new", "loyal", rank_noise("L", lists, pairs, TH), price, TH)
    assert not c.beyond_noise and c.steering is None and c.reasons


def test_list_ordered_by_price_steering_found_by_the_movers_test():
    # cheapest first: promoting the ten dearest 10 places pushes the next ten dearest down,
    # so price and shift hardly correlate over all items; the items moved up beyond noise
    # are all dearer than those moved down
    pairs = [("new", "new-control"), ("loyal", "loyal-control")]
    lists, price = _lists(random.Random(8), promote=10, price_order=True)
    c = compare_ranking("L", lists, "new", "loyal", rank_noise("L", lists, pairs, TH), price, TH)
    assert c.beyond_noise and c.steering == "expensive_up"
    assert c.movers_price_p is not None and c.movers_price_p < 0.01
    up = [price[k] for k in c.items_beyond_noise if c.shifts[k] > 0]
    down = [price[k] for k in c.items_beyond_noise if c.shifts[k] < 0]
    assert min(up) > max(down)


def test_one_control_advert_pinned_in_the_uncontrolled_baseline_is_not_a_finding():
    # Built by hand: 30 items; new, loyal and loyal-control share one order except for
    # neighbour swaps (the same number in both pairs), and the new capture pins item
    # P025 to the top (an advert). Only loyal has a control pair: the pin moves the 25
    # items above P025's place down by one for loyal, which no control shows.
    items = [f"P{i:03d}" for i in range(30)]
    loyal = list(items)
    control = list(items)
    for i in (3, 11, 19):
        control[i], control[i + 1] = control[i + 1], control[i]
    new = list(items)
    for i in (6, 14, 22):
        new[i], new[i + 1] = new[i + 1], new[i]
    new.remove("P025")
    new.insert(0, "P025")
    lists = {"new": new, "loyal": loyal, "loyal-control": control}
    price = {it: float(100 + i) for i, it in enumerate(items)}
    noise = rank_noise("L", lists, [("loyal", "loyal-control")], TH)
    c = compare_ranking("L", lists, "new", "loyal", noise, price, TH)
    assert c.uncontrolled == ("new",) and c.left_out == ("P025",)
    assert c.design_effect == TH.rank_one_control_design_effect
    # without P025 the two pairs differ by three swaps each: nothing beyond noise
    assert not c.beyond_noise and c.steering is None
    assert c.kendall_tau < c.control_kendall_tau  # the whole list does look less alike
    # with both profiles controlled nothing is left out
    lists["new-control"] = list(new)
    both = rank_noise("L", lists, [("new", "new-control"), ("loyal", "loyal-control")], TH)
    c2 = compare_ranking("L", lists, "new", "loyal", both, price, TH)
    assert c2.uncontrolled == () and c2.left_out == () and c2.design_effect == 1.0


def test_one_control_steering_still_found():
    rng = random.Random(5)
    lists, price = _lists(rng, promote=10)
    del lists["new-control"]
    noise = rank_noise("L", lists, [("loyal", "loyal-control")], TH)
    c = compare_ranking("L", lists, "new", "loyal", noise, price, TH)
    assert c.uncontrolled == ("new",) and len(c.left_out) == 1
    assert c.beyond_noise and c.steering == "expensive_up"


def test_no_control_no_verdict():
    lists, price = _lists(random.Random(2), promote=10)
    c = compare_ranking("L", lists, "new", "loyal", rank_noise("L", lists, [], TH), price, TH)
    assert not c.beyond_noise and any("no control" in r for r in c.reasons)
    assert c.kendall_tau is not None and c.rbo is not None


# ---------------------------------------------------------------- list extraction


def _hotels(ids, page=None):
    return {"code": 0, "data": {"page": page, "hotels": [
        {"hotel_id": h, "name": f"酒店{h}", "price": f"¥{100 + i}.00",
         "rooms": [{"room_id": f"{h}-{r}", "price": 1} for r in range(6)]}
        for i, h in enumerate(ids)]}}


def test_auto_list_discovery_names_and_pages():
    ids = [f"H{i}" for i in range(12)]
    ex1 = _ex("/api/search?city=chengdu&page=2&ts=1717&sign=abc", _hotels(ids[6:]), flow="f2")
    ex2 = _ex("/api/search?city=chengdu&page=1&ts=1700&sign=xyz", _hotels(ids[:6]), flow="f1")
    obs = extract_lists(ex1, "new", CONFIG) + extract_lists(ex2, "new", CONFIG)
    # one list per response (the rooms lists inside each hotel are not lists of their own);
    # named by endpoint, the asking parameter city (not ts/sign/page) and the JSON path
    assert [o.list for o in obs] == ["hotel.example/api/search?city=chengdu#data.hotels"] * 2
    assert [o.page for o in obs] == [2.0, 1.0]
    (joined,) = join_pages(obs)
    assert joined.items == tuple(ids)  # page 1 first, then page 2
    assert joined.prices["H0"] == 100.0 and joined.prices["H6"] == 100.0
    assert joined.flows == ("f1", "f2")


def test_short_arrays_and_arrays_without_ids_are_not_lists():
    body = {"tags": [{"name": "a"}] * 8, "few": [{"hotel_id": "H1"}, {"hotel_id": "H2"}]}
    assert extract_lists(_ex("/x", body), "new", CONFIG) == []


def test_repeated_page_keeps_first_and_records_variation():
    ids = [f"H{i}" for i in range(6)]
    obs = (extract_lists(_ex("/s?page=1", _hotels(ids)), "new", CONFIG)
           + extract_lists(_ex("/s?page=1", _hotels(ids[::-1]), flow="f9"), "new", CONFIG))
    (joined,) = join_pages(obs)
    assert joined.items == tuple(ids) and joined.varies_within


# ---------------------------------------------------------------- terms


@pytest.mark.parametrize(("key", "term"), [
    ("delivery_fee", "delivery_fee"), ("deliveryFee", "delivery_fee"), ("配送费", "delivery_fee"),
    ("packing_fee", "packing_fee"), ("service_fee", "service_fee"),
    ("member_price", "member_price"), ("vipPrice", "member_price"),
    ("coupon_amount", "coupon"), ("red_packet", "coupon"), ("红包", "coupon"),
    ("discount_amount", "discount"), ("满减", "discount"),
    ("discount_price", None),  # a price after discount, not a discount
    ("coupon_count", None), ("delivery_time", None), ("coupon_id", None),
    ("discount_rate", None), ("price", None),
])
def test_term_vocabulary(key, term):
    t = term_of(key, CONFIG.fairness)
    assert (t.id if t else None) == term


def test_term_values_scalars_strings_and_coupon_lists():
    d = CONFIG.discovery
    assert term_value("¥3.50", None, d) == (3.5, "yuan")
    assert term_value(350, "cents", d) == (3.5, "yuan")
    # two coupons of 5 and 3.5 yuan: 8.5 yuan of coupons (a bare whole number would have
    # an unknown unit, as in price discovery)
    assert term_value([{"coupon_id": "c1", "amount": "5元"}, {"coupon_id": "c2", "amount": 3.5}],
                      None, d) == (8.5, "yuan")
    assert term_value([{"amount": "5元"}, {"amount": 3}], None, d) == (8.0, "unknown")
    assert term_value("free", None, d) is None


def test_terms_found_next_to_items_and_in_quotes():
    body = {"data": {"shops": [
        {"shop_id": "S1", "delivery_fee": "¥3", "fee_info": {"packing_fee": 1.5},
         "coupons": [{"coupon_id": "c", "amount": "4元"}]},
        {"shop_id": "S2", "delivery_fee": "¥0"}]}}
    got = {(o.item, o.term): o.value for o in extract_terms(_ex("/shops", body), "p", CONFIG)}
    assert got == {("S1", "delivery_fee"): 3.0, ("S1", "packing_fee"): 1.5,
                   ("S1", "coupon"): 4.0, ("S2", "delivery_fee"): 0.0}
    quote = {"data": {"pay_fare": "¥20.00", "coupon_amount": "¥5.00", "service_fee": "¥1.00"}}
    ex = _ex("/v1/quote", quote, request={"route_id": "R7"}, method="POST")
    got = {(o.item, o.term): o.value for o in extract_terms(ex, "p", CONFIG)}
    assert got == {("R7", "coupon"): 5.0, ("R7", "service_fee"): 1.0}


def _term_table(worse: dict[str, float]):
    """12 shops, fee 3 yuan; the loyal captures pay ``worse[shop]`` more."""
    obs = []
    from scanner.pricing.lists import TermObservation
    for cap in ("new", "new-control", "loyal", "loyal-control"):
        for i in range(12):
            shop = f"S{i}"
            extra = worse.get(shop, 0.0) if cap.startswith("loyal") else 0.0
            obs.append(TermObservation(cap, "h", "h/x", shop, "delivery_fee", 3.0 + extra,
                                       "yuan", "x", f"{cap}{i}", "s", None, "auto", ""))
    rows = align_terms(obs, ["new", "loyal", "new-control", "loyal-control"])
    return {r.key: r.values for r in rows}


def test_term_comparison_worse_fee_beyond_noise():
    table = _term_table({f"S{i}": 1.0 for i in range(6)})
    pairs = [("new", "new-control"), ("loyal", "loyal-control")]
    noise = term_noise("delivery_fee", table, pairs, TH)
    assert noise.n_differ == 0 and noise.n_items == 24
    c = compare_terms("delivery_fee", "cost", table, "new", "loyal", noise, TH)
    # six shops 1 yuan worse, all one way: exact sign p = 2 * 0.5**6 = 0.03125 < 0.05
    assert c.discrimination and c.direction == "worse" and c.n_worse == 6
    assert c.median_diff_beyond_noise == pytest.approx(1.0)
    assert c.p_value == pytest.approx(0.03125)
    # a benefit (coupon) that is higher for loyal is better for them, not worse
    c2 = compare_terms("coupon", "benefit", table, "new", "loyal", noise, TH)
    assert c2.direction == "better"


def test_term_comparison_too_few_items_or_no_control():
    table = _term_table({"S0": 1.0, "S1": 1.0})
    c = compare_terms("delivery_fee", "cost", table, "new", "loyal", None, TH)
    assert not c.discrimination
    assert any("no control" in r for r in c.reasons)
    assert any("fewer than 3" in r for r in c.reasons)


def test_fairness_yaml_is_validated(tmp_path):
    with pytest.raises(RulesetError, match="kind"):
        parse_fairness({"list_params": ["q"], "page_params": ["page"],
                        "terms": {"fee": {"zh": "费", "en": "fee", "kind": "tax",
                                          "keys": ["fee"]}}}, tmp_path / "f.yaml")
    with pytest.raises(RulesetError, match="unknown"):
        parse_fairness({"list_params": ["q"], "page_params": ["page"], "oops": 1},
                       tmp_path / "f.yaml")
