"""Privacy policy against behaviour, on policies written here for the purpose (plain text,
HTML, PDF) and the fixture apps. Expected values follow from the policy texts below: which
words each contains is visible in the text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli

REPO = Path(__file__).resolve().parents[2]
APKS = REPO / "corpus" / "apk"
HERE = Path(__file__).resolve().parent

# names the operator, contact, purposes, methods, retention and rights; declares location
# and the device identifiers only through the generic word 设备标识符; names no SDK.
POLICY = """示例科技有限公司隐私政策
我们收集您的位置信息，用于向您推荐附近的新闻。收集方式为在您使用相关功能时读取。
我们会收集设备标识符，用于安全风控。
个人信息的保存期限为实现目的所必需的最短时间。
您可以查阅、复制、更正、删除您的个人信息，或撤回同意。
联系我们：privacy@example.com
"""


def _run(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, [*args, "--out", str(out), "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    from scanner.report.schema import validate_result

    validate_result(doc)
    return doc


def test_policy_against_the_code_of_a_fixture(tmp_path):
    policy = tmp_path / "policy.txt"
    policy.write_text(POLICY, encoding="utf-8")
    doc = _run(tmp_path, "scan", str(APKS / "privacy_heavy.apk"), "--category", "news",
               "--policy", str(policy))
    p = doc["policy"]
    assert p["found"] and p["source"] == "option:policy.txt" and len(p["sha256"]) == 64
    declared = {d["pi_type"]: d for d in p["declared_pi"]}
    assert "precise_location" in declared and "位置信息" in declared["precise_location"]["quote"]
    assert declared["device_id"].get("generic") is True  # only 设备标识符 covered it
    assert "sms" not in declared and "clipboard" not in declared
    assert all(p["elements"][e] for e in ("operator", "contact", "purpose", "method",
                                          "retention", "rights"))
    found = {(f["rule"], tuple(f["pi_types"])) for f in doc["findings"]
             if f["rule"].startswith("PRIV-POL")}
    used = {u["pi_type"] for u in doc["api_uses"] if u.get("effective", True) is not False}
    expected_pi = {("PRIV-POL-0002", (pi,)) for pi in used - set(declared)}
    assert {x for x in found if x[0] == "PRIV-POL-0002"} == expected_pi
    # the fixture reads the clipboard; the policy is silent. (Its content://sms query lacks
    # READ_SMS, which Android refuses: not a read, so no finding for sms.)
    assert ("PRIV-POL-0002", ("clipboard",)) in found
    assert ("PRIV-POL-0002", ("sms",)) not in found
    sdks = {s["id"] for s in doc["sdks"] if s.get("tracker", True)}
    sdk_findings = [f for f in doc["findings"] if f["rule"] == "PRIV-POL-0003"]
    assert len(sdk_findings) == len(sdks) > 0
    assert not any(f["rule"] == "PRIV-POL-0004" for f in doc["findings"])
    assert not any(f["rule"] == "PRIV-POL-0001" for f in doc["findings"])  # no capture


def test_html_policy_naming_an_sdk_and_missing_elements(tmp_path):
    policy = tmp_path / "policy.html"
    policy.write_text("<html><head><style>.x{}</style><script>var IMEI=1</script></head>"
                      "<body><h1>隐私政策</h1><p>我们接入了友盟统计 SDK，收集您的 IMEI。</p>"
                      "</body></html>", encoding="utf-8")
    doc = _run(tmp_path, "policy", str(policy), "--apk", str(APKS / "privacy_heavy.apk"))
    p = doc["policy"]
    assert {d["pi_type"] for d in p["declared_pi"]} == {"device_id"}  # script text ignored
    missing = {f["title"]["en"] for f in doc["findings"] if f["rule"] == "PRIV-POL-0004"}
    assert missing == {f"The privacy policy does not state {x}" for x in
                       ("the processor's name", "contact details", "purposes", "methods",
                        "retention period", "how users exercise their rights")}
    named = {s["sdk"] for s in p["declared_sdks"]}
    assert "umeng_analytics" in named
    assert not any(f["rule"] == "PRIV-POL-0003" and "友盟" in f["title"]["zh"]
                   for f in doc["findings"])


def test_policy_pdf_is_read(tmp_path):
    """A PDF printed by chromium from the text policy reads back with the same declarations."""
    pytest.importorskip("pypdf")
    from scanner.report.browser import find_chromium, html_to_pdf

    if find_chromium() is None:
        pytest.skip("chromium is not installed")
    body = "".join(f"<p>{line}</p>" for line in POLICY.splitlines())
    pdf = tmp_path / "policy.pdf"
    pdf.write_bytes(html_to_pdf(f"<html><meta charset='utf-8'><body>{body}</body></html>"
                                .encode()))
    doc = _run(tmp_path, "policy", str(pdf))
    declared = {d["pi_type"] for d in doc["policy"]["declared_pi"]}
    assert {"precise_location", "coarse_location", "device_id"} <= declared
    assert doc["inputs"][0]["kind"] == "policy"
    blank = tmp_path / "blank.pdf"
    import pypdf

    w = pypdf.PdfWriter()
    w.add_blank_page(200, 200)
    with open(blank, "wb") as fh:
        w.write(fh)
    r = CliRunner().invoke(cli, ["policy", str(blank), "--out", str(tmp_path / "o"), "--lang",
                                 "en"])
    assert r.exit_code == 3 and "no readable text" in r.output


def test_bad_policy_inputs_are_bad_input(tmp_path):
    r = CliRunner().invoke(cli, ["policy", str(tmp_path / "none.txt"), "--out",
                                 str(tmp_path / "o"), "--lang", "en"])
    assert r.exit_code == 3 and "no such policy file" in r.output
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10)
    r = CliRunner().invoke(cli, ["policy", str(bad), "--out", str(tmp_path / "o2"), "--lang", "en"])
    assert r.exit_code == 3 and "bad.pdf" in r.output
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\xfd" * 100)
    r = CliRunner().invoke(cli, ["policy", str(binary), "--out", str(tmp_path / "o3"), "--lang",
                                 "en"])
    assert r.exit_code in (0, 3)


def test_policy_facts_conform_to_the_fact_schema(tmp_path):
    from scanner.engine import ScanRequest, detect
    from scanner.knowledge import load_knowledge
    from scanner.model.facts import Fact

    policy = tmp_path / "p.txt"
    policy.write_text("隐私政策：我们收集您的 IMEI。我们不会读取您的剪切板。\n"
                      "SDK名称：极光推送SDK 使用目的：推送 收集的个人信息：Android ID\n",
                      encoding="utf-8")
    kb = load_knowledge()
    ctx, _ = detect(ScanRequest(apk=APKS / "privacy_heavy.apk", policy=(policy,)), kb)
    facts = [x for x in ctx.collected if isinstance(x, Fact) and x.kind.startswith("policy.")]
    assert {f.kind for f in facts} == {"policy.pi_undeclared", "policy.sdk_undeclared",
                                       "policy.element_missing", "policy.pi_contradicted",
                                       "policy.sdk_pi_undeclared", "policy.permission_purpose"}
    assert [p for f in facts for p in kb.facts.fact_problems(f.kind, f.attrs)] == []


def test_a_short_policy_stub_in_the_apk_is_not_judged(tmp_path):
    """clean.apk ships a 3-line policy asset that links to an online version: nothing is
    concluded from what it leaves out; the same text given with --policy is judged."""
    doc = _run(tmp_path, "scan", str(APKS / "clean.apk"))
    p = doc["policy"]
    assert p["found"] and p["source"] == "apk:assets/privacy_policy.html"
    assert p["judged"] is False and "--policy" in p["not_judged_reason"]
    assert not [f for f in doc["findings"] if f["rule"].startswith("PRIV-POL")]
    import zipfile

    stub = tmp_path / "stub.html"
    stub.write_bytes(zipfile.ZipFile(APKS / "clean.apk").read("assets/privacy_policy.html"))
    doc = _run(tmp_path / "2", "scan", str(APKS / "clean.apk"), "--policy", str(stub))
    assert doc["policy"]["judged"] is True
    assert {f["rule"] for f in doc["findings"] if f["rule"].startswith("PRIV-POL")} == \
        {"PRIV-POL-0004"}


def test_a_denied_type_the_code_reads_is_a_contradiction(tmp_path):
    """privacy_heavy reads the clipboard (see the first test). A policy that says it does
    not read the clipboard gets PRIV-POL-0005 with its sentence quoted, not PRIV-POL-0002;
    the same policy with a condition ("除非您…") declares it, so neither finding."""
    policy = tmp_path / "p.txt"
    policy.write_text(POLICY + "我们不会读取您的剪切板。\n", encoding="utf-8")
    doc = _run(tmp_path, "policy", str(policy), "--apk", str(APKS / "privacy_heavy.apk"))
    assert {d["pi_type"] for d in doc["policy"]["denied_pi"]} == {"clipboard"}
    by_rule = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule"], set()).update(f["pi_types"])
    assert by_rule["PRIV-POL-0005"] == {"clipboard"}
    assert "clipboard" not in by_rule.get("PRIV-POL-0002", set())
    ev = [e for f in doc["findings"] if f["rule"] == "PRIV-POL-0005" for e in f["evidence"]]
    assert any("我们不会读取您的剪切板" in str(e) for e in ev)
    assert doc["policy"]["operator"]["name"] == "示例科技有限公司"
    from scanner.batch.notice import developer

    assert developer(doc) == ("示例科技有限公司", "policy")  # the notice list's 应用开发者
    policy.write_text(POLICY + "除非您使用粘贴功能，我们不会读取您的剪切板。\n", encoding="utf-8")
    doc = _run(tmp_path / "2", "policy", str(policy), "--apk",
               str(APKS / "privacy_heavy.apk"))
    assert not doc["policy"]["denied_pi"]
    assert not [f for f in doc["findings"] if "clipboard" in f["pi_types"]
                and f["rule"] in ("PRIV-POL-0002", "PRIV-POL-0005")]


def _har(path: Path, pages: list[tuple[str, str, bytes]]) -> Path:
    """A HAR file (the format's documented fields) of GET exchanges (url, type, body)."""
    import base64

    entries = []
    for n, (url, ctype, body) in enumerate(pages):
        entries.append({
            "startedDateTime": f"2026-05-01T08:00:{n:02d}.000+08:00", "time": 5,
            "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [],
                        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Content-Type", "value": ctype}], "cookies": [],
                         "content": {"size": len(body), "mimeType": ctype,
                                     "encoding": "base64",
                                     "text": base64.b64encode(body).decode()},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
            "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}})
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test",
                                                                     "version": "1"},
                                        "entries": entries}}), encoding="utf-8")
    return path


