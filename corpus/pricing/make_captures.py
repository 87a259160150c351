"""Generate the pricing fixtures: captures of simulated shops as several user profiles.

Contract: ``python corpus/pricing/make_captures.py [OUTDIR]`` (default: this
folder) writes, for each scenario, one capture per profile as a mitmproxy flow
file (``<profile>.mitm``) AND a HAR 1.2 file (``<profile>.har``), plus
``ground_truth.json`` saying how every price was made: the base price of each
item, which items the treatment profile was marked up on and by how much, which
items the noise (A/B buckets, promotions, surge) moved in which capture, and
which items a capture does not show. The output is deterministic (fixed seeds,
fixed flow ids and times).

Scenarios:
- ``shop-discriminating``: shop.example (search API in cents, read by the
  declarative extractor; detail pages with "¥128.00" / "128.00元" strings, read by
  discovery). Captures new (baseline), new-control, loyal, loyal-control (each
  profile captured twice: the pairs give the noise). Loyal pays ``MARKUP`` more
  on a third of the 40 items.
- ``shop-fair``: mall.example (discovery only: ``priceFen`` in cents, ``linePrice``
  strings). Same captures and the very same noise factors, no markup; the loyal capture misses two
  items (sold out) and the new one shows a new-user-only item.
- ``ride-quote``: ride.example, POST /v1/quote with the route id in the request body;
  the answer has ``origin_fare``, ``coupon_amount``, ``pay_fare`` strings. Captures
  android (baseline), android-control, ios, ios-control; ios gets smaller coupons on a third of the
  30 routes.

:func:`simulate_shop` is the price model alone (no capture files), shared with
the power study in benchmarks/pricing_power.py.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, capture start of every profile
MARKUP = 0.06
NOISE_SEED = 101  # the two shops share one noise realisation


@dataclass
class Shop:
    """Prices in cents per capture name, with how they were made."""

    base: dict[str, int]  # item -> base price in cents
    prices: dict[str, dict[str, int]]  # capture -> item -> cents
    marked: dict[str, float] = field(default_factory=dict)  # item -> markup applied
    noise: dict[str, dict[str, float]] = field(default_factory=dict)  # capture -> item -> factor
    missing: dict[str, list[str]] = field(default_factory=dict)  # capture -> items not shown


def noise_factor(rng: random.Random, p_noise: float) -> float | None:
    """A price change that is not discrimination, or None: promotion or A/B bucket."""
    if rng.random() >= p_noise:
        return None
    if rng.random() < 0.5:
        return 1.0 - rng.uniform(0.03, 0.15)  # time-limited promotion
    return 1.0 + rng.uniform(-0.05, 0.05)  # A/B price bucket


def simulate_shop(rng: random.Random, n_items: int = 40, markup: float = 0.0,
                  marked_share: float = 1 / 3, p_noise: float = 0.08,
                  captures: Sequence[str] = ("new", "new-control", "loyal", "loyal-control"),
                  treated: Sequence[str] = ("loyal", "loyal-control"),
                  prefix: str = "G", noise_rng: random.Random | None = None,
                  jitter: float = 0.0) -> Shop:
    """Base prices, markup of the treated captures on a share of items, independent noise.

    Treated captures (the treatment profile and its control, which is the same
    profile captured again) carry the markup; every capture gets its own noise,
    drawn from ``noise_rng`` when given (so that two shops can share one noise).
    ``jitter`` adds dense drift: every price of every capture moves by up to
    ±jitter (dynamic pricing); the fixtures use none.
    """
    noise_rng = noise_rng or rng
    items = [f"{prefix}{i + 1:03d}" for i in range(n_items)]
    base = {it: rng.randrange(990, 99_900) for it in items}
    marked_items = rng.sample(items, round(n_items * marked_share)) if markup else []
    shop = Shop(base=base, prices={}, marked=dict.fromkeys(sorted(marked_items), markup))
    for cap in captures:
        prices = {}
        moved = {}
        for it in items:
            cents = base[it] * (1 + shop.marked.get(it, 0.0) * (cap in treated))
            f = noise_factor(noise_rng, p_noise)
            if f is not None:
                moved[it] = round(f, 4)
                cents *= f
            if jitter:
                cents *= 1 + noise_rng.uniform(-jitter, jitter)
            prices[it] = round(cents)
        shop.prices[cap] = prices
        shop.noise[cap] = moved
    return shop


@dataclass
class Market:
    """Ranked lists and deal terms per capture name, with how they were made."""

    items: list[str]
    price: dict[str, int]  # item -> price in cents (the same for every capture)
    relevance: list[str]  # the non-personalised order
    orders: dict[str, list[str]]  # capture -> items in the order shown
    terms: dict[str, dict[str, dict[str, int]]]  # capture -> item -> term -> cents
    promoted: list[str] = field(default_factory=list)  # items moved up for treated captures
    worse_terms: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> term -> +cents
    noise: dict[str, dict[str, Any]] = field(default_factory=dict)  # capture -> what moved


def simulate_market(rng: random.Random, n_items: int = 40, promote: int = 0,
                    boost: float = 10.0, rank_sd: float = 0.6, p_pin: float = 0.1,
                    price_order: bool = False, fee_share: float = 0.0,
                    fee_delta: int = 150, term: str = "delivery_fee",
                    p_term_noise: float = 0.08,
                    captures: Sequence[str] = ("new", "new-control", "loyal", "loyal-control"),
                    treated: Sequence[str] = ("loyal", "loyal-control"),
                    prefix: str = "H", base_terms: dict[str, Sequence[int]] | None = None,
                    noise_rng: random.Random | None = None) -> Market:
    """A ranked list of items with prices and deal terms, as each capture sees it.

    The non-personalised order is by relevance (random, or by price when
    ``price_order``); every capture ranks by relevance position plus Gaussian noise
    (``rank_sd`` positions: neighbours swap) and, with chance ``p_pin``, one random item
    pinned to the top (an advert). Treated captures (the treatment and its control)
    see the ``promote`` most expensive items moved up by ``boost`` positions and pay
    ``fee_delta`` 分 more of ``term`` on a share ``fee_share`` of the items (for a
    benefit such as a coupon the delta is taken off). Each capture's terms get their
    own noise: with chance ``p_term_noise`` per item, a promotion changes one term.
    Prices are the same in every capture.
    """
    noise_rng = noise_rng or rng
    items = [f"{prefix}{i + 1:03d}" for i in range(n_items)]
    price = {it: rng.randrange(15_000, 150_000) for it in items}
    relevance = sorted(items, key=lambda i: price[i]) if price_order else rng.sample(items, n_items)
    score = {it: i for i, it in enumerate(relevance)}
    promoted = sorted(items, key=lambda i: -price[i])[:promote]
    base_terms = base_terms or {"delivery_fee": (0, 100, 200, 300, 400, 500),
                                "coupon": (0, 0, 300, 500, 800)}
    terms0 = {it: {t: rng.choice(vals) for t, vals in base_terms.items()} for it in items}
    benefit = term in ("coupon", "discount")
    worse_items = rng.sample(items, round(n_items * fee_share)) if fee_share else []
    market = Market(items, price, relevance, {}, {}, promoted,
                    {it: {term: fee_delta} for it in sorted(worse_items)})
    for cap in captures:
        s = {it: score[it] - (boost if cap in treated and it in promoted else 0)
             + noise_rng.gauss(0, rank_sd) for it in items}
        moved: dict[str, Any] = {}
        if noise_rng.random() < p_pin:
            pin = noise_rng.choice(items)
            s[pin] = -1e9
            moved["pinned"] = pin
        market.orders[cap] = sorted(items, key=lambda i: s[i])
        terms = {}
        for it in items:
            t = dict(terms0[it])
            if cap in treated and it in market.worse_terms:
                t[term] = max(0, t[term] - fee_delta) if benefit else t[term] + fee_delta
            if noise_rng.random() < p_term_noise:
                which = noise_rng.choice(sorted(t))
                t[which] = max(0, t[which] + noise_rng.choice((-200, -100, 100, 200)))
                moved.setdefault("terms", {})[it] = which
            terms[it] = t
        market.terms[cap] = terms
        market.noise[cap] = moved
    return market


# ------------------------------------------------------------------ responses


def _shop_search_pages(prices: dict[str, int], base: dict[str, int]) -> list[tuple[str, dict]]:
    items = list(prices)
    out = []
    for page in range(0, len(items), 10):
        goods = [{"goods_id": it, "title": f"商品{it}", "sale_price": prices[it],
                  "market_price": round(base[it] * 1.2), "stock": 5}
                 for it in items[page:page + 10]]
        out.append((f"/api/v2/search?q=all&page={page // 10 + 1}",
                    {"code": 0, "data": {"page": page // 10 + 1, "total": len(items),
                                         "goods": goods}}))
    return out


def _shop_detail(it: str, cents: int, base: int, i: int) -> tuple[str, dict]:
    pay = f"{cents / 100:.2f}元" if i % 2 else f"¥{cents / 100:,.2f}"
    return (f"/api/v2/goods/detail?goods_id={it}",
            {"goods": {"goods_id": it, "name": f"商品{it}",
                       "price_info": {"original_price": f"¥{base * 1.2 / 100:,.2f}",
                                      "pay_price": pay}}})


def _mall_pages(prices: dict[str, int], base: dict[str, int]) -> list[tuple[str, dict]]:
    items = list(prices)
    out = []
    for page in range(0, len(items), 8):
        lst = [{"skuId": int(it[1:]) + 1000, "name": f"sku {it}", "priceFen": prices[it],
                "linePrice": f"¥{base[it] * 1.25 / 100:.2f}", "salesCount": 100 + i}
               for i, it in enumerate(items[page:page + 8])]
        out.append((f"/rest/list?cat=home&p={page // 8}", {"result": {"list": lst}}))
    return out


def _hotel_pages(m: Market, cap: str) -> list[tuple[str, dict]]:
    order = m.orders[cap]
    out = []
    for page in range(0, len(order), 20):
        hotels = [{"hotel_id": it, "name": f"酒店{it}", "price": f"¥{m.price[it] / 100:.2f}",
                   "score": 4.0 + (int(it[1:]) % 10) / 10, "tags": ["含早"] if i % 3 else []}
                  for i, it in enumerate(order[page:page + 20])]
        out.append((f"/api/hotel/search?city=chengdu&checkin=2026-01-10&checkout=2026-01-11"
                    f"&page={page // 20 + 1}&ts={int(T0) + page}",
                    {"code": 0, "data": {"total": len(order), "hotels": hotels}}))
    return out


def _delivery_pages(m: Market, cap: str) -> list[tuple[str, dict]]:
    order = m.orders[cap]
    out = []
    for page in range(0, len(order), 15):
        shops = [{"shop_id": it, "name": f"店铺{it}",
                  "delivery_fee": f"¥{m.terms[cap][it]['delivery_fee'] / 100:.1f}",
                  "red_packet": [{"coupon_id": f"rp-{it}",
                                  "amount": f"{m.terms[cap][it]['coupon'] / 100:.1f}元"}]
                  if m.terms[cap][it]["coupon"] else [],
                  "min_order_amount": 2000, "eta_minutes": 30}
                 for it in order[page:page + 15]]
        out.append((f"/api/shops/nearby?category=food&offset={page}",
                    {"errno": 0, "data": {"shops": shops}}))
    return out


def _ride_answer(pay_cents: int, origin_cents: int) -> dict:
    coupon = max(0, origin_cents - pay_cents)
    return {"errno": 0, "data": {"origin_fare": f"¥{origin_cents / 100:.2f}",
                                 "coupon_amount": f"¥{coupon / 100:.2f}",
                                 "pay_fare": f"¥{pay_cents / 100:.2f}", "eta_min": 4}}


# ------------------------------------------------------------------ writers


@dataclass
class Call:
    """One request/response to write into a capture."""

    method: str
    host: str
    path: str
    response: dict
    request_json: dict | None = None


def _flow_id(scenario: str, profile: str, i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"appaudit-pricing/{scenario}/{profile}/{i}"))


def write_mitm(path: Path, calls: list[Call], scenario: str, profile: str,
               labels: dict[str, str] | None = None) -> None:
    """A mitmproxy flow file of the calls (as ``mitmdump -w`` writes it); ``labels`` are
    stored as flow metadata, as the capture addon does."""
    from mitmproxy import http, io  # noqa: TID251 (fixture generator, not the scanner)
    from mitmproxy.test import tflow  # noqa: TID251

    with open(path, "wb") as fh:
        writer = io.FlowWriter(fh)
        for i, c in enumerate(calls):
            body = json.dumps(c.request_json).encode() if c.request_json is not None else b""
            headers = {"Host": c.host, "User-Agent": f"fixture-{profile}"}
            if c.request_json is not None:
                headers["Content-Type"] = "application/json"
            req = http.Request.make(c.method, f"https://{c.host}{c.path}", body, headers)
            req.timestamp_start = T0 + i
            req.timestamp_end = T0 + i + 0.1
            resp = http.Response.make(200, json.dumps(c.response, ensure_ascii=False).encode(),
                                      {"Content-Type": "application/json; charset=utf-8"})
            resp.timestamp_start = T0 + i + 0.2
            resp.timestamp_end = T0 + i + 0.3
            f = tflow.tflow(req=req, resp=resp, live=False)
            f.id = _flow_id(scenario, profile, i)
            f.client_conn.id = _flow_id(scenario, profile, i + 100_000)
            f.server_conn.id = _flow_id(scenario, profile, i + 200_000)
            f.timestamp_created = T0 + i
            f.metadata.update(labels or {})
            writer.add(f)


def write_har(path: Path, calls: list[Call], profile: str,
              labels: dict[str, str] | None = None) -> None:
    """A HAR 1.2 file of the calls (``labels`` as each entry's ``_appaudit`` object)."""
    import datetime as dt

    entries = []
    for i, c in enumerate(calls):
        started = dt.datetime.fromtimestamp(T0 + i, dt.UTC).isoformat().replace("+00:00", "Z")
        text = json.dumps(c.response, ensure_ascii=False)
        req = {"method": c.method, "url": f"https://{c.host}{c.path}", "httpVersion": "HTTP/1.1",
               "headers": [{"name": "User-Agent", "value": f"fixture-{profile}"}],
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0}
        if c.request_json is not None:
            body = json.dumps(c.request_json)
            req["postData"] = {"mimeType": "application/json", "text": body}
            req["bodySize"] = len(body)
        entries.append({
            "startedDateTime": started, "time": 100, "request": req,
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Content-Type",
                                      "value": "application/json; charset=utf-8"}],
                         "cookies": [], "redirectURL": "", "headersSize": -1,
                         "bodySize": len(text.encode()),
                         "content": {"size": len(text.encode()),
                                     "mimeType": "application/json", "text": text}},
            "cache": {}, "timings": {"send": 0, "wait": 100, "receive": 0},
            **({"_appaudit": labels} if labels else {})})
    doc = {"log": {"version": "1.2", "creator": {"name": "appaudit-fixture", "version": "1"},
                   "entries": entries}}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


