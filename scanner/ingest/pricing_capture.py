"""Capture reader for the pricing command: mitmproxy flow files and HAR 1.2 → Exchanges.

Contract: ``sniff_kind(path)`` tells "flows" from "har" by content (a HAR is a
JSON object, a flow file a tnetstring stream); ``read_capture(path)`` yields
:class:`scanner.model.traffic.Exchange` objects one at a time with response
bodies decoded (gzip/deflate bounded by ``MAX_BODY``; other encodings through
mitmproxy within the same bound, else ``decode_error`` set). Any unreadable or
malformed file raises :class:`scanner.errors.InputError` with one line naming
the file. This is the pricing stage's own reader until the shared
``scanner.ingest.traffic`` lands; it will then delegate to it.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from scanner.errors import InputError
from scanner.model.traffic import Exchange

MAX_BODY = 16 * 1024 * 1024  # decoded body limit per response
MAX_HAR = 512 * 1024 * 1024  # a HAR is parsed whole; refuse larger files


def sniff_kind(path: Path) -> str:
    """"har" or "flows", by the first non-blank bytes of the file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as e:
        raise InputError(f"{path}: cannot read capture: {e.strerror or e}") from e
    if not head:
        raise InputError(f"{path}: empty capture file")
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(b"{"):
        return "har"
    if head[:1].isdigit():
        return "flows"
    raise InputError(f"{path}: not a mitmproxy flow file or HAR (unrecognised content)")


def read_capture(path: Path) -> Iterator[Exchange]:
    """Every exchange of a flow file or HAR, in file order."""
    kind = sniff_kind(path)
    if kind == "har":
        yield from _read_har(path)
    else:
        yield from _read_flows(path)


def _bounded_inflate(data: bytes, wbits: int) -> tuple[bytes, bool]:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, MAX_BODY)
    return out, bool(d.unconsumed_tail)


def decode_body(raw: bytes, encoding: str) -> tuple[bytes, bool, str | None]:
    """(decoded, truncated, error) for a body with a Content-Encoding header value."""
    enc = (encoding or "").strip().lower()
    if enc in ("", "identity", "none"):
        return raw[:MAX_BODY], len(raw) > MAX_BODY, None
    try:
        if enc in ("gzip", "x-gzip"):
            out, cut = _bounded_inflate(raw, 16 + zlib.MAX_WBITS)
            return out, cut, None
        if enc == "deflate":
            try:
                out, cut = _bounded_inflate(raw, zlib.MAX_WBITS)
            except zlib.error:
                out, cut = _bounded_inflate(raw, -zlib.MAX_WBITS)
            return out, cut, None
    except zlib.error as e:
        return b"", False, f"{enc}: {e}"
    if len(raw) > MAX_BODY // 64:  # other codecs cannot be bounded here: refuse large ones
        return b"", False, f"{enc}: compressed body too large to decode safely"
    try:
        from mitmproxy.net import encoding as mencoding

        out = mencoding.decode(raw, enc)
    except Exception as e:  # codec errors of any kind from an attacker-controlled body
        return b"", False, f"{enc}: {type(e).__name__}"
    if not isinstance(out, bytes):
        return b"", False, f"{enc}: not bytes"
    return out[:MAX_BODY], len(out) > MAX_BODY, None


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), "")


def _read_flows(path: Path) -> Iterator[Exchange]:
    from mitmproxy import exceptions, http
    from mitmproxy.io import FlowReader

    try:
        fh = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read capture: {e.strerror or e}") from e
    with fh:
        index = 0
        try:
            for flow in FlowReader(fh).stream():
                if not isinstance(flow, http.HTTPFlow):
                    continue
                yield _exchange_of_flow(flow, path, index)
                index += 1
        except exceptions.FlowReadException as e:
            raise InputError(f"{path}: corrupt mitmproxy flow file after {index} flows: "
                             f"{str(e)[:120]}") from e
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
            raise InputError(f"{path}: corrupt mitmproxy flow file after {index} flows: "
                             f"{type(e).__name__}") from e


def _exchange_of_flow(flow, path: Path, index: int) -> Exchange:
    req = flow.request
    rq_headers = tuple((k, v) for k, v in req.headers.items(multi=True))
    status = None
    rs_headers: tuple[tuple[str, str], ...] = ()
    body = b""
    truncated = False
    error = None
    if flow.response is not None:
        resp = flow.response
        status = resp.status_code
        rs_headers = tuple((k, v) for k, v in resp.headers.items(multi=True))
        body, truncated, error = decode_body(resp.raw_content or b"",
                                             _header(rs_headers, "content-encoding"))
    rq_body, _, _ = decode_body(req.raw_content or b"", _header(rq_headers, "content-encoding"))
    return Exchange(
        flow_id=str(flow.id), source=str(path), index=index, time=req.timestamp_start,
        method=req.method, scheme=req.scheme, host=req.pretty_host or req.host,
        port=req.port, path=req.path, request_headers=rq_headers, request_body=rq_body,
        status=status, response_headers=rs_headers, response_body=body,
        truncated=truncated, decode_error=error,
    )


def _har_headers(entries) -> tuple[tuple[str, str], ...]:
    if not isinstance(entries, list):
        return ()
    return tuple((str(h.get("name", "")), str(h.get("value", "")))
                 for h in entries if isinstance(h, dict))


def _har_time(value) -> float | None:
    if not isinstance(value, str):
        return None
    from scanner.timeparse import parse_time

    try:
        return parse_time(value)
    except Exception:  # a malformed timestamp leaves the time unknown
        return None


def _har_text(obj, path: Path, i: int) -> bytes:
    if not isinstance(obj, dict):
        return b""
    text = obj.get("text")
    if not isinstance(text, str):
        return b""
    if obj.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False)[:MAX_BODY]
        except (binascii.Error, ValueError) as e:
            raise InputError(f"{path}: HAR entry {i}: bad base64 body") from e
    return text.encode("utf-8", "surrogatepass")[:MAX_BODY]


def _read_har(path: Path) -> Iterator[Exchange]:
    try:
        size = path.stat().st_size
        if size > MAX_HAR:
            raise InputError(f"{path}: HAR larger than {MAX_HAR >> 20} MB")
        doc = json.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except OSError as e:
        raise InputError(f"{path}: cannot read capture: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: corrupt HAR (invalid JSON: {str(e)[:80]})") from e
    entries = doc.get("log", {}).get("entries") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{path}: not a HAR file (no log.entries list)")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
            raise InputError(f"{path}: HAR entry {i} has no request")
        req = entry["request"]
        url = req.get("url")
        if not isinstance(url, str):
            raise InputError(f"{path}: HAR entry {i} has no request URL")
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as e:
            raise InputError(f"{path}: HAR entry {i}: bad URL") from e
        resp = entry.get("response") if isinstance(entry.get("response"), dict) else {}
        post = req.get("postData") if isinstance(req.get("postData"), dict) else {}
        status = resp.get("status")
        yield Exchange(
            flow_id=f"{path.name}#{i}", source=str(path), index=i,
            time=_har_time(entry.get("startedDateTime")),
            method=str(req.get("method", "GET")), scheme=parts.scheme or "http",
            host=parts.hostname or "", port=port,
            path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            request_headers=_har_headers(req.get("headers")),
            request_body=_har_text(post, path, i),
            status=status if isinstance(status, int) and status > 0 else None,
            response_headers=_har_headers(resp.get("headers")),
            response_body=_har_text(resp.get("content"), path, i),
        )
