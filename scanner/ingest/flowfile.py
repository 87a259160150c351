"""mitmproxy flow files (``mitmdump -w``) read lazily into :class:`Exchange` objects, plus
the body decoding shared with the HAR reader.

Contract
--------
* :func:`iter_flow_file` opens the file itself and streams it through mitmproxy's own
  ``mitmproxy.io.FlowReader`` (every dump version mitmproxy can migrate is accepted); one
  :class:`Exchange` per HTTP flow, other flow types (TCP, UDP, DNS) are skipped silently.
* WebSocket flows also yield one exchange per client-to-server message
  (:func:`websocket_exchanges`), so PI sent over a WebSocket is searched like a body.
* Damage does not raise: when the reader stops on a truncated or corrupt record, the
  exchanges before it have been yielded and the damage is recorded once in ``damage`` (a
  :class:`scanner.model.damage.DamageLog`, part = the file's path).
* :func:`decode_body` undoes ``Content-Encoding`` (gzip, deflate, br, zstd, identity, in
  the reverse order they were applied) and leftover chunked transfer coding, never producing
  more than ``limit`` bytes (decompression bombs are cut, the exchange is marked
  ``truncated``); a body that cannot be decoded is kept raw with ``decode_error`` set.
  Decoding is streamed: zlib and zstd stop at ``limit + 1`` output bytes, brotli (whose
  binding cannot cap its output) is fed ``_BR_STEP`` compressed bytes at a time, so one
  step yields at most a few tens of MiB however hostile the stream.
* A :class:`DecodeBudget` shared by the bodies of one capture file caps the decoded bytes
  of the whole file (``MAX_DECODED_PER_FILE``): past it, encoded bodies are kept raw with
  ``decode_error`` naming the limit, so 2,000 small brotli bombs cost as much as a few.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from scanner.limits import BODY_LIMIT, MAX_DECODED_PER_FILE
from scanner.messages import english, msg, record
from scanner.model.damage import DamageLog
from scanner.model.traffic import Exchange

# compressed bytes fed to brotli per step (its output cannot be capped): one byte of a
# brotli stream inflates to at most one meta-block (16 MiB), in practice 8 MiB for zeros
_BR_STEP = 4


class DecodeBudget:
    """Decoded bytes left for the bodies of one capture file (``MAX_DECODED_PER_FILE``)."""

    def __init__(self, total: int = MAX_DECODED_PER_FILE) -> None:
        self.left = total
        self.total = total


# bytes a decoder produced beyond what it returned (brotli overshoots its limit by up to
# _BR_STEP meta-blocks); read and reset by decode_body to charge the budget the real work
_overshoot = [0]


def _charge(produced: int) -> None:
    _overshoot[0] += produced


class BodyError(Exception):
    """A content-encoding could not be undone: ``message`` says why (scanner.messages);
    what the decoder said is quoted in it as it said it."""

    def __init__(self, message: dict) -> None:
        super().__init__(english(message))
        self.message = message


def _inflate(data: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, limit + 1)
    if len(out) > limit:
        return out[:limit], True
    if not d.eof and not d.unconsumed_tail and not out and data:
        raise BodyError(msg("body_incomplete_deflate"))
    return out, False


def _gunzip(data: bytes, limit: int) -> tuple[bytes, bool]:
    try:
        return _inflate(data, 16 + zlib.MAX_WBITS, limit)
    except zlib.error as e:
        raise BodyError(msg("body_codec", coding="gzip", detail=str(e))) from e


def _undeflate(data: bytes, limit: int) -> tuple[bytes, bool]:
    try:  # RFC 9110 deflate is zlib-wrapped; some servers send raw deflate
        return _inflate(data, zlib.MAX_WBITS, limit)
    except zlib.error:
        try:
            return _inflate(data, -zlib.MAX_WBITS, limit)
        except zlib.error as e:
            raise BodyError(msg("body_codec", coding="deflate", detail=str(e))) from e


def _unbrotli(data: bytes, limit: int) -> tuple[bytes, bool]:
    import brotli

    d = brotli.Decompressor()
    parts: list[bytes] = []
    size = 0
    try:
        for i in range(0, len(data), _BR_STEP):
            chunk = d.process(data[i:i + _BR_STEP])
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                _charge(size)
                return b"".join(parts)[:limit], True
    except brotli.error as e:
        raise BodyError(msg("body_codec", coding="br", detail=str(e))) from e
    _charge(size)
    return b"".join(parts), False


def _unzstd(data: bytes, limit: int) -> tuple[bytes, bool]:
    import io

    import zstandard

    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        out = reader.read(limit + 1)
    except zstandard.ZstdError as e:
        raise BodyError(msg("body_codec", coding="zstd", detail=str(e))) from e
    if len(out) > limit:
        return out[:limit], True
    return out, False


_DECODERS: dict[str, Callable[[bytes, int], tuple[bytes, bool]]] = {
    "gzip": _gunzip, "x-gzip": _gunzip, "deflate": _undeflate, "br": _unbrotli,
    "zstd": _unzstd,
}


def dechunk(data: bytes) -> bytes | None:
    """Undo chunked transfer coding; None when ``data`` is not a valid chunked body."""
    out = bytearray()
    pos = 0
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        pos = eol + 2
        if size == 0:
            return bytes(out)
        if pos + size + 2 > len(data) or data[pos + size:pos + size + 2] != b"\r\n":
            return None
        out += data[pos:pos + size]
        pos += size + 2


def decode_body(raw: bytes, headers: tuple[tuple[str, str], ...],
                limit: int = BODY_LIMIT, budget: DecodeBudget | None = None
                ) -> tuple[bytes, bool, dict | None]:
    """(decoded body, truncated, error: a message of scanner.messages) for a body sent with
    ``headers``; ``budget`` is the capture file's decoded-bytes budget (see module
    contract)."""
    if not raw:
        return b"", False, None
    hmap = {k.lower(): v for k, v in headers}
    data = raw
    if "chunked" in hmap.get("transfer-encoding", "").lower():
        plain = dechunk(data)
        if plain is not None:
            data = plain
    codings = [c.strip().lower() for c in hmap.get("content-encoding", "").split(",")
               if c.strip()]
    truncated = False
    for coding in reversed(codings):
        if coding in ("identity", "none"):
            continue
        fn = _DECODERS.get(coding)
        if fn is None:
            return raw[:limit], len(raw) > limit, msg("body_unknown_coding", coding=coding)
        if budget is not None and budget.left <= 0:
            return raw[:limit], len(raw) > limit, msg("body_budget", coding=coding,
                                                      total=budget.total)
        _overshoot[0] = 0
        try:
            data, cut = fn(data, limit)
        except BodyError as e:
            return raw[:limit], len(raw) > limit, e.message
        if budget is not None:
            budget.left -= max(len(data), _overshoot[0])
        if cut:
            return data, True, msg("body_too_large", coding=coding, limit=limit)
    if len(data) > limit:
        data, truncated = data[:limit], True
    return data, truncated, None


def _as_bytes(value: object) -> bytes:
    """A body as bytes: a damaged dump can hold a string (or another type) where mitmproxy
    writes bytes, and its reader passes it on."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return b""


