"""Price extraction: one captured response → the prices of the items it shows.

Contract: :func:`extract_prices` takes one :class:`scanner.model.traffic.Exchange`
and the profile name and returns :class:`PriceObservation` objects, each with
the item id, the payable price (and list price when the response shows both),
in yuan when the unit is known, and the JSON path it was read from. A
declarative extractor (rulesets/pricing/extractors.yaml) whose host and path
select the response wins; otherwise automatic discovery looks for price-like
keys next to item-id-like keys. Responses that are not JSON give nothing.
Nothing here raises on odd input: a value that is not a price is skipped.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scanner.model.traffic import Exchange
from scanner.pricing.config import Discovery, Extractor, PricingConfig, norm_key

MAX_JSON_BYTES = 16 * 1024 * 1024

# "¥1,280.50", "￥128", "RMB 128.00", "CNY128", "128.00元", "128元/晚"
_PRICE_STR = re.compile(
    r"^\s*(?P<cur>[¥￥]|RMB|CNY)?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<yuan>元|块)?(?:\s*/\s*\S{1,4})?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PriceObservation:
    """One item's price as one profile saw it in one response."""

    profile: str
    host: str
    endpoint: str  # host + path without the query string
    item: str
    price: float  # payable price: yuan when unit is yuan/cents, the number as sent if unknown
    unit: str  # yuan | cents (converted to yuan) | unknown (bare number, scale not known)
    role: str  # payable | price (no payable/list distinction in the response) | list
    path: str  # JSON path of ``price`` in the response body
    flow: str
    source: str
    time: float | None
    extractor: str  # extractor id, or "auto"
    raw: str  # the value as sent
    list_price: float | None = None
    list_path: str | None = None


def parse_price(value: Any, unit: str | None) -> tuple[float, str] | None:
    """(value, unit) of a JSON value, or None when it is not a price.

    ``unit`` is the declared unit (yuan, cents) or None (discovery: strings
    with a currency mark or decimals are yuan, bare numbers are "unknown").
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        num = float(value)
        marked = False
        decimal = isinstance(value, float) and not num.is_integer()
    elif isinstance(value, str):
        if len(value) > 40:
            return None
        m = _PRICE_STR.match(value)
        if not m:
            return None
        text = m.group("num").replace(",", "")
        num = float(text)
        marked = bool(m.group("cur") or m.group("yuan"))
        decimal = "." in text
    else:
        return None
    if not math.isfinite(num) or num < 0 or num > 1e12:
        return None
    if marked:
        return num, "yuan"
    if unit == "cents":
        return num / 100.0, "cents"
    if unit == "yuan" or decimal:
        return num, "yuan"
    return num, "unknown"


# ---------------------------------------------------------------- JSON paths


def _tokens(path: str) -> list[str | int | None]:
    """"data.goods[*].price" → ["data", "goods", None, "price"] (None = every element)."""
    if path in ("", "$"):
        return []
    out: list[str | int | None] = []
    for part in path.removeprefix("$.").split("."):
        m = re.fullmatch(r"([^\[\]]*)((?:\[(?:\*|\d+)\])*)", part)
        if not m:
            out.append(part)
            continue
        if m.group(1):
            out.append(m.group(1))
        out.extend(None if idx == "*" else int(idx)
                   for idx in re.findall(r"\[(\*|\d+)\]", m.group(2)))
    return out


def select(doc: Any, path: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(concrete path, value) for every node a path selects."""
    nodes: list[tuple[str, Any]] = [(prefix, doc)]
    for tok in _tokens(path):
        nxt = []
        for where, node in nodes:
            if isinstance(tok, str) and isinstance(node, dict) and tok in node:
                nxt.append((f"{where}.{tok}" if where else tok, node[tok]))
            elif tok is None and isinstance(node, list):
                nxt.extend((f"{where}[{i}]", v) for i, v in enumerate(node))
            elif tok is None and isinstance(node, dict):  # [*] on an object: itself
                nxt.append((where, node))
            elif isinstance(tok, int) and isinstance(node, list) and -len(node) <= tok < len(node):
                nxt.append((f"{where}[{tok}]", node[tok]))
        nodes = nxt
    return iter(nodes)


def _first(doc: Any, path: str, prefix: str = "") -> tuple[str, Any] | None:
    return next(select(doc, path, prefix), None)


# ---------------------------------------------------------------- request side


def _request_params(ex: Exchange) -> dict[str, Any]:
    """Query parameters and top-level JSON / form body fields of the request."""
    params: dict[str, Any] = {}
    try:
        params.update(parse_qsl(urlsplit(ex.path).query, keep_blank_values=False))
    except ValueError:
        pass
    body = _json_of(ex.request_body)
    if isinstance(body, dict):
        params.update({k: v for k, v in body.items() if isinstance(k, str)})
    elif ex.request_body and len(ex.request_body) < 65536:
        try:
            params.update(parse_qsl(ex.request_body.decode("utf-8"), keep_blank_values=False))
        except (UnicodeDecodeError, ValueError):
            pass
    return params


