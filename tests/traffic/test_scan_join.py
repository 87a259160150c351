"""``appaudit scan APK --flows``: SDK call sites joined with the SDK's traffic, first party
from the APK's package; and the ``appaudit traffic`` command end to end.

The APK is the project's fixture multidex_sdk.apk, whose hand-written ground truth says
Getui (com.igexin) reads the installed-app list in AppInfoUtils.getInstalledApps.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.engine import ScanRequest, run, traffic_evidence
from scanner.model.facts import Fact

REPO = Path(__file__).resolve().parents[2]
APK = REPO / "corpus" / "apk" / "multidex_sdk.apk"
GT = REPO / "corpus" / "apps" / "multidex_sdk" / "groundtruth.json"
TRAFFIC = REPO / "corpus" / "traffic"
APPS = ["com.tencent.mm", "com.eg.android.AlipayGphone", "com.ss.android.ugc.aweme"]

needs_apk = pytest.mark.skipif(not APK.is_file(), reason="fixture APK not built")


def _capture(path: Path) -> None:
    from mitmproxy import http, io
    from mitmproxy.test import tflow

    flows = []
    for i, (url, doc) in enumerate([
        ("https://data.getui.com/api/apps", {"apps": APPS}),
        ("https://api.appaudit.com/v1/cart", {"apps": APPS}),
    ]):
        f = tflow.tflow(resp=True)
        f.id = f"join-{i}"
        f.request = http.Request.make("POST", url, json.dumps(doc).encode(),
                                      http.Headers([(b"Content-Type", b"application/json")]))
        f.request.timestamp_start = 1764460800.0 + i
        flows.append(f)
    with open(path, "wb") as fh:
        w = io.FlowWriter(fh)
        for f in flows:
            w.add(f)


@needs_apk
def test_sdk_call_sites_linked_to_its_traffic(tmp_path):
    cap = tmp_path / "join.mitm"
    _capture(cap)
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"installed_apps": APPS}), "utf-8")
    res = run(ScanRequest(apk=APK, flows=(cap,), device_facts=facts,
                          category="online_shopping"))
    gt = json.loads(GT.read_text("utf-8"))
    getui_reads = {u["caller"] for u in gt["api_uses"]
                   if u["sdk"] == "getui" and u["pi_type"] == "installed_apps"}
    by_host = {t.host: t for t in res.transmissions}
    assert by_host["data.getui.com"].sdk == "getui"
    assert by_host["data.getui.com"].party == "third"
    assert by_host["api.appaudit.com"].party == "first"  # com.appaudit.fixture.shop
    links = res.extra.get("traffic_links")
    assert links and len(links) == 1
    (link,) = links
    assert (link["sdk"], link["pi_type"]) == ("getui", "installed_apps")
    assert link["flows"] == ["join-0"]
    assert {c["caller"] for c in link["call_sites"]} == getui_reads
    assert "PRIV-NET-0001" in {f.rule for f in res.findings}  # app list not necessary


def test_finish_without_code_yields_no_links(tmp_path):
    from scanner.detectors.interface import ScanContext
    from scanner.detectors.traffic_pii import TrafficPiiDetector
    from scanner.knowledge import load_knowledge
    from scanner.model.result import ApiUse

    ctx = ScanContext(knowledge=load_knowledge())
    ctx.traffic = traffic_evidence(ScanRequest(flows=(TRAFFIC / "session.mitm",),
                                           device_facts=TRAFFIC / "device-facts.json"))
    det = TrafficPiiDetector()
    ctx.collected.extend(det.traffic(ctx))
    assert list(det.finish(ctx)) == []
    # a call site of Umeng reading the IMEI links to the IMEI sent to alog.umeng.com
    ctx.collected.append(ApiUse(api="Landroid/telephony/TelephonyManager;->getDeviceId()"
                                    "Ljava/lang/String;", pi_type="device_id",
                                caller="Lcom/umeng/x/A;->b()V", sdk="umeng_analytics",
                                reachable=True, reflective=False, dex="classes.dex",
                                offset=1234))
    (fact,) = [x for x in det.finish(ctx) if isinstance(x, Fact)]
    assert fact.kind == "traffic.code_link"
    kinds = {loc["kind"] for loc in fact.evidence}
    assert kinds == {"flow", "code"}
    (code,) = [loc for loc in fact.evidence if loc["kind"] == "code"]
    assert (code["class"], code["method"], code["offset"]) == ("Lcom/umeng/x/A;", "b()V", 1234)
    assert {loc["flow"] for loc in fact.evidence if loc["kind"] == "flow"} == {"flow-000"}


def test_traffic_command_writes_result(tmp_path, truth):
    out = tmp_path / "out"
    from click.testing import CliRunner

    from scanner.cli import cli

    r = CliRunner().invoke(cli, ["traffic", str(TRAFFIC / "session.mitm"), "--device-facts",
                                 str(TRAFFIC / "device-facts.json"), "--out", str(out),
                                 "--format", "json,html", "--fail-on", "high"])
    assert r.exit_code == 1, r.output  # high findings present
    doc = json.loads((out / "result.json").read_text("utf-8"))
    assert doc["command"] == "traffic"
    assert [i["kind"] for i in doc["inputs"]] == ["flows", "device_facts"]
    assert len(doc["transmissions"]) == len(truth["transmissions"])
    for t in doc["transmissions"]:
        assert t["encoding"] in {"plain", "url", "base64", "hex", "md5", "sha1", "sha256"}
        assert t["where"] in {"query", "header", "cookie", "body", "path"}
        assert t["party"] in {"first", "third"}
    assert (out / "report.html").is_file()


def test_result_document_validates_against_schema(tmp_path):
    from scanner.report.json import result_document
    from scanner.report.schema import result_errors

    res = run(ScanRequest(flows=(TRAFFIC / "session.mitm",),
                          device_facts=TRAFFIC / "device-facts.json", command="traffic"))
    doc = result_document(res)
    assert result_errors(doc) == []
    assert [i["kind"] for i in doc["inputs"]] == ["flows", "device_facts"]
