"""Read -> sent evidence chains: a hook log and a capture of the same session (real HAR
through the real traffic reader, the device facts' IMEI in the requests). Times are
T0 + seconds; the window is read_sent_window_seconds = 300 (rulesets/runtime.yaml)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detectors"))

from detector_factories import DEVICE_FACTS, IMEI, T0, har_entry, write_har  # noqa: E402

from scanner.engine import ScanRequest, detect  # noqa: E402
from scanner.knowledge import load_knowledge  # noqa: E402
from scanner.model.runtime import ReadSent  # noqa: E402

GET_IMEI = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
UMENG = ["com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:12)"]
APP = ["com.example.app.Main.run(Main.java:1)"]


def test_reads_joined_with_later_transmissions(tmp_path):
    log = tmp_path / "h.jsonl"
    log.write_text("\n".join(json.dumps(e) for e in [
        {"ts": T0 + 10, "event": "api", "api": GET_IMEI, "stack": UMENG},   # umeng read 1
        {"ts": T0 + 40, "event": "api", "api": GET_IMEI, "stack": UMENG},   # umeng read 2
        {"ts": T0 + 45, "event": "api", "api": GET_IMEI, "stack": APP},     # app read
        {"ts": T0 + 900, "event": "api", "api": GET_IMEI, "stack": UMENG},  # after both sends
    ]) + "\n", "utf-8")
    har = write_har(tmp_path / "c.har", [
        # sent to umeng's host: the last read before it is t=40 for umeng, t=45 for the app
        har_entry("https://alog.umeng.com/x", t=T0 + 100, method="POST",
                  body=f"imei={IMEI}&pad=" + "a" * 50),
        # sent 600 s after the last read before it (t=45): outside the window, no chain
        har_entry(f"https://api.example.cn/r?imei={IMEI}", t=T0 + 645),
        # sent before any read: no chain
        har_entry(f"https://api.example.cn/r?imei={IMEI}", t=T0 + 5),
    ])
    ctx, _ = detect(ScanRequest(flows=(har,), runtime=(log,), device_facts=DEVICE_FACTS,
                                command="scan"), load_knowledge())
    chains = sorted((c.read_sdk or "", c.read_ts - T0, c.host, c.sent_ts - T0, c.seconds,
                     c.same_sdk) for c in ctx.of_type(ReadSent))
    assert chains == [
        ("", 45.0, "alog.umeng.com", 100.0, 55.0, False),
        ("umeng_analytics", 40.0, "alog.umeng.com", 100.0, 60.0, True),
    ]


def test_no_traffic_no_chains(tmp_path):
    log = tmp_path / "h.jsonl"
    log.write_text(json.dumps({"ts": T0, "event": "api", "api": GET_IMEI, "stack": UMENG})
                   + "\n", "utf-8")
    ctx, _ = detect(ScanRequest(runtime=(log,)), load_knowledge())
    assert not list(ctx.of_type(ReadSent))
