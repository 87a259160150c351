"""Hook logs → runtime items and PRIV-RT findings, on logs built here with planted events and
decoys. The expected values follow from how each log is built (comments per event)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli

IMEI = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
AMAP = "Lcom/amap/api/location/AMapLocationClient;->getLastKnownLocation()" \
       "Lcom/amap/api/location/AMapLocation;"
UMENG = ["com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:12)",
         "com.example.app.App.onCreate(App.java:9)"]
AMAP_STACK = ["android.os.Handler.dispatchMessage(Handler.java:106)",
              "com.amap.api.location.AMapLocationClient.getLastKnownLocation(Unknown)",
              "com.example.app.Map.tick(Map.java:40)"]
APP = ["at java.lang.reflect.Method.invoke(Native Method)",
       "at com.example.app.MainActivity.onCreate(MainActivity.java:30)"]
GETUI = ["com.igexin.push.core.a.b(Unknown Source)", "com.example.app.App.onCreate(App.java:9)"]


def ev(ts, event, **kw):
    return json.dumps({"ts": ts, "event": event, **kw})


def planted_log(path: Path, consent: bool = True) -> Path:
    lines = [
        ev(0, "meta", package="com.example.app", device={"sdk_int": 30}),
        ev(0.5, "launch", cause="boot"),                # self start (PRIV-RT-0005)
        ev(0.6, "launch", cause="user"),                # decoy: the user opened it
        ev(100, "api", api=IMEI, args=[], stack=UMENG, unknown_field=1),  # umeng, before
        ev(101, "api", api=IMEI, args=[], stack=APP),   # the app itself, before consent
        ev(101.5, "api", api="Ljava/lang/String;->length()I", stack=APP),  # decoy: not PI
        "this is not json",                              # malformed 1
        json.dumps({"ts": "x", "event": "api"}),        # malformed 2: ts not a number
        json.dumps([1, 2]),                               # malformed 3: not an object
        '{"ts": NaN, "event": "api"}',                   # malformed 4: not finite
        ev(101.7, "custom_vendor_event", x=1),          # unknown event: ignored
        ev(102, "permission_request", permissions=["android.permission.CAMERA"],
           result={"android.permission.CAMERA": "denied"}, stack=APP),  # before consent
    ]
    if consent:
        lines.append(ev(110, "consent"))
    lines += [
        ev(120, "permission_request", permissions=["android.permission.CAMERA"],
           result={"android.permission.CAMERA": "denied"}, stack=APP),  # again after denial
        ev(130, "permission_request", permissions=["android.permission.ACCESS_FINE_LOCATION"],
           result={"android.permission.ACCESS_FINE_LOCATION": "granted"}, stack=APP),
        ev(140, "state", state="background"),
        ev(141, "api", api=AMAP, stack=APP),             # background read by the app
        ev(150, "state", state="foreground"),
        ev(160, "api", api=IMEI, stack=APP),             # decoy: 2 app reads in 60 s, not > 2
    ]
    # amap reads every 2 s from t=200 to t=230: 16 in one 60 s window (PRIV-RT-0002)
    lines += [ev(200 + 2 * i, "api", api=AMAP, stack=AMAP_STACK) for i in range(16)]
    lines += [
        ev(300, "start", via="bindService", target="com.other.app/.PushService", stack=GETUI),
        ev(301, "start", via="bindService", target="com.other.app/.PushService", stack=GETUI),
        ev(302, "start", via="startActivity", target="com.example.app/.Inner", stack=APP),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_runtime(tmp_path: Path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["runtime", *args, "--out", str(out), "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads((out / "result.json").read_text(encoding="utf-8"))


def test_planted_log_gives_exactly_the_expected_items_and_findings(tmp_path):
    code, doc = run_runtime(tmp_path, str(planted_log(tmp_path / "hooks.jsonl")))
    from scanner.report.schema import validate_result

    validate_result(doc)
    calls = {(c["api"], c["sdk"], c["before_consent"], c["background"]): c["count"]
             for c in doc["runtime_calls"]}
    assert calls == {
        (IMEI, "umeng_analytics", True, None): 1,
        (IMEI, None, True, None): 1,
        (AMAP, None, False, True): 1,
        (IMEI, None, False, False): 1,
        (AMAP, "amap_location", False, False): 16,
    }
    prompts = [(p["permissions"], p["before_consent"], p["after_denial"])
               for p in doc["permission_requests"]]
    assert prompts == [(["android.permission.CAMERA"], True, False),
                       (["android.permission.CAMERA"], False, True),
                       (["android.permission.ACCESS_FINE_LOCATION"], False, False)]
    starts = sorted((s["kind"], s["via"], s["target"], s["sdk"], s["count"])
                    for s in doc["app_starts"])
    assert starts == [("associated", "bindService", "com.other.app/.PushService", "getui", 2),
                      ("self", "boot", "com.example.app", None, 1)]
    found = sorted((f["rule"], tuple(f["pi_types"])) for f in doc["findings"])
    assert found == [("PRIV-RT-0001", ("device_id",)),
                     ("PRIV-RT-0002", ("precise_location",)),
                     ("PRIV-RT-0003", ()),
                     ("PRIV-RT-0004", ()),
                     ("PRIV-RT-0005", ()),
                     ("PRIV-RT-0006", ()),
                     ("PRIV-RT-0007", ("precise_location",))]
    rt2 = next(f for f in doc["findings"] if f["rule"] == "PRIV-RT-0002")
    assert "16" in rt2["title"]["en"] + json.dumps(rt2["evidence"], ensure_ascii=False)
    assert doc["partial"] is True
    assert any("4 malformed" in s["reason"] for s in doc["skipped"])
    assert doc["inputs"][0]["kind"] == "runtime" and len(doc["inputs"][0]["sha256"]) == 64


def test_without_a_consent_moment_nothing_is_called_before_consent(tmp_path):
    _, doc = run_runtime(tmp_path, str(planted_log(tmp_path / "h.jsonl", consent=False)))
    assert {c["before_consent"] for c in doc["runtime_calls"]} == {None}
    rules = {f["rule"] for f in doc["findings"]}
    assert "PRIV-RT-0001" not in rules and "PRIV-RT-0003" not in rules
    assert "PRIV-RT-0004" in rules  # re-requests after denial need no consent moment


def test_consent_option_overrides_the_log(tmp_path):
    # consent given at t=50: the reads at 100/101 and the prompt at 102 are after it
    _, doc = run_runtime(tmp_path, str(planted_log(tmp_path / "h.jsonl")), "--consent-at", "50")
    assert not any(c["before_consent"] for c in doc["runtime_calls"])
    assert "PRIV-RT-0001" not in {f["rule"] for f in doc["findings"]}


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xff\xfe garbage \x00\n" * 50,
                                     b'{"ts": 1, "event": "api", "api": 5, "stack": 7}\n',
                                     b"x" * (2 << 20) + b"\n" + b'{"ts": 1, "event": "consent"}\n'])
def test_hostile_logs_never_crash(tmp_path, content):
    log = tmp_path / "h.jsonl"
    log.write_bytes(content)
    code, doc = run_runtime(tmp_path, str(log))
    assert code == 0 and doc["findings"] == []


def test_missing_log_is_bad_input(tmp_path):
    r = CliRunner().invoke(cli, ["runtime", str(tmp_path / "nope.jsonl"), "--out",
                                 str(tmp_path / "o"), "--lang", "en"])
    assert r.exit_code == 3 and "no such runtime log" in r.output


def test_scan_with_runtime_joins_the_apk(tmp_path):
    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "scan"
    r = CliRunner().invoke(cli, ["scan", str(repo / "corpus" / "apk" / "clean.apk"),
                                 "--runtime", str(planted_log(tmp_path / "h.jsonl")),
                                 "--out", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert {i["kind"] for i in doc["inputs"]} == {"apk", "runtime"}
    assert "PRIV-RT-0001" in {f["rule"] for f in doc["findings"]}


def test_runtime_facts_conform_to_the_fact_schema(tmp_path):
    from scanner.engine import ScanRequest, detect
    from scanner.knowledge import load_knowledge
    from scanner.model.facts import Fact

    kb = load_knowledge()
    ctx, _ = detect(ScanRequest(runtime=(planted_log(tmp_path / "h.jsonl"),)), kb)
    facts = [x for x in ctx.collected if isinstance(x, Fact)]
    assert {f.kind for f in facts} == {"runtime.call", "runtime.frequency",
                                       "runtime.permission_request", "runtime.app_start"}
    assert [p for f in facts for p in kb.facts.fact_problems(f.kind, f.attrs)] == []
