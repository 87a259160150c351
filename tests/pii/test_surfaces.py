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