def test_the_policy_page_in_a_capture_is_read(tmp_path):
    """Without --policy, a captured response that is the policy page (titled 隐私政策, under
    a policy-like path) is the policy: source traffic:<url>, the body's SHA-256; a news page
    and a JSON answer are not."""
    import hashlib

    body = ("<html><head><meta charset='utf-8'><title>隐私政策</title></head><body>"
            + "".join(f"<p>{x}</p>" for x in POLICY.splitlines())
            + "<p>我们不会读取您的剪切板。</p></body></html>").encode()
    news = "<html><body><h1>今日新闻</h1><p>本地新闻内容……</p></body></html>".encode() * 20
    har = _har(tmp_path / "cap.har", [
        ("https://news.example.cn/today.html", "text/html; charset=utf-8", news),
        ("https://www.example.cn/static/privacy.html", "text/html; charset=utf-8", body),
        ("https://api.example.cn/v1/feed", "application/json", b'{"items": []}' * 30)])
    doc = _run(tmp_path, "scan", str(APKS / "privacy_heavy.apk"), "--flows", str(har))
    p = doc["policy"]
    assert p["source"] == "traffic:https://www.example.cn/static/privacy.html"
    assert p["sha256"] == hashlib.sha256(body).hexdigest()
    assert {d["pi_type"] for d in p["denied_pi"]} == {"clipboard"}
    assert {f["rule"] for f in doc["findings"] if "clipboard" in f["pi_types"]} >= \
        {"PRIV-POL-0005"}
    har2 = _har(tmp_path / "cap2.har", [
        ("https://news.example.cn/today.html", "text/html; charset=utf-8", news)])
    doc = _run(tmp_path / "2", "scan", str(APKS / "privacy_heavy.apk"), "--flows", str(har2))
    assert "policy" not in doc or not doc["policy"].get("source", "").startswith("traffic:")


