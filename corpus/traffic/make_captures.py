"""Build the project's traffic fixtures from one written plan, with their ground truth.

Writes beside this file:

* ``session.mitm`` — mitmproxy flow file (``mitmproxy.io.FlowWriter``), one simulated app
  session: SDK and first-party requests before and after a consent marker, PI planted in
  path, query, headers, cookies, JSON / form / multipart bodies, nested base64 JSON, under
  plain, url, base64, hex, md5, sha1 and sha256 encodings, bodies compressed with gzip,
  deflate, brotli and zstd, a location report every 5 s, a background phase, and decoys
  (a 15-digit order number failing Luhn, random hashes, timestamps, a phone-like run of
  digits inside a longer number);
* ``session.har`` — the same flows exported by mitmproxy's own HAR writer
  (``mitmproxy.addons.savehar``), plus the ``_appaudit`` labels the capture addon adds;
* ``device-facts.json`` — the simulated phone's identifiers;
* ``groundtruth.json`` — from the plan below (not from the scanner): every planted
  transmission with pi_type, encoding, where, key, party, sdk, before_consent, cleartext,
  and whether a validated pattern can find it without device facts.

The values are invented; SDK hosts are real vendor domains so that party and SDK
attribution can be checked against the SDK catalogue. Run: ``python make_captures.py``.
Deterministic: fixed times, fixed flow ids, fixed random seed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import zlib
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
T0 = 1764460800.0  # 2025-11-30T00:00:00Z
PACKAGE = "cn.demoshop.app"  # first party: demoshop.cn

FACTS = {
    "imei": "356938035643809",
    "imsi": "460001234567890",
    "android_id": "9774d56d682e549c",
    "oaid": "a1b2c3d4-e5f6-4789-abcd-0123456789ab",
    "gaid": "38400000-8cf0-11bd-b23e-10b96e40000d",
    "mac": "AC:37:43:4D:5E:6F",
    "serial": "R58M12ABCDE",
    "phone": "13812345678",
    "location": {"lat": 39.904211, "lon": 116.407395},
    "installed_apps": ["com.tencent.mm", "com.eg.android.AlipayGphone",
                       "com.ss.android.ugc.aweme"],
    "wifi_bssid": "f4:ec:38:aa:bb:cc",
    "id_card": "11010519491231002X",
    "bank_card": "6222021234567890128",
    "real_name": "张三丰",
}


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def _sha1(s: str) -> str:
    return hashlib.sha1(s.encode()).hexdigest()


def _sha256(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _luhn_ok(d: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(d)):
        x = int(ch) * (2 if i % 2 else 1)
        total += x - 9 if x > 9 else x
    return total % 10 == 0


def plan() -> list[dict]:
    """The session: one dict per flow, with the PI planted in it ("pi")."""
    rng = random.Random(6)
    f = FACTS
    flows: list[dict] = []

    def add(t: float, method: str, url: str, *, headers=(), body: bytes = b"",
            encoding: str | None = None, pi=(), meta=None, host=None) -> None:
        flows.append({"t": T0 + t, "method": method, "url": url, "headers": list(headers),
                      "body": body, "content_encoding": encoding, "pi": list(pi),
                      "meta": meta or {}, "host": host})

    def pi(pi_type, encoding, where, key, party, sdk, pattern: bool | str = False):
        # pattern: True when a validated pattern finds it without device facts, or the PI
        # type the pattern reports instead (a BSSID has the shape of a MAC address)
        return {"pi_type": pi_type, "encoding": encoding, "where": where, "key": key,
                "party": party, "sdk": sdk, "pattern": pattern}

    label = {"appaudit_profile": "fixture", "appaudit_package": PACKAGE}
    # --- before consent -------------------------------------------------------------
    add(0, "POST", "http://alog.umeng.com/app_logs",
        headers=[("Content-Type", "application/json")],
        body=json.dumps({"header": {"imei_md5": _md5(f["imei"]), "mac": f["mac"].lower(),
                                    "ts": int(T0 * 1000)}}).encode(),
        pi=[pi("device_id", "md5", "body", "header.imei_md5", "third", "umeng_analytics"),
            pi("mac_address", "plain", "body", "header.mac", "third", "umeng_analytics",
               pattern=True)],
        meta=label)
    add(1, "GET", f"https://api.demoshop.cn/v1/config?aid={f['android_id']}"
                  f"&ts={int(T0 * 1000) + 1123}",
        pi=[pi("android_id", "plain", "query", "aid", "first", None)], meta=label)
    add(2, "POST", "https://sdk.jpush.cn/v3/report",
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
        body=f"imsi={quote(_b64(f['imsi']))}&order=123456789012345&v=5".encode(),
        pi=[pi("imsi", "base64", "body", "imsi", "third", "jiguang_core")], meta=label)
    add(3, "GET", f"https://log.tracker.example-ads.com/u/{f['imei']}/ping",
        pi=[pi("device_id", "plain", "path", None, "third", None, pattern=True)], meta=label)
    add(4, "POST", "https://data.getui.com/api/d",
        headers=[("Content-Type", "application/json")],
        body=json.dumps({"d": _b64(json.dumps({"serial": f["serial"],
                                               "wifi": {"bssid": f["wifi_bssid"]}}))}).encode(),
        encoding="gzip",
        pi=[pi("serial", "base64", "body", "d.serial", "third", "getui"),
            pi("wifi_info", "base64", "body", "d.wifi.bssid", "third", "getui",
               pattern="mac_address")], meta=label)
    # --- consent marker ---------------------------------------------------------------
    add(10, "GET", "http://appaudit.consent/", meta={**label, "appaudit_marker": "consent"})
    # --- after consent ----------------------------------------------------------------
    add(11, "POST", "https://api.demoshop.cn/v1/login",
        headers=[("Content-Type", "application/json")],
        body=json.dumps({"phone": f["phone"], "idcard": f["id_card"], "name": f["real_name"],
                         "card": f["bank_card"]}, ensure_ascii=False).encode(),
        encoding="br",
        pi=[pi("phone_number", "plain", "body", "phone", "first", None, pattern=True),
            pi("id_card_number", "plain", "body", "idcard", "first", None, pattern=True),
            pi("real_name", "plain", "body", "name", "first", None),
            pi("bank_card_number", "plain", "body", "card", "first", None, pattern=True)],
        meta=label)
    add(12, "GET", "https://sdk.e.qq.com/ad/get?slot=7",
        headers=[("X-Device-Id", f["oaid"].encode().hex()),
                 ("Cookie", f"sid=s{rng.getrandbits(64):x}; gid={_sha256(f['gaid'])}")],
        pi=[pi("oaid", "hex", "header", "X-Device-Id", "third", "tencent_gdt"),
            pi("ad_id", "sha256", "cookie", "gid", "third", "tencent_gdt")], meta=label)
    add(13, "POST", "https://api.demoshop.cn/v1/apps",
        headers=[("Content-Type", "application/json")],
        body=json.dumps({"list": f["installed_apps"]}).encode(), encoding="deflate",
        pi=[pi("installed_apps", "plain", "body", "list", "first", None, pattern=True)],
        meta=label)
    boundary = "----appauditfixture"
    mp = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
          f"app crashes on start\r\n--{boundary}\r\nContent-Disposition: form-data; "
          f"name=\"contact\"\r\n\r\n{f['phone']}\r\n--{boundary}--\r\n").encode()
    add(14, "POST", "https://upload.demoshop.cn/feedback",
        headers=[("Content-Type", f"multipart/form-data; boundary={boundary}")], body=mp,
        encoding="zstd",
        pi=[pi("phone_number", "plain", "body", "contact", "first", None, pattern=True)],
        meta=label)
    # percent-encoding that changes the value itself (UTF-8 name, MAC colons)
    add(15, "GET", f"https://api.demoshop.cn/v1/profile?nick={quote(f['real_name'])}"
                   f"&mac={quote(f['mac'], safe='')}",
        pi=[pi("real_name", "url", "query", "nick", "first", None),
            pi("mac_address", "url", "query", "mac", "first", None, pattern=True)],
        meta=label)
    # location every 5 s for a minute to a map SDK; only the comma is percent-encoded, the
    # coordinates themselves (digits and dots are unreserved) stay plain
    loc = f"{f['location']['lon']:.6f},{f['location']['lat']:.6f}"
    for i in range(13):
        add(20 + 5 * i, "GET", f"https://restapi.amap.com/v3/geocode/regeo?"
                               f"location={quote(loc, safe='')}&key=k{i}",
            pi=[pi("precise_location", "plain", "query", "location", "third", "amap_maps",
                   pattern=True)], meta=label)
    # decoys only: no PI
    add(90, "GET", f"https://api.demoshop.cn/v1/list?order=123456789012345"
                   f"&ts={int(T0 * 1000) + 90000}&h={_md5('not a device value')}"
                   f"&ref=9913812345678123&n=4400000000000000",
        headers=[("X-Trace", hashlib.sha1(b"trace").hexdigest())], meta=label)
    # --- background phase ----------------------------------------------------------------
    add(100, "GET", "http://appaudit.state/background",
        meta={**label, "appaudit_marker": "state", "appaudit_state": "background"})
    add(101, "POST", "http://api.mobads.baidu.com/api/bg",
        headers=[("Content-Type", "application/json")],
        body=json.dumps({"u": _sha1(f["imei"].upper()), "m": f["mac"].replace(":", "")}
                        ).encode(),
        pi=[pi("device_id", "sha1", "body", "u", "third", "baidu_mobads"),
            pi("mac_address", "plain", "body", "m", "third", "baidu_mobads")],
        meta={**label, "appaudit_state": "background"})
    assert not _luhn_ok("123456789012345")  # the order-number decoy fails Luhn
    return flows


def _compress(body: bytes, coding: str | None) -> bytes:
    if coding == "gzip":
        return gzip.compress(body, mtime=0)
    if coding == "deflate":
        return zlib.compress(body)
    if coding == "br":
        import brotli

        return brotli.compress(body)
    if coding == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(body)
    return body


def build_flows(items: list[dict]) -> list:
    """mitmproxy HTTPFlow objects of the plan (ids flow-000, flow-001, ...)."""
    from mitmproxy import http  # noqa: TID251 - fixture generator, not scanner code
    from mitmproxy.test import tflow  # noqa: TID251 - fixture generator, not scanner code

    out = []
    for i, it in enumerate(items):
        fl = tflow.tflow(resp=True)
        fl.id = f"flow-{i:03d}"
        fl.client_conn.id = f"client-{i:03d}"  # fixed ids: the files are reproducible
        fl.server_conn.id = f"server-{i:03d}"
        headers = list(it["headers"])
        if it["content_encoding"]:
            headers.append(("Content-Encoding", it["content_encoding"]))
        req = http.Request.make(it["method"], it["url"], b"",
                                http.Headers([(k.encode(), v.encode()) for k, v in headers]))
        req.raw_content = _compress(it["body"], it["content_encoding"])
        req.timestamp_start = it["t"]
        req.timestamp_end = it["t"] + 0.01
        fl.request = req
        fl.response = http.Response.make(200, b'{"ok":true}',
                                         {"Content-Type": "application/json"})
        fl.response.timestamp_start = it["t"] + 0.05
        fl.response.timestamp_end = it["t"] + 0.06
        fl.metadata = dict(it["meta"])
        out.append(fl)
    return out


def write_mitm(flows: list, path: Path) -> None:
    """Write flows with mitmproxy's FlowWriter."""
    from mitmproxy import io  # noqa: TID251 - fixture generator, not scanner code

    with open(path, "wb") as fh:
        w = io.FlowWriter(fh)
        for fl in flows:
            w.add(fl)


