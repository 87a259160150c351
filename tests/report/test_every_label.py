"""Every string a person reads is in the report's language (issue 14).

One document holds every rule (its findings made by the real rule engine from the rule's own
match cases), every PI type, every SDK category of the shipped catalogue, every manifest flag,
every component type and exported reason, every request part, a consent record and a pricing
verdict. It is rendered as the HTML report, the terminal summary and the batch overview in
Chinese and in English. The English renderings must hold no Chinese character; the Chinese ones
no raw id (``advertising``, ``installed_apps``, ``True``…) and no English phrase. Technical
identifiers shown on purpose (``<code>`` and ``.mono`` cells: API descriptors, package names,
hosts, hashes) and values read from the input (the app's label) are left out of the check.
"""

from __future__ import annotations

import re
from dataclasses import fields

import lxml.html
import pytest
from click.testing import CliRunner

from scanner.batch.overview import render_overview
from scanner.batch.summary import summary_row
from scanner.cli.common import print_summary
from scanner.model.evidence import Flags
from scanner.model.result import EVIDENCE_KINDS
from scanner.report.html import HtmlFormat
from scanner.report.i18n import messages
from scanner.rules.loader import load_rules
from scanner.rules.selftest import case_facts
from scanner.sdk.catalog import default_catalog

# Latin words a Chinese text uses as they are: acronyms, format and product names
ZH_LATIN = {"SDK", "API", "APK", "ID", "IMEI", "MEID", "IMSI", "ICCID", "MAC", "OAID", "GAID",
            "Android", "CSV", "JSON", "json", "result", "HTML", "PDF", "URL", "IP", "GPS",
            "SIM", "SSID", "BSSID", "Wi", "Fi", "WiFi", "App", "APP", "UTC", "HAR", "mitm",
            "AB", "SMS", "HTTP", "HTTPS", "targetSdk", "minSdk", "appaudit", "Cookie", "SHA",
            "SM", "WLAN", "dex", "CA", "DES", "ECB", "IV", "AES", "RSA", "SSL", "TLS", "MD",
            "JS", "CDN", "Base", "mitmproxy", "zip", "ISO", "Unix"}
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]+(?: [a-z]{2,}){2,}\b")
# input data shown as it is: the app's label and its first letter (icon placeholder)
DATA = ("隐私测试", "隐", "某厂商", "Some Vendor", "某加固", "Some packer", "x.dex",
        "s.har#3", "s.har")
# ids of table cells: how code reaches an API, how traffic encodes a value, input kinds,
# evidence locator kinds (scanner/model: ApiUse.access, Transmission.encoding, InputFile.kind)
ACCESS = ("invoke", "field", "string", "reflection")
ENCODINGS = ("plain", "url", "base64", "hex", "md5", "sha1", "sha256")
INPUT_KINDS = ("apk", "flows", "har", "device_facts", "runtime", "policy")
LOCATOR_KINDS = ("code", "flow", "manifest", "pricing", "string", "zip")


def _catalog_categories() -> list[str]:
    cats: set[str] = set()
    for sig in default_catalog()._by_id.values():  # noqa: SLF001 - every entry
        cats.update(sig.categories)
    return sorted(cats)


def _catalog_countries() -> list[str]:
    return sorted({sig.country for sig in default_catalog()._by_id.values()  # noqa: SLF001
                   if sig.country})


def _rule_findings() -> list[dict]:
    from scanner.model.serial import to_jsonable
    from scanner.report.json import result_document  # noqa: F401 - same serialisation

    rules = load_rules()
    out = []
    for rule in rules.rules:
        for case in rule.doc.get("tests") or ():
            if case.get("expect") != "match":
                continue
            # names of PI types and code origins, as the engine gives them
            found = rule.evaluate(case_facts(case), rules.knowledge.display_names)
            out.extend(to_jsonable(f) for f in found)
            break
    assert {f["rule"] for f in out} == {r.id for r in rules.rules if r.status != "deprecated"}
    return out


