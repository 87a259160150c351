"""Capture readers: flow files and HAR streamed, bodies decoded within limits, damage
reported (Skipped) or refused (InputError), never a crash."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from scanner.engine import ScanRequest, run
from scanner.errors import InputError
from scanner.ingest.flowfile import dechunk, decode_body, iter_flow_file
from scanner.ingest.har import iter_har_entries, iter_har_file
from scanner.ingest.traffic import open_traffic, sniff
from scanner.messages import english, render

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "corpus" / "traffic"
MITM_TESTDATA = REPO / ".." / "shared" / "corpus" / "traffic" / "mitmproxy-testdata"
needs_testdata = pytest.mark.skipif(not MITM_TESTDATA.is_dir(),
                                    reason="../shared/corpus/traffic is absent")


def _count(path: Path) -> tuple[int, dict]:
    """Exchanges read, and the damage recorded ({file path: message})."""
    t = open_traffic([path])
    n = sum(1 for _ in t.exchanges())
    return n, {d.part: d.detail for d in t.damage}


def test_sniff_tells_formats_apart(tmp_path):
    assert sniff(TRAFFIC / "session.mitm") == "flows"
    assert sniff(TRAFFIC / "session.har") == "har"
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"PK\x03\x04 not a capture")
    with pytest.raises(InputError, match="neither"):
        sniff(junk)
    empty = tmp_path / "empty.mitm"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        sniff(empty)
    with pytest.raises(InputError, match="no such"):
        sniff(tmp_path / "missing.har")


def test_session_counts_match_between_formats(truth):
    n_mitm, d1 = _count(TRAFFIC / "session.mitm")
    n_har, d2 = _count(TRAFFIC / "session.har")
    assert n_mitm == n_har == truth["flows"]
    assert d1 == d2 == {}


def test_truncated_flow_file_keeps_flows_before_damage(tmp_path, truth):
    data = (TRAFFIC / "session.mitm").read_bytes()
    cut = tmp_path / "cut.mitm"
    cut.write_bytes(data[: len(data) * 6 // 10])
    n, damage = _count(cut)
    assert 0 < n < truth["flows"]
    assert "unreadable after flow" in damage[str(cut)]
    res = run(ScanRequest(flows=(cut,), device_facts=TRAFFIC / "device-facts.json",
                          command="traffic"))
    assert res.partial and res.transmissions
    assert any("unreadable" in s.reason for s in res.skipped)


def test_garbage_after_flows_reported(tmp_path, truth):
    p = tmp_path / "tail.mitm"
    p.write_bytes((TRAFFIC / "session.mitm").read_bytes() + b"12:garbage!!!!!}xx")
    n, damage = _count(p)
    assert n == truth["flows"] and damage


def test_har_not_json_is_input_error(tmp_path):
    p = tmp_path / "bad.har"
    p.write_text("{ this is not json at all", "utf-8")
    with pytest.raises(InputError, match="not a HAR"):
        open_traffic([p])
    from click.testing import CliRunner

    from scanner.cli import cli

    r = CliRunner().invoke(cli, ["traffic", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 3
    out = r.output.strip()
    assert len(out.splitlines()) == 1 and "Traceback" not in out and "bad.har" in out


def test_truncated_har_keeps_entries_before_damage(tmp_path, truth):
    text = (TRAFFIC / "session.har").read_text("utf-8")
    p = tmp_path / "cut.har"
    p.write_text(text[: len(text) // 2], "utf-8")
    n, damage = _count(p)
    assert 0 < n < truth["flows"] and "unreadable after HAR entry" in damage[str(p)]


def test_har_streaming_matches_json_load(tmp_path):
    doc = json.loads((TRAFFIC / "session.har").read_text("utf-8"))
    streamed = list(iter_har_entries(TRAFFIC / "session.har"))
    assert streamed == doc["log"]["entries"]
    # entries split across many small reads, pages before entries, gzip container
    doc["log"]["pages"] = [{"id": "p", "title": "x" * 100000, "n": [1, 2, {"a": "]}"}]}]
    doc["log"] = {"pages": doc["log"].pop("pages"), **doc["log"]}
    p = tmp_path / "s.har.gz"
    p.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert list(iter_har_entries(p)) == doc["log"]["entries"]
    z = tmp_path / "s.zhar"
    z.write_bytes(zlib.compress(json.dumps(doc).encode()))
    assert list(iter_har_entries(z)) == doc["log"]["entries"]


def test_har_streaming_memory_is_bounded_by_entry(tmp_path, monkeypatch):
    import scanner.ingest.har as har

    monkeypatch.setattr(har, "CHUNK", 64)
    entries = [{"request": {"method": "GET", "url": f"http://h{i}.test/x?v={i}",
                            "headers": []}, "startedDateTime": "2025-01-01T00:00:00Z"}
               for i in range(300)]
    p = tmp_path / "many.har"
    p.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), "utf-8")
    seen = [ex.host for ex in iter_har_file(p)]
    assert seen == [f"h{i}.test" for i in range(300)]


def test_gzip_bomb_body_is_cut(tmp_path):
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
    assert len(bomb) < 200_000
    body, truncated, err = decode_body(bomb, (("Content-Encoding", "gzip"),), limit=1 << 20)
    # why, as a message (body_too_large); its English text from en.yaml
    assert truncated and len(body) == 1 << 20 and "larger than" in english(err)


def test_brotli_and_zstd_bombs_are_cut():
    import brotli
    import zstandard

    data = b"a" * (32 * 1024 * 1024)
    for coding, comp in (("br", brotli.compress(data)),
                         ("zstd", zstandard.ZstdCompressor().compress(data))):
        body, truncated, err = decode_body(comp, (("Content-Encoding", coding),), limit=1 << 20)
        assert truncated and len(body) == 1 << 20, coding


def test_decoding_chain_and_errors():
    raw = b'{"a": 1}'
    enc = zlib.compress(gzip.compress(raw))
    assert decode_body(enc, (("Content-Encoding", "gzip, deflate"),))[0] == raw
    body, _, err = decode_body(b"\x1f\x8bnot gzip", (("Content-Encoding", "gzip"),))
    assert err and body == b"\x1f\x8bnot gzip"
    assert english(decode_body(raw, (("Content-Encoding", "compress"),))[2]) == \
        "unknown content-encoding 'compress'"
    # zlib's own words quoted in the message; the sentence around them in the language
    assert english(err).startswith("gzip: Error -3 while decompressing data")
    assert render(err["id"], err["params"], "zh").startswith(
        "gzip 解码失败（Error -3 while decompressing data")
    chunked = b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n"
    assert dechunk(chunked) == b"Wikipedia"
    assert decode_body(chunked, (("Transfer-Encoding", "chunked"),))[0] == b"Wikipedia"
    assert dechunk(b"zz\r\n") is None


def test_bomb_in_a_flow_is_skipped_not_crash(tmp_path):
    from mitmproxy import io
    from mitmproxy.test import tflow

    f = tflow.tflow(resp=True)
    f.request.headers["Content-Encoding"] = "gzip"
    f.request.raw_content = gzip.compress(b"\0" * (16 * 1024 * 1024))
    p = tmp_path / "bomb.mitm"
    with open(p, "wb") as fh:
        io.FlowWriter(fh).add(f)
    res = run(ScanRequest(flows=(p,), command="traffic", options={"body_limit": 1 << 20}))
    assert any("larger than" in s.reason for s in res.skipped)
    (ex,) = list(iter_flow_file(p, limit=1 << 20))
    assert ex.truncated and len(ex.request_body) == 1 << 20


@needs_testdata
@pytest.mark.parametrize("name", ["dumpfile-011.mitm", "dumpfile-018.mitm",
                                  "dumpfile-019.mitm", "dumpfile-10.mitm", "dumpfile-19.mitm",
                                  "dumpfile-7.mitm", "dumpfile-7-websocket.mitm"])
def test_old_dump_versions_read(name):
    n, damage = _count(MITM_TESTDATA / name)
    assert n >= 1 and damage == {}


@needs_testdata
def test_unsupported_dump_version_is_skipped():
    p = MITM_TESTDATA / "dumpfile-010.mitm"
    res = run(ScanRequest(flows=(p,), command="traffic"))
    assert res.partial and "flow format version" in res.skipped[0].reason


@needs_testdata
@pytest.mark.parametrize("name", ["corrupted_gzip_body.mitm", "corrupted_gzip_body.har"])
def test_corrupted_gzip_body(name):
    p = MITM_TESTDATA / "flows" / name
    (ex,) = list(open_traffic([p]).exchanges())
    assert ex.decode_error.startswith("response: gzip")
    res = run(ScanRequest(flows=(p,), command="traffic"))
    assert not res.partial  # the damaged body is a response, which is not analysed


def test_corrupted_request_gzip_is_skipped(tmp_path):
    from mitmproxy import io
    from mitmproxy.test import tflow

    f = tflow.tflow(resp=True)
    f.request.headers["Content-Encoding"] = "gzip"
    good = gzip.compress(b'{"imei": "356938035643809", "pad": "' + b"x" * 400 + b'"}')
    f.request.raw_content = good[:20] + bytes(b ^ 0x55 for b in good[20:60]) + good[60:]
    p = tmp_path / "badgz.mitm"
    with open(p, "wb") as fh:
        io.FlowWriter(fh).add(f)
    res = run(ScanRequest(flows=(p,), command="traffic"))
    assert res.partial and any("gzip" in s.reason for s in res.skipped)


@needs_testdata
@pytest.mark.parametrize("name", ["brokenfile.har", "broken_headers.json"])
def test_corrupted_har_is_input_error(name):
    with pytest.raises(InputError):
        open_traffic([MITM_TESTDATA / "corrupted_har" / name])


@needs_testdata
def test_mitmproxy_har_fixtures_stream_like_json_load():
    hars = sorted((MITM_TESTDATA / "har_files").glob("*.har"))
    hars += sorted((MITM_TESTDATA / "flows").glob("*.har"))
    assert hars
    for p in hars:
        doc = json.loads(p.read_text("utf-8-sig"))
        assert list(iter_har_entries(p)) == doc["log"]["entries"], p.name


@needs_testdata
def test_flow_and_har_pairs_agree():
    for mitm in sorted((MITM_TESTDATA / "flows").glob("*.mitm")):
        har = mitm.with_suffix(".har")
        if not har.exists():
            continue
        a = [(e.method, e.host, e.path) for e in open_traffic([mitm]).exchanges()]
        b = [(e.method, e.host, e.path) for e in open_traffic([har]).exchanges()]
        assert a == b, mitm.name


@pytest.mark.parametrize("name", ["session.mitm", "session.har"])
def test_random_byte_damage_never_crashes(tmp_path, name):
    """Flipped bytes anywhere: analysed, partially analysed, or one InputError."""
    import random

    rng = random.Random(7)
    data = (TRAFFIC / name).read_bytes()
    outcomes = set()
    for i in range(25):
        b = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        p = tmp_path / f"f{i}{Path(name).suffix}"
        p.write_bytes(bytes(b))
        try:
            res = run(ScanRequest(flows=(p,), device_facts=TRAFFIC / "device-facts.json"))
        except InputError:
            outcomes.add("input_error")
            continue
        outcomes.add("partial" if res.partial else "ok")
    assert outcomes <= {"input_error", "partial", "ok"} and "partial" in outcomes


def test_websocket_client_messages_are_searched(tmp_path):
    from mitmproxy import io, websocket
    from mitmproxy.addons.savehar import SaveHar
    from mitmproxy.test import tflow

    f = tflow.twebsocketflow()
    f.id = "ws-1"
    msg = json.dumps({"cmd": "login", "imei": "356938035643809"}).encode()
    f.websocket.messages = [
        websocket.WebSocketMessage(1, True, msg, 946681210.0),
        websocket.WebSocketMessage(1, True, msg, 946681211.0),  # same PI again: one row
        websocket.WebSocketMessage(1, False, b'{"imei": "356938035643809"}', 946681212.0),
    ]
    p = tmp_path / "ws.mitm"
    with open(p, "wb") as fh:
        io.FlowWriter(fh).add(f)
    h = tmp_path / "ws.har"
    h.write_text(json.dumps(SaveHar().make_har([f])), "utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text('{"imei": "356938035643809"}', "utf-8")
    for cap in (p, h):
        res = run(ScanRequest(flows=(cap,), device_facts=facts))
        rows = [(t.pi_type, t.where, t.key, t.method) for t in res.transmissions]
        assert rows == [("device_id", "body", "imei", "WEBSOCKET")], cap.name
