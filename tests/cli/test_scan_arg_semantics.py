"""`appaudit scan` on the arg_semantics fixture: call sites judged on their arguments, the
declared permissions and the Android levels the app supports.

Expected values are the fixture's ground truth (corpus/apps/arg_semantics/groundtruth.json),
written from its smali sources: each entry says why the verdict follows from the source.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURE_APKS, groundtruth

NAME = "arg_semantics"


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    target = tmp_path_factory.mktemp(NAME)
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / f"{NAME}.apk"), "--out",
                                   str(target), "--format", "json,html"])
    assert res.exit_code == 0, res.output
    out = json.loads((target / "result.json").read_text("utf-8"))
    out["_html"] = (target / "report.html").read_text("utf-8")
    return out


def _key(u):
    return (u["api"], u["caller"], json.dumps(u["args"], sort_keys=True))


def _view(u):
    levels = u.get("api_levels") or {}
    return {"pi_type": u["pi_type"], "sdk": u["sdk"], "reachable": u["reachable"],
            "reflective": u["reflective"], "origin": u["origin"], "effective": u["effective"],
            "not_effective_reason": u["not_effective_reason"], "confidence": u["confidence"],
            "api_max": levels.get("max") if u["effective"] else None}


def test_every_site_judged_as_built(doc):
    got = {_key(u): _view(u) for u in doc["api_uses"]}
    want = {_key(u): {k: u[k] for k in ("pi_type", "sdk", "reachable", "reflective", "origin",
                                        "effective", "not_effective_reason", "confidence",
                                        "api_max")}
            for u in groundtruth(NAME)["api_uses"]}
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        assert got[k] == v, (k, groundtruth(NAME))


def test_only_effective_reads_feed_findings(doc):
    ruled_out = {u["pi_type"] for u in doc["api_uses"] if not u["effective"]}
    effective = {u["pi_type"] for u in doc["api_uses"] if u["effective"]}
    assert "call_log" in ruled_out and "call_log" not in effective
    assert set(doc["summary"]["pi_types_in_code"]) == effective
    n = 0
    for f in doc["findings"]:
        if f["rule"].startswith("PRIV-CODE"):
            for loc in (loc for ev in f["evidence"] for loc in ev["locators"]):
                if loc.get("kind") == "code":
                    site = [u for u in doc["api_uses"] if u["offset"] == loc["offset"]
                            and u["dex"] == loc["dex"]]
                    assert site and any(u["effective"] for u in site), f
                    n += 1
    assert n


def test_no_finding_contradicts_another(doc):
    """A read reported as collection is never also reported as impossible for want of a
    permission: no site is both, and no site a PRIV-PERM-0003 finding cites is an effective
    read, nor cited by a code finding."""
    reads = {(u["dex"], u["offset"]) for u in doc["api_uses"] if u["effective"]}
    sites = {(u["dex"], u["offset"], u["pi_type"], u["effective"]) for u in doc["api_uses"]}
    assert len({s[:3] for s in sites}) == len(sites)
    missing = [f for f in doc["findings"] if f["rule"] == "PRIV-PERM-0003"]
    cited = {(loc["dex"], loc["offset"]) for f in doc["findings"]
             if f["rule"].startswith("PRIV-CODE") for ev in f["evidence"]
             for loc in ev["locators"] if loc.get("kind") == "code"}
    refused = set()
    for f in missing:
        for ev in f["evidence"]:
            for loc in ev["locators"]:
                refused.add((loc["dex"], loc["offset"]))
    assert refused and cited
    assert not refused & (reads | cited)
    assert {"android.permission.BODY_SENSORS", "android.permission.READ_CALL_LOG",
            "android.permission.ACCESS_WIFI_STATE"} == {
        f["subject"]["permissions"] for f in missing}


def test_permission_use_follows_effective_reads(doc):
    perms = {p["name"]: p["used"] for p in doc["app"]["permissions"]}
    for name, used in groundtruth(NAME)["planted"]["permission_use"].items():
        assert perms[name] is used, name


def test_report_lists_ruled_out_sites_with_reasons(doc):
    html = doc["_html"]
    assert "<details class=\"ruled-out\">" in html
    assert "已排除的调用点及理由" in html
    assert "调用参数表明未读取个人信息" in html and "未声明所需权限" in html
    assert "default_input_method" in html
