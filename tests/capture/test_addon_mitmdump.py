"""A real ``mitmdump`` on loopback with the capture addon, a simulated app client and local
servers standing in for the app's backend and SDK hosts; the written flow file is then
analysed. Expected transmissions come from the client's own plan below.

mitmdump runs as a regular proxy with ``connection_strategy=lazy``; the client sends
absolute-form requests to ``http://127.0.0.1:<server port>`` with the Host header of the
pretended host (the scanner attributes a flow by its Host header, as mitmproxy's
``pretty_host`` does), so nothing is resolved and nothing leaves the loopback interface.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scanner.engine import ScanRequest, run, traffic_evidence
from scanner.model.facts import Fact

REPO = Path(__file__).resolve().parents[2]
ADDON = REPO / "scanner" / "capture" / "addon.py"
FACTS = {"imei": "356938035643809", "android_id": "9774d56d682e549c",
         "oaid": "a1b2c3d4-e5f6-4789-abcd-0123456789ab", "serial": "R58M12ABCDE",
         "phone": "13812345678"}

# the script pip installed beside this interpreter (pyenv shims may not know it yet), else PATH
_BESIDE = Path(sys.executable).parent / "mitmdump"
MITMDUMP = str(_BESIDE) if _BESIDE.exists() else shutil.which("mitmdump")

pytestmark = pytest.mark.skipif(MITMDUMP is None, reason="mitmdump not found")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def _ok(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        _Handler.seen.append(self.headers.get("Host", ""))
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _ok

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("mitmdump exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("mitmdump did not start listening")


def _plan(server_port: int) -> list[dict]:
    f = FACTS
    up = f"http://127.0.0.1:{server_port}"
    return [
        {"method": "POST", "url": f"{up}/app_logs", "host": "alog.umeng.com",
         "headers": {"Content-Type": "application/json"},
         "body": json.dumps({"imei_md5": hashlib.md5(f["imei"].encode()).hexdigest()}),
         "pi": [("device_id", "md5", "body", "imei_md5", "third", "umeng_analytics", True)]},
        {"method": "GET", "url": f"{up}/v1/config?aid={f['android_id']}",
         "host": "api.demoshop.cn",
         "pi": [("android_id", "plain", "query", "aid", "first", None, True)]},
        {"method": "GET", "url": "http://appaudit.consent/", "marker": True},
        {"method": "POST", "url": f"{up}/v1/login", "host": "api.demoshop.cn",
         "headers": {"Content-Type": "application/json"},
         "body": json.dumps({"phone": f["phone"]}),
         "pi": [("phone_number", "plain", "body", "phone", "first", None, False)]},
        {"method": "GET", "url": "http://appaudit.state/background", "marker": True},
        {"method": "GET", "url": f"{up}/ad?slot=1", "host": "sdk.e.qq.com",
         "headers": {"X-Oaid": f["oaid"]},
         "pi": [("oaid", "plain", "header", "X-Oaid", "third", "tencent_gdt", False)],
         "background": True},
        {"method": "POST", "url": f"{up}/api/d", "host": "data.getui.com",
         "headers": {"Content-Type": "application/json", "Content-Encoding": "gzip"},
         "body": gzip.compress(json.dumps({"sn": f["serial"]}).encode()),
         "pi": [("serial", "plain", "body", "sn", "third", "getui", False)],
         "background": True},
    ]


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cap")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    facts = tmp / "phone.json"
    facts.write_text(json.dumps(FACTS), "utf-8")
    out = tmp / "session.mitm"
    port = _free_port()
    proc = subprocess.Popen(
        [MITMDUMP, "--listen-host", "127.0.0.1", "--listen-port", str(port), "-w", str(out),
         "-s", str(ADDON), "--set", "appaudit_profile=fixture-profile",
         "--set", f"appaudit_device_facts={facts}", "--set", "appaudit_package=cn.demoshop.app",
         "--set", "connection_strategy=lazy", "--set", f"confdir={tmp / 'conf'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp)
    plan = _plan(server.server_address[1])
    try:
        _wait_port(port, proc)
        for step in plan:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            headers = dict(step.get("headers", {}))
            if "host" in step:
                headers["Host"] = step["host"]
            body = step.get("body")
            conn.request(step["method"], step["url"], body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200, step["url"]
            conn.close()
            time.sleep(0.05)  # distinct timestamps, in order
    finally:
        proc.terminate()
        try:
            log = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            proc.kill()
            log = proc.communicate()[0].decode("utf-8", "replace")
        server.shutdown()
    assert out.is_file() and out.stat().st_size > 0, log
    return out, plan


def test_backend_and_sdk_servers_were_reached(capture):
    assert {"alog.umeng.com", "api.demoshop.cn", "sdk.e.qq.com", "data.getui.com"} <= set(
        _Handler.seen)


def test_capture_carries_labels(capture):
    from scanner.ingest.traffic import open_traffic

    out, plan = capture
    t = open_traffic([out])
    exchanges = list(t.exchanges())
    assert len(exchanges) == len(plan)
    assert t.device_facts is not None and ("device_id", FACTS["imei"]) in t.device_facts.seeds
    for ex in exchanges:
        assert ex.marker["appaudit_profile"] == "fixture-profile"
        assert ex.marker["appaudit_package"] == "cn.demoshop.app"
    markers = [ex.marker.get("appaudit_marker") for ex in exchanges]
    assert markers.count("consent") == 1 and markers.count("state") == 1


def test_analysis_of_the_written_capture(capture):
    out, plan = capture
    res = run(ScanRequest(flows=(out,), command="traffic"))  # facts and party from labels
    got = {(t.pi_type, t.encoding, t.where, t.key, t.party, t.sdk, t.before_consent,
            t.cleartext) for t in res.transmissions}
    want = set()
    for step in plan:
        for pi, enc, where, key, party, sdk, before in step.get("pi", ()):
            want.add((pi, enc, where, key, party, sdk, before, True))
    assert got == want
    assert not res.skipped


def test_background_label_reaches_facts(capture):
    out, plan = capture
    from scanner.detectors.interface import ScanContext
    from scanner.detectors.traffic_pii import TrafficPiiDetector
    from scanner.knowledge import load_knowledge

    req = ScanRequest(flows=(out,))
    ctx = ScanContext(knowledge=load_knowledge())
    ctx.traffic = traffic_evidence(req)
    facts = [x for x in TrafficPiiDetector().traffic(ctx)
             if isinstance(x, Fact) and x.kind == "traffic.transmission"]
    bg = {pi[0] for step in plan if step.get("background") for pi in step["pi"]}
    assert {f.get("pi_type") for f in facts if f.get("background")} == bg