def _request_value(ex: Exchange, spec: str) -> Any:
    """Value of "query:NAME" or "body:PATH" in the request, or None."""
    kind, _, name = spec.partition(":")
    if kind == "query":
        try:
            return dict(parse_qsl(urlsplit(ex.path).query)).get(name)
        except ValueError:
            return None
    body = _json_of(ex.request_body)
    hit = _first(body, name) if body is not None else None
    return hit[1] if hit else None


def _json_of(data: bytes) -> Any:
    if not data or len(data) > MAX_JSON_BYTES:
        return None
    stripped = data.lstrip()[:1]
    if stripped not in (b"{", b"["):
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _id_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)) and str(value).strip():
        return str(value).strip()[:200]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


# ---------------------------------------------------------------- extraction


def endpoint_of(ex: Exchange) -> str:
    """host + path without the query string."""
    return ex.host + ex.path.split("?", 1)[0]


def response_json(ex: Exchange) -> Any:
    """The parsed JSON body of a successful response, or None."""
    if ex.status is not None and not 200 <= ex.status < 300:
        return None
    return _json_of(ex.response_body)


def extractor_for(ex: Exchange, config: PricingConfig) -> Extractor | None:
    """The first declarative extractor whose host and path select this response."""
    path = ex.path.split("?", 1)[0]
    for extractor in config.extractors:
        if extractor.host.search(ex.host) and extractor.path.search(path):
            return extractor
    return None


def extract_prices(ex: Exchange, profile: str, config: PricingConfig,
                   body: Any = None) -> list[PriceObservation]:
    """Prices of the items one response shows (declarative extractor, else discovery).

    ``body`` is the parsed response (:func:`response_json`) when the caller has it.
    """
    if body is None:
        body = response_json(ex)
    if body is None:
        return []
    extractor = extractor_for(ex, config)
    if extractor is not None:
        return _declarative(ex, body, profile, extractor)
    return _discover(ex, body, profile, config.discovery)


def _obs(ex: Exchange, profile: str, item: str, price: tuple[float, str], role: str,
         path: str, raw: Any, extractor: str, lst: tuple[float, str] | None,
         list_path: str | None) -> PriceObservation:
    return PriceObservation(
        profile=profile, host=ex.host, endpoint=endpoint_of(ex), item=item, price=price[0],
        unit=price[1], role=role, path=path, flow=ex.flow_id, source=ex.source, time=ex.time,
        extractor=extractor, raw=str(raw)[:60],
        list_price=lst[0] if lst else None, list_path=list_path if lst else None,
    )


def _declarative(ex: Exchange, body: Any, profile: str, e: Extractor) -> list[PriceObservation]:
    out = []
    request_id = (_id_text(_request_value(ex, e.item_id))
                  if e.item_id.startswith(("query:", "body:")) else None)
    for where, node in select(body, e.items):
        if request_id is not None:
            item = request_id
        else:
            hit = _first(node, e.item_id, where)
            item = _id_text(hit[1]) if hit else None
        hit = _first(node, e.price, where)
        if item is None or hit is None:
            continue
        price = parse_price(hit[1], e.unit)
        if price is None:
            continue
        lst = lst_path = None
        if e.list_price:
            lhit = _first(node, e.list_price, where)
            if lhit is not None:
                lst, lst_path = parse_price(lhit[1], e.unit), lhit[0]
        role = "payable" if e.list_price else "price"
        out.append(_obs(ex, profile, item, price, role, hit[0], hit[1], e.id, lst, lst_path))
    return out


# ------------------------------------------------------------ discovery


def _split_key(key: str) -> list[str]:
    return [t.lower() for t in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^\x00-\x7f]+", key)]


_NOT_PRICE_TOKENS = frozenset({
    "count", "num", "number", "page", "pages", "rate", "ratio", "percent", "pct", "type",
    "level", "unit", "currency", "desc", "text", "label", "time", "date", "size", "id",
    "code", "status", "symbol", "format", "color", "icon", "url", "name", "title", "mode",
    "flag", "tips", "tip", "rule", "limit", "threshold", "version", "index", "qty",
    "quantity", "stock", "score", "sort", "range", "min", "max", "unitprice", "per",
})


