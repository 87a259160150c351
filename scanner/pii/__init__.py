"""PI value matching in captured requests: known device values and validated patterns.

Contract
--------
:func:`scan_exchange(ex, matcher)` returns the :class:`PiMatch` items of one request,
at most one per ``(pi_type, where, key)``, known-value matches first:

* with a :class:`~scanner.pii.known.KnownValueMatcher` (device facts), each known value
  found in any surface (:mod:`scanner.pii.surfaces`) under any encoding → confidence
  ``high``, ``matched="device_facts"``;
* validated patterns (:mod:`scanner.pii.patterns`) for the PI types in ``pattern_types``
  that the facts do not cover (a known value is authoritative for its type) → confidence
  ``medium``/``low``, ``matched="pattern"``.

``encoding`` is the needle's encoding (hex, md5, sha1, sha256, base64) or, for a value
found as is, the container encoding of its surface (plain, url, base64). ``excerpt`` is a
short window of the surface text with the value itself masked (:func:`mask`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.knowledge.pi_patterns import PiPatterns
from scanner.model.traffic import Exchange
from scanner.pii.known import Hit, KnownValueMatcher, pair_location
from scanner.pii.patterns import coordinate_value, find_patterns
from scanner.pii.surfaces import Surface, request_surfaces

WINDOW = 24
PATTERN_TYPES = frozenset({"device_id", "mac_address", "phone_number", "id_card_number",
                           "bank_card_number", "precise_location", "installed_apps"})


@dataclass(frozen=True)
class PiMatch:
    """One PI type found in one place of a request."""

    pi_type: str
    encoding: str
    where: str
    key: str | None
    confidence: str
    matched: str  # device_facts | pattern
    excerpt: str


def mask(value: str) -> str:
    """Keep the first and last two characters (of values of 8+), star the rest."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def excerpt(text: str, start: int, end: int, window: int = WINDOW) -> str:
    """``window`` characters either side of [start, end) with the match masked."""
    lo = max(0, start - window)
    hi = min(len(text), end + window)
    out = text[lo:start] + mask(text[start:end]) + text[end:hi]
    out = out.replace("\r", " ").replace("\n", " ")
    return ("…" if lo else "") + out + ("…" if hi < len(text) else "")


def excerpt_spans(text: str, center: list[tuple[int, int]],
                  masks: list[tuple[int, int]] | None = None, window: int = WINDOW) -> str:
    """``window`` characters around the ``center`` matches, with every span of ``center``
    and ``masks`` inside the window masked (other PI next to the match is hidden too)."""
    lo = max(0, min(s for s, _ in center) - window)
    hi = min(len(text), max(e for _, e in center) + window)
    spans = sorted({(max(s, lo), min(e, hi)) for s, e in list(center) + list(masks or ())
                    if s < hi and e > lo})
    out, pos = [], lo
    for s, e in spans:
        if e <= pos:
            continue
        s = max(s, pos)
        out.append(text[pos:s])
        out.append(mask(text[s:e]))
        pos = e
    out.append(text[pos:hi])
    body = "".join(out).replace("\r", " ").replace("\n", " ")
    return ("…" if lo else "") + body + ("…" if hi < len(text) else "")


@dataclass
class _Found:
    pi_type: str
    encoding: str
    surface: Surface
    confidence: str
    matched: str
    center: list[tuple[int, int]]


def scan_exchange(ex: Exchange, matcher: KnownValueMatcher | None = None,
                  pattern_types: frozenset[str] = PATTERN_TYPES,
                  patterns: PiPatterns | None = None) -> list[PiMatch]:
    """PI found in the request of ``ex`` (see module contract)."""
    surfaces = request_surfaces(ex)
    found: dict[tuple, _Found] = {}
    spans: dict[int, list[tuple[int, int]]] = {}  # id(surface) -> every match in it

    def add(f: _Found) -> None:
        spans.setdefault(id(f.surface), []).extend(f.center)
        found.setdefault((f.pi_type, f.surface.where, f.surface.key), f)

    if matcher:
        pattern_types = pattern_types - matcher.types
        loc_hits: list[tuple[Hit, Surface]] = []
        pkg_hits: list[tuple[Hit, Surface]] = []
        for s in surfaces:
            for h in matcher.find(s.text):
                n = h.needle
                if n.pi_type == "installed_apps":
                    pkg_hits.append((h, s))
                    continue
                if n.tag:
                    loc_hits.append((h, s))
                    continue
                enc = n.encoding if n.encoding != "plain" else s.encoding
                add(_Found(n.pi_type, enc, s, "high", "device_facts", [(h.start, h.end)]))
        if len({h.needle.tag for h, _ in pkg_hits}) >= 2:
            s = pkg_hits[0][1]
            add(_Found("installed_apps", s.encoding, s, "high", "device_facts",
                       [(h.start, h.end) for h, sx in pkg_hits if sx is s]))
        paired = pair_location(loc_hits)
        if paired:
            s = next(s for h, s in loc_hits if h.needle.tag.startswith("lat:"))
            add(_Found(paired[0], s.encoding, s, "high", "device_facts",
                       [(h.start, h.end) for h, sx in loc_hits if sx is s]))
    if pattern_types:
        coords: dict[str, Surface] = {}
        for s in surfaces:
            for p in find_patterns(s.text, patterns):
                if p.pi_type in pattern_types:
                    add(_Found(p.pi_type, s.encoding, s, p.confidence, "pattern",
                               [(p.start, p.end)]))
            if "precise_location" in pattern_types:
                c = coordinate_value(s.key, s.text, patterns)
                if c:
                    coords.setdefault(c[0], s)
        if "lat" in coords and "lon" in coords:
            s = coords["lat"]
            add(_Found("precise_location", s.encoding, s, "low", "pattern",
                       [(0, len(s.text))]))
    return [PiMatch(f.pi_type, f.encoding, f.surface.where, f.surface.key, f.confidence,
                    f.matched, excerpt_spans(f.surface.text, f.center, spans[id(f.surface)]))
            for f in found.values()]


__all__ = ["KnownValueMatcher", "PiMatch", "excerpt", "mask", "scan_exchange"]
