"""Static self-start / associated-start capability from hand-made manifests (ApkEvidence built
here): every expected fact follows from rulesets/runtime.yaml as quoted beside each component,
and the rules PRIV-RT-0008/0009 fire only on what can really start the app."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detectors"))

from detector_factories import apk_context, apk_evidence, run_detectors  # noqa: E402

from scanner.detectors.start_capability import StartCapabilityDetector  # noqa: E402
from scanner.knowledge import load_knowledge  # noqa: E402
from scanner.model.evidence import Component, IntentFilter  # noqa: E402
from scanner.model.facts import Fact  # noqa: E402

BOOT = "android.intent.action.BOOT_COMPLETED"
NET = "android.net.conn.CONNECTIVITY_CHANGE"
PRESENT = "android.intent.action.USER_PRESENT"


def comp(name, type_, actions, exported=True, permission=None, enabled=True):
    return Component(name=name, type=type_, exported=exported, exported_reason="explicit",
                     permission=permission, enabled=enabled,
                     intent_filters=(IntentFilter(actions=tuple(actions)),))


def facts(ev):
    items = run_detectors(apk_context(ev), StartCapabilityDetector())
    out = [x for x in items if isinstance(x, Fact)]
    schema = load_knowledge().facts
    assert [p for f in out for p in schema.fact_problems(f.kind, f.attrs)] == []
    return sorted((f.attrs["start_kind"], f.attrs["component"], f.attrs["action"],
                   f.attrs["sdk"], f.attrs["delivered"], f.attrs["reason"]) for f in out)


COMPONENTS = (
    # boot receiver, the permission declared below: delivered at any target
    comp("com.example.app.BootReceiver", "receiver", [BOOT, "com.example.app.OWN"],
         exported=False),
    # connectivity: delivered to manifest receivers only up to targetSdk 23
    comp("com.example.app.NetReceiver", "receiver", [NET]),
    # USER_PRESENT: up to targetSdk 25
    comp("com.example.app.PresentReceiver", "receiver", [PRESENT]),
    # a disabled receiver: never started
    comp("com.example.app.Off", "receiver", [BOOT], enabled=False),
    # Getui's exported push service (catalogue: getui, categories push, identification); its
    # platform action MEDIA_MOUNTED is sent by the system, not by another app
    comp("com.igexin.sdk.PushService", "service", ["com.igexin.sdk.action.service.message",
                                                    "android.intent.action.MEDIA_MOUNTED"]),
    # JPush's service guarded by a signature permission the app declares: others cannot
    comp("cn.jpush.android.service.DaemonService", "service",
         ["cn.jpush.android.intent.DaemonService"], permission="com.example.app.SIG"),
    # a non-push SDK's exported service (umeng analytics): not a start channel by data
    comp("com.umeng.analytics.Svc", "service", ["com.umeng.x"]),
    # the app's own exported service: not an SDK's
    comp("com.example.app.Api", "service", ["com.example.app.API"]),
    # a non-exported push service
    comp("com.igexin.sdk.GActivity", "service", ["com.igexin.sdk.x"], exported=False),
)


def test_manifest_capabilities_at_target_33():
    ev = apk_evidence(permissions=["android.permission.RECEIVE_BOOT_COMPLETED"],
                      components=COMPONENTS, target_sdk=33,
                      declared_permissions=(("com.example.app.SIG", "signature"),))
    assert facts(ev) == [
        ("associated", "com.igexin.sdk.PushService", "com.igexin.sdk.action.service.message",
         "getui", True, None),
        ("self", "com.example.app.BootReceiver", BOOT, None, True, None),
        ("self", "com.example.app.NetReceiver", NET, None, False, "not_delivered_at_target"),
        ("self", "com.example.app.PresentReceiver", PRESENT, None, False,
         "not_delivered_at_target"),
    ]


def test_old_target_and_missing_permission():
    # targetSdk 23: connectivity and user-present still arrive; BOOT needs its permission
    ev = apk_evidence(components=COMPONENTS[:3], target_sdk=23)
    assert facts(ev) == [
        ("self", "com.example.app.BootReceiver", BOOT, None, False, "permission_not_declared"),
        ("self", "com.example.app.NetReceiver", NET, None, True, None),
        ("self", "com.example.app.PresentReceiver", PRESENT, None, True, None),
    ]


def test_rules_fire_only_on_what_can_start_the_app():
    from scanner.rules.loader import load_rules

    ev = apk_evidence(permissions=["android.permission.RECEIVE_BOOT_COMPLETED"],
                      components=COMPONENTS, target_sdk=33,
                      declared_permissions=(("com.example.app.SIG", "signature"),))
    items = run_detectors(apk_context(ev), StartCapabilityDetector())
    found = load_rules().evaluate([x for x in items if isinstance(x, Fact)],
                                  applies_to={"apk"})
    got = sorted((f.rule, f.title.en) for f in found)
    assert [r for r, _ in got] == ["PRIV-RT-0008", "PRIV-RT-0009"]
    rt8 = next(f for f in found if f.rule == "PRIV-RT-0008")
    assert "com.example.app.BootReceiver" in rt8.title.zh and "开机广播" in rt8.title.zh