def _headers(hdrs) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in hdrs.items(multi=True))


def flow_to_exchange(flow, source: str, index: int, limit: int = BODY_LIMIT,
                     budget: DecodeBudget | None = None) -> Exchange | None:
    """One mitmproxy HTTPFlow as an Exchange (None for other flow types)."""
    from mitmproxy import http

    if not isinstance(flow, http.HTTPFlow):
        return None
    req = flow.request
    rh = _headers(req.headers)
    body, trunc, err = decode_body(_as_bytes(req.raw_content), rh, limit, budget)
    status = None
    resp_h: tuple[tuple[str, str], ...] = ()
    resp_body = b""
    if flow.response is not None:
        status = flow.response.status_code
        resp_h = _headers(flow.response.headers)
        resp_body, rtrunc, rerr = decode_body(_as_bytes(flow.response.raw_content), resp_h,
                                              limit, budget)
        trunc = trunc or rtrunc
        err = err or (msg("body_response", why=rerr) if rerr else None)
    meta = {k: v for k, v in (flow.metadata or {}).items()
            if isinstance(k, str) and k.startswith("appaudit")}
    return Exchange(
        flow_id=flow.id, source=source, index=index, time=req.timestamp_start,
        method=req.method, scheme=req.scheme, host=(req.pretty_host or req.host).lower(),
        port=req.port, path=req.path, request_headers=rh, request_body=body,
        status=status, response_headers=resp_h, response_body=resp_body,
        truncated=trunc, decode_error=english(err) if err else None, marker=meta or None,
        decode_error_msg=err,
    )


def websocket_exchanges(base: Exchange, messages) -> Iterator[Exchange]:
    """One Exchange per client-to-server WebSocket message of the flow ``base``: same flow
    id, host and path; the message as request body; method ``WEBSOCKET``. ``messages`` are
    (from_client, content bytes, timestamp) triples."""
    from dataclasses import replace

    for i, (from_client, content, ts) in enumerate(messages):
        if not from_client or not content:
            continue
        yield replace(base, method="WEBSOCKET", index=base.index, time=ts or base.time,
                      request_headers=(("X-Websocket-Message", str(i)),),
                      request_body=content[:BODY_LIMIT], status=None, response_headers=(),
                      response_body=b"", truncated=len(content) > BODY_LIMIT,
                      decode_error=None)


def is_flow_file(head: bytes) -> bool:
    """A tnetstring dump starts with a decimal length and a colon."""
    digits = 0
    for b in head:
        if 48 <= b <= 57:
            digits += 1
            continue
        return b == 58 and digits > 0
    return False


def iter_flow_file(path: Path, damage: DamageLog | None = None,
                   limit: int = BODY_LIMIT) -> Iterator[Exchange]:
    """Stream the HTTP exchanges of a mitmproxy dump (see module contract)."""
    from mitmproxy import exceptions, io

    index = 0
    budget = DecodeBudget()
    with open(path, "rb") as fh:
        reader = io.FlowReader(fh)
        stream = reader.stream()
        while True:
            try:
                flow = next(stream)
            except StopIteration:
                return
            except (exceptions.FlowReadException, ValueError, TypeError, KeyError,
                    IndexError, AttributeError, UnicodeDecodeError, AssertionError) as e:
                # mitmproxy checks a flow's saved state with ``assert`` (a state holding a
                # field it does not know, e.g. a flipped byte in a key, fails ``state == {}``)
                if damage is not None:
                    why = (str(e).splitlines()[0] if str(e)
                           else msg("skip_flow_unknown_fields")
                           if isinstance(e, AssertionError) else type(e).__name__)
                    damage.add_once(*record(str(path), msg(
                        "skip_flow_unreadable", file=path.name, n=index, offset=fh.tell(),
                        detail=why)))
                return
            ex = flow_to_exchange(flow, str(path), index, limit, budget)
            index += 1
            if ex is not None:
                yield ex
                ws = getattr(flow, "websocket", None)
                if ws is not None and ws.messages:
                    yield from websocket_exchanges(
                        ex, ((m.from_client, _as_bytes(m.content), m.timestamp)
                             for m in ws.messages))
