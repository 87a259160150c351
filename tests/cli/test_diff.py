"""``appaudit diff``: the re-check of corpus/apps/recheck_v2 against recheck_v1.

The expected fixed / remaining / new lists are recheck_v2's ``planted.recheck`` in its
groundtruth.json, written from what changed between the two versions' smali and manifests
(corpus/README.md), not from scanner output.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.recheck import compare, finding_key
from scanner.report.schema import validate_result

REPO = Path(__file__).resolve().parents[2]
APKS = REPO / "corpus" / "apk"
TRUTH = json.loads((REPO / "corpus" / "apps" / "recheck_v2" / "groundtruth.json")
                   .read_text(encoding="utf-8"))["planted"]["recheck"]


def _keys(rows: list[dict]) -> list[tuple[str, str]]:
    return sorted((r["rule"], json.dumps(r["subject"], sort_keys=True)) for r in rows)


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, Path]:
    runner = CliRunner()
    out = {}
    for v in ("recheck_v1", "recheck_v2"):
        folder = tmp_path_factory.mktemp(v)
        res = runner.invoke(cli, ["scan", str(APKS / f"{v}.apk"), "--category", "news",
                                  "--out", str(folder), "--format", "json"])
        assert res.exit_code == 0, res.output
        out[v] = folder / "result.json"
    return out


@pytest.fixture(scope="module")
def rechecked(scans, tmp_path_factory) -> tuple[dict, Path, object]:
    out = tmp_path_factory.mktemp("diff")
    res = CliRunner().invoke(cli, ["diff", str(scans["recheck_v1"]), str(scans["recheck_v2"]),
                                   "--out", str(out), "--format", "json,html,docx"])
    return json.loads((out / "result.json").read_text("utf-8")), out, res


def test_diff_reports_exactly_the_planted_fixed_remaining_and_new(rechecked):
    doc, _, res = rechecked
    assert res.exit_code == 0, res.output  # no --fail-on: exit 0 whatever the verdict
    d = doc["diff"]
    for key in ("fixed", "remaining", "new"):
        assert _keys(d[key]) == _keys(TRUTH[key]), key
    assert d["not_rechecked"] == []
    assert d["verdict"] == "not_rectified" and d["verdict_text"]["zh"] == "整改未完成"


def test_matching_ignores_the_shifted_code_offsets(scans, rechecked):
    """The kept reads sit at other dex offsets in version 2, yet match as remaining."""
    old = json.loads(scans["recheck_v1"].read_text("utf-8"))
    new = json.loads(scans["recheck_v2"].read_text("utf-8"))
    for pi in ("precise_location", "android_id"):
        o = [u["offset"] for u in old["api_uses"] if u["pi_type"] == pi]
        n = [u["offset"] for u in new["api_uses"] if u["pi_type"] == pi]
        assert len(o) == len(n) == 1 and o != n, pi
    remaining = {e["pi_types"][0]: e for e in rechecked[0]["diff"]["remaining"]
                 if e["rule"] == "PRIV-CODE-0001"}
    assert set(remaining) == {"precise_location", "android_id"}
    assert remaining["android_id"]["sdk"] == "umeng_analytics"
    assert remaining["precise_location"]["sdk"] is None


def test_entries_carry_the_contract_fields_and_the_result_validates(rechecked):
    doc, out, _ = rechecked
    validate_result(doc)
    for key in ("fixed", "remaining", "new"):
        for e in doc["diff"][key]:
            assert {"rule", "pi_types", "sdk", "title", "old_id", "new_id"} <= set(e)
            assert (e["old_id"] is None) is (key == "new")
            assert (e["new_id"] is None) is (key == "fixed")
            assert e["notice_category"]
    v = doc["diff"]["versions"]
    assert (v["old"]["version_name"], v["new"]["version_name"]) == ("1.0.0", "1.1.0")
    assert v["old"]["apk"]["sha256"] != v["new"]["apk"]["sha256"]
    # the result's findings are the problems still present (remaining + new)
    assert sorted(f["id"] for f in doc["findings"]) == sorted(
        e["new_id"] for e in doc["diff"]["remaining"] + doc["diff"]["new"])
    html = (out / "report.html").read_text("utf-8")
    assert "整改复检报告" in html and "整改未完成" in html
    assert v["old"]["apk"]["sha256"] in html and v["new"]["apk"]["sha256"] in html


def test_recheck_docx_holds_versions_hashes_lists_and_verdict(rechecked):
    import docx

    doc, out, _ = rechecked
    d = docx.Document(str(out / "report.docx"))
    text = "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables
                                                        for r in t.rows for c in r.cells])
    assert "整改复检报告" in text and "复检结论：整改未完成" in text
    v = doc["diff"]["versions"]
    for side in ("old", "new"):
        assert v[side]["apk"]["sha256"] in text and v[side]["apk"]["sm3"] in text
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings[1:] == ["已整改的问题（4）", "仍存在的问题（3）", "新出现的问题（4）"]
    for key in ("fixed", "remaining", "new"):
        for e in doc["diff"][key]:
            assert e["title"]["zh"] in text


def test_fail_on_exit_codes(scans, tmp_path):
    runner = CliRunner()
    args = ["diff", str(scans["recheck_v1"]), str(scans["recheck_v2"]), "--format", "json"]
    # a high problem remains (PRIV-CODE-0001): exit 1 at --fail-on high
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "a"), "--fail-on", "high"])
    assert res.exit_code == 1, res.output
    # nothing critical: exit 0, verdict at that threshold is rectified
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "b"), "--fail-on", "critical"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "b" / "result.json").read_text())["diff"]["verdict"] == \
        "rectified"
    # a version against itself: everything remains
    res = runner.invoke(cli, ["diff", str(scans["recheck_v1"]), str(scans["recheck_v1"]),
                              "--out", str(tmp_path / "c"), "--format", "json"])
    d = json.loads((tmp_path / "c" / "result.json").read_text())["diff"]
    assert (len(d["fixed"]), len(d["new"]), len(d["remaining"])) == (0, 0, 7)


def test_refuses_two_different_apps_and_non_results(scans, tmp_path):
    other = json.loads((REPO / "tests" / "golden" / "clean.json").read_text("utf-8"))
    path = tmp_path / "clean.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    res = CliRunner().invoke(cli, ["diff", str(scans["recheck_v1"]), str(path),
                                   "--out", str(tmp_path / "o"), "--lang", "en"])
    assert res.exit_code == 3
    assert "two versions of one app" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    res = CliRunner().invoke(cli, ["diff", str(bad), str(scans["recheck_v1"]), "--lang", "en"])
    assert res.exit_code == 3
    assert not (tmp_path / "o").exists()


def test_traffic_findings_are_not_claimed_fixed_by_a_static_rescan(scans):
    """An old finding of a traffic rule (PRIV-NET-*) when the new scan had no capture is
    listed as not re-checked, and keeps the verdict at not rectified."""
    old = json.loads(scans["recheck_v1"].read_text("utf-8"))
    new = json.loads(scans["recheck_v1"].read_text("utf-8"))
    old = copy.deepcopy(old)
    old["inputs"].append({**old["inputs"][0], "kind": "flows", "path": "session.mitm"})
    sent = copy.deepcopy(next(f for f in old["findings"] if f["rule"] == "PRIV-CODE-0001"))
    sent.update(id="PRIV-NET-0002#00000000", rule="PRIV-NET-0002", severity="medium",
                subject={"host": "alog.umeng.com", "pi_type": "android_id"})
    old["findings"].append(sent)
    d = compare(old, new)["diff"]
    assert [e["rule"] for e in d["not_rechecked"]] == ["PRIV-NET-0002"]
    assert d["fixed"] == [] and len(d["remaining"]) == 7
    assert d["verdict"] == "not_rectified"


def test_finding_key_is_rule_and_subject_not_location():
    a = {"id": "X#1", "rule": "PRIV-CODE-0001", "subject": {"pi_type": "sms"},
         "evidence": [{"locators": [{"kind": "code", "offset": 10}]}]}
    b = {**a, "id": "X#2", "evidence": [{"locators": [{"kind": "code", "offset": 99}]}]}
    assert finding_key(a) == finding_key(b)
    assert finding_key(a) != finding_key({**a, "subject": {"pi_type": "contacts"}})
