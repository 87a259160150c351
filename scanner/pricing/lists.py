"""Ranked lists and deal terms: one captured response → the lists and the terms it shows.

Contract:

- :func:`extract_lists` returns :class:`ListObservation` objects: every ranked
  list of a response (search results, recommendations, feeds) as the item ids in
  the order shown, with the price each item shows in the list when there is one.
  A declarative extractor (rulesets/pricing/extractors.yaml, ``ranked`` true)
  gives its ``items`` as the list; otherwise a JSON array of at least
  ``min_list_items`` objects of which a share ``min_id_share`` have an
  item-id-like key is a list (rulesets/pricing/fairness.yaml). Lists nested in
  the objects of a list are not lists of their own.
- :func:`extract_terms` returns :class:`TermObservation` objects: fees,
  coupons, discounts and member prices shown next to an item, read from the
  extractor's ``terms`` paths or found by the term vocabulary of fairness.yaml
  (in item objects and their id-less nested objects, or in an id-less quote
  answer named by the request's item-id-like parameter).
- :func:`list_key` names a list so that the same search made by every profile
  is one list: endpoint, the request parameters of ``list_params`` and the
  JSON path; :func:`page_of` reads the page (``page_params``) the response is.
- :func:`join_pages` turns the observations of one profile into one ordered
  list per list key (pages in page order; a page seen twice counts once, the
  first time; that the repeat differed is recorded).

Nothing here raises on odd input. Pure functions over parsed JSON.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from scanner.model.traffic import Exchange
from scanner.pricing.config import Discovery, Extractor, Fairness, PricingConfig, Term, norm_key
from scanner.pricing.extract import (
    _NOT_PRICE_TOKENS,
    _candidates,
    _choose,
    _first,
    _id_key,
    _id_text,
    _in_component,
    _request_params,
    _request_value,
    _role,
    _split_key,
    endpoint_of,
    extractor_for,
    parse_price,
    response_json,
    select,
)


@dataclass(frozen=True)
class ListObservation:
    """One page of one ranked list as one profile saw it."""

    profile: str
    list: str  # list key: endpoint?params#path (or extractor id?params)
    host: str
    endpoint: str
    page: float | None
    items: tuple[str, ...]  # item ids in the order shown (first occurrence of each)
    prices: tuple[float | None, ...]  # price shown in the list, per item (None: none)
    path: str  # JSON path of the array
    flow: str
    source: str
    time: float | None
    extractor: str


@dataclass(frozen=True)
class TermObservation:
    """One deal term of one item as one profile saw it in one response."""

    profile: str
    host: str
    endpoint: str
    item: str
    term: str
    value: float
    unit: str  # yuan | unknown
    path: str
    flow: str
    source: str
    time: float | None
    extractor: str
    raw: str


@dataclass(frozen=True)
class RankedList:
    """One list of one profile, pages joined."""

    profile: str
    list: str
    host: str
    endpoint: str
    items: tuple[str, ...]
    prices: dict[str, float] = field(default_factory=dict)
    flows: tuple[str, ...] = ()
    source: str = ""
    path: str = ""
    varies_within: bool = False  # a page seen twice showed another order


# ---------------------------------------------------------------- naming


def _params(ex: Exchange) -> dict[str, Any]:
    return {k: v for k, v in _request_params(ex).items() if isinstance(k, str)}


def list_key(ex: Exchange, path: str, fairness: Fairness, extractor: str | None = None) -> str:
    """endpoint + the asking parameters + JSON path: one name for one search across profiles."""
    asked = sorted((norm_key(k), str(v)[:80]) for k, v in _params(ex).items()
                   if norm_key(k) in fairness.list_params and not isinstance(v, (dict, list)))
    query = f"?{urlencode(asked)}" if asked else ""
    if extractor is not None:
        return f"{extractor}{query}"
    return f"{endpoint_of(ex)}{query}#{path or '$'}"


def page_of(ex: Exchange, fairness: Fairness) -> float | None:
    """The page number or offset the request asked for (None when not numeric or absent)."""
    for k, v in _params(ex).items():
        if norm_key(k) in fairness.page_params and not isinstance(v, bool):
            try:
                num = float(v)
            except (TypeError, ValueError):
                continue
            if math.isfinite(num):
                return num
    return None


# ---------------------------------------------------------------- lists


def _list_obs(ex: Exchange, profile: str, key: str, page: float | None, path: str,
              entries: Iterable[tuple[str, float | None]], extractor: str) -> ListObservation:
    ids: list[str] = []
    prices: list[float | None] = []
    seen: set[str] = set()
    for item, price in entries:
        if item in seen:
            continue
        seen.add(item)
        ids.append(item)
        prices.append(price)
    return ListObservation(profile, key, ex.host, endpoint_of(ex), page, tuple(ids),
                           tuple(prices), path, ex.flow_id, ex.source, ex.time, extractor)


def _auto_lists(body: Any, d: Discovery, fa: Fairness) -> list[tuple[str, list[tuple[str, Any]]]]:
    """(path, [(element path, element)]) of every array that is a ranked list."""
    out = []
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack and len(out) < fa.max_lists_per_response:
        where, node, depth = stack.pop()
        if depth > d.max_depth:
            continue
        if isinstance(node, list):
            objs = [(f"{where}[{i}]", v) for i, v in enumerate(node) if isinstance(v, dict)]
            with_id = sum(1 for _, v in objs if _id_key(v, d) is not None)
            if (with_id >= fa.min_list_items and with_id >= fa.min_id_share * len(node)
                    and not _in_component(where, d)):
                out.append((where, objs))
                continue
            children = [(f"{where}[{i}]", v) for i, v in enumerate(node)
                        if isinstance(v, (dict, list))]
        elif isinstance(node, dict):
            children = [(f"{where}.{k}" if where else str(k), v) for k, v in node.items()
                        if isinstance(v, (dict, list))]
        else:
            continue
        stack.extend((w, v, depth + 1) for w, v in reversed(children))
    return out


def _auto_entry(where: str, obj: dict, d: Discovery) -> tuple[str, float | None] | None:
    key = _id_key(obj, d)
    if key is None:
        return None
    main, _ = _choose(_candidates(obj, where, d))
    return _id_text(obj[key]) or "", (main.price[0] if main is not None else None)


def extract_lists(ex: Exchange, profile: str, config: PricingConfig,
                  body: Any = None) -> list[ListObservation]:
    """The ranked lists one response shows."""
    if body is None:
        body = response_json(ex)
    if body is None:
        return []
    fa, d = config.fairness, config.discovery
    page = page_of(ex, fa)
    e = extractor_for(ex, config)
    if e is not None:
        if not e.ranked or e.item_id.startswith(("query:", "body:")):
            return []
        entries = []
        for where, node in select(body, e.items):
            hit = _first(node, e.item_id, where)
            item = _id_text(hit[1]) if hit else None
            if item is None:
                continue
            phit = _first(node, e.price, where)
            price = parse_price(phit[1], e.unit) if phit else None
            entries.append((item, price[0] if price else None))
        if len(entries) < fa.min_list_items:
            return []
        return [_list_obs(ex, profile, list_key(ex, e.items, fa, e.id), page, e.items,
                          entries, e.id)]
    out = []
    for where, objs in _auto_lists(body, d, fa):
        entries = [en for w, o in objs if (en := _auto_entry(w, o, d)) is not None]
        out.append(_list_obs(ex, profile, list_key(ex, where, fa), page, where, entries, "auto"))
    return out


def join_pages(observations: Iterable[ListObservation]) -> list[RankedList]:
    """One :class:`RankedList` per (profile, list): pages in page order, first seen wins."""
    groups: dict[tuple[str, str], list[ListObservation]] = defaultdict(list)
    for o in observations:
        groups[(o.profile, o.list)].append(o)
    out = []
    for (profile, key), obs in groups.items():
        pages: dict[float | None, ListObservation] = {}
        varies = False
        for o in obs:
            prev = pages.get(o.page)
            if prev is None:
                pages[o.page] = o
            elif prev.items != o.items:
                varies = True
        order = sorted(pages, key=lambda p: (p is None, p if p is not None else 0))
        ids: list[str] = []
        prices: dict[str, float] = {}
        seen: set[str] = set()
        for p in order:
            for item, price in zip(pages[p].items, pages[p].prices, strict=True):
                if item in seen:
                    continue
                seen.add(item)
                ids.append(item)
                if price is not None:
                    prices[item] = price
        first = obs[0]
        out.append(RankedList(profile, key, first.host, first.endpoint, tuple(ids), prices,
                              tuple(pages[p].flow for p in order), first.source, first.path,
                              varies))
    return out


# ---------------------------------------------------------------- terms


def term_of(key: str, fa: Fairness) -> Term | None:
    """The deal term a JSON key names, or None."""
    n = norm_key(key)
    if any(t in _NOT_PRICE_TOKENS for t in _split_key(key)):
        return None
    for term in fa.terms:
        if any(w in n for w in term.keys) and not any(x in n for x in term.exclude):
            return term
    return None


def term_value(value: Any, unit: str | None, d: Discovery) -> tuple[float, str] | None:
    """A term's amount: a price-like scalar, or the sum of the amounts of a list of objects."""
    if isinstance(value, list):
        total = 0.0
        units = set()
        found = False
        for v in value[:200]:
            if not isinstance(v, dict):
                continue
            for k, x in v.items():
                if isinstance(k, str) and _role(k, d) is not None:
                    amount = parse_price(x, unit)
                    if amount is not None:
                        total += amount[0]
                        units.add("unknown" if amount[1] == "unknown" else "yuan")
                        found = True
                        break
        if not found:
            return None
        return total, ("yuan" if units == {"yuan"} else "unknown")
    price = parse_price(value, unit)
    if price is None:
        return None
    return price[0], ("unknown" if price[1] == "unknown" else "yuan")


