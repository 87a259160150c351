"""Where PI can hide in a request: the searchable text surfaces of one :class:`Exchange`.

Contract
--------
:func:`request_surfaces` yields :class:`Surface` items ``(where, key, text, encoding)``:

* ``where`` is one of ``path``, ``query``, ``header``, ``cookie``, ``body``;
* ``key`` names the parameter, header, cookie, multipart part or JSON path (dotted, with
  ``[i]`` for list items) — None for the path and for unstructured bodies;
* ``encoding`` is the container encoding that had to be undone to reach ``text``:
  ``plain`` (as sent), ``url`` (percent-decoding changed the text) or ``base64`` (a string
  that decoded to printable text or JSON). The raw form is always yielded before decoded
  forms, so a value present as sent is attributed ``plain``.

Bodies are parsed as JSON, ``application/x-www-form-urlencoded`` or ``multipart/form-data``
(by content type, then by content); JSON and base64 strings nested in string values, and
the header and claims of JSON Web Tokens (key suffix ``.jwt0`` / ``.jwt1``), are opened
up to ``MAX_DEPTH`` levels. Binary bodies are searched as Latin-1 text.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_plus

from scanner.model.traffic import Exchange

MAX_DEPTH = 3
MAX_LEAVES = 20000
_B64 = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_JWT = re.compile(r"(?:Bearer )?[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_SKIP_HEADERS = frozenset({"content-length", "content-type", "accept", "accept-encoding",
                           "connection", "host", "accept-language", "cache-control",
                           "content-encoding", "transfer-encoding"})


@dataclass(frozen=True)
class Surface:
    """One searchable piece of a request."""

    where: str
    key: str | None
    text: str
    encoding: str = "plain"


def _printable(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\r\n") or c == "\ufffd")
    return bad == 0


def try_base64(value: str) -> str | None:
    """The text a base64 string stands for, or None when it is not printable base64."""
    v = value.strip()
    if len(v) < 12 or not _B64.fullmatch(v):
        return None
    if v.isdigit() or re.fullmatch(r"[0-9a-fA-F]+", v):
        return None  # digits / hex: more likely ids or hashes than base64
    pad = "=" * (-len(v.rstrip("=")) % 4)
    core = v.rstrip("=") + pad
    try:
        raw = (base64.urlsafe_b64decode(core) if ("-" in v or "_" in v)
               else base64.b64decode(core, validate=True))
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _printable(text) else None


def _url_forms(raw: str) -> Iterator[tuple[str, str]]:
    yield raw, "plain"
    if "%" in raw or "+" in raw:
        once = unquote_plus(raw)
        if once != raw:
            yield once, "url"
            if "%" in once:
                twice = unquote(once)
                if twice != once:
                    yield twice, "url"


def _walk_json(obj: Any, where: str, path: str, enc: str, depth: int,
               out: list[Surface]) -> None:
    if len(out) > MAX_LEAVES:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            _walk_json(v, where, f"{path}.{k}" if path else str(k), enc, depth, out)
            # keys can carry values too (e.g. {"<imei>": {...}})
            if isinstance(k, str) and len(k) >= 6:
                out.append(Surface(where, path or None, k, enc))
    elif isinstance(obj, list):
        # a list of scalars is also searched joined (e.g. installed package lists)
        scalars = [x for x in obj if isinstance(x, str)]
        if len(scalars) >= 2:
            out.append(Surface(where, path or None, "\n".join(scalars), enc))
        for i, v in enumerate(obj):
            if isinstance(v, str) and len(scalars) >= 2:
                _nested(v, where, path, enc, depth, out, leaf=False)
                continue
            _walk_json(v, where, f"{path}[{i}]", enc, depth, out)
    elif isinstance(obj, str):
        _nested(obj, where, path, enc, depth, out, leaf=True)
    elif obj is not None and not isinstance(obj, bool):
        out.append(Surface(where, path or None, json.dumps(obj), enc))


def _nested(value: str, where: str, key: str, enc: str, depth: int,
            out: list[Surface], leaf: bool) -> None:
    v = value.strip()
    if depth < MAX_DEPTH and v[:1] in "{[" and len(v) >= 2:
        try:
            inner = json.loads(v)
        except (ValueError, RecursionError):
            inner = None
        if isinstance(inner, (dict, list)):  # searched through its leaves, not as text
            _walk_json(inner, where, key, enc, depth + 1, out)
            return
    if leaf:
        out.append(Surface(where, key or None, value, enc))
    if depth >= MAX_DEPTH:
        return
    if v.count(".") == 2 and _JWT.fullmatch(v.removeprefix("Bearer ").strip()):
        # a JSON Web Token: header and claims are base64url JSON
        for i, seg in enumerate(v.removeprefix("Bearer ").strip().split(".")[:2]):
            text = try_base64(seg)
            if text is None:
                continue
            try:
                inner = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if isinstance(inner, dict):
                _walk_json(inner, where, f"{key}.jwt{i}" if key else f"jwt{i}", "base64",
                           depth + 1, out)
        return
    decoded = try_base64(v)
    if decoded is not None:
        d = decoded.strip()
        if d[:1] in "{[":
            try:
                inner = json.loads(d)
            except (ValueError, RecursionError):
                inner = None
            if isinstance(inner, (dict, list)):
                _walk_json(inner, where, key, "base64", depth + 1, out)
                return
        out.append(Surface(where, key or None, decoded, "base64"))


def _pairs(text: str, sep: str = "&") -> Iterator[tuple[str, str]]:
    for part in text.split(sep):
        if not part:
            continue
        k, _, v = part.partition("=")
        yield k, v


def _form_surfaces(text: str, where: str, out: list[Surface]) -> None:
    for k_raw, v_raw in _pairs(text):
        key = unquote_plus(k_raw)
        first = True
        for form, enc in _url_forms(v_raw):
            _nested(form, where, key, enc, 0 if first else 1, out, leaf=True)
            first = False


def _text_of(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def _multipart(body: bytes, ctype: str, out: list[Surface]) -> bool:
    m = re.search(r'boundary="?([^";]+)"?', ctype, re.I)
    if not m:
        return False
    boundary = b"--" + m.group(1).encode("latin-1")
    found = False
    for part in body.split(boundary)[1:]:
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        found = True
        content = content.rstrip(b"\r\n-")
        name_m = re.search(rb'name="([^"]*)"', head)
        name = name_m.group(1).decode("utf-8", "replace") if name_m else None
        _body_surfaces(content, _part_type(head), out, key=name)
    return found


def _part_type(head: bytes) -> str:
    m = re.search(rb"content-type:\s*([^\r\n]+)", head, re.I)
    return m.group(1).decode("latin-1") if m else ""


def _body_surfaces(body: bytes, ctype: str, out: list[Surface], key: str | None = None) -> None:
    ct = ctype.lower()
    if "multipart/" in ct and _multipart(body, ctype, out):
        return
    text = _text_of(body)
    stripped = text.strip()
    if "json" in ct or stripped[:1] in "{[":
        try:
            doc = json.loads(stripped)
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, (dict, list)):
            _walk_json(doc, "body", key or "", "plain", 0, out)
            return
    if "x-www-form-urlencoded" in ct or (
            "=" in stripped and "\n" not in stripped and " " not in stripped):
        _form_surfaces(stripped, "body", out)
        if key:  # a multipart part holding a form
            out.append(Surface("body", key, text, "plain"))
        return
    _nested(text, "body", key or "", "plain", 0, out, leaf=True)


def request_surfaces(ex: Exchange) -> list[Surface]:
    """All surfaces of the request side of ``ex`` (see module contract)."""
    out: list[Surface] = []
    path, _, query = ex.path.partition("?")
    for form, enc in _url_forms(path):
        out.append(Surface("path", None, form, enc))
    if query:
        _form_surfaces(query, "query", out)
    ctype = ""
    for name, value in ex.request_headers:
        low = name.lower()
        if low == "content-type":
            ctype = value
        if low == "cookie":
            for k, v in _pairs(value, ";"):
                key = k.strip()
                first = True
                for form, enc in _url_forms(v.strip()):
                    _nested(form, "cookie", key, enc, 0 if first else 1, out, leaf=True)
                    first = False
            continue
        if low in _SKIP_HEADERS:
            continue
        _nested(value, "header", name, "plain", 0, out, leaf=True)
    if ex.request_body:
        _body_surfaces(ex.request_body, ctype, out)
    return out
