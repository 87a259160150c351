"""`appaudit scan` on the result_use fixture: a call is judged on how its caller uses the
collection it returns (getRunningAppProcesses: the app's own process, or other apps'), on an
Intent field that only code that never runs sets (null) or that other methods change, and
on a listener method's only caller.

Expected values are the fixture's ground truth (corpus/apps/result_use/groundtruth.json),
written from its smali sources: each entry says why the verdict follows from the source.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURE_APKS, groundtruth

NAME = "result_use"


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    target = tmp_path_factory.mktemp(NAME)
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / f"{NAME}.apk"), "--out",
                                   str(target), "--format", "json,html"])
    assert res.exit_code == 0, res.output
    out = json.loads((target / "result.json").read_text("utf-8"))
    out["_html"] = (target / "report.html").read_text("utf-8")
    return out


def _view(u):
    levels = u.get("api_levels") or {}
    return {"api": u["api"], "pi_type": u["pi_type"], "sdk": u["sdk"],
            "reachable": u["reachable"], "reflective": u["reflective"], "dex": u["dex"],
            "args": u["args"], "origin": u["origin"], "effective": u["effective"],
            "not_effective_reason": u["not_effective_reason"], "confidence": u["confidence"],
            "api_max": levels.get("max") if u["effective"] else None}


def test_every_site_judged_as_built(doc):
    got = {u["caller"]: _view(u) for u in doc["api_uses"]}
    assert len(got) == len(groundtruth(NAME)["api_uses"])
    want = {u["caller"]: {k: v for k, v in u.items() if k not in ("caller", "why")}
            for u in groundtruth(NAME)["api_uses"]}
    assert len(got) == len(doc["api_uses"])  # one site per method
    assert got == want


def test_ruled_out_sites_give_no_finding_and_carry_their_reason(doc):
    ruled_out = {(u["dex"], u["offset"]) for u in doc["api_uses"] if not u["effective"]}
    assert len(ruled_out) == 7
    for u in doc["api_uses"]:
        if not u["effective"] and u["not_effective_reason"] == "one_entry_only":
            assert "Process.myPid()" in u["reason_text"]["en"]
            assert "Process.myPid()" in u["reason_text"]["zh"]
        if "Chooser" in u["caller"]:  # the null Intent: the engine's own reason, both languages
            assert "null" in u["reason_text"]["en"] and "null" in u["reason_text"]["zh"]
    cited = {(loc["dex"], loc["offset"]) for f in doc["findings"] for ev in f["evidence"]
             for loc in ev["locators"] if loc.get("kind") == "code"}
    assert cited and not cited & ruled_out
    html = doc["_html"]
    assert "该调用返回多个应用的条目，而代码只读取其中一个确定的条目" in html


def test_a_path_lookup_alone_does_not_make_an_sdk_the_only_user(doc):
    # Umeng's Space.freeBytes() asks StatFs for the free bytes of
    # getExternalStorageDirectory(): the permission counts as used, but nothing shows the SDK
    # reading or writing a file there, so no "used only by a third-party SDK" finding
    gt = groundtruth(NAME)["planted"]
    perms = {p["name"]: p for p in doc["app"]["permissions"]}
    for name, used in gt["permission_use"].items():
        assert perms[name]["used"] is used, name
    flagged = {f["subject"].get("name") for f in doc["findings"] if f["rule"] == "PRIV-PERM-0004"}
    assert not flagged & set(gt["not_sdk_only"])
    assert {s["id"] for s in doc["sdks"]} == set(groundtruth(NAME)["sdks"])
