"""Leak analysis on a handful of DroidBench / ICC-Bench cases (shared corpus), with the labels
of ../shared/corpus/groundtruth: leaking apps must show a leak of the labelled kind, apps
labelled "no leak" must show none. The full benchmark is benchmarks/leaks_droidbench.py."""

from __future__ import annotations

import pytest

from scanner.engine import ScanRequest, run
from scanner.report.json import result_document
from tests.conftest import SHARED_CORPUS, needs_corpus

pytestmark = needs_corpus

DB = SHARED_CORPUS / "apks" / "droidbench"
ICC = SHARED_CORPUS / "apks" / "iccbench"

# (apk, sink kinds that must be among the leaks found); labels: droidbench3_groundtruth.csv
# (expected_leaks > 0) and the sinks its annotations name (sendTextMessage = sms, Log.i = log,
# startActivity = ipc ...).
LEAKING = [
    (DB / "AndroidSpecific/DirectLeak1.apk", {"sms"}),          # getDeviceId -> sendTextMessage
    (DB / "Aliasing/SimpleAliasing1.apk", {"sms"}),             # through an alias of a heap object
    (DB / "FieldAndObjectSensitivity/FieldSensitivity3.apk", {"sms"}),  # setter/getter
    (DB / "Callbacks/Button1.apk", {"sms"}),                    # onCreate field -> XML onClick
    (DB / "Callbacks/LocationLeak1.apk", {"log"}),              # onLocationChanged parameter
    (DB / "Lifecycle/ActivityLifecycle4.apk", {"sms"}),         # field across lifecycle methods
    (DB / "InterComponentCommunication/ActivityCommunication4.apk", {"log"}),  # explicit ICC
    (DB / "Threading/JavaThread1.apk", {"log"}),                # into a Thread's run() (Log.d,
                                                                # checked in the disassembly)
    (ICC / "IccTargetFinding/icc_explicit1.apk", {"log"}),      # putExtra -> getIntent in target
]
NOT_LEAKING = [
    DB / "AndroidSpecific/LogNoLeak.apk",                       # untainted value logged
    DB / "FieldAndObjectSensitivity/FieldSensitivity2.apk",     # other field of the object sent
    DB / "InterComponentCommunication/ComponentNotInManifest1.apk",  # target not a component
    DB / "ArraysAndLists/ListAccess1.apk",                      # untainted list element sent
    ICC / "IccHandling/icc_explicit_src_nosink.apk",            # target reads it, never leaks it
]


def _leaks(apk):
    if not apk.is_file():
        pytest.skip(f"{apk.name} not in the corpus")
    return result_document(run(ScanRequest(apk=apk))).get("leaks")


@pytest.mark.parametrize(("apk", "kinds"), LEAKING, ids=[p.stem for p, _k in LEAKING])
def test_leak_found(apk, kinds):
    leaks = _leaks(apk)
    assert leaks, f"{apk.name}: no leak found"
    assert kinds <= {x["sink"]["kind"] for x in leaks}
    for x in leaks:
        assert x["path"] and x["source"]["pi_type"] and x["sink"]["api"].startswith("L")


@pytest.mark.parametrize("apk", NOT_LEAKING, ids=[p.stem for p in NOT_LEAKING])
def test_no_leak(apk):
    assert _leaks(apk) == []


def test_direct_leak_details():
    leaks = _leaks(DB / "AndroidSpecific/DirectLeak1.apk")
    assert len(leaks) == 1
    x = leaks[0]
    assert x["source"]["api"] == ("Landroid/telephony/TelephonyManager;->getDeviceId()"
                                  "Ljava/lang/String;")
    assert x["source"]["pi_type"] == "device_id"
    assert x["sink"]["kind"] == "sms" and x["origin"] == "app" and x["sdk"] is None
    assert x["path"] == ["Lde/ecspride/MainActivity;->onCreate(Landroid/os/Bundle;)V"]


def test_finding_names_pi_sink_and_code():
    apk = DB / "AndroidSpecific/DirectLeak1.apk"
    if not apk.is_file():
        pytest.skip("DirectLeak1 not in the corpus")
    doc = result_document(run(ScanRequest(apk=apk, options={"lang": "en"})))
    found = [f for f in doc["findings"] if f["rule"] == "PRIV-LEAK-0001"]
    assert len(found) == 1
    assert found[0]["pi_types"] == ["device_id"]


def test_no_leaks_option_turns_it_off():
    apk = DB / "AndroidSpecific/DirectLeak1.apk"
    if not apk.is_file():
        pytest.skip("DirectLeak1 not in the corpus")
    doc = result_document(run(ScanRequest(apk=apk, options={"no_leaks": True})))
    assert "leaks" not in doc and "leak_analysis" not in doc
    assert not [f for f in doc["findings"] if f["rule"].startswith("PRIV-LEAK")]


