"""Request surfaces: every place a value can sit, with its container encoding."""

from __future__ import annotations

import base64
import json

from scanner.model.traffic import Exchange
from scanner.pii.surfaces import request_surfaces, try_base64


def _ex(path="/", body=b"", headers=()) -> Exchange:
    return Exchange("f", "s", 0, 0.0, "POST", "https", "h.test", 443, path, tuple(headers),
                    body)


def test_query_form_and_url_decoding():
    s = request_surfaces(_ex("/a%20b?k=v%3A1&e="))
    got = {(x.where, x.key, x.text, x.encoding) for x in s}
    assert ("path", None, "/a%20b", "plain") in got and ("path", None, "/a b", "url") in got
    assert ("query", "k", "v%3A1", "plain") in got and ("query", "k", "v:1", "url") in got


def test_multipart_parts_named():
    b = "XyZ"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"j\"\r\n"
            f"Content-Type: application/json\r\n\r\n{{\"x\": \"y1\"}}\r\n--{b}--\r\n")
    s = request_surfaces(_ex(body=body.encode(),
                             headers=[("Content-Type", f"multipart/form-data; boundary={b}")]))
    got = {(x.where, x.key, x.text) for x in s}
    assert ("body", "a", "hello") in got and ("body", "j.x", "y1") in got


def test_nested_base64_json():
    inner = base64.b64encode(json.dumps({"k": ["v1", {"z": "deep"}]}).encode()).decode()
    s = request_surfaces(_ex(body=json.dumps({"p": inner}).encode()))
    got = {(x.key, x.text, x.encoding) for x in s}
    assert ("p.k[1].z", "deep", "base64") in got


def test_try_base64_refuses_hex_and_binary():
    assert try_base64(base64.b64encode(b"hello world!").decode()) == "hello world!"
    assert try_base64("d41d8cd98f00b204e9800998ecf8427e") is None
    assert try_base64(base64.b64encode(bytes(range(40))).decode()) is None


def test_jwt_claims_opened():
    def seg(doc):
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    token = f"{seg({'alg': 'HS256', 'typ': 'JWT'})}.{seg({'did': 'abc123def'})}.c2lnbmF0dXJl"
    s = request_surfaces(_ex(headers=[("Authorization", f"Bearer {token}")]))
    got = {(x.where, x.key, x.text, x.encoding) for x in s}
    assert ("header", "Authorization.jwt1.did", "abc123def", "base64") in got


def test_arbitrary_requests_never_raise():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from scanner.ingest.device_facts import facts_from_mapping
    from scanner.pii import scan_exchange
    from scanner.pii.known import KnownValueMatcher

    matcher = KnownValueMatcher(facts_from_mapping({"imei": "356938035643809",
                                                    "location": {"lat": 39.9, "lon": 116.4}}))
    ctypes = st.sampled_from(["", "application/json", "application/x-www-form-urlencoded",
                              "multipart/form-data; boundary=b", "text/plain"])
    fragments = st.sampled_from([b"{", b"}", b"[", b'"', b"=", b"&", b"--b\r\n", b"\r\n\r\n",
                                 b"356938035643809", b"eyJhIjoxfQ", b"%", b"%E5", b"\xff",
                                 b"39.90,116.40", b"name=\"x\"", b"\\u00", b"a.b.c"])

    @settings(max_examples=150, deadline=None)
    @given(body=st.lists(fragments | st.binary(max_size=8), max_size=20).map(b"".join),
           path=st.text(max_size=30), ctype=ctypes,
           header=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
    def check(body, path, ctype, header):
        ex = Exchange("f", "s", 0, 0.0, "POST", "https", "h.test", 443, "/" + path,
                      (("Content-Type", ctype), ("Cookie", header), ("X-A", header)), body)
        for m in scan_exchange(ex, matcher) + scan_exchange(ex, None):
            assert m.where in {"query", "header", "cookie", "body", "path"}
            assert m.encoding in {"plain", "url", "base64", "hex", "md5", "sha1", "sha256"}

    check()