def test_an_sdk_collecting_more_than_its_entry_lists(tmp_path):
    """The development policy p01 lists 极光推送SDK with Android ID, OAID and WLAN and 友盟统计SDK
    with IMEI, OAID, Android ID and MAC. In privacy_heavy, JPush's code reads the MAC address
    (its package, cn.jpush, holds the call): PRIV-POL-0006 for (jpush, mac_address), though
    the policy names MAC addresses for Umeng, so no PRIV-POL-0002 for it. Every pair follows
    from the effective api_uses' sdk attribution and the entries' PI types."""
    src = REPO / "benchmarks" / "policy" / "texts" / "p01_news_sections.txt"
    doc = _run(tmp_path, "policy", str(src), "--apk", str(APKS / "privacy_heavy.apk"))
    listed = {e["sdk"]: set(e["pi_types"]) for e in doc["policy"]["sdk_list"] if e["sdk"]}
    expected = {(u["sdk"], u["pi_type"]) for u in doc["api_uses"]
                if u.get("effective", True) and u.get("sdk") in listed
                and u["pi_type"] not in listed[u["sdk"]]}
    got = {(e["summary"]["sdk"], f["pi_types"][0]) for f in doc["findings"]
           if f["rule"] == "PRIV-POL-0006" for e in f["evidence"][:1]}
    assert ("jpush", "mac_address") in expected and got == expected
    assert not [f for f in doc["findings"] if f["rule"] == "PRIV-POL-0002"
                and f["pi_types"] == ["mac_address"]]


