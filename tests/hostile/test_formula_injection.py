"""Spreadsheet formula injection: every exported text cell that a spreadsheet would
evaluate is neutralised, in the CSV and XLSX report formats and in ``batch --export``.

Two kinds of test: every column of every table filled with hostile values (the exporter's
wiring, all columns), and an end-to-end scan of hostile inputs (the values reach the
tables through the real pipeline).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from corpus.axml import Node, apk_with_manifest, encode, manifest
from scanner.cli import cli
from scanner.report.cells import FORMULA_START, neutralise

HOSTILE = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)",
           "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil.example/","x")']


def _dangerous(text) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_START)


def test_neutralise():
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert neutralise("normal text") == "normal text"
    assert neutralise("com.example.=x") == "com.example.=x"  # only a leading character
    assert neutralise(-5) == -5 and neutralise(1.5) == 1.5 and neutralise(None) is None


def _hostile_frames(real):
    """The real tables' names and columns, every cell a hostile value."""
    import pandas as pd

    out = {}
    for name, frame in real.items():
        cols = list(frame.columns)
        rows = [{c: HOSTILE[(i + j) % len(HOSTILE)] for j, c in enumerate(cols)}
                for i in range(len(HOSTILE))]
        out[name] = pd.DataFrame(rows, columns=cols, dtype=object)
    return out


def _result_doc():
    from tests.conftest import REPO

    return json.loads((REPO / "tests" / "golden" / "privacy_heavy.json").read_text("utf-8"))


def _xlsx_cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                yield ws.title, c


def _check_xlsx(data: bytes, expect_rows: bool = True):
    seen = 0
    for sheet, c in _xlsx_cells(data):
        assert c.data_type != "f", (sheet, c.coordinate, c.value)
        assert not _dangerous(c.value), (sheet, c.coordinate, c.value)
        seen += isinstance(c.value, str) and c.value.startswith("'")
    # the raw sheet XML holds no formula element either
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(n) and b"<f " not in z.read(n), n
    if expect_rows:
        assert seen > 0


def test_report_formats_every_column(monkeypatch):
    import scanner.report.csv as csv_mod
    import scanner.report.xlsx as xlsx_mod
    from scanner.report.tables import tables

    doc = _result_doc()
    real = tables(doc, "zh")
    assert {"findings", "evidence", "api_uses", "transmissions", "sdks", "inputs"} <= set(real)
    hostile = _hostile_frames(real)
    monkeypatch.setattr(csv_mod, "tables", lambda d, lang="zh": hostile)
    monkeypatch.setattr(xlsx_mod, "tables", lambda d, lang="zh": hostile)
    files = csv_mod.CsvFormat().render(doc, "zh")
    assert set(files) == {f"{n}.csv" for n in real}
    for name, blob in files.items():
        rows = list(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
        assert rows[0] == list(real[name.removesuffix(".csv")].columns)
        body = [cell for row in rows[1:] for cell in row]
        assert len(body) == len(HOSTILE) * len(rows[0])
        assert not any(_dangerous(c) for c in body), name
        # CSV cells: quoted, and a carriage return written as a line feed (quoted)
        assert sorted(set(body)) == sorted("'" + v.replace("\r", "\n") for v in HOSTILE)
    _check_xlsx(xlsx_mod.XlsxFormat().render(doc, "zh"))


def test_batch_exports_every_column(tmp_path, monkeypatch):
    import scanner.batch.tables as bt
    from tests.batch.test_batch_tables import ROWS

    real = bt.tables(ROWS)
    hostile = _hostile_frames(real)
    monkeypatch.setattr(bt, "tables", lambda rows: hostile)
    written = bt.export(ROWS, ["csv", "xlsx"], tmp_path / "export")
    csvs = [p for p in written if p.suffix == ".csv"]
    assert len(csvs) == len(real)
    for p in csvs:
        rows = list(csv.reader(p.open(encoding="utf-8", newline="")))
        body = [cell for row in rows[1:] for cell in row]
        assert body and not any(_dangerous(c) for c in body), p.name
    (xlsx,) = [p for p in written if p.suffix == ".xlsx"]
    _check_xlsx(xlsx.read_bytes())


# ------------------------------------------------------------------ end to end

def _hostile_apk(tmp_path):
    comps = [Node("activity", {"name": "=cmd|' /C calc'!A0", "exported": True}),
             Node("service", {"name": "@SUM(1,1)", "exported": True})]
    root = manifest([Node("uses-sdk", {"minSdkVersion": 21, "targetSdkVersion": 30}),
                     Node("application", {"label": "=1+1"}, {}, comps)],
                    package="com.example.hostile")
    root.attrs["versionName"] = "+1+1"
    return apk_with_manifest(encode(root), tmp_path / "=evil.apk")


def _hostile_har(tmp_path):
    imei = "356938035643809"
    entries = [{"_flow_id": "=flow()", "startedDateTime": "2024-01-01T00:00:00Z",
                "request": {"method": "POST", "url": f"http://a.example.com/x?-key={imei}",
                            "headers": [{"name": "Content-Type", "value": "application/json"}],
                            "postData": {"text": json.dumps({"@k": imei, "=j": "x"})}}}]
    h = tmp_path / "=cap.har"
    h.write_text(json.dumps({"log": {"entries": entries}}), "utf-8")
    f = tmp_path / "facts.json"
    f.write_text(json.dumps({"imei": imei}), "utf-8")
    return h, f


@pytest.mark.parametrize("lang", ["zh"])
def test_scan_of_hostile_inputs_exports_no_formula(tmp_path, lang):
    apk = _hostile_apk(tmp_path)
    har, facts = _hostile_har(tmp_path)
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["scan", str(apk), "--flows", str(har), "--device-facts",
                                   str(facts), "--out", str(out), "--format", "json,csv,xlsx",
                                   "--lang", lang])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    # the hostile text did reach the result (so the export had something to neutralise)
    assert doc["app"]["label"] == "=1+1"
    assert {t["key"] for t in doc["transmissions"]} >= {"-key", "@k"}
    assert any(t["flow"] == "=flow()" for t in doc["transmissions"])
    n_quoted = 0
    for p in sorted((out / "csv").glob("*.csv")):
        for row in csv.reader(io.StringIO(p.read_text("utf-8-sig"))):
            for cell in row:
                assert not _dangerous(cell), (p.name, cell)
                n_quoted += cell.startswith("'=") or cell.startswith("'@") or \
                    cell.startswith("'-")
    assert n_quoted >= 4
    _check_xlsx((out / "report.xlsx").read_bytes())


def test_safe_frame_keeps_integers_and_blanks():
    # Series.map on an object column of ints and None made them floats ("5004.0" in CSV)
    import pandas as pd

    from scanner.report.cells import safe_frame

    frame = pd.DataFrame({"offset": [5004, None], "name": ["=x", None]}, dtype=object)
    text = safe_frame(frame, for_csv=True).to_csv(index=False, lineterminator="\n")
    assert text == "offset,name\n5004,'=x\n,\n"
