"""scanner.pricing.capture: the adapter over the shared reader (scanner.ingest.traffic)."""

from __future__ import annotations

import json

import pytest
from _pricing_fixtures import CAPTURES

from scanner.errors import InputError
from scanner.pricing.capture import capture_kind, open_capture, read_exchanges
from scanner.pricing.pipeline import PricingRequest, run_pricing


def test_fixture_flow_file_and_har_agree():
    flows = list(read_exchanges(CAPTURES / "ride-quote" / "ios.mitm"))
    har = list(read_exchanges(CAPTURES / "ride-quote" / "ios.har"))
    assert capture_kind(CAPTURES / "ride-quote" / "ios.mitm") == "flows"
    assert capture_kind(CAPTURES / "ride-quote" / "ios.har") == "har"
    gt = json.loads((CAPTURES / "ride-quote" / "ground_truth.json").read_text("utf-8"))
    assert len(flows) == len(har) == len(gt["prices_cents"]["ios"])
    for a, b in zip(flows, har, strict=True):
        assert (a.method, a.host, a.path, a.status) == (b.method, b.host, b.path, b.status)
        assert a.time == pytest.approx(b.time, abs=0.001)
        assert json.loads(a.response_body) == json.loads(b.response_body)
        assert json.loads(a.request_body) == json.loads(b.request_body)


def test_open_capture_digests():
    cap = open_capture(CAPTURES / "shop-fair" / "new.har")
    assert cap.kind == "har" and cap.input.kind == "har"
    assert cap.input.bytes == (CAPTURES / "shop-fair" / "new.har").stat().st_size
    assert len(cap.input.sha256) == 64 and len(cap.input.sm3) == 64
    assert len(list(cap.exchanges())) == 6 and cap.damage is None


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x00\x01garbage", "neither a mitmproxy flow file nor a HAR"),
    (b"{not json", "not a HAR"),
    (b'{"log": {}}', "log.entries"),
])
def test_unreadable_captures_raise_one_line_input_error(tmp_path, content, message):
    p = tmp_path / "bad.cap"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        open_capture(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_capture_cut_short_is_an_input_error_for_pricing(tmp_path, cut):
    data = (CAPTURES / "shop-fair" / "loyal.mitm").read_bytes()
    p = tmp_path / "cut.mitm"
    p.write_bytes(data[: int(len(data) * cut)])
    cap = open_capture(p)
    assert len(list(cap.exchanges())) < 5 and cap.damage
    shop = CAPTURES / "shop-fair"
    with pytest.raises(InputError, match="damaged capture") as e:
        run_pricing(PricingRequest(profiles=(("new", (shop / "new.mitm",)), ("loyal", (p,)))))
    assert str(p) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("content", [b"12:notaflow,", b'{"log": {"entries": [1]}}'])
def test_corrupt_entries_are_input_errors_for_pricing(tmp_path, content):
    p = tmp_path / "bad.cap"
    p.write_bytes(content)
    shop = CAPTURES / "shop-fair"
    with pytest.raises(InputError, match="damaged capture"):
        run_pricing(PricingRequest(profiles=(("new", (shop / "new.mitm",)), ("loyal", (p,)))))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such capture file"):
        open_capture(tmp_path / "nope.mitm")
