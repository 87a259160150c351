"""Leak analysis on the project's own fixtures corpus/apps/leaks/planted and .../safe: the
leaks found are exactly those groundtruth.json lists (written from the smali by hand, with
the reason per item), and the findings are the rules it names."""

from __future__ import annotations

import json

import pytest

from scanner.engine import ScanRequest, run
from scanner.report.json import result_document
from tests.conftest import FIXTURE_APKS, FIXTURE_APPS


@pytest.mark.parametrize("name", ["planted", "safe"])
def test_leaks_are_the_ground_truth(name):
    gt = json.loads((FIXTURE_APPS / "leaks" / name / "groundtruth.json").read_text("utf-8"))
    doc = result_document(run(ScanRequest(apk=FIXTURE_APKS / "leaks" / f"{name}.apk")))
    got = sorted((x["source"]["pi_type"], x["source"]["caller"], x["sink"]["api"],
                  x["sink"]["kind"], x["sink"]["external"], x["exact"]) for x in doc["leaks"])
    want = sorted((x["pi_type"], x["source_caller"], x["sink_api"], x["sink_kind"],
                   x["external"], x["exact"]) for x in gt["leaks"])
    assert got == want
    assert doc["leak_analysis"]["partial"] is False
    rules = sorted(f["rule"] for f in doc["findings"] if f["rule"].startswith("PRIV-LEAK"))
    assert rules == sorted(x["rule"] for x in gt["leaks"])
