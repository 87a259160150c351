"""The traffic detector on small hand-made captures (real HAR files through the real
reader). Expected values are worked out from the capture each test writes: times are
T0 + seconds, the frequency window is 60 s with at most 2 sends (rulesets/traffic.yaml)."""

from __future__ import annotations

from detector_factories import IMEI, T0, har_entry, run_detectors, traffic_context

from scanner.detectors.traffic_pii import TrafficPiiDetector
from scanner.model.facts import Fact
from scanner.model.result import ApiUse, CallSite, SdkUse, Skipped, TrafficLink, Transmission

API = f"https://api.example.cn/r?imei={IMEI}"


def _session():
    return [
        har_entry(API, t=T0),
        har_entry("http://appaudit.consent/", t=T0 + 10),  # the addon's consent marker
        har_entry(API, t=T0 + 20, labels={"appaudit_state": "background"}),
        har_entry(API, t=T0 + 30),
        har_entry("https://alog.umeng.com/x", t=T0 + 40, method="POST",
                  body=f"imei={IMEI}&pad=" + "a" * 100),
    ]


def _facts(items, kind):
    return [x for x in items if isinstance(x, Fact) and x.kind == kind]


def test_consent_marker_background_and_frequency(tmp_path):
    items = run_detectors(traffic_context(tmp_path, _session(), body_limit=64),
                          TrafficPiiDetector())
    txs = [x for x in items if isinstance(x, Transmission)]
    # the marker request is no transmission; the IMEI is device_id, in the query or body
    assert [(t.flow, t.host, t.where, t.before_consent) for t in txs] == [
        ("capture.har#0", "api.example.cn", "query", True),   # T0 < consent at T0+10
        ("capture.har#2", "api.example.cn", "query", False),
        ("capture.har#3", "api.example.cn", "query", False),
        ("capture.har#4", "alog.umeng.com", "body", False),
    ]
    assert {t.pi_type for t in txs} == {"device_id"}
    # the state label of #2 holds for the flows after it
    assert [f.get("background") for f in _facts(items, "traffic.transmission")] == [
        False, True, True, True]
    freq = {f.get("host"): f for f in _facts(items, "traffic.frequency")}
    api = freq["api.example.cn"]
    # sends at 0, 20, 30 s: all three inside one 60 s window, more than 2
    assert (api.get("count"), api.get("max_in_window"), api.get("exceeds")) == (3, 3, True)
    assert (api.get("first"), api.get("last"), api.get("background_count")) == (
        T0, T0 + 30, 2)
    assert freq["alog.umeng.com"].get("exceeds") is False
    (sdk,) = [x for x in items if isinstance(x, SdkUse)]
    assert (sdk.id, sdk.evidence) == ("umeng_analytics", {"hosts": ["alog.umeng.com"]})
    # the 119-byte body of #4 was cut at the 64-byte limit
    (skip,) = [x for x in items if isinstance(x, Skipped)]
    assert skip.what.endswith("flow capture.har#4 body")
    assert skip.reason.startswith("request body cut at the size limit")


def test_consent_option_wins_over_the_marker(tmp_path):
    items = run_detectors(traffic_context(tmp_path, _session(), consent_at=T0 + 25),
                          TrafficPiiDetector())
    assert [t.before_consent for t in items if isinstance(t, Transmission)] == [
        True, True, False, False]


def test_no_consent_known_leaves_before_consent_open(tmp_path):
    entries = [e for e in _session() if "appaudit.consent" not in e["request"]["url"]]
    items = run_detectors(traffic_context(tmp_path, entries), TrafficPiiDetector())
    assert {t.before_consent for t in items if isinstance(t, Transmission)} == {None}


def test_finish_links_sdk_code_and_traffic(tmp_path):
    ctx = traffic_context(tmp_path, _session())
    use = ApiUse(api="Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
                 pi_type="device_id", caller="Lcom/umeng/a;->b()V", sdk="umeng_analytics",
                 reachable=True, reflective=False, dex="classes.dex", offset=16)
    other = ApiUse(api=use.api, pi_type="device_id", caller="Lcom/x/a;->b()V", sdk="other",
                   reachable=True, reflective=False, dex="classes.dex", offset=32)
    ctx.collected.extend([use, other])
    items = run_detectors(ctx, TrafficPiiDetector())
    (link,) = [x for x in items if isinstance(x, TrafficLink)]
    assert link == TrafficLink(sdk="umeng_analytics", pi_type="device_id",
                               hosts=("alog.umeng.com",), flows=("capture.har#4",),
                               call_sites=(CallSite(use.api, use.caller, "classes.dex", 16),))
    (fact,) = _facts(items, "traffic.code_link")
    assert (fact.get("transmissions"), fact.get("call_sites")) == (1, 1)
    assert [loc.get("kind") for loc in fact.evidence] == ["flow", "code"]