# ------------------------------------------------------------------ scenarios


def _truth(shop: Shop, scenario: str, baseline: str, treatment: str,
           discriminating: bool, unit_note: str, detail_items: Sequence[str] = ()) -> dict:
    return {
        "scenario": scenario, "baseline": baseline, "treatment": treatment,
        "controls": {p: f"{p}-control" for p in (baseline, treatment)},
        "discriminating": discriminating,
        "direction": "higher" if discriminating else None,
        "marked_up": shop.marked, "units": unit_note,
        "base_prices_cents": shop.base, "prices_cents": shop.prices,
        "noise_factors": shop.noise, "missing": shop.missing,
        "detail_pages": list(detail_items),
    }


def shop_discriminating(rng: random.Random) -> tuple[dict[str, list[Call]], dict]:
    """The shop whose loyal profile pays MARKUP more on a third of the items."""
    shop = simulate_shop(rng, markup=MARKUP, noise_rng=random.Random(NOISE_SEED))
    detail_items = sorted(rng.sample(sorted(shop.base), 8))
    captures = {}
    for cap, prices in shop.prices.items():
        calls = [Call("GET", "shop.example", p, body)
                 for p, body in _shop_search_pages(prices, shop.base)]
        calls += [Call("GET", "shop.example", *_shop_detail(it, prices[it], shop.base[it], i))
                  for i, it in enumerate(detail_items)]
        calls.append(Call("GET", "shop.example", "/api/v2/banner", {"banners": ["a", "b"]}))
        captures[cap] = calls
    truth = _truth(shop, "shop-discriminating", "new", "loyal", True,
                   "search API in cents (declarative extractor); detail pages in yuan strings",
                   detail_items)
    return captures, truth


