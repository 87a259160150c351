"""Runtime api events judged with the api-map's argument conditions (semantics.judge), the
same data that decides a call site in the code. Each expected value below is what the
condition quoted beside the event says (rulesets/api-map.yaml), worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import cli

LOC = "Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)" \
      "Landroid/location/Location;"
PKG_INFO = "Landroid/content/pm/PackageManager;->getPackageInfo(Ljava/lang/String;I)" \
           "Landroid/content/pm/PackageInfo;"
QUERY = "Landroid/content/pm/PackageManager;->queryIntentActivities(Landroid/content/Intent;I)" \
        "Ljava/util/List;"
UID = "Landroid/content/pm/PackageManager;->getPackagesForUid(I)[Ljava/lang/String;"
SENSOR = "Landroid/hardware/SensorManager;->getDefaultSensor(I)Landroid/hardware/Sensor;"
APP = ["android.location.LocationManager.getLastKnownLocation(LocationManager.java:1)",
       "com.example.app.Main.run(Main.java:5)"]
NO_INTENT_ATTRS = {"package": None, "component": None, "data": None, "type": None}


def ev(ts, **kw):
    return json.dumps({"ts": ts, "event": "api", "stack": APP, **kw})


def test_logged_arguments_decide_like_the_code(tmp_path):
    lines = [
        json.dumps({"ts": 0, "event": "meta", "package": "com.example.app"}),
        # provider "network" -> coarse_location (when[1]: network/passive)
        ev(1, api=LOC, args=["network"], values={"provider": "network"}),
        # an older log without values: the String parameter's logged text decides -> gps
        ev(2, api=LOC, args=["gps"]),
        # nothing logged: no condition can be tested -> the entry's own type, low confidence
        ev(3, api=LOC),
        # the app's own package (when[0]: own) -> not a read
        ev(4, api=PKG_INFO, args=["com.example.app", "0"],
           values={"package": "com.example.app"}),
        # one named other app (when[1]: package present) -> not a read
        ev(5, api=PKG_INFO, values={"package": "com.tencent.mm"}),
        # MAIN/LAUNCHER query, no package or component (when[2]) -> installed_apps
        ev(6, api=QUERY, values={"action": "android.intent.action.MAIN",
                                 "categories": ["android.intent.category.LAUNCHER"],
                                 **NO_INTENT_ATTRS}),
        # a VIEW query (when[3]: another action) -> not a read
        ev(7, api=QUERY, values={"action": "android.intent.action.VIEW", "categories": None,
                                 **NO_INTENT_ATTRS}),
        # the app's own UID (uid when[0]) -> not a read
        ev(8, api=UID, values={"uid": "<own_uid>"}),
        # an accelerometer (type 1: otherwise -> none); a heart-rate sensor (21) -> body_sensors
        ev(9, api=SENSOR, values={"sensor_type": 1}),
        ev(10, api=SENSOR, args=["21"]),
    ]
    log = tmp_path / "h.jsonl"
    log.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["runtime", str(log), "--out", str(out), "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    from scanner.report.schema import validate_result

    validate_result(doc)
    calls = sorted((c["ts"], c["pi_type"], c.get("confidence"), json.dumps(c.get("args")))
                   for c in doc["runtime_calls"])
    assert calls == [
        (1.0, "coarse_location", "high", '{"provider": "network"}'),
        (2.0, "precise_location", "high", '{"provider": "gps"}'),
        (3.0, "precise_location", "low", "{}"),
        (6.0, "installed_apps", "high", json.dumps(
            {"action": "android.intent.action.MAIN",
             "categories": ["android.intent.category.LAUNCHER"]})),
        (10.0, "body_sensors", "high", '{"sensor_type": 21}'),
    ]
    coarse = next(c for c in doc["runtime_calls"] if c["ts"] == 1.0)
    assert coarse["reason_text"]["en"] == "the network and passive providers count as " \
                                          "approximate location"
    excluded = sorted((x["ts"], x["api"], x["reason"], x["reason_text"]["en"])
                      for x in doc["runtime_excluded"])
    assert excluded == [
        (4.0, PKG_INFO, "arguments_no_pi", "queries the app's own package"),
        (5.0, PKG_INFO, "arguments_no_pi", "queries one named app, not the list of installed "
                                           "apps"),
        (7.0, QUERY, "arguments_no_pi", "asks which apps handle one action (share, view...), "
                                        "not the list of installed apps"),
        (8.0, UID, "arguments_no_pi", "queries one UID (the app's own or the caller's), not "
                                      "the list of installed apps"),
        (9.0, SENSOR, "arguments_no_pi", "not a body sensor (accelerometer, proximity, "
                                         "light...): no health data"),
    ]
    # no read of installed apps before consent counted from the four excluded queries: the
    # one MAIN query (before consent: none in this log -> null) is the only runtime read
    assert [c["count"] for c in doc["runtime_calls"] if c["pi_type"] == "installed_apps"] == [1]


def test_the_package_comes_from_the_apk_when_given(tmp_path):
    """With --apk, 'own' means the APK's package (clean.apk: its manifest's package)."""
    repo = Path(__file__).resolve().parents[2]
    apk = repo / "corpus" / "apk" / "clean.apk"
    from scanner.ingest.apk import ApkReader

    own = ApkReader(apk).read().package
    log = tmp_path / "h.jsonl"
    log.write_text(ev(1, api=PKG_INFO, values={"package": own}) + "\n"
                   + ev(2, api=PKG_INFO, values={"package": "com.example.app"}) + "\n", "utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["runtime", str(log), "--apk", str(apk), "--out", str(out),
                                 "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    reasons = {x["args"]["package"]: x["reason_text"]["en"] for x in doc["runtime_excluded"]}
    assert reasons == {own: "queries the app's own package",
                       "com.example.app": "queries one named app, not the list of installed "
                                          "apps"}


def test_declared_permissions_of_the_apk_decide_like_the_code(tmp_path):
    """With the APK's evidence beside the log, the api-map's `declared` conditions use its
    permissions (Location#getLatitude: FINE declared -> precise, only COARSE -> coarse,
    rulesets/api-map.yaml location_object_when); without it every permission counts."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detectors"))
    from detector_factories import apk_evidence

    from scanner.detectors.interface import ScanContext
    from scanner.detectors.runtime import RuntimeDetector
    from scanner.ingest.runtime_log import RuntimeLog
    from scanner.knowledge import load_knowledge
    from scanner.model.runtime import RuntimeCall

    lat = "Landroid/location/Location;->getLatitude()D"
    log = tmp_path / "h.jsonl"
    log.write_text(ev(1, api=lat) + "\n", "utf-8")
    kb = load_knowledge()

    def pi_of(apk):
        ctx = ScanContext(knowledge=kb, apk=apk, runtime=RuntimeLog((log,), apis=kb.apis))
        calls = [x for x in RuntimeDetector().runtime(ctx) if isinstance(x, RuntimeCall)]
        return [(c.pi_type, c.confidence) for c in calls]

    coarse = "android.permission.ACCESS_COARSE_LOCATION"
    fine = "android.permission.ACCESS_FINE_LOCATION"
    assert pi_of(apk_evidence(permissions=[coarse])) == [("coarse_location", "high")]
    assert pi_of(apk_evidence(permissions=[fine, coarse])) == [("precise_location", "high")]
    assert pi_of(None) == [("precise_location", "high")]
    # a logged gps fix while the APK declares no location permission: Android let the call
    # through, so it stays a read (the APK beside the log is not the build that ran): low
    log.write_text(ev(1, api=LOC, args=["gps"]) + "\n", "utf-8")
    assert pi_of(apk_evidence(permissions=[])) == [("precise_location", "low")]
    assert pi_of(apk_evidence(permissions=[fine])) == [("precise_location", "high")]