@pytest.fixture(scope="module")
def doc() -> dict:
    from tests.report.sample import sample_doc

    d = sample_doc()
    rules = load_rules()
    kb = rules.knowledge
    # the rule findings (no locators) and the sample's findings with a code, a flow and a
    # manifest locator (status as the rules give it)
    d["findings"] = _rule_findings() + [{**f, "status": "experimental"}
                                        for f in d["findings"]]
    d["inputs"] = [{"kind": k, "path": f"in.{k}", "bytes": 1, "sha256": "a" * 64,
                    "sm3": "b" * 64} for k in INPUT_KINDS]
    d["app"]["label"] = DATA[0]
    pis = sorted(kb.pi_types)
    d["api_uses"] = [{"api": "Landroid/x/Y;->z()V", "pi_type": p, "caller": "La/B;->c()V",
                      "sdk": None, "reachable": True, "reflective": False, "dex": "classes.dex",
                      "offset": 16 * i, "access": ACCESS[i % len(ACCESS)]}
                     for i, p in enumerate(pis)]
    parts = ("query", "header", "cookie", "body", "path")
    d["transmissions"] = [{**d["transmissions"][0], "where": w, "party": party,
                           "encoding": ENCODINGS[(i + j) % len(ENCODINGS)],
                           "before_consent": bc, "matched": ("device_facts", "pattern")[j % 2],
                           "sdk": "sdk_advertising"}
                          for i, w in enumerate(parts) for party in ("first", "third")
                          for j, bc in enumerate((True, None, False))]
    kinds = list(EVIDENCE_KINDS.values())
    countries = _catalog_countries()
    d["sdks"] = [{"id": f"sdk_{c}", "name": f"Lib {i}", "name_zh": f"库{i}", "vendor": "",
                  "categories": [c], "evidence": {"packages": [f"com.x{i}."]},
                  "tracker": c != "development", "country": countries[i % len(countries)],
                  "evidence_kinds": kinds[i % len(kinds):] + kinds[:i % len(kinds)],
                  "vendor_names": {"zh": "某厂商", "en": "Some Vendor"}}
                 for i, c in enumerate(_catalog_categories())]
    d["app"]["flags"] = {f.name: (i % 3 == 0 if i % 3 != 2 else None)
                         for i, f in enumerate(fields(Flags))}
    reasons = ("explicit", "intent-filter", "default", "provider-default")
    d["app"]["components"] = [
        {"name": f"com.x.C{i}", "type": t, "exported": True, "exported_reason": r,
         "permission": None}
        for i, (t, r) in enumerate((t, r) for t in ("activity", "service", "receiver",
                                                    "provider") for r in reasons)]
    d["category"] = {"id": "news", "known": True, "zh": kb.categories["news"].zh,
                     "en": kb.categories["news"].en,
                     "necessary_pi": list(kb.categories["news"].necessary_pi),
                     "necessary_pi_text": list(kb.categories["womens_health"].necessary_pi_text_zh)
                     if "womens_health" in kb.categories else ["无须个人信息"],
                     "necessary_pi_text_en": list(
                         kb.categories["womens_health"].necessary_pi_text_en)
                     if "womens_health" in kb.categories else ["No personal information"]}
    d["consent"] = {"at": 1764460810.0, "source": "option", "at_local": "2025-11-30T08:00:10+08:00",
                    "utc_offset": "+08:00", "zone_source": "default"}
    sinks = ("network", "log", "sms", "file", "ipc", "webview", "clipboard")
    d["leaks"] = [{"source": {"api": "Landroid/telephony/TelephonyManager;->getDeviceId()"
                              "Ljava/lang/String;", "pi_type": pis[i % len(pis)],
                              "caller": "La/B;->c()V"},
                   "sink": {"api": "Landroid/util/Log;->i(Ljava/lang/String;Ljava/lang/String;)I",
                            "kind": k, "caller": "La/C;->d()V", "external": i % 2 == 0},
                   "path": ["La/B;->c()V", "La/X;->y()V", "La/C;->d()V"],
                   "sdk": None, "origin": o, "confidence": c, "exact": c == "high"}
                  for i, (k, o, c) in enumerate((k, o, c) for k in sinks
                                                for o in ("app", "sdk", "library")
                                                for c in ("high", "low"))]
    d["leak_analysis"] = {"partial": True, "reason": "method analyses cap of 2000 reached",
                          "sources": 3, "methods": 40}
    # parts not analysed, and why, as the readers and detectors record them (by message id)
    from scanner.messages import msg, record
    from scanner.model.result import Skipped
    from scanner.model.serial import to_jsonable

    d["skipped"] = [to_jsonable(Skipped(*record(w, r))) for w, r in (
        (msg("part_code"), msg("skip_packed", packer={"zh": "某加固", "en": "Some packer"})),
        (msg("part_code"), msg("skip_dex_partly", dex="classes2.dex",
                               detail=msg("dex_string_truncated", idx=7))),
        (msg("part_flow_body", source="s.har", flow="s.har#3"), msg(
            "skip_body_rest", why=msg("skip_body_cut"))),
        ("s.har", msg("skip_har_unreadable", file="s.har", n=12,
                      detail=msg("har_bad_json", at=300,
                                 detail=msg("json_expecting_comma")))),
        (msg("part_rule", rule="PRIV-MAN-0001"), msg("skip_more_findings", n=5, max=10)),
        (msg("part_payload"), msg("skip_payload", path="x.dex",
                                  status=msg("skip_payload_encrypted"),
                                  bits=msg("skip_entropy", bits=7.9))))]
    d["partial"] = True
    from scanner.report.json import summarize

    d["summary"] = summarize(d)
    return d