def shop_fair(rng: random.Random) -> tuple[dict[str, list[Call]], dict]:
    """Same noise, no markup; different item sets between profiles."""
    shop = simulate_shop(rng, markup=0.0, prefix="S", noise_rng=random.Random(NOISE_SEED))
    extra = "S041"
    shop.base[extra] = 4_990
    shop.prices["new"][extra] = 4_990  # a new-user-only item
    gone = sorted(rng.sample(sorted(shop.prices["loyal"]), 2))
    for it in gone:
        del shop.prices["loyal"][it]
    shop.missing = {"new": [], "new-control": [extra], "loyal": [*gone, extra],
                    "loyal-control": [extra]}
    captures = {cap: [Call("GET", "mall.example", p, body)
                      for p, body in _mall_pages(prices, shop.base)]
                for cap, prices in shop.prices.items()}
    truth = _truth(shop, "shop-fair", "new", "loyal", False,
                   "priceFen in cents, linePrice yuan strings (discovery); item ids are "
                   "1000 + the number of S###")
    return captures, truth


def ride_quote(rng: random.Random) -> tuple[dict[str, list[Call]], dict]:
    """Ride-hailing quotes: ios gets smaller coupons on a third of the routes."""
    shop = simulate_shop(rng, n_items=30, markup=0.08, p_noise=0.06,
                         captures=("android", "android-control", "ios", "ios-control"),
                         treated=("ios", "ios-control"), prefix="R")
    captures = {}
    for cap, prices in shop.prices.items():
        captures[cap] = [
            Call("POST", "ride.example", "/v1/quote",
                 _ride_answer(prices[it], round(shop.base[it] * 1.15)),
                 request_json={"route_id": it, "product": "express", "city": 510100})
            for it in prices]
    truth = _truth(shop, "ride-quote", "android", "ios", True,
                   "yuan strings; the route id is in the request body (discovery)")
    return captures, truth