def test_cap_stops_with_a_partial_result():
    """A cap hit ends the analysis with partial set and the reason (a Skipped item in scans)."""
    from scanner.ingest.apk import ApkReader
    from scanner.ingest.dex import DexIndex
    from scanner.knowledge import load_knowledge
    from scanner.taint import Caps, LeakAnalysis, SourceSite

    apk = DB / "AndroidSpecific/DirectLeak1.apk"
    if not apk.is_file():
        pytest.skip("DirectLeak1 not in the corpus")
    ev = ApkReader(apk).read()
    index = DexIndex.from_dex_files([(d.name, d.data) for d in ev.dex_files])
    site = next(s for s in index.find_calls(
        {"Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"}))
    src = SourceSite(site.dex, site.offset, site.callee, "device_id",
                     f"{site.caller_class}->{site.caller_method}")
    kb = load_knowledge()
    full = LeakAnalysis(index, kb.leaks, [src]).run()
    assert not full.partial and len(full.leaks) == 1
    capped = LeakAnalysis(index, kb.leaks, [src], caps=Caps(max_analyses=0)).run()
    assert capped.partial and "cap" in capped.reason and capped.leaks == []
    # the reason as a catalog message, for people in their language
    from scanner.messages import value_text

    assert capped.reason_msg["id"] == "leak_cap_analyses"
    assert value_text(capped.reason_msg, "zh") == "已达方法分析次数上限 0"
    assert value_text(capped.reason_msg, "en") == capped.reason
    timed = LeakAnalysis(index, kb.leaks, [src], caps=Caps(max_seconds=0.0)).run()
    assert timed.partial and "time cap" in timed.reason


def test_leak_facts_conform():
    from scanner.engine import detect
    from scanner.knowledge import load_knowledge
    from scanner.model.facts import Fact

    apk = DB / "Callbacks/LocationLeak1.apk"
    if not apk.is_file():
        pytest.skip("LocationLeak1 not in the corpus")
    kb = load_knowledge()
    ctx, _inputs = detect(ScanRequest(apk=apk), kb)
    facts = [x for x in ctx.collected if isinstance(x, Fact) and x.kind == "code.leak"]
    assert facts
    for f in facts:
        assert kb.facts.fact_problems(f.kind, dict(f.attrs)) == []
        assert f.get("pi_type") == "precise_location" and f.get("sink_kind") == "log"


def test_field_of_another_class_is_not_exact():
    """ApplicationModeling1 (DroidBench source): MainActivity.onCreate stores the IMEI in a
    field of the app's Application object, AnotherActivity.onCreate reads that field and logs
    it. The field is read outside its own class, and the heap is field-based (any object's
    field), so the analysis cannot tell it is the same object: the leak is listed, not exact,
    with low confidence, and no PRIV-LEAK finding rests on it."""
    apk = DB / "AndroidSpecific/ApplicationModeling1.apk"
    if not apk.is_file():
        pytest.skip("ApplicationModeling1 not in the corpus")
    doc = result_document(run(ScanRequest(apk=apk)))
    assert [(x["sink"]["kind"], x["exact"], x["confidence"]) for x in doc["leaks"]] == [
        ("log", False, "low")]
    assert not [f for f in doc["findings"] if f["rule"].startswith("PRIV-LEAK")]


def test_field_across_own_lifecycle_is_exact():
    """ActivityLifecycle4 (DroidBench source): onResume stores the IMEI in a field of the
    activity, onPause sends it by SMS: a field read inside its own class is exact."""
    leaks = _leaks(DB / "Lifecycle/ActivityLifecycle4.apk")
    assert {(x["sink"]["kind"], x["exact"], x["confidence"]) for x in leaks} == {
        ("sms", True, "high")}


REAL_CN = SHARED_CORPUS / "apks" / "real-cn"


def test_work_caps_not_time_decide_a_large_analysis():
    """On a real app with Umeng and Glide the analysis stops at its work caps; a far larger
    CPU-time cap gives the very same leaks (results do not depend on the machine). Flows into
    a generic OutputStream/Writer (a file, a connection or memory: rulesets/leaks.yaml
    ``exact: false``) are never high confidence."""
    apk = REAL_CN / "getActivity__AndroidProject__AndroidProject.apk"
    if not apk.is_file():
        pytest.skip("AndroidProject not in the corpus")
    a = result_document(run(ScanRequest(apk=apk)))
    b = result_document(run(ScanRequest(apk=apk, options={"leak_seconds": 600.0})))
    assert a["leak_analysis"]["partial"] and "method analyses cap" in a["leak_analysis"]["reason"]
    assert a["leaks"] == b["leaks"] and a["leak_analysis"] == b["leak_analysis"]
    generic = [x for x in a["leaks"] if x["sink"]["api"].startswith(
        ("Ljava/io/OutputStream;->write", "Ljava/io/Writer;->write"))]
    assert generic and all(x["confidence"] == "low" and not x["exact"] for x in generic)
