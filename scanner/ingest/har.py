"""HAR 1.2 files streamed entry by entry into :class:`Exchange` objects.

Contract
--------
* :func:`iter_har_entries` never holds the whole file: it scans the top-level object for
  ``log.entries`` with a small character-level state machine (strings and nesting tracked),
  then decodes one entry at a time with ``json.JSONDecoder.raw_decode`` over a sliding
  buffer. Memory is bounded by the largest single entry (capped at ``MAX_ENTRY`` bytes).
* A file that is not JSON, or has no ``log.entries`` array, raises :class:`InputError`
  (when nothing was read yet) — the caller sniffs the content first. Damage after some
  entries (truncation, garbage) stops the stream and is recorded once in ``damage`` (a
  :class:`scanner.model.damage.DamageLog`, part = the file's path); entries before it have
  been yielded.
* Gzip- and zlib-compressed HAR (``.zhar``) is inflated as a stream, at most
  ``MAX_INFLATED_CAPTURE`` bytes (:mod:`scanner.limits`); past that the file is damaged.
  Blank space between values is skipped in bulk, not a character at a time, and a value
  that is skipped (not ``log.entries``) is scanned with a regular expression.
* Strings are cleaned of lone UTF-16 surrogates (``"\ud800"`` is valid JSON but not
  text): they become U+FFFD in the method, URL, flow id, headers and capture labels.
  Fields of the wrong JSON type (headers given as a number...) are ignored.
* WebSocket messages (``_webSocketMessages`` of Chrome and mitmproxy exports) sent by the
  client become extra exchanges of the same entry, as for flow files.
* Bodies: ``postData.text`` / ``content.text`` (base64 when ``encoding`` is ``base64``).
  HAR bodies are normally stored decoded; when a ``Content-Encoding`` header remains and
  the text is binary, :func:`scanner.ingest.flowfile.decode_body` is applied with limits.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import gzip
import json
import math
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scanner.errors import InputError
from scanner.ingest.flowfile import BODY_LIMIT, DecodeBudget, decode_body, websocket_exchanges
from scanner.limits import MAX_HAR_ENTRY, MAX_INFLATED_CAPTURE
from scanner.messages import english, json_reason, msg, record
from scanner.model.damage import DamageLog
from scanner.model.traffic import Exchange

CHUNK = 1 << 16
MAX_ENTRY = MAX_HAR_ENTRY
_BLANK = re.compile(r"[ \t\r\n]*")
_SKIP_OUT = re.compile(r'["\[\]{}]')  # what matters outside strings while skipping
_SKIP_IN = re.compile(r'["\\]')  # inside a string
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class HarDamage(Exception):
    """The HAR text is malformed at some point (a catalog key of how and its parameters)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def message(self) -> dict[str, Any]:
        return msg(self.key, **self.params)


def is_zlib(head: bytes) -> bool:
    """A zlib stream header (mitmproxy's ``.zhar`` is zlib-compressed HAR)."""
    return (len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7
            and (head[0] * 256 + head[1]) % 31 == 0)


class _Capped:
    """A reader of an inflated stream that fails past ``MAX_INFLATED_CAPTURE`` bytes."""

    def __init__(self, inner: Any, path: Path) -> None:
        self.inner = inner
        self.path = path
        self.total = 0

    def read(self, n: int) -> bytes:
        data = self.inner.read(n)
        self.total += len(data)
        if self.total > MAX_INFLATED_CAPTURE:
            raise OSError(f"compressed HAR inflates past {MAX_INFLATED_CAPTURE} bytes "
                          "(MAX_INFLATED_CAPTURE)")
        return data

    def __enter__(self) -> _Capped:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()


class _ZlibReader:
    """Minimal streaming reader over a zlib-compressed file."""

    def __init__(self, path: Path) -> None:
        self.fh = open(path, "rb")
        self.d = zlib.decompressobj()
        self.done = False

    def close(self) -> None:
        self.fh.close()

    def read(self, n: int) -> bytes:
        out = b""
        while not out and not self.done:
            tail = self.d.unconsumed_tail
            data = tail or self.fh.read(CHUNK)
            if not data:
                self.done = True
                return self.d.flush()
            try:
                out = self.d.decompress(data, n)
            except zlib.error as e:
                raise OSError(f"zlib: {e}") from e
            if self.d.eof:
                self.done = True
        return out

    def __enter__(self) -> _ZlibReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def _open(path: Path) -> Any:
    fh = open(path, "rb")
    head = fh.read(2)
    if head == b"\x1f\x8b":
        fh.close()
        return _Capped(gzip.open(path, "rb"), path)
    if is_zlib(head):
        fh.close()
        return _Capped(_ZlibReader(path), path)
    fh.seek(0)
    return fh