def _market_truth(m: Market, scenario: str, kind: str, off: dict[str, str]) -> dict:
    return {
        "scenario": scenario, "baseline": "new", "treatment": "loyal",
        "controls": {"new": "new-control", "loyal": "loyal-control"},
        "discriminating": bool(m.promoted or m.worse_terms), "kind": kind,
        "promoted": m.promoted, "worse_terms": m.worse_terms,
        "personalisation_off": off,
        "prices_cents": m.price, "relevance_order": m.relevance, "orders": m.orders,
        "terms_cents": m.terms, "noise": m.noise,
    }


OFF_CAPTURES = ("off-new", "off-loyal")


def hotel_ranking(rng: random.Random) -> tuple[dict[str, list[Call]], dict]:
    """Hotel search: loyal sees the 10 most expensive hotels moved up 10 places; prices equal.

    Two more profiles are captured with personalisation switched off (off-new,
    off-loyal): they see the non-personalised order with noise only.
    """
    m = simulate_market(rng, promote=10, prefix="H", p_term_noise=0.0,
                        captures=("new", "new-control", "loyal", "loyal-control",
                                  *OFF_CAPTURES),
                        noise_rng=random.Random(NOISE_SEED))
    captures = {cap: [Call("GET", "hotel.example", p, body) for p, body in _hotel_pages(m, cap)]
                for cap in m.orders}
    truth = _market_truth(m, "hotel-ranking", "ranking", dict.fromkeys(OFF_CAPTURES, "honoured"))
    return captures, truth


