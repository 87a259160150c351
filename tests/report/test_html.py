"""The HTML report over hand-built results: cover, summary joins, evidence, pricing, offline."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest
from sample import SHA_A, SHA_B, pricing_doc, sample_doc

from scanner.report import get_format
from scanner.report.html import group_by_basis, highlight
from scanner.report.view import fmt_time, pi_rows, sdk_rows


def render(doc, lang="zh") -> str:
    return get_format("html").render(doc, lang).decode("utf-8")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "action", "poster", "data") and v is not None:
                self.refs.append((tag, k, v))


def external_refs(html: str) -> list[str]:
    """src/href values that would make a request: anything but #anchors and data: URIs."""
    p = _Links()
    p.feed(html)
    bad = [f"{t} {k}={v[:60]}" for t, k, v in p.refs
           if not (v.startswith("#") or (k == "src" and v.startswith("data:image/")))]
    bad += re.findall(r"url\(\s*['\"]?(?!data:|#)[^)]*\)", html)
    bad += re.findall(r"@import", html)
    if "script" in p.tags or "link" in p.tags or "iframe" in p.tags:
        bad.append("script/link/iframe tag")
    return bad


@pytest.mark.parametrize("make", [sample_doc, pricing_doc])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_self_contained(make, lang):
    html = render(make(), lang)
    assert external_refs(html) == []
    assert html.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in html


def test_external_ref_checker_catches_links():
    assert external_refs('<img src="https://x/y.png"><a href="http://z">') != []
    assert external_refs('<div style="background:url(http://x/a.png)">') != []
    assert external_refs('<a href="#f1">x</a><img src="data:image/png;base64,AA">') == []


def test_cover_has_identity_hashes_versions_time():
    html = render(sample_doc())
    for text in ("示例新闻", "com.example.news", "1.2 (12)", "targetSdk 30", "新闻资讯类",
                 SHA_B, "c" * 64, f"sha256 {SHA_A}", "appaudit 9.9.9", "2099.01",
                 "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:05+00:00",
                 "--category news", "不构成法律意见"):
        assert text in html, text
    assert '<svg class="icon"' in html  # no icon in the result: placeholder


def test_icon_shown_when_present():
    doc = sample_doc()
    doc["app"]["icon"] = "data:image/png;base64,iVBORw0KGgo="
    html = render(doc)
    assert '<img class="icon" src="data:image/png;base64,iVBORw0KGgo="' in html


def test_pi_collected_vs_necessary():
    rows = {r["pi_type"]: r for r in pi_rows(sample_doc())}
    assert rows["device_id"] == {"pi_type": "device_id", "read": 1, "sent": 1,
                                 "necessary": False, "collected": True}
    assert rows["phone_number"]["necessary"] is True and not rows["phone_number"]["collected"]
    html = render(sample_doc())
    row = re.search(r"<tr><td>[^<]*<code>device_id</code>.*?</tr>", html, re.S).group(0)
    assert "超出必要范围" in row
    doc = sample_doc()
    doc["category"] = {"id": None, "known": False, "suggested": []}
    assert pi_rows(doc)[0]["necessary"] is None
    assert "未声明应用类型" in render(doc)


def test_sdk_join_reads_and_sends():
    rows = sdk_rows(sample_doc())
    assert len(rows) == 1
    r = rows[0]
    assert (r["read_counts"], r["sent_counts"], r["sent_hosts"]) == (
        {"device_id": 1}, {"device_id": 1}, ["alog.umeng.com"])
    doc = sample_doc()
    doc["api_uses"][0]["sdk"] = None
    assert sdk_rows(doc)[0]["read_counts"] == {}