@functools.lru_cache(maxsize=65536)
def _role(key: str, d: Discovery) -> str | None:
    """payable | list | component | price, or None when the key is not price-like."""
    n = norm_key(key)
    if not any(w in n for w in d.price_keys):
        return None
    if any(t in _NOT_PRICE_TOKENS for t in _split_key(key)):
        return None
    if any(w in n for w in d.component_keys):
        return "component"
    if any(w in n for w in d.list_keys):
        return "list"
    if any(w in n for w in d.payable_keys):
        return "payable"
    return "price"


@functools.lru_cache(maxsize=65536)
def _unit_hint(key: str, d: Discovery) -> str | None:
    n = norm_key(key)
    return "cents" if any(w in n for w in d.cents_keys) else None


@dataclass(frozen=True)
class _Cand:
    role: str
    path: str
    raw: Any
    price: tuple[float, str]
    depth: int


def _candidates(obj: dict, where: str, d: Discovery, depth: int = 0) -> list[_Cand]:
    """Price-like scalars of an object and of its nested id-less objects (one level)."""
    out = []
    for k, v in obj.items():
        if not isinstance(k, str):
            continue
        here = f"{where}.{k}" if where else k
        if isinstance(v, dict) and depth == 0 and not _id_key(v, d):
            out.extend(_candidates(v, here, d, depth + 1))
            continue
        role = _role(k, d)
        if role is None:
            continue
        price = parse_price(v, _unit_hint(k, d))
        if price is not None:
            out.append(_Cand(role, here, v, price, depth))
    return out


def _in_component(where: str, d: Discovery) -> bool:
    """Whether an object sits under a coupon / discount / fee list ("coupons[0]")."""
    return any(_is_component_word(part, d) for part in re.split(r"[.\[\]]", where)
               if part and not part.isdigit())


@functools.lru_cache(maxsize=65536)
def _is_component_word(part: str, d: Discovery) -> bool:
    n = norm_key(part)
    return any(w in n for w in d.component_keys)


def _id_key(obj: dict, d: Discovery) -> str | None:
    for k, v in obj.items():
        if isinstance(k, str) and norm_key(k) in d.item_id_keys and _id_text(v) is not None:
            return k
    return None


def _choose(cands: list[_Cand]) -> tuple[_Cand | None, _Cand | None]:
    """(price to compare, list price) of one item's candidates."""
    by_role: dict[str, list[_Cand]] = {}
    for c in sorted(cands, key=lambda c: c.depth):
        by_role.setdefault(c.role, []).append(c)
    lst = (by_role.get("list") or [None])[0]
    main = (by_role.get("payable") or by_role.get("price") or by_role.get("list") or [None])[0]
    if main is lst:
        lst = None
    return main, lst


def _discover(ex: Exchange, body: Any, profile: str, d: Discovery) -> list[PriceObservation]:
    out: list[PriceObservation] = []
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack and len(out) < d.max_items_per_response:
        where, node, depth = stack.pop()
        if depth > d.max_depth:
            continue
        if isinstance(node, dict):
            key = _id_key(node, d)
            if key is not None and not _in_component(where, d):
                main, lst = _choose(_candidates(node, where, d))
                if main is not None:
                    role = "payable" if lst else main.role
                    out.append(_obs(ex, profile, _id_text(node[key]) or "", main.price, role,
                                    main.path, main.raw, "auto",
                                    lst.price if lst else None, lst.path if lst else None))
            children = [(f"{where}.{k}" if where else str(k), v) for k, v in node.items()
                        if isinstance(v, (dict, list))]
        elif isinstance(node, list):
            children = [(f"{where}[{i}]", v) for i, v in enumerate(node)
                        if isinstance(v, (dict, list))]
        else:
            continue
        stack.extend((w, v, depth + 1) for w, v in reversed(children))
    if out or not isinstance(body, dict):
        return out
    return _discover_by_request(ex, body, profile, d)


def _discover_by_request(ex: Exchange, body: dict, profile: str,
                         d: Discovery) -> list[PriceObservation]:
    """A response with prices but no id (a quote): the request's id-like parameter names it."""
    item = None
    for k, v in _request_params(ex).items():
        if norm_key(k) in d.item_id_keys and _id_text(v) is not None:
            item = _id_text(v)
            break
    if item is None:
        return []
    cands: list[_Cand] = []
    stack: list[tuple[str, dict, int]] = [("", body, 0)]
    while stack:
        where, node, depth = stack.pop()
        cands.extend(_Cand(c.role, c.path, c.raw, c.price, depth) for c in
                     _candidates(node, where, d, depth=1))
        if depth < 3:
            stack.extend((f"{where}.{k}" if where else k, v, depth + 1)
                         for k, v in node.items() if isinstance(v, dict))
    main, lst = _choose(cands)
    if main is None:
        return []
    return [_obs(ex, profile, item, main.price, "payable" if lst else main.role, main.path,
                 main.raw, "auto", lst.price if lst else None, lst.path if lst else None)]