def food_delivery(rng: random.Random) -> tuple[dict[str, list[Call]], dict]:
    """Food delivery: loyal pays 1.50 yuan more delivery fee at a third of the shops.

    The off-loyal capture (personalisation switched off) still gets the loyal fees:
    the switch is not honoured for fees.
    """
    m = simulate_market(rng, n_items=45, fee_share=1 / 3, fee_delta=150, prefix="S",
                        captures=("new", "new-control", "loyal", "loyal-control",
                                  *OFF_CAPTURES),
                        treated=("loyal", "loyal-control", "off-loyal"),
                        noise_rng=random.Random(NOISE_SEED))
    captures = {cap: [Call("GET", "waimai.example", p, body)
                      for p, body in _delivery_pages(m, cap)] for cap in m.orders}
    truth = _market_truth(m, "food-delivery", "fees",
                          {"off-new": "honoured", "off-loyal": "not honoured (loyal fees)"})
    return captures, truth


def delivery_fair(rng: random.Random) -> tuple[dict[str, list[Call]], dict]:
    """Food delivery with the same noise as food-delivery, no discrimination anywhere."""
    m = simulate_market(rng, n_items=45, prefix="S",
                        captures=("new", "new-control", "loyal", "loyal-control",
                                  *OFF_CAPTURES),
                        noise_rng=random.Random(NOISE_SEED))
    captures = {cap: [Call("GET", "waimai.example", p, body)
                      for p, body in _delivery_pages(m, cap)] for cap in m.orders}
    truth = _market_truth(m, "delivery-fair", "fair", dict.fromkeys(OFF_CAPTURES, "honoured"))
    return captures, truth


SCENARIOS = {"shop-discriminating": (shop_discriminating, 7),
             "shop-fair": (shop_fair, 11),
             "ride-quote": (ride_quote, 13),
             "hotel-ranking": (hotel_ranking, 17),
             "food-delivery": (food_delivery, 19),
             "delivery-fair": (delivery_fair, 23)}
OFF_LABELLED = {"off-new", "off-loyal"}  # captures the addon labelled personalisation=off


def main(argv: Sequence[str]) -> int:
    """Write every scenario below the output folder."""
    out = Path(argv[0]) if argv else HERE
    for name, (make, seed) in SCENARIOS.items():
        captures, truth = make(random.Random(seed))
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for profile, calls in captures.items():
            labels = ({"appaudit_profile": profile, "appaudit_personalisation": "off"}
                      if profile in OFF_LABELLED else None)
            write_mitm(folder / f"{profile}.mitm", calls, name, profile, labels)
            write_har(folder / f"{profile}.har", calls, profile, labels)
        truth["files"] = {p: {"flows": f"{p}.mitm", "har": f"{p}.har"} for p in captures}
        (folder / "ground_truth.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8")
        print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
