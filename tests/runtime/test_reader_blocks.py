"""The block-splitting hook-log reader against a plain line-by-line reference: lines across
block boundaries, over-long lines spanning several blocks, a last line without a newline,
blank lines, CRLF, a lone-surrogate escape, an infinite or NaN ts give the same events,
malformed counts and line numbers. The reference is written here independently (split +
json.loads, the rules of the module docstring)."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.ingest import runtime_log
from scanner.ingest.runtime_log import RuntimeLog


def reference(data: bytes, max_line: int) -> tuple[list, int, list[int]]:
    """Line by line with the standard library; the only lone surrogate the strategy below
    writes is \\ud800, replaced by U+FFFD as the reader does."""
    events, bad = [], []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, raw in enumerate(lines, 1):
        if len(raw) > max_line:
            bad.append(n)
            continue
        if not raw.strip():
            continue
        try:  # bytes that are not UTF-8 and lone surrogates read as U+FFFD
            doc = json.loads(raw.decode("utf-8", "replace"))
        except ValueError:
            bad.append(n)
            continue
        doc = json.loads(json.dumps(doc).replace("\\ud800", "\\ufffd"))
        ok = isinstance(doc, dict) and type(doc.get("ts")) in (int, float) and \
            math.isfinite(doc["ts"]) and isinstance(doc.get("event"), str)
        if not ok:
            bad.append(n)
            continue
        events.append((float(doc["ts"]), doc["event"], doc, n))
    return events, len(bad), bad


LINE = st.one_of(
    st.builds(lambda ts, ev, pad: json.dumps({"ts": ts, "event": ev, "pad": "x" * pad}),
              st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6)),
              st.sampled_from(["api", "consent", "state"]), st.integers(0, 90)),
    st.just(""), st.just("   "), st.just("not json"), st.just('{"ts": "1", "event": "x"}'),
    st.just("[1, 2]"), st.just('{"ts": 1, "event": "a"}\r'),
    st.just('{"ts": 1, "event": "lone \\ud800 surrogate"}'),
    st.just('{"ts": 1e400, "event": "x"}'), st.just('{"ts": NaN, "event": "x"}'),
    st.builds(lambda k: '{"ts": 2, "event": "long", "p": "' + "y" * k + '"}',
              st.integers(100, 400)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=40), st.booleans(), st.sampled_from([7, 16, 64]))
def test_same_as_line_by_line(tmp_path_factory, lines, final_newline, block):
    data = ("\n".join(lines) + ("\n" if final_newline and lines else "")).encode()
    path = tmp_path_factory.mktemp("b") / "h.jsonl"
    path.write_bytes(data)
    max_line = 120
    old = runtime_log.BLOCK, runtime_log.MAX_LINE_BYTES
    runtime_log.BLOCK, runtime_log.MAX_LINE_BYTES = min(block, max_line), max_line
    try:
        log = RuntimeLog((path,))
        got = [(ts, kind, doc, n) for ts, kind, doc, _src, n in log.records()]
    finally:
        runtime_log.BLOCK, runtime_log.MAX_LINE_BYTES = old
    want, bad, bad_lines = reference(data, max_line)
    assert got == want
    assert log.malformed == bad
    assert [n for _, n in log.malformed_lines] == bad_lines[:20]
    assert log.inputs[0].bytes == len(data)