def test_dangerous_permissions_without_a_stated_purpose(tmp_path):
    """privacy_heavy's manifest requests (corpus/apps/privacy_heavy/AndroidManifest.xml)
    ACCESS_FINE/COARSE_LOCATION, CAMERA, READ_CONTACTS, READ_PHONE_STATE, RECORD_AUDIO (all
    dangerous in permissions.yaml) and QUERY_ALL_PACKAGES (not dangerous there). The policy
    below names 位置权限 with a purpose after a colon; states a purpose for 设备标识符, a PI
    type READ_PHONE_STATE exposes (device_id); names 相机权限 in a line of its own with no
    purpose word; never names contacts or the microphone. So exactly CAMERA, READ_CONTACTS and
    RECORD_AUDIO lack a stated purpose."""
    policy = tmp_path / "policy.txt"
    policy.write_text("示例科技有限公司隐私政策\n"
                      "位置权限：用于向您推荐附近的新闻。\n"
                      "我们会收集设备标识符，用于安全风控。\n"
                      "此外，本应用会申请相机权限。\n"
                      "联系我们：privacy@example.com\n", encoding="utf-8")
    doc = _run(tmp_path, "scan", str(APKS / "privacy_heavy.apk"), "--category", "news",
               "--policy", str(policy))
    hits = {f["title"]["en"].split(" ")[3]: f for f in doc["findings"]
            if f["rule"] == "PRIV-POL-0007"}
    assert set(hits) == {"android.permission.CAMERA", "android.permission.READ_CONTACTS",
                         "android.permission.RECORD_AUDIO"}, sorted(hits)
    cam = hits["android.permission.CAMERA"]
    assert "相机权限" in json.dumps(cam["evidence"], ensure_ascii=False)
    assert set(cam["pi_types"]) == {"camera"}
    p = {x["name"]: x for x in doc["policy"]["declared_permissions"]}
    assert p["android.permission.CAMERA"]["purpose"] is False
    assert p["android.permission.ACCESS_FINE_LOCATION"]["purpose"] is True
    declared = {d["pi_type"]: d for d in doc["policy"]["declared_pi"]}
    assert declared["device_id"].get("purpose") is True
    # the report's table by dangerous permission: one row each, CAMERA named without a use
    # and flagged, READ_PHONE_STATE not named but its PI's use stated
    import lxml.html

    from scanner.report.html import HtmlFormat

    for lang, named, via, flag in (
            ("zh", "提及该权限，未说明用途", "未提及该权限，但说明了其所针对个人信息的用途",
             "申请但政策未说明目的"),
            ("en", "Named without a use", "Not named, but the use of the PI it is for is stated",
             "Requested, no purpose in the policy")):
        page = lxml.html.fromstring(HtmlFormat().render(doc, lang))
        rows = {}
        for tr in page.xpath("//h3[following-sibling::*[1][self::table]]"):
            if tr.text_content().strip() in ("按危险权限", "By dangerous permission"):
                for row in tr.getnext().xpath(".//tr[td]"):
                    cells = [" ".join(c.text_content().split()) for c in row.xpath("td")]
                    rows[(row.xpath("td")[0].text or "").strip()] = cells
        assert set(rows) == {"android.permission.ACCESS_COARSE_LOCATION",
                             "android.permission.ACCESS_FINE_LOCATION",
                             "android.permission.CAMERA", "android.permission.READ_CONTACTS",
                             "android.permission.READ_PHONE_STATE",
                             "android.permission.RECORD_AUDIO"}
        assert rows["android.permission.CAMERA"][2].startswith(named)
        assert flag in rows["android.permission.CAMERA"][3]
        assert "PRIV-POL-0007" in rows["android.permission.CAMERA"][3]
        assert rows["android.permission.READ_PHONE_STATE"][2].startswith(via)
        assert "PRIV-POL-0007" not in rows["android.permission.READ_PHONE_STATE"][3]


