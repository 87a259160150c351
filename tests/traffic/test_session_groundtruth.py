"""The traffic pipeline on the generated session (corpus/traffic) against its ground truth.

The expected values come from the generator's plan (groundtruth.json), never from the
scanner's output: every planted transmission must be found with its PI type, encoding,
place, party, SDK, consent and cleartext flags, and nothing else may be reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine import ScanRequest, run
from scanner.model.facts import Fact

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "corpus" / "traffic"

FIELDS = ("pi_type", "encoding", "where", "key", "party", "sdk", "before_consent", "cleartext")


def _scan(path: Path, facts: Path | None, **kw):
    return run(ScanRequest(flows=(path,), device_facts=facts, command="traffic", **kw))


def _rows(result) -> set[tuple]:
    return {(int(t.flow.rsplit("#", 1)[1]) if "#" in t.flow else int(t.flow.split("-")[1]),
             *(getattr(t, f) for f in FIELDS)) for t in result.transmissions}


def _expected(truth: dict) -> set[tuple]:
    return {(r["index"], *(r[f] for f in FIELDS)) for r in truth["transmissions"]}


@pytest.fixture(scope="module")
def mitm_result(facts_path):
    return _scan(TRAFFIC / "session.mitm", facts_path)


@pytest.fixture(scope="module")
def har_result(facts_path):
    return _scan(TRAFFIC / "session.har", facts_path)


def test_every_planted_transmission_found_exactly(mitm_result, truth):
    got = _rows(mitm_result)
    want = _expected(truth)
    assert want - got == set(), "missed"
    assert got - want == set(), "reported but not planted (decoy or wrong attribute)"


def test_har_of_same_session_gives_same_transmissions(mitm_result, har_result, truth):
    assert _rows(har_result) == _rows(mitm_result) == _expected(truth)
    assert [t.time for t in har_result.transmissions] == pytest.approx(
        [t.time for t in mitm_result.transmissions], abs=0.001)


def test_inputs_digested(mitm_result, har_result):
    inp, facts = mitm_result.inputs
    assert facts.kind == "device_facts"
    assert inp.kind == "flows" and inp.bytes == (TRAFFIC / "session.mitm").stat().st_size
    assert len(inp.sha256) == 64 and len(inp.sm3) == 64
    assert har_result.inputs[0].kind == "har"


def test_facts_carry_rule_attributes(detector_items, facts_path, truth):
    items = detector_items(TRAFFIC / "session.mitm", facts_path)
    facts = [x for x in items if isinstance(x, Fact) and x.kind == "traffic.transmission"]
    assert len(facts) == len(truth["transmissions"])
    bg = {(r["index"], r["pi_type"]) for r in truth["transmissions"] if r["background"]}
    etld = {"first": "demoshop.cn"}
    for f in facts:
        assert f.get("necessary") is None and f.get("category_known") is False
        (loc,) = f.evidence
        assert loc["kind"] == "flow" and loc["host"] == f.get("host")
        idx = int(loc["flow"].split("-")[1])
        assert f.get("background") == ((idx, f.get("pi_type")) in bg)
        if f.get("party") == "first":
            assert f.get("etld1") == etld["first"]


def test_frequency_fact(detector_items, facts_path, truth):
    items = detector_items(TRAFFIC / "session.mitm", facts_path)
    freq = {(f.get("pi_type"), f.get("host")): f for f in items
            if isinstance(f, Fact) and f.kind == "traffic.frequency"}
    for exp in truth["frequency"]:
        f = freq[(exp["pi_type"], exp["host"])]
        assert f.get("count") == exp["count"]
        assert f.get("max_in_window") == exp["max_in_window"]
        assert f.get("exceeds") is exp["exceeds"]
        located = {loc["flow"] for loc in f.evidence}
        planted = {r["flow"] for r in truth["transmissions"]
                   if (r["pi_type"], r["host"]) == (exp["pi_type"], exp["host"])}
        assert located and located <= planted
    bg = {}
    for r in truth["transmissions"]:
        if r["background"]:
            bg.setdefault((r["pi_type"], r["host"]), set()).add(r["index"])
    assert bg
    for k, f in freq.items():
        assert f.get("background_count") == len(bg.get(k, ())), k
    # everything else was sent at most twice to one host: below the threshold
    others = [f for k, f in freq.items() if k not in
              {(e["pi_type"], e["host"]) for e in truth["frequency"]}]
    assert others and not any(f.get("exceeds") for f in others)


def test_rules_fire_on_planted_traffic(mitm_result, truth):
    rules = {f.rule for f in mitm_result.findings}
    assert {"PRIV-NET-0002", "PRIV-NET-0003", "PRIV-NET-0004", "PRIV-NET-0005"} <= rules
    freq = [f for f in mitm_result.findings if f.rule == "PRIV-NET-0004"]
    exp = truth["frequency"][0]
    assert any(exp["host"] in str(f.evidence) or exp["host"] in str(f.message) for f in freq)


def test_sdks_on_wire(mitm_result, truth):
    ids = {s.id for s in mitm_result.sdks}
    assert ids == set(truth["sdks_on_wire"])
    for s in mitm_result.sdks:
        assert s.evidence["hosts"]


def test_excerpts_mask_the_value(mitm_result):
    import json

    facts = json.loads((TRAFFIC / "device-facts.json").read_text("utf-8"))
    raw = [facts["imei"], facts["phone"], facts["android_id"], facts["id_card"]]
    for t in mitm_result.transmissions:
        assert t.excerpt
        for v in raw:
            assert v not in t.excerpt


def test_category_makes_necessary_known(facts_path):
    res = _scan(TRAFFIC / "session.mitm", facts_path, category="online_shopping")
    rules = {f.rule for f in res.findings}
    assert "PRIV-NET-0001" in rules  # e.g. IMEI is not necessary for online shopping


def test_patterns_without_device_facts(truth):
    res = _scan(TRAFFIC / "session.mitm", None, first_party=("demoshop.cn",))
    got = {(int(t.flow.split("-")[1]), t.pi_type, t.where, t.key) for t in res.transmissions}
    want = set()
    for r in truth["transmissions"]:
        if r["pattern"]:
            pi = r["pattern"] if isinstance(r["pattern"], str) else r["pi_type"]
            want.add((r["index"], pi, r["where"], r["key"]))
    assert want - got == set(), "pattern missed a planted value"
    assert got - want == set(), "pattern reported a decoy"
    assert all(t.confidence in ("medium", "low") and t.matched == "pattern"
               for t in res.transmissions)


def test_consent_at_option_overrides_marker(facts_path, truth):
    res = _scan(TRAFFIC / "session.mitm", facts_path, consent_at=truth["consent_at"] + 50)
    for t in res.transmissions:
        assert t.before_consent == (t.time < truth["consent_at"] + 50)


def test_first_party_without_labels(tmp_path, facts_path):
    """A HAR without the addon's labels: party comes from --first-party only."""
    import json

    har = json.loads((TRAFFIC / "session.har").read_text("utf-8"))
    for e in har["log"]["entries"]:
        e.pop("_appaudit", None)
    p = tmp_path / "plain.har"
    p.write_text(json.dumps(har), "utf-8")
    unlabelled = _scan(p, facts_path)
    assert {t.party for t in unlabelled.transmissions} == {"third"}
    labelled = _scan(p, facts_path, first_party=("demoshop.cn",))
    first = {t.host for t in labelled.transmissions if t.party == "first"}
    assert first == {"api.demoshop.cn", "upload.demoshop.cn"}


def test_committed_fixtures_are_what_the_generator_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_captures",
                                                  TRAFFIC / "make_captures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    for name in ("session.mitm", "session.har", "device-facts.json", "groundtruth.json"):
        assert (tmp_path / name).read_bytes() == (TRAFFIC / name).read_bytes(), name
    total = sum((TRAFFIC / n).stat().st_size for n in ("session.mitm", "session.har"))
    assert total < 1_000_000