def write_har(flows: list, path: Path) -> None:
    """Export flows with mitmproxy's HAR writer, adding the addon's labels."""
    from mitmproxy.addons.savehar import SaveHar  # noqa: TID251 - fixture generator, not scanner code

    har = SaveHar().make_har(flows)
    for entry, fl in zip(har["log"]["entries"], flows, strict=True):
        labels = {k: v for k, v in fl.metadata.items() if k.startswith("appaudit")}
        if labels:
            entry["_appaudit"] = labels
    path.write_text(json.dumps(har, indent=1, ensure_ascii=False), encoding="utf-8")


def groundtruth(items: list[dict]) -> dict:
    """Expected transmissions, from the plan."""
    consent = next(it["t"] for it in items if it["meta"].get("appaudit_marker") == "consent")
    rows = []
    background = False
    for i, it in enumerate(items):
        if it["meta"].get("appaudit_marker") == "state":
            background = it["meta"].get("appaudit_state") == "background"
        rows.extend({**p, "flow": f"flow-{i:03d}", "index": i,
                     "host": it["url"].split("/")[2], "time": it["t"],
                     "before_consent": it["t"] < consent,
                     "cleartext": it["url"].startswith("http:"), "background": background}
                    for p in it["pi"])
    return {
        "package": PACKAGE, "first_party": "demoshop.cn", "consent_at": consent,
        "flows": len(items), "transmissions": rows,
        "frequency": [{"pi_type": "precise_location", "host": "restapi.amap.com",
                       "count": 13, "max_in_window": 13, "exceeds": True}],
        "sdks_on_wire": sorted({p["sdk"] for it in items for p in it["pi"] if p["sdk"]}),
    }


def main(out: Path = HERE) -> None:
    """Write the fixtures into ``out`` (default: beside this file)."""
    items = plan()
    flows = build_flows(items)
    write_mitm(flows, out / "session.mitm")
    write_har(flows, out / "session.har")
    (out / "device-facts.json").write_text(json.dumps(FACTS, indent=2, ensure_ascii=False)
                                           + "\n", encoding="utf-8")
    (out / "groundtruth.json").write_text(json.dumps(groundtruth(items), indent=2,
                                                     ensure_ascii=False) + "\n",
                                          encoding="utf-8")


if __name__ == "__main__":
    main()