def test_findings_grouped_by_legal_basis_with_evidence_inline():
    doc = sample_doc()
    groups = group_by_basis(doc["findings"], "zh")
    assert [(g["cite"], [f["rule"] for f in g["findings"]]) for g in groups] == [
        ("PIPL-6", ["PRIV-CODE-0001", "PRIV-NET-0005"]), ("MIIT-164", ["PRIV-MAN-0001"])]
    html = render(doc)
    first = html.index("中华人民共和国个人信息保护法 第六条</h3>")
    assert first < html.index("工信部164号文 第二条</h3>")
    # the call site as people read it; its exact Dalvik signature in the cell's title
    assert ('title="Lcom/umeng/analytics/pro/bk;-&gt;a(Landroid/content/Context;)'
            'Ljava/lang/String;">com.umeng.analytics.pro.bk.a()</td>') in html
    assert "classes.dex+0x1f4" in html
    assert ("http://alog.umeng.com/app_logs?<mark>imei=861234567890123</mark>" in html)
    assert fmt_time(1700000000.5) == "2023-11-14 22:13:20.500 UTC"
    assert "2023-11-14 22:13:20.500 UTC" in html
    assert "&lt;service com.example.news.SyncService&gt;" in html


def test_english():
    html = render(sample_doc(), "en")
    for text in ("App Personal Information Compliance Audit Report", "Device ID read beyond",
                 "Personal Information Protection Law Art. 6", "beyond necessary scope",
                 "not legal advice"):
        assert text in html, text
    assert "超范围读取设备识别码" not in html


def test_untrusted_text_is_escaped():
    doc = copy.deepcopy(sample_doc())
    doc["app"]["label"] = "<script>alert(1)</script>"
    doc["findings"][1]["evidence"][0]["locators"][0]["excerpt"] = "<b>x</b>"
    html = render(doc)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>&lt;b&gt;x&lt;/b&gt;</mark>" in html
    assert str(highlight("a<b>c", "<b>")) == "a<mark>&lt;b&gt;</mark>c"
    assert str(highlight("abc", "zz")) == "abc <mark>zz</mark>"


def test_pricing_section():
    html = render(pricing_doc(), "en")
    assert "Price Discrimination Analysis Report" in html
    assert re.search(r'<img class="plot" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', html)
    row = re.search(r"<tr><td class=\"mono sku\">hotel-002</td>.*?</tr>", html, re.S).group(0)
    assert "200.00" in row and "230.00" in row and "+15.00%" in row
    assert "+10.00%" in html  # median relative difference of the comparison
    assert "[+0.00%, +15.00%]" in html
    assert render(pricing_doc()) == render(pricing_doc())  # plot is deterministic


def test_pricing_profiles_as_objects_with_control():
    from sample import pricing_doc_objects

    from scanner.report.plot import relative_differences
    from scanner.report.schema import validate_result

    doc = pricing_doc_objects()
    validate_result(doc)
    series = relative_differences(doc)
    assert [(b, t) for b, t, _ in series] == [("new", "loyal"), ("new", "new-control")]
    # the repeat capture of "new" is compared with "new": hotel-002 190 vs 200 → -5 %
    assert dict(series[1][2]) == {"hotel-001": 0.0, "hotel-002": -0.05, "hotel-003": 0.0}
    html = render(doc, "en")
    assert "new-control<br><span class=\"muted\">repeat capture (noise)</span>" in html
    row = re.search(r"<tr><td class=\"mono sku\">hotel-002</td>.*?</tr>", html, re.S).group(0)
    assert '<span class="bad">+15.00%</span>' in row  # beyond noise: marked
    assert "-5.00%" in row and "190.00" in row
    row1 = re.search(r"<tr><td class=\"mono sku\">hotel-001</td>.*?</tr>", html, re.S).group(0)
    assert '<span class="">+10.00%</span>' in row1  # not beyond noise: not marked


def test_unchecked_legal_rows_are_marked():
    """A citation or necessary-PI row not checked against the official text says so where
    the finding cites it; a checked one carries no mark."""
    doc = sample_doc()
    marks = {"zh": ("[未经原文核对]", "[部分经原文核对]", "仅部分经原文核对"),
             "en": ("[not checked against the official text]",
                    "[partly checked against the official text]", "only partly checked")}
    for lang, (unchecked, partly, category) in marks.items():
        assert unchecked not in render(doc, lang) and category not in render(doc, lang)
        marked = copy.deepcopy(doc)
        lbs = [lb for f in marked["findings"] for lb in f["legal_basis"]]
        assert len(lbs) >= 3
        lbs[0]["verified"], lbs[1]["verified"], lbs[2]["verified"] = False, "partial", True
        marked["category"]["verified"] = "partial"
        html = render(marked, lang)
        assert html.count(unchecked) == 1 and html.count(partly) == 1
        assert html.count(category) == 1