def test_no_permission_purpose_finding_from_a_stub(tmp_path):
    """A policy that is not judged (no policy words: not a policy) concludes nothing about
    permissions either."""
    policy = tmp_path / "policy.txt"
    policy.write_text("Lorem ipsum dolor sit amet.\n", encoding="utf-8")
    doc = _run(tmp_path, "scan", str(APKS / "privacy_heavy.apk"), "--category", "news",
               "--policy", str(policy))
    assert doc["policy"]["judged"] is False
    assert not [f for f in doc["findings"] if f["rule"] == "PRIV-POL-0007"]


def test_a_pdf_policy_permission_table_is_not_concluded_on(tmp_path):
    """A PDF keeps no table: the row "相机权限 | 扫描二维码 | 可关闭" comes back as a line of
    cells. CAMERA is named there, so no PRIV-POL-0007 for it (the purpose cell cannot be told);
    READ_CONTACTS and RECORD_AUDIO are named nowhere in the policy, so they still lack a
    stated purpose. The location permissions and READ_PHONE_STATE have one (位置信息 and
    设备标识符 declared with 用于)."""
    from scanner.report.browser import find_chromium, html_to_pdf

    if find_chromium() is None:
        pytest.skip("chromium is not installed")
    html = ("<html><meta charset='utf-8'><body><h1>示例科技有限公司隐私政策</h1>"
            "<p>我们收集您的位置信息，用于向您推荐附近的新闻。</p>"
            "<p>我们会收集设备标识符，用于安全风控。</p>"
            "<table border='1'><tr><th>权限</th><th>功能</th><th>是否可关闭</th></tr>"
            "<tr><td>相机权限</td><td>扫描二维码</td><td>可关闭</td></tr></table>"
            "<p>联系我们：privacy@example.com</p></body></html>")
    pdf = tmp_path / "policy.pdf"
    pdf.write_bytes(html_to_pdf(html.encode()))
    doc = _run(tmp_path, "scan", str(APKS / "privacy_heavy.apk"), "--category", "news",
               "--policy", str(pdf))
    hits = {f["title"]["en"].split(" ")[3] for f in doc["findings"]
            if f["rule"] == "PRIV-POL-0007"}
    assert hits == {"android.permission.READ_CONTACTS", "android.permission.RECORD_AUDIO"}
    assert "android.permission.CAMERA" in {p["name"] for p in
                                           doc["policy"]["declared_permissions"]}


def test_an_sdk_name_wrapped_in_a_narrow_pdf_cell_is_still_disclosed(tmp_path):
    """privacy_heavy embeds Umeng, GDT and JPush (corpus/apps/privacy_heavy/groundtruth.json).
    The PDF policy names 友盟统计 and 极光推送 only in a cell two characters wide, so PDFium
    gives them cut over lines; they are still disclosed. 优量汇 (GDT) is named nowhere: the
    one PRIV-POL-0003. The table has no ruling lines: a ruled one is rebuilt from the PDF
    (scanner.ingest.pdf_tables, tests/ingest/test_pdf_tables.py) and keeps its names whole."""
    from scanner.report.browser import find_chromium, html_to_pdf

    if find_chromium() is None:
        pytest.skip("chromium is not installed")
    cell = "<td style='width:2.2em;word-break:break-all;font-size:14px'>{}</td>"
    html = ("<html><meta charset='utf-8'><body><h1>示例科技有限公司隐私政策</h1>"
            "<p>我们接入的第三方SDK如下。</p><table>"
            "<tr><th>名称</th><th>提供方</th></tr>"
            f"<tr>{cell.format('友盟统计')}<td>友盟同欣（北京）科技有限公司</td></tr>"
            f"<tr>{cell.format('极光推送')}<td>深圳市和讯华谷信息技术有限公司</td></tr>"
            "</table></body></html>")
    pdf = tmp_path / "policy.pdf"
    pdf.write_bytes(html_to_pdf(html.encode()))
    from scanner.ingest.policy import read_policy_file

    text = read_policy_file(pdf).text
    assert "友盟统计" not in text and "极光推送" not in text  # cut by the narrow cell
    doc = _run(tmp_path, "scan", str(APKS / "privacy_heavy.apk"), "--category", "news",
               "--policy", str(pdf))
    undisclosed = {f["evidence"][0]["summary"]["sdk"] for f in doc["findings"]
                   if f["rule"] == "PRIV-POL-0003"}
    assert undisclosed == {"tencent_gdt"}