class _Stream:
    """Text chunks of a file with a cursor; refills on demand."""

    def __init__(self, fh: IO[bytes]) -> None:
        import codecs

        self.fh = fh
        # invalid UTF-8 becomes U+FFFD: a damaged byte costs a character, not the file
        self.dec = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped before buf

    def more(self) -> bool:
        if self.eof:
            return False
        # read as much as is buffered already: a long value costs linear, not quadratic,
        # copying as the buffer grows
        raw = self.fh.read(max(CHUNK, len(self.buf) - self.pos))
        text = self.dec.decode(raw, final=not raw)
        if not raw:
            self.eof = True
        if self.pos:
            self.consumed += self.pos
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += text
        return bool(text) or not self.eof

    def peek(self) -> str:
        """Next non-blank character (not consumed), '' at end of file."""
        while True:
            self.pos = _BLANK.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def take(self) -> str:
        c = self.peek()
        if c:
            self.pos += 1
        return c


_DECODER = json.JSONDecoder()


def _value(s: _Stream) -> Any:
    """Decode one JSON value at the cursor, reading more text as needed."""
    s.peek()
    while True:
        try:
            val, end = _DECODER.raw_decode(s.buf, s.pos)
        except json.JSONDecodeError as e:
            if s.eof or len(s.buf) - s.pos > MAX_ENTRY:
                raise HarDamage("har_bad_json", at=s.consumed + e.pos,
                                detail=json_reason(e.msg)) from e
            want = 2 * (len(s.buf) - s.pos)  # grow geometrically: linear total work
            while len(s.buf) - s.pos < want and s.more():
                pass
            continue
        # a number running to the end of the buffer may continue in the next chunk
        # ("1000" of "1000.5", or "1000" followed by a "." not yet followed by digits)
        if isinstance(val, (int, float)) and not isinstance(val, bool) and not s.eof:
            j = end
            while j < len(s.buf) and s.buf[j] in "0123456789.eE+-":
                j += 1
            if j == len(s.buf):
                s.more()
                continue
        s.pos = end
        return val


def _skip_value(s: _Stream) -> None:
    """Skip one JSON value without building it if it is an object or array."""
    c = s.peek()
    if c not in "[{":
        _value(s)
        return
    depth = 0
    in_str = False
    start = s.consumed + s.pos
    while True:
        m = (_SKIP_IN if in_str else _SKIP_OUT).search(s.buf, s.pos)
        if m is None or (in_str and m.group() == "\\" and m.end() >= len(s.buf)):
            # nothing decisive in the buffer (or an escape at its very end): read more
            s.pos = len(s.buf) if m is None else m.start()
            if s.consumed + s.pos - start > MAX_ENTRY:
                raise HarDamage("har_value_long", max=MAX_ENTRY)
            if not s.more():
                raise HarDamage("har_ends_in_value")
            continue
        ch = m.group()
        s.pos = m.end()
        if in_str:
            if ch == "\\":
                s.pos += 1  # the escaped character
            else:
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return


def _expect(s: _Stream, ch: str) -> None:
    got = s.take()
    if got != ch:
        raise HarDamage("har_expected", want=repr(ch), at=s.consumed + s.pos, got=repr(got))


def _find_key(s: _Stream, key: str) -> bool:
    """Inside an object (after '{'): advance to the value of ``key``; False if absent."""
    while True:
        c = s.peek()
        if c == "}":
            s.take()
            return False
        if c == ",":
            s.take()
            continue
        if c != '"':
            raise HarDamage("har_expected_key", at=s.consumed + s.pos, got=repr(c))
        name = _value(s)
        _expect(s, ":")
        if name == key:
            return True
        _skip_value(s)


def iter_har_entries(path: Path, damage: DamageLog | None = None
                     ) -> Iterator[dict[str, Any]]:
    """Stream ``log.entries`` of a HAR file as dicts (see module contract)."""
    count = 0
    with _open(path) as fh:
        s = _Stream(fh)
        try:
            try:
                _expect(s, "{")
                if not _find_key(s, "log"):
                    raise HarDamage("har_no_log")
                _expect(s, "{")
                if not _find_key(s, "entries"):
                    raise HarDamage("har_no_entries")
                _expect(s, "[")
            except (HarDamage, OSError, EOFError, IndexError, ValueError) as e:
                raise InputError("err_not_har", path=str(path), detail=e.message() if isinstance(
                    e, HarDamage) else str(e)) from e
            while True:
                c = s.peek()
                if c == "]":
                    return
                if c == ",":
                    s.take()
                    continue
                if c == "":
                    raise HarDamage("har_ends_in_entries")
                entry = _value(s)
                if not isinstance(entry, dict):
                    raise HarDamage("har_entry_not_object", n=count)
                count += 1
                yield entry
        except (HarDamage, OSError, EOFError, IndexError, ValueError) as e:
            if damage is not None:
                damage.add_once(*record(str(path), msg(
                    "skip_har_unreadable", file=path.name, n=count,
                    detail=e.message() if isinstance(e, HarDamage) else str(e))))


def _har_time(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)
    return t.timestamp()


def _clean(text: Any) -> str:
    """``text`` as a string without lone surrogates (U+FFFD in their place)."""
    t = text if isinstance(text, str) else str(text)
    return _SURROGATE.sub("\ufffd", t) if _SURROGATE.search(t) else t


