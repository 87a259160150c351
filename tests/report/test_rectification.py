"""The rectification list at the end of the HTML report: one row per distinct remediation,
linking to the findings it answers; each finding shows its notice category."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.report.html import HtmlFormat
from scanner.report.view import rectification_list

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _doc() -> dict:
    return json.loads((GOLDEN / "privacy_heavy.json").read_text(encoding="utf-8"))


def test_rectification_list_covers_every_finding_once():
    doc = _doc()
    rows = rectification_list(doc, "zh")
    covered = [x["id"] for r in rows for x in r["findings"]]
    assert sorted(covered) == sorted(f["id"] for f in doc["findings"])
    # PRIV-CODE-0006 (no privacy policy, one finding) is its own row
    row = next(r for r in rows if r["rule"] == "PRIV-CODE-0006")
    assert row["notice_category"] == "违规收集个人信息"
    assert [x["id"] for x in row["findings"]] == ["PRIV-CODE-0006#e3b0c442"]
    # most severe first
    ranks = ["critical", "high", "medium", "low", "info"]
    assert [ranks.index(r["severity"]) for r in rows] == \
        sorted(ranks.index(r["severity"]) for r in rows)


def test_html_shows_category_under_findings_and_the_list_at_the_end():
    doc = _doc()
    for lang, heading, term in (("zh", "整改清单", "违规收集个人信息"),
                                ("en", "Rectification list",
                                 "Illegal collection of personal information")):
        html = HtmlFormat().render(doc, lang).decode("utf-8")
        at = html.index(f'<h2 id="rectification">{heading}</h2>')
        assert at > html.index('id="findings"') and at < html.index('id="appendix"')
        assert term in html[:at] and term in html[at:]
        for f in doc["findings"]:
            assert f'href="#{f["id"]}"' in html[at:]


def test_sarif_results_carry_their_own_remediation_and_category():
    """Each result has its finding's filled-in remediation; a rule's help repeats a
    remediation only when all its findings share it (PRIV-CODE-0006 has one finding,
    PRIV-PERM-0002 names a different permission in each)."""
    from scanner.report.sarif import sarif_document

    doc = _doc()
    run = sarif_document(doc, "zh")["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    by_id = {f["id"]: f for f in doc["findings"]}
    for res in run["results"]:
        f = by_id[res["partialFingerprints"]["appauditFindingId/v1"]]
        assert res["properties"]["remediation"] == f["remediation"]["zh"]
        assert res["properties"]["notice_category"] == f["notice_category"]
    policy = next(f for f in doc["findings"] if f["rule"] == "PRIV-CODE-0006")
    assert policy["remediation"]["zh"] in rules["PRIV-CODE-0006"]["help"]["text"]
    assert "android.permission" not in rules["PRIV-PERM-0002"]["help"]["text"]