def _ids(doc: dict) -> set[str]:
    kb = load_rules().knowledge
    # (flag names, request parts and intent-filter also appear on purpose inside labels and
    # API names, e.g. "可调试 (debuggable)", ContentResolver.query(): they are checked by
    # test_every_id_has_a_label_in_both_catalogs instead)
    ids = set(kb.pi_types) | set(_catalog_categories())
    ids |= {"explicit", "provider-default", "activity", "service",
            "receiver", "provider", "first", "third",
            "True", "False", "None", "input_error", "ruleset_error", "critical", "high",
            "medium", "low", "info", "cannot_tell_no_control", "no_finding", "higher",
            "lower", "capture_marker", "option", "lib_android_support_v4",
            "network", "sms", "ipc", "webview", "clipboard", "stable",
            "experimental", "invoke", "reflection", "device_facts", "har", "flow",
            "manifest", "md5", "sha1", "sha256", "hex", "base64", "pattern"}
    # (evidence kinds and country codes are words and acronyms of their own, "file", "CA":
    # their labels are checked by test_every_id_has_a_label_in_both_catalogs)
    ids |= {s["id"] for s in doc["sdks"]}
    return ids


def _visible(html: str) -> str:
    root = lxml.html.fromstring(html)
    for el in root.xpath('//style|//script|//code|//title|'
                         '//*[contains(concat(" ", normalize-space(@class), " "), " mono ")]'):
        el.drop_tree()
    return _strip_data(root.text_content())


def _strip_data(text: str) -> str:
    for d in DATA:
        text = text.replace(d, " ")
    # names written as they are: standards (GB/T 41391), Android permission names
    text = re.sub(r"\bGB(?:/T)? ?\d|[\w.]*android\.permission\.\w+", " ", text)
    return re.sub(r"\s+", " ", text)