def _cents_hint(key: str, d: Discovery) -> str | None:
    n = norm_key(key)
    return "cents" if any(w in n for w in d.cents_keys) else None


def _terms_in(obj: dict, where: str, d: Discovery, fa: Fairness,
              depth: int = 0) -> list[tuple[Term, str, Any, tuple[float, str]]]:
    """(term, path, raw, amount) of an object's keys and its id-less nested objects."""
    out = []
    for k, v in obj.items():
        if not isinstance(k, str):
            continue
        here = f"{where}.{k}" if where else k
        term = term_of(k, fa)
        if term is not None:
            amount = term_value(v, _cents_hint(k, d), d)
            if amount is not None:
                out.append((term, here, v, amount))
                continue
        if isinstance(v, dict) and depth < 1 and _id_key(v, d) is None:
            out.extend(_terms_in(v, here, d, fa, depth + 1))
    return out


def _term_obs(ex: Exchange, profile: str, item: str, term: str, path: str, raw: Any,
              amount: tuple[float, str], extractor: str) -> TermObservation:
    return TermObservation(profile, ex.host, endpoint_of(ex), item, term, amount[0], amount[1],
                           path, ex.flow_id, ex.source, ex.time, extractor, str(raw)[:60])


def _first_per_term(found: list[TermObservation]) -> list[TermObservation]:
    seen: set[tuple[str, str]] = set()
    out = []
    for o in found:
        if (o.item, o.term) not in seen:
            seen.add((o.item, o.term))
            out.append(o)
    return out


