"""Known-value matching under encodings, with expected forms computed independently."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

from scanner.ingest.device_facts import facts_from_mapping
from scanner.model.traffic import Exchange
from scanner.pii import mask, scan_exchange
from scanner.pii.known import KnownValueMatcher

FACTS = facts_from_mapping({
    "imei": "356938035643809", "android_id": "9774d56d682e549c",
    "mac": "AC:37:43:4D:5E:6F", "phone": "13812345678", "real_name": "张三丰",
    "location": {"lat": 39.904211, "lon": 116.407395},
    "installed_apps": ["com.tencent.mm", "com.ss.android.ugc.aweme", "com.example.self"],
})


def _ex(path="/", body=b"", headers=()) -> Exchange:
    return Exchange("f", "s", 0, 0.0, "POST", "https", "h.test", 443, path, tuple(headers),
                    body)


def _found(ex, skip=()) -> set[tuple]:
    m = KnownValueMatcher(FACTS, skip)
    return {(x.pi_type, x.encoding, x.where, x.key) for x in scan_exchange(ex, m)}


def test_each_encoding():
    imei = "356938035643809"
    cases = {
        "plain": imei,
        "base64": base64.b64encode(imei.encode()).decode(),
        "hex": imei.encode().hex().upper(),
        "md5": hashlib.md5(imei.encode()).hexdigest(),
        "sha1": hashlib.sha1(imei.encode()).hexdigest().upper(),
        "sha256": hashlib.sha256(imei.encode()).hexdigest(),
    }
    for enc, value in cases.items():
        assert _found(_ex(f"/x?d={value}")) == {("device_id", enc, "query", "d")}, enc
    raw_md5 = base64.b64encode(hashlib.md5(imei.encode()).digest()).decode().rstrip("=")
    assert _found(_ex(f"/x?d={quote(raw_md5)}")) == {("device_id", "md5", "query", "d")}


def test_url_encoding_and_case_variants():
    assert _found(_ex("/x?m=" + quote("AC:37:43:4D:5E:6F", safe=""))) == {
        ("mac_address", "url", "query", "m")}
    assert _found(_ex("/x?m=ac-37-43-4d-5e-6f")) == {("mac_address", "plain", "query", "m")}
    assert _found(_ex("/x?n=" + quote("张三丰"))) == {("real_name", "url", "query", "n")}
    assert _found(_ex(headers=[("X-Aid", "9774D56D682E549C")])) == {
        ("android_id", "plain", "header", "X-Aid")}


def test_places_and_nesting():
    inner = base64.b64encode(json.dumps({"dev": {"aid": "9774d56d682e549c"}}).encode())
    body = json.dumps({"p": inner.decode(), "q": json.dumps({"tel": "8613812345678"})})
    got = _found(_ex(body=body.encode(), headers=[("Content-Type", "application/json"),
                                                 ("Cookie", "a=1; uid=13812345678")]))
    assert got == {("android_id", "base64", "body", "p.dev.aid"),
                   ("phone_number", "plain", "body", "q.tel"),
                   ("phone_number", "plain", "cookie", "uid")}
    assert _found(_ex("/u/356938035643809/ping")) == {("device_id", "plain", "path", None)}


def test_boundaries_reject_longer_runs():
    assert _found(_ex("/x?o=13565693803564380912")) == set()
    assert _found(_ex("/x?o=9913812345678")) == set()
    md5 = hashlib.md5(b"356938035643809").hexdigest()
    assert _found(_ex(f"/x?o=ff{md5}")) == set()


def test_location_needs_both_axes_and_installed_apps_two_packages():
    assert _found(_ex("/x?lat=39.9042&lng=116.4074")) == {
        ("precise_location", "plain", "query", "lat")}
    assert _found(_ex("/x?lat=39.9042")) == set()
    assert _found(_ex("/x?lat=39.90&lng=116.41")) == {
        ("coarse_location", "plain", "query", "lat")}
    apps = json.dumps({"l": ["com.tencent.mm", "com.ss.android.ugc.aweme"]}).encode()
    assert _found(_ex(body=apps)) == {("installed_apps", "plain", "body", "l")}
    one = json.dumps({"l": ["com.tencent.mm", "com.example.self"]}).encode()
    assert _found(_ex(body=one), skip=("com.example.self",)) == set()


def test_location_excerpt_masks_both_coordinates():
    m = KnownValueMatcher(FACTS)
    (hit,) = scan_exchange(_ex("/x?loc=116.407395,39.904211&k=1"), m)
    assert "116.40" not in hit.excerpt and "39.90" not in hit.excerpt


def test_mask():
    assert mask("356938035643809") == "35***********09"
    assert mask("abc") == "***"


def test_excerpt_hides_neighbouring_pi():
    m = KnownValueMatcher(FACTS)
    hits = scan_exchange(_ex("/u/356938035643809/13812345678/x"), m)
    assert {h.pi_type for h in hits} == {"device_id", "phone_number"}
    for h in hits:
        assert "356938035643809" not in h.excerpt and "13812345678" not in h.excerpt