def _check(text: str, lang: str, ids: set[str], where: str, strict: bool = False) -> None:
    if lang == "en":
        bad = sorted(set(CJK.findall(text)))
        assert not bad, f"{where} (en) shows Chinese: " + " | ".join(
            text[max(0, m.start() - 40):m.end() + 10] for m in CJK.finditer(text))[:600]
        return
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_\-]*", text))
    raw = sorted(words & ids)
    assert not raw, f"{where} (zh) shows raw ids {raw}: " + " | ".join(
        text[max(0, text.find(r) - 40):text.find(r) + 40] for r in raw)[:800]
    phrases = ENGLISH_PHRASE.findall(text)
    assert not phrases, f"{where} (zh) shows English phrases {phrases[:10]}"
    if strict:  # terminal lines: any English word but the acronyms and names Chinese uses
        # option names as typed; code names (TrustManager, proceed()) as written
        bare = re.sub(r"--[\w-]+|NAME=FILE|\b\w+\(\)|\b[A-Z][a-z]+[A-Z]\w*", " ", text)
        english = sorted(set(re.findall(r"[A-Za-z]{2,}", bare)) - ZH_LATIN)
        assert not english, f"{where} (zh) shows English words {english}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_report_every_label_in_the_language(doc, lang):
    html = HtmlFormat().render(doc, lang).decode("utf-8")
    _check(_visible(html), lang, _ids(doc), "HTML report")
    if lang == "zh":  # Chinese punctuation between Chinese words: 、 and ：, not ", " / ": "
        text = _visible(html)
        bad = re.findall(r"[\u4e00-\u9fff)）][,:] ?[\u4e00-\u9fff(（]", text)
        assert not bad, bad[:10]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_summary_in_the_language(doc, lang):
    import click

    @click.command()
    def show():
        print_summary(doc, [], lang)

    out = CliRunner().invoke(show).output
    # rule ids, package names and the consent time are identifiers shown on purpose
    # (and the names of limits, MAX_FINDINGS_PER_RULE, as the code and README write them)
    out = re.sub(r"PRIV-[A-Z]+-\d+|ALGO-[A-Z]+-\d+|SEC-[A-Z]+-\d+|[\w.]+\.[\w.]+|"
                 r"android\.permission\.\w+|\S+\+08:00|\bMAX(?:_[A-Z]+)+\b", " ", out)
    # profile and list names of the pricing rules' own test cases: data, shown as given
    out = re.sub(r"\b(?:off-)?(?:loyal|new)\b|\bhotel-search\b|\bfeed\b", " ", out)
    _check(_strip_data(out), lang, _ids(doc), "terminal summary", strict=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_overview_in_the_language(doc, lang):
    row = summary_row(doc)
    rows = [{**row, "sha256": "a" * 64, "status": "ok", "error": None, "paths": ["/x/a.apk"],
             "seconds": 1.0, "peak_rss_kb": 1,
             "sdks": [["lib_android_support_v4", "Android Support v4"], ["jpush", "JPush"]]},
            {**row, "sha256": "b" * 64, "status": "ok", "category": None,
             "over_scope_count": None, "error": None, "paths": ["/x/b.apk"], "seconds": 1.0,
             "peak_rss_kb": 1},
            {"sha256": "c" * 64, "status": "input_error", "error": "x.apk: not a zip",
             "paths": ["/x/c.apk"]},
            {"sha256": "d" * 64, "status": "ruleset_error", "error": "r", "paths": []}]
    html = render_overview(rows, lang)
    root = lxml.html.fromstring(html)
    for el in root.xpath("//img|//style|//title"):
        el.drop_tree()
    text = root.text_content()
    for v in ("x.apk: not a zip", "com.example.news", "Android Support v4", "JPush"):
        text = text.replace(v, " ")
    text = re.sub(r"PRIV-[A-Z]+-\d+|ALGO-[A-Z]+-\d+", " ", text)
    _check(_strip_data(text), lang, _ids(doc), "batch overview")


def test_development_libraries_are_not_third_party_sdks(doc):
    row = summary_row(doc)
    assert "sdk_development" not in {s[0] for s in row["sdks"]}
    assert doc["summary"]["libraries"] == 1
    assert doc["summary"]["sdks"] == len(doc["sdks"]) - 1


def test_over_scope_not_judged_without_category(doc):
    unknown = {**doc, "category": {"id": None, "known": False}}
    assert summary_row(unknown)["over_scope_count"] is None
    assert summary_row(doc)["over_scope_count"] is not None
    page = render_overview([{**summary_row(unknown), "sha256": "a" * 64, "status": "ok",
                             "error": None, "paths": []}], "en")
    assert "could not be judged" in page and "0 with over-scope" not in page


def test_every_id_has_a_label_in_both_catalogs():
    """Each id the reports show has its own label in zh and in en (not the id, and zh in
    Chinese script)."""
    from scanner.names import vocabulary
    from scanner.report.html import label
    from scanner.report.i18n import messages

    groups = {
        "sdkcat_": _catalog_categories(),
        "flag_": [f.name for f in fields(Flags)],
        "exported_reason_": ["explicit", "intent-filter", "default", "provider-default"],
        "where_": ["query", "header", "cookie", "body", "path"],
        "status_": ["ok", "input_error", "ruleset_error", "timeout", "memory", "crash",
                    "stable", "experimental", "deprecated"],
        "verdict_": ["discrimination", "no_finding", "cannot_tell_no_control",
                     "cannot_tell_no_items"],
        "consent_source_": ["option", "capture_marker"],
        "sev_": ["critical", "high", "medium", "low", "info"],
        "comp_": ["activity", "activity-alias", "service", "receiver", "provider"],
        "dir_": ["higher", "lower"],
        "evidence_kind_": list(EVIDENCE_KINDS.values()),
        "country_": _catalog_countries(),
        "access_": list(ACCESS),
        "enc_": list(ENCODINGS),
        "input_kind_": list(INPUT_KINDS),
        "loc_kind_": list(LOCATOR_KINDS),
        "matched_": ["device_facts", "pattern"],
        "direction_": ["higher", "lower", "worse", "better"],
    }
    for lang in ("zh", "en"):
        m = messages(lang)
        for prefix, ids in groups.items():
            for i in ids:
                text = label(m, prefix, i)
                # an English label may be the id itself when the id is a plain word
                assert text and (text != i or (lang == "en" and re.fullmatch("[a-z]+", i))), \
                    (lang, prefix, i)
                if lang == "zh":
                    assert CJK.search(text), (prefix, i, text)
                else:
                    assert not CJK.search(text), (prefix, i, text)
    for i, name in vocabulary().items():
        assert CJK.search(name["zh"]) and not CJK.search(name["en"]), i
    kb = load_rules().knowledge
    for pid, p in kb.pi_types.items():
        zh, en = (p.get("zh"), p.get("en")) if isinstance(p, dict) else (p.zh, p.en)
        assert CJK.search(zh) and not CJK.search(en), pid


def test_vendor_column_names_google_and_facebook(doc):
    """Exodus entries carry no vendor: the vendor of the package namespace is shown instead
    of an empty cell, in the report's language; an unknown vendor says so; a catalogue
    vendor is named in Chinese in the Chinese report (Tencent → 腾讯)."""
    d = dict(doc)
    d["sdks"] = [
        {"id": "exodus_ga", "name": "Google Analytics", "vendor": "", "categories": ["analytics"],
         "evidence": {"packages": ["com.google.android.gms.analytics."]}, "tracker": True},
        {"id": "exodus_fb", "name": "Facebook Login", "vendor": "",
         "categories": ["social_login"], "evidence": {"packages": ["com.facebook.login."]},
         "tracker": True},
        {"id": "x_unknown", "name": "Obscure", "vendor": "", "categories": ["analytics"],
         "evidence": {"packages": ["org.obscure."]}, "tracker": True},
        {"id": "bugly", "name": "Bugly", "vendor": "Tencent", "categories": ["analytics"],
         "evidence": {"packages": ["com.tencent.bugly."]}, "tracker": True}]
    # the scan names the vendor in the result (engine.py); the report reads only that
    vendors = load_rules().knowledge.sdk_vendors
    d["sdks"] = [{**x, "vendor_names": vendors.for_sdk(x["vendor"], x["evidence"]["packages"])}
                 for x in d["sdks"]]
    for lang, want in (("zh", ("谷歌", "Meta（Facebook）", "未知", "腾讯")),
                       ("en", ("Google", "Meta (Facebook)", "unknown", "Tencent"))):
        root = lxml.html.fromstring(HtmlFormat().render(d, lang).decode("utf-8"))
        rows = root.xpath('//h3[following-sibling::table][1]/following-sibling::table[1]//tr')
        cells = {r.xpath("string(td[1]/b)"): r.xpath("string(td[2])").strip()
                 for r in root.xpath("//table//tr[td/b]")}
        assert rows is not None
        assert cells["Google Analytics"] == want[0], cells
        assert cells["Facebook Login"] == want[1] and cells["Obscure"] == want[2]
        assert cells["Bugly"] == want[3], cells


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("control", [True, False])
def test_pricing_terminal_lines_in_the_language(tmp_path, lang, control):
    """`appaudit pricing` prints its verdict, price, ranking, term and personalisation-off
    lines from the catalogs: no English in Chinese, no Chinese in English, no raw ids."""
    from scanner.cli import cli
    from tests.conftest import REPO

    shop = REPO / "corpus" / "pricing" / "food-delivery"
    args = ["pricing", "--lang", lang, "--format", "json", "--out", str(tmp_path)]
    for p in ("new", "loyal", "off-new", "off-loyal"):
        args += ["--profile", f"{p}={shop / (p + '.mitm')}"]
    if control:
        args += ["--control", f"new={shop / 'new-control.mitm'}",
                 "--control", f"loyal={shop / 'loyal-control.mitm'}"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    out = r.output
    for kind in ("ranking", "term", "pers_off"):  # each kind of line is there
        from scanner.report.i18n import messages

        assert messages(lang)["pricing_kind_" + kind] in out, (kind, out)
    # profile names, list locators, numbers and paths are data shown as they are
    out = re.sub(r"\b(?:off-)?(?:new|loyal)\b|waimai\.example\S*|/\S+|p=\S+|"
                 r"ALGO-[A-Z]+-\d+", " ", out)
    _check(out, lang, _ids_pricing(), "pricing terminal", strict=True)


def _ids_pricing() -> set[str]:
    return {"delivery_fee", "coupon", "expensive_up", "cheap_up", "none", "True", "False",
            "None", "discrimination", "no_finding", "cannot_tell_no_control",
            "cannot_tell_no_items", "higher", "lower", "worse", "better"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_sheets_headers_and_words_in_the_language(doc, lang):
    """The workbook is for people: sheet names, column headers and the cells that hold ids
    (severity, confidence, yes/no, party, request part, PI types) are in the language."""
    import io

    import openpyxl

    from scanner.report.xlsx import XlsxFormat

    wb = openpyxl.load_workbook(io.BytesIO(XlsxFormat().render(doc, lang)))
    from scanner.report.xlsx import WORDS, column_label

    # the columns whose cells hold ids (severity, status, kind, access, encoding, SDK…)
    cols = {*WORDS, "kind", "sdk", "pi_type", "pi_types", "reachable", "reflective",
            "before_consent", "cleartext", "time"}
    for must in ("status", "access", "encoding", "categories", "matched"):
        assert must in WORDS, must
    words = {column_label(c, lang) for c in cols}
    text = []
    for ws in wb.worksheets:
        rows = list(ws.values)
        text.append(ws.title)
        text.extend(str(h) for h in rows[0])
        for i, h in enumerate(rows[0]):
            if h in words:
                text.extend(str(r[i]) for r in rows[1:] if r[i] is not None)
    seen = " | ".join(text)
    _check(_strip_data(seen), lang, _ids(doc), "XLSX", strict=lang == "zh")
    m = messages(lang)
    for k in (*ACCESS, ):  # every access, input and evidence kind is there, as a word
        assert m[f"access_{k}"] in seen, k
    for k in INPUT_KINDS:
        assert m[f"input_kind_{k}"] in seen, k
    for k in ("code", "flow", "manifest"):
        assert m[f"loc_kind_{k}"] in seen, k
    assert m["status_experimental"] in seen and "UTC" in seen  # times as dates, not numbers


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_docx_case_report_in_the_language(doc, lang):
    """The Word case report: headings, table headers and cells from the catalogs."""
    import io

    import docx

    from scanner.report.docx import DocxFormat
    from scanner.report.i18n import messages

    m = messages(lang)
    d = docx.Document(io.BytesIO(DocxFormat().render(doc, lang)))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        head = [c.text for c in t.rows[0].cells]
        if head == [m["location"], m["detail"]]:
            # a finding's evidence: the fact record as the HTML shows it in monospace
            # (key=value, ids as stored); only its header is checked
            parts.extend(head)
            continue
        parts.extend(c.text for row in t.rows for c in row.cells)
    text = " | ".join(parts)
    # identifiers printed on purpose: API descriptors, classes, hashes, hosts, URLs
    text = re.sub(r"L[\w/$]+;(?:->[\w<>$]+(?:\([^)]*\)\S*|:\S+))?|\S+://\S+|[0-9a-f]{32,}|"
                  r"[\w-]+(?:\.[\w-]+)+|PRIV-[A-Z]+-\d+|ALGO-[A-Z]+-\d+|SEC-[A-Z]+-\d+|"
                  r"\S+\+08:00", " ", text)
    _check(_strip_data(text), lang, _ids(doc), "DOCX")


def test_csv_headers_are_the_documented_ids_and_texts_in_the_language(doc):
    """CSV is for scripts: its headers are the column ids in both languages (a data contract,
    reports/README.md), while its text columns (title, description, remediation, notice
    category, legal basis) follow --lang."""
    import csv
    import io

    from scanner.report.csv import CsvFormat
    from scanner.report.tables import FINDING_COLS

    for lang in ("zh", "en"):
        files = CsvFormat().render(doc, lang)
        rows = list(csv.DictReader(io.StringIO(files["findings.csv"].decode("utf-8-sig"))))
        assert list(rows[0]) == FINDING_COLS
        texts = " | ".join(r[c] for r in rows for c in ("title", "description", "remediation",
                                                        "notice_category", "legal_basis"))
        texts = re.sub(r"[\w.]*android\.permission\.\w+|[\w-]+(?:\.[\w-]+)+|"
                       r"\b[a-z]+[A-Z]\w*|\S*/\S*", " ", texts)
        _check(_strip_data(texts), lang, _ids(doc), "CSV text columns")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_api_names_as_people_read_them(doc, lang):
    """The API, call-site and caller cells show ``TelephonyManager.getDeviceId()`` and
    ``com.a.B.c()``, not Dalvik descriptors; the exact signature stays in the cell's title
    (and in result.json). A descriptor shown as text anywhere in the page fails."""
    from tests.report.sample import IMEI_API, UMENG_CALLER

    root = lxml.html.fromstring(HtmlFormat().render(doc, lang).decode("utf-8"))
    for el in root.xpath("//style|//script|//title"):
        el.drop_tree()
    text = root.text_content()
    descriptor = r"->|\bL[\w$]+(?:/[\w$]+)+;"
    assert not re.search(descriptor, text), re.findall(f".{{30}}(?:{descriptor}).{{30}}", text)[:5]
    titled = {el.get("title"): el.text_content() for el in root.xpath("//*[@title]")}
    # by hand: Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String; is
    # read as TelephonyManager.getDeviceId(); the sample's call site
    # Lcom/umeng/analytics/pro/bk;->a(Landroid/content/Context;)Ljava/lang/String; as
    # com.umeng.analytics.pro.bk.a()
    assert titled[IMEI_API].startswith("TelephonyManager.getDeviceId()"), titled.get(IMEI_API)
    assert titled[UMENG_CALLER] == "com.umeng.analytics.pro.bk.a()"
    assert titled["Landroid/x/Y;->z()V"].startswith("Y.z()")
    assert titled["La/B;->c()V"] == "a.B.c()"
    # the capture exchange is named in the language ("flow" is the English word); this
    # check reads the monospace cells too, where the generic check does not look
    assert f"{messages(lang)['flow_ref']} f-0001" in text
    assert ("flow f-0001" in text) == (lang == "en")


def test_csv_contract_is_documented_as_the_code_writes_it(doc):
    """reports/README.md lists every CSV file and its column ids in order: the table is
    read from the README and compared with the files CSV writes for a pricing-and-scan
    document (so the documented contract cannot drift from the code)."""
    import csv
    import io

    from scanner.report.csv import CsvFormat
    from tests.conftest import REPO

    text = (REPO / "reports" / "README.md").read_text("utf-8")
    section = text.split("### CSV: a data contract")[1].split("\n### ")[0]
    documented = {}
    for line in section.splitlines():
        m = re.match(r"\| `(\w+\.csv)` \| (.*) \|$", line)
        if m:
            documented[m.group(1)] = re.findall(r"`([^`]+)`", m.group(2))
    from tests.report.sample import pricing_doc

    pricing = pricing_doc()  # items, comparisons; rankings and terms by hand
    pricing["rankings"] = [{"list": "feed", "baseline": "new", "treatment": "loyal"}]
    pricing["terms"] = [{"item": "x", "term": "delivery_fee", "kind": "cost",
                         "values": {"new": 1.0, "loyal": 2.0}}]
    pricing["term_comparisons"] = [{"term": "delivery_fee", "kind": "cost"}]
    files = {**CsvFormat().render(doc, "en"), **CsvFormat().render(pricing, "en")}
    assert set(files) == set(documented), set(files) ^ set(documented)
    for name, blob in files.items():
        source = pricing if name in CsvFormat().render(pricing, "en") and \
            name not in CsvFormat().render(doc, "en") else doc
        header = next(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
        want = documented[name]
        if "<profile>…" in want or "<capture>…" in want:  # columns named by the data
            fixed = [c for c in want if not c.startswith("<")]
            assert [c for c in header if c in fixed] == fixed, (name, header)
        else:
            assert header == want, (name, header, want)
        # the same header in both languages: ids, not words
        assert next(csv.reader(io.StringIO(
            CsvFormat().render(source, "zh")[name].decode("utf-8-sig")))) == header


def test_batch_overview_names_sdks_in_the_language():
    """The overview's SDK chart (a picture: its labels are not in the page's text) names an
    SDK in Chinese in the Chinese overview; the rows store the English name."""
    from scanner.batch.overview import _sdk_name

    # by hand, from rulesets/sdks: jpush is 极光推送 (JPush)
    assert _sdk_name("jpush", "JPush", "zh") == "极光推送"
    assert _sdk_name("jpush", "JPush", "en") == "JPush"
    assert _sdk_name("no_such_sdk", "Some SDK", "zh") == "Some SDK"


def test_english_report_shows_no_chinese_even_in_monospace_cells(doc):
    """Fact records shown as key=value (monospace evidence cells) keep a field stored in
    both languages (ad_sdks_zh / ad_sdks_en) only in the report's language. (What the
    input itself says is shown as it is: policy quotes, strings found in the APK.)"""
    summaries = [ev.get("summary") or {} for f in doc["findings"]
                 for ev in f.get("evidence") or ()]
    assert any(k.endswith("_zh") for s in summaries for k in s), "fixture has such a field"
    root = lxml.html.fromstring(HtmlFormat().render(doc, "en").decode("utf-8"))
    for el in root.xpath("//style|//script|//title"):
        el.drop_tree()
    text = root.text_content()
    assert not re.search(r"\b\w+_zh=", text), re.findall(r"\w+_zh=\S*", text)[:5]
    zh = lxml.html.fromstring(HtmlFormat().render(doc, "zh").decode("utf-8")).text_content()
    assert not re.search(r"\b\w+_en=", zh) and re.search(r"\b\w+_zh=", zh)
