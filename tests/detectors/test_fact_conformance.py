"""Facts of kinds the fixture scans do not produce (tests/rulesets/test_fact_schema.py
lists them) conform to rulesets/facts.yaml too."""

from __future__ import annotations

from detector_factories import apk_context, apk_evidence, run_detectors
from test_traffic_pii import _session

from scanner.detectors.manifest import ManifestDetector
from scanner.detectors.traffic_pii import TrafficPiiDetector
from scanner.knowledge import load_knowledge
from scanner.model.evidence import ZipAnomaly
from scanner.model.facts import Fact
from scanner.model.result import ApiUse


def _checked(items, kind):
    facts = [x for x in items if isinstance(x, Fact) and x.kind == kind]
    assert facts
    schema = load_knowledge().facts
    assert [p for f in facts for p in schema.fact_problems(f.kind, f.attrs)] == []


def test_anomaly_facts_conform():
    ev = apk_evidence(anomalies=(ZipAnomaly("duplicate_entry", "classes.dex", "twice"),))
    _checked(run_detectors(apk_context(ev), ManifestDetector()), "apk.anomaly")


def test_code_link_facts_conform(tmp_path):
    from detector_factories import traffic_context

    ctx = traffic_context(tmp_path, _session())
    ctx.collected.append(ApiUse(api="Lx;->y()V", pi_type="device_id", caller="La;->b()V",
                                sdk="umeng_analytics", reachable=True, reflective=False,
                                dex="classes.dex", offset=0))
    _checked(run_detectors(ctx, TrafficPiiDetector()), "traffic.code_link")