def _clean_tree(obj: Any, depth: int = 0) -> Any:
    """A capture label (small JSON tree) with every string cleaned; bounded depth."""
    if depth > 20:
        return None
    if isinstance(obj, str):
        return _clean(obj)
    if isinstance(obj, dict):
        return {_clean(k): _clean_tree(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean_tree(v, depth + 1) for v in obj]
    return obj


def _pairs(items: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        return ()
    return tuple((_clean(h["name"]), _clean(h.get("value", "")))
                 for h in items if isinstance(h, dict) and isinstance(h.get("name"), str)
                 and isinstance(h.get("value", ""), (str, int, float)))


def _body(obj: Any, headers: tuple[tuple[str, str], ...], limit: int,
          budget: DecodeBudget | None = None) -> tuple[bytes, bool, dict | None]:
    if not isinstance(obj, dict):
        return b"", False, None
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return b"", False, None
    if obj.get("encoding") == "base64":
        try:
            raw = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return text.encode("utf-8", "surrogatepass")[:limit], False, msg("body_bad_base64")
        enc = {k.lower(): v for k, v in headers}.get("content-encoding", "").lower()
        # HAR writers store bodies decoded; undo an encoding only when the bytes show it
        if (("gzip" in enc and raw[:2] == b"\x1f\x8b") or ("zstd" in enc and raw[:4] ==
                                                          b"\x28\xb5\x2f\xfd")
                or ("deflate" in enc and is_zlib(raw[:2]))):
            return decode_body(raw, headers, limit, budget)
        return raw[:limit], len(raw) > limit, None
    raw = text.encode("utf-8", "surrogatepass")
    return raw[:limit], len(raw) > limit, None


def entry_to_exchange(entry: dict[str, Any], source: str, index: int,
                      limit: int = BODY_LIMIT, budget: DecodeBudget | None = None
                      ) -> Exchange | None:
    """One HAR entry as an Exchange (None when it has no usable request URL)."""
    req = entry.get("request")
    if not isinstance(req, dict) or not isinstance(req.get("url"), str):
        return None
    try:
        u = urlsplit(_clean(req["url"]))
        port = u.port
    except ValueError:
        return None
    scheme = (u.scheme or "http").lower()
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    headers = _pairs(req.get("headers"))
    body, trunc, err = _body(req.get("postData"), (), limit)
    resp = entry.get("response") if isinstance(entry.get("response"), dict) else None
    status = None
    rh: tuple[tuple[str, str], ...] = ()
    rbody = b""
    if resp is not None:
        st = resp.get("status")
        status = st if isinstance(st, int) and st > 0 else None
        rh = _pairs(resp.get("headers"))
        rbody, rt, rerr = _body(resp.get("content"), rh, limit, budget)
        trunc = trunc or rt
        err = err or (msg("body_response", why=rerr) if rerr else None)
    marker = (_clean_tree(entry["_appaudit"]) if isinstance(entry.get("_appaudit"), dict)
              else None)
    flow_id = _clean(entry["_flow_id"]) if isinstance(entry.get("_flow_id"), str) else None
    method = req.get("method")
    return Exchange(
        flow_id=flow_id or f"{Path(source).name}#{index}", source=source, index=index,
        time=_har_time(entry.get("startedDateTime")),
        method=_clean(method) if isinstance(method, str) and method else "GET",
        scheme=scheme, host=(u.hostname or "").lower(),
        port=port or (443 if scheme == "https" else 80), path=path,
        request_headers=headers, request_body=body, status=status, response_headers=rh,
        response_body=rbody, truncated=trunc, decode_error=english(err) if err else None,
        marker=marker, decode_error_msg=err,
    )


def iter_har_file(path: Path, damage: DamageLog | None = None,
                  limit: int = BODY_LIMIT) -> Iterator[Exchange]:
    """Stream the exchanges of a HAR file (damage recorded in ``damage``)."""
    budget = DecodeBudget()
    for i, entry in enumerate(iter_har_entries(path, damage)):
        ex = entry_to_exchange(entry, str(path), i, limit, budget)
        if ex is not None:
            yield ex
            msgs = entry.get("_webSocketMessages")
            if isinstance(msgs, list) and msgs:
                yield from websocket_exchanges(ex, _ws_messages(msgs))


def _ws_messages(msgs: list) -> Iterator[tuple[bool, bytes, float | None]]:
    """(from_client, content, time) of HAR ``_webSocketMessages`` (Chrome/mitmproxy form:
    type send|receive, opcode 1 text / 2 base64 binary, data, time)."""
    for m in msgs:
        if not isinstance(m, dict) or not isinstance(m.get("data"), str):
            continue
        data = m["data"]
        if m.get("opcode") == 2:
            try:
                content = base64.b64decode(data)
            except (binascii.Error, ValueError):
                content = data.encode("utf-8", "surrogatepass")
        else:
            content = data.encode("utf-8", "surrogatepass")
        t = m.get("time")
        yield m.get("type") == "send", content, _finite(t)


def _finite(t: Any) -> float | None:
    """A finite float of a JSON number, else None (NaN, inf, a 400-digit integer)."""
    if not isinstance(t, (int, float)) or isinstance(t, bool):
        return None
    try:
        f = float(t)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None
