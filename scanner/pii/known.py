"""Known-value matching: the test phone's own identifiers searched in request text under
the encodings apps use (the predefined-PII method of ReCon/AntShield, with hash search).

Contract
--------
:class:`KnownValueMatcher` is built once from :class:`DeviceFacts`. For each seed it
derives canonical variants (as given, lower and upper case; MAC with ``:``, ``-`` and no
separator; phone numbers with and without ``86``/``+86``), then the encoded forms of each
variant: plain, base64 (standard and URL-safe, without padding), hex of the UTF-8 bytes,
and MD5/SHA-1/SHA-256 (hex, and base64 of the raw digest). Everything is compared
case-folded, so ``encoding`` never distinguishes upper from lower case.

:meth:`KnownValueMatcher.find` returns :class:`Hit` items for one text. A hit must sit on
a boundary: numeric needles may not touch other digits, other needles may not touch
letters or digits. Location seeds produce ``lat``/``lon`` hits that the caller pairs
(:func:`pair_location`); installed-app seeds produce ``installed_apps`` hits that count
only when at least two distinct packages appear in one request.

Seeds shorter than ``MIN_LEN`` ASCII characters are ignored (too many false matches).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from scanner.model.device import DeviceFacts

MIN_LEN = 6
HASHES = ("md5", "sha1", "sha256")


@dataclass(frozen=True)
class Needle:
    """One searchable form of a known value."""

    pi_type: str
    encoding: str  # plain | base64 | hex | md5 | sha1 | sha256
    numeric: bool
    tag: str = ""  # "lat:<d>" / "lon:<d>" for coordinates, the package for installed apps


@dataclass(frozen=True)
class Hit:
    """A needle found in a text at [start, end)."""

    needle: Needle
    start: int
    end: int


def _variants(pi: str, value: str) -> list[str]:
    v = value.strip()
    if pi == "mac_address":
        h = re.sub(r"[^0-9a-f]", "", v.lower())
        if len(h) == 12:
            pairs = [h[i:i + 2] for i in range(0, 12, 2)]
            forms = [":".join(pairs), "-".join(pairs), h]
            return list(dict.fromkeys(f for x in forms for f in (x, x.upper())))
    if pi == "phone_number":
        d = re.sub(r"\D", "", v)
        if len(d) == 13 and d.startswith("86"):
            d = d[2:]
        if d:
            return [d, "86" + d, "+86" + d]
    return list(dict.fromkeys([v, v.lower(), v.upper()]))


def _b64(data: bytes) -> list[str]:
    std = base64.b64encode(data).decode().rstrip("=")
    safe = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return list(dict.fromkeys([std, safe]))


def _encoded_forms(form: str) -> list[tuple[str, str]]:
    raw = form.encode("utf-8")
    out = [(form, "plain")]
    out += [(b, "base64") for b in _b64(raw)]
    out.append((raw.hex(), "hex"))
    for name in HASHES:
        digest = hashlib.new(name, raw).digest()
        out.append((digest.hex(), name))
        out += [(b, name) for b in _b64(digest)]
    return out


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[+\-]?[0-9.]+", text))


def _coord_forms(value: float) -> list[tuple[str, int]]:
    out = []
    for d in range(6, 1, -1):
        out.append((f"{value:.{d}f}", d))
        scale = 10 ** d
        trunc = int(abs(value) * scale) / scale * (1 if value >= 0 else -1)
        out.append((f"{trunc:.{d}f}", d))
    return list(dict.fromkeys(out))


def _trie_regex(words: list[str]) -> re.Pattern[str]:
    """One regex matching any of ``words``, longest first, built as a trie."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        keys = sorted(k for k in node if k)
        if not keys:
            return ""
        alts = [re.escape(k) + build(node[k]) for k in keys]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    if not words:
        return re.compile(r"(?!x)x")
    return re.compile(build(trie))


class KnownValueMatcher:
    """Finds the device's known values in text (see module contract)."""

    def __init__(self, facts: DeviceFacts, skip_packages: tuple[str, ...] = ()) -> None:
        table: dict[str, Needle] = {}
        skip = {p.lower() for p in skip_packages}
        for pi, value in facts.seeds:
            if pi == "installed_apps":
                pkg = value.strip().lower()
                if pkg and pkg not in skip:
                    table.setdefault(pkg, Needle(pi, "plain", False, pkg))
                continue
            ascii_only = value.isascii()
            if len(value.strip()) < (MIN_LEN if ascii_only else 2):
                continue
            for form in _variants(pi, value):
                for text, enc in _encoded_forms(form):
                    key = text.lower()
                    table.setdefault(key, Needle(pi, enc, _numeric(key)))
        if facts.location:
            lat, lon = facts.location
            for axis, val in (("lat", lat), ("lon", lon)):
                for text, d in _coord_forms(val):
                    table.setdefault(text, Needle("precise_location", "plain", True,
                                                  f"{axis}:{d}"))
        self.table = table
        self.regex = _trie_regex(sorted(table, key=len, reverse=True))
        self.types = facts.types()

    def __bool__(self) -> bool:
        return bool(self.table)

    def find(self, text: str) -> list[Hit]:
        """Hits of known values in ``text`` (compared case-folded)."""
        low = text.lower()
        if len(low) != len(text):  # case folding changed lengths (rare scripts): keep safe
            low = text
        hits = []
        n = len(low)
        for m in self.regex.finditer(low):
            s, e = m.span()
            if s == e:
                continue
            needle = self.table.get(m.group())
            if needle is None:
                continue
            before = low[s - 1] if s > 0 else ""
            after = low[e] if e < n else ""
            if needle.numeric:
                if before.isdigit() or after.isdigit() or (
                        needle.tag and (before == "." or (after == "." and e + 1 < n
                                                          and low[e + 1].isdigit()))):
                    continue
            elif (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()):
                continue
            hits.append(Hit(needle, s, e))
        return hits


def pair_location(hits: list[tuple[Hit, object]]) -> tuple[str, int] | None:
    """("precise_location"|"coarse_location", decimals) when both a latitude and a
    longitude hit are present among ``hits`` (pairs of hit and context), else None."""
    lat = [int(h.needle.tag.split(":")[1]) for h, _ in hits if h.needle.tag.startswith("lat:")]
    lon = [int(h.needle.tag.split(":")[1]) for h, _ in hits if h.needle.tag.startswith("lon:")]
    if not lat or not lon:
        return None
    d = min(max(lat), max(lon))
    return ("precise_location" if d >= 3 else "coarse_location"), d
