"""Fixtures of the traffic tests: the generated session capture and its ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "corpus" / "traffic"
SHARED_TRAFFIC = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "traffic"
MITM_TESTDATA = SHARED_TRAFFIC / "mitmproxy-testdata"

needs_mitm_testdata = pytest.mark.skipif(not MITM_TESTDATA.is_dir(),
                                         reason="../shared/corpus/traffic is absent")


@pytest.fixture(scope="session")
def truth() -> dict:
    """groundtruth.json written by corpus/traffic/make_captures.py from its plan."""
    return json.loads((TRAFFIC / "groundtruth.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def facts_path() -> Path:
    """The simulated phone's device facts."""
    return TRAFFIC / "device-facts.json"


@pytest.fixture(scope="session")
def traffic_dir() -> Path:
    """corpus/traffic of the repository."""
    return TRAFFIC


@pytest.fixture(scope="session")
def detector_items():
    """Run only the traffic ingest + detector (no rules) and return the yielded items."""
    from scanner.detectors.interface import ScanContext
    from scanner.detectors.traffic_pii import TrafficPiiDetector
    from scanner.engine import ScanRequest, traffic_evidence
    from scanner.knowledge import load_knowledge

    knowledge = load_knowledge()

    def items(path: Path, facts: Path | None = None, **kw) -> list:
        req = ScanRequest(flows=(path,), device_facts=facts, **kw)
        ctx = ScanContext(knowledge=knowledge, category=req.category)
        ctx.traffic = traffic_evidence(req)
        det = TrafficPiiDetector()
        ctx.collected.extend(det.traffic(ctx))
        ctx.collected.extend(det.finish(ctx))
        return ctx.collected

    return items