def extract_terms(ex: Exchange, profile: str, config: PricingConfig,
                  body: Any = None) -> list[TermObservation]:
    """The deal terms of the items one response shows."""
    if body is None:
        body = response_json(ex)
    if body is None:
        return []
    fa, d = config.fairness, config.discovery
    if not fa.terms:
        return []
    e = extractor_for(ex, config)
    if e is not None:
        return _declarative_terms(ex, body, profile, e, d)
    out: list[TermObservation] = []
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack and len(out) < d.max_items_per_response:
        where, node, depth = stack.pop()
        if depth > d.max_depth:
            continue
        if isinstance(node, dict):
            key = _id_key(node, d)
            if key is not None and not _in_component(where, d):
                item = _id_text(node[key]) or ""
                out.extend(_term_obs(ex, profile, item, t.id, p, raw, amount, "auto")
                           for t, p, raw, amount in _terms_in(node, where, d, fa))
            children = [(f"{where}.{k}" if where else str(k), v) for k, v in node.items()
                        if isinstance(v, (dict, list)) and term_of(str(k), fa) is None]
        elif isinstance(node, list):
            children = [(f"{where}[{i}]", v) for i, v in enumerate(node)
                        if isinstance(v, (dict, list))]
        else:
            continue
        stack.extend((w, v, depth + 1) for w, v in reversed(children))
    if out or not isinstance(body, dict) or _has_item(body, d):
        return _first_per_term(out)
    item = None
    for k, v in _params(ex).items():
        if norm_key(k) in d.item_id_keys and _id_text(v) is not None:
            item = _id_text(v)
            break
    if item is None:
        return []
    found = []
    stack2: list[tuple[str, dict, int]] = [("", body, 0)]
    while stack2:
        where, node, depth = stack2.pop()
        found.extend(_term_obs(ex, profile, item, t.id, p, raw, amount, "auto")
                     for t, p, raw, amount in _terms_in(node, where, d, fa, depth=1))
        if depth < 3:
            stack2.extend((f"{where}.{k}" if where else k, v, depth + 1)
                          for k, v in node.items() if isinstance(v, dict))
    return _first_per_term(found)


def _has_item(body: Any, d: Discovery, depth: int = 0) -> bool:
    """Whether any object of the body has an item id (then it is not a bare quote)."""
    if depth > 6:
        return False
    if isinstance(body, dict):
        return _id_key(body, d) is not None or any(
            _has_item(v, d, depth + 1) for v in body.values() if isinstance(v, (dict, list)))
    if isinstance(body, list):
        return any(_has_item(v, d, depth + 1) for v in body[:50] if isinstance(v, (dict, list)))
    return False


def _declarative_terms(ex: Exchange, body: Any, profile: str, e: Extractor,
                       d: Discovery) -> list[TermObservation]:
    if not e.terms:
        return []
    out = []
    request_id = (_id_text(_request_value(ex, e.item_id))
                  if e.item_id.startswith(("query:", "body:")) else None)
    for where, node in select(body, e.items):
        if request_id is not None:
            item = request_id
        else:
            hit = _first(node, e.item_id, where)
            item = _id_text(hit[1]) if hit else None
        if item is None:
            continue
        for term, path in e.terms:
            hit = _first(node, path, where)
            if hit is None:
                continue
            amount = term_value(hit[1], e.unit, d)
            if amount is not None:
                out.append(_term_obs(ex, profile, item, term, hit[0], hit[1], amount, e.id))
    return _first_per_term(out)
