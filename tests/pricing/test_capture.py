"""scanner.pricing.capture and scanner.ingest.pricing_capture: flow files and HAR → Exchanges."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from _pricing_fixtures import CAPTURES
from mitmproxy import http, io
from mitmproxy.test import tflow

from scanner.errors import InputError
from scanner.ingest import pricing_capture
from scanner.pricing.capture import capture_kind, read_exchanges


def write_flows(path: Path, bodies: list[tuple[bytes, str]]) -> None:
    with open(path, "wb") as fh:
        w = io.FlowWriter(fh)
        for body, enc in bodies:
            headers = {"Content-Type": "application/json"}
            if enc:
                headers["Content-Encoding"] = enc
            req = http.Request.make("GET", "https://h.test/a?id=1")
            resp = http.Response.make(200, b"", headers)
            resp.raw_content = body
            w.add(tflow.tflow(req=req, resp=resp, live=False))


def test_fixture_flow_file_and_har_agree():
    flows = list(read_exchanges(CAPTURES / "ride-quote" / "ios.mitm"))
    har = list(read_exchanges(CAPTURES / "ride-quote" / "ios.har"))
    assert capture_kind(CAPTURES / "ride-quote" / "ios.mitm") == "flows"
    assert capture_kind(CAPTURES / "ride-quote" / "ios.har") == "har"
    gt = json.loads((CAPTURES / "ride-quote" / "ground_truth.json").read_text("utf-8"))
    assert len(flows) == len(har) == len(gt["prices_cents"]["ios"])
    for a, b in zip(flows, har, strict=True):
        assert (a.method, a.host, a.path, a.status, a.time) == (b.method, b.host, b.path,
                                                                 b.status, b.time)
        assert json.loads(a.response_body) == json.loads(b.response_body)
        assert json.loads(a.request_body) == json.loads(b.request_body)
    assert har[0].flow_id == "ios.har#0" and flows[0].flow_id != har[0].flow_id


def test_gzip_body_decoded_and_bomb_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(pricing_capture, "MAX_BODY", 1000)
    p = tmp_path / "c.mitm"
    write_flows(p, [(gzip.compress(b'{"id": 1, "price": 2}'), "gzip"),
                    (gzip.compress(b"0" * 100_000), "gzip"),
                    (b"not gzip", "gzip"), (b"plain", "")])
    a, b, c, d = read_exchanges(p)
    assert json.loads(a.response_body) == {"id": 1, "price": 2} and not a.truncated
    assert b.truncated and len(b.response_body) == 1000
    assert c.decode_error and c.response_body == b""
    assert d.response_body == b"plain"


def test_har_base64_body_and_bad_fields(tmp_path):
    doc = {"log": {"entries": [
        {"startedDateTime": "2026-01-01T00:00:00Z",
         "request": {"method": "POST", "url": "http://h.test:8080/q?x=1", "headers": "bad",
                     "postData": {"text": '{"route_id": "R1"}'}},
         "response": {"status": 200, "content": {
             "text": base64.b64encode(b'{"price": 1}').decode(), "encoding": "base64"}}},
        {"request": {"url": "https://h.test/"}, "response": "odd"},
    ]}}
    p = tmp_path / "c.har"
    p.write_text(json.dumps(doc))
    a, b = read_exchanges(p)
    assert (a.scheme, a.host, a.port, a.path) == ("http", "h.test", 8080, "/q?x=1")
    assert a.response_body == b'{"price": 1}' and a.request_body == b'{"route_id": "R1"}'
    assert a.time == 1767225600.0 and a.request_headers == ()
    assert b.status is None and b.response_body == b"" and b.method == "GET"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x00\x01garbage", "not a mitmproxy flow file or HAR"),
    (b"{not json", "corrupt HAR"),
    (b'{"log": {}}', "no log.entries"),
    (b'{"log": {"entries": [1]}}', "entry 0 has no request"),
    (b'{"log": {"entries": [{"request": {}}]}}', "no request URL"),
    (b'{"log": {"entries": [{"request": {"url": "http://[::1"}}]}}', "bad URL"),
    (b"12:notaflow,", "corrupt mitmproxy flow file"),
])
def test_bad_captures_raise_one_line_input_error(tmp_path, content, message):
    p = tmp_path / "bad.cap"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        list(read_exchanges(p))
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_truncated_flow_file(tmp_path):
    data = (CAPTURES / "shop-fair" / "new.mitm").read_bytes()
    p = tmp_path / "cut.mitm"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="corrupt mitmproxy flow file after"):
        list(read_exchanges(p))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        capture_kind(tmp_path / "nope.mitm")
