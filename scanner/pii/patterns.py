"""Validated patterns: PI recognised by its shape and check digits when the device's own
values are not known. Every match is lower confidence than a known-value match.

Contract
--------
:func:`find_patterns(text, key)` returns :class:`PatternHit` items ``(pi_type, start, end,
confidence)`` for:

* ``device_id`` — 15-digit IMEI with a valid Luhn check digit and a GSMA reporting-body
  prefix (first two digits) in use;
* ``mac_address`` — six hex pairs with a consistent ``:`` or ``-`` separator, excluding the
  all-zero, broadcast and Android placeholder ``02:00:00:00:00:00`` addresses;
* ``phone_number`` — mainland mobile numbers ``1[3-9]`` + 9 digits, optionally ``86``/``+86``
  prefixed, not touching other letters or digits (so not inside longer digit runs or hashes);
* ``id_card_number`` — 18-character resident ID (GB 11643-1999): province code, real
  birth date, ISO 7064 MOD 11-2 check character;
* ``bank_card_number`` — 16–19 digits with a Luhn check and a card-scheme prefix (UnionPay
  62, Visa 4, Mastercard 51–55 / 22–27), not also a valid resident ID;
* ``precise_location`` — ``lat,lon`` or ``lon,lat`` pairs inside China's bounding box with
  at least 3 decimals each; keyed lat/lon values are returned by :func:`coordinate_value`
  for the caller to pair across one request;
* ``installed_apps`` — at least 3 distinct Java package names in one text.

Numbers that touch other letters or digits never match (order ids, timestamps and hex
digests are long runs, not separate tokens).

What the checks compare against (reporting bodies, province codes, China's bounding box,
coordinate keys, package prefixes, placeholder MACs) is knowledge: rulesets/pi-patterns.yaml,
read into ``Knowledge.pi_patterns``; every function takes it as ``cfg`` (the scan passes its
own knowledge's; without it, the shipped rulesets' are used).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.knowledge.pi_patterns import PiPatterns


def _data(cfg: PiPatterns | None) -> PiPatterns:
    """The pattern data: ``cfg`` (the scan's ``Knowledge.pi_patterns``) or, for direct calls,
    the shipped rulesets' (rulesets/pi-patterns.yaml)."""
    if cfg is not None:
        return cfg
    from scanner.knowledge import load_knowledge

    return load_knowledge().pi_patterns

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_DIGITS = re.compile(_B + r"(\d{15,19}|\d{17}[Xx])" + _E)
_PHONE = re.compile(_B + r"(?:\+?86[- ]?)?(1[3-9]\d{9})" + _E)
_MAC = re.compile(r"(?<![0-9A-Za-z:\-])([0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(?:\2[0-9A-Fa-f]{2}){4})"
                  r"(?![0-9A-Za-z:\-])")
_PAIR = re.compile(r"(?<![\d.])(-?\d{1,3}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})(?![\d.])")


@dataclass(frozen=True)
class PatternHit:
    """A validated pattern match in a text at [start, end)."""

    pi_type: str
    start: int
    end: int
    confidence: str = "medium"


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check over a digit string."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def imei_ok(d: str, cfg: PiPatterns | None = None) -> bool:
    """15 digits, reporting-body prefix in use, Luhn check digit."""
    return (len(d) == 15 and d.isdigit() and d[:2] in _data(cfg).imei_reporting_bodies
            and luhn_ok(d))


def id_card_ok(s: str, cfg: PiPatterns | None = None) -> bool:
    """An 18-character resident ID number valid under GB 11643-1999."""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    if int(s[:2]) not in _data(cfg).resident_id_provinces:
        return False
    try:
        born = _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not (_dt.date(1900, 1, 1) <= born <= _dt.date.today()):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == s[17].upper()


def bank_card_ok(d: str) -> bool:
    """16–19 digits, a card-scheme prefix, Luhn check."""
    if not (16 <= len(d) <= 19 and d.isdigit()):
        return False
    scheme = (d.startswith("62") or d.startswith("4") or 51 <= int(d[:2]) <= 55
              or 2221 <= int(d[:4]) <= 2720)
    return scheme and luhn_ok(d)


def in_china(lat: float, lon: float, cfg: PiPatterns | None = None) -> bool:
    """Inside China's bounding box."""
    d = _data(cfg)
    return d.lat_range[0] <= lat <= d.lat_range[1] and d.lon_range[0] <= lon <= d.lon_range[1]


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def coordinate_value(key: str | None, text: str, cfg: PiPatterns | None = None
                     ) -> tuple[str, float, int] | None:
    """("lat"|"lon", value, decimals) when ``key`` names a coordinate and ``text`` is a
    number in China's latitude/longitude range with at least 3 decimals."""
    if not key:
        return None
    last = re.split(r"[.\[\]]", key.strip().lower().rstrip("]"))[-1] if key else ""
    d = _data(cfg)
    axis = "lat" if last in d.lat_keys else "lon" if last in d.lon_keys else None
    if axis is None:
        return None
    t = text.strip()
    if not re.fullmatch(r"-?\d{1,3}\.\d+", t) or _decimals(t) < 3:
        return None
    v = float(t)
    lo, hi = d.lat_range if axis == "lat" else d.lon_range
    return (axis, v, _decimals(t)) if lo <= v <= hi else None


def find_patterns(text: str, cfg: PiPatterns | None = None) -> list[PatternHit]:
    """Validated PI patterns in ``text`` (see module contract)."""
    cfg = _data(cfg)
    out: list[PatternHit] = []
    if any(c.isdigit() for c in text):
        for m in _DIGITS.finditer(text):
            d = m.group(1)
            if len(d) == 15 and imei_ok(d, cfg):
                out.append(PatternHit("device_id", m.start(1), m.end(1), "medium"))
            elif len(d) == 18 and id_card_ok(d, cfg):
                out.append(PatternHit("id_card_number", m.start(1), m.end(1), "medium"))
            elif bank_card_ok(d):
                out.append(PatternHit("bank_card_number", m.start(1), m.end(1), "low"))
        out.extend(PatternHit("phone_number", m.start(1), m.end(1), "low")
                   for m in _PHONE.finditer(text))
        for m in _PAIR.finditer(text):
            a, b = float(m.group(1)), float(m.group(2))
            if in_china(a, b, cfg) or in_china(b, a, cfg):
                out.append(PatternHit("precise_location", m.start(), m.end(), "low"))
    if ":" in text or "-" in text:
        out.extend(PatternHit("mac_address", m.start(1), m.end(1), "low")
                   for m in _MAC.finditer(text)
                   if re.sub(r"[:\-]", "", m.group(1).lower()) not in cfg.placeholder_macs)
    if "." in text:
        pkgs = {}
        for m in cfg.package_re.finditer(text):
            pkgs.setdefault(m.group(1).lower(), m)
        if len(pkgs) >= cfg.min_packages:
            first = min(pkgs.values(), key=lambda m: m.start())
            out.append(PatternHit("installed_apps", first.start(1), first.end(1), "low"))
    return out
