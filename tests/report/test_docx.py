"""``report --format docx``: the case report as a Word document, read back with python-docx.

Expected contents come from the golden privacy_heavy result (its findings are checked
against the fixture's ground truth in tests/golden) and from GB/T 9704's page margins.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
from click.testing import CliRunner
from docx.oxml.ns import qn

from scanner.cli import cli
from scanner.report.docx import DocxFormat
from scanner.report.view import rectification_list

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _doc() -> dict:
    return json.loads((GOLDEN / "privacy_heavy.json").read_text(encoding="utf-8"))


def _text(d) -> str:
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_case_report_page_fonts_and_sections():
    doc = _doc()
    data = DocxFormat().render(doc, "zh")
    d = docx.Document(io.BytesIO(data))
    sec = d.sections[0]
    mm = [round(x.mm) for x in (sec.page_width, sec.page_height, sec.top_margin,
                                sec.bottom_margin, sec.left_margin, sec.right_margin)]
    assert mm == [210, 297, 37, 35, 28, 26]
    fonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert d.styles["Heading 2"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    footer = sec.footer._element.xml
    assert "PAGE" in footer and "第 " in footer
    text = _text(d)
    assert "应用个人信息合规审计报告" in text and "隐私测试" in text
    assert doc["inputs"][0]["sha256"] in text and doc["inputs"][0]["sm3"] in text
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    assert len(headings) == len(doc["findings"])
    for f in doc["findings"]:
        assert any(f["title"]["zh"] in h for h in headings), f["id"]
        assert f["remediation"]["zh"] in text
    assert "通报问题类别" in text and "违规收集个人信息" in text
    # the rectification list is the last table: a header and one row per distinct remediation
    last = d.tables[-1]
    assert [c.text for c in last.rows[0].cells] == ["序号", "通报问题类别", "整改建议", "发现"]
    assert len(last.rows) - 1 == len(rectification_list(doc, "zh"))
    # code evidence names the dex offset of the SMS read (privacy_heavy MainActivity.readInbox)
    sms = next(u for u in doc["api_uses"] if u["pi_type"] == "sms")
    assert f"{sms['dex']}+0x{sms['offset']:x}" in text


def test_english_and_deterministic():
    doc = _doc()
    en = DocxFormat().render(doc, "en")
    assert en == DocxFormat().render(doc, "en")
    text = _text(docx.Document(io.BytesIO(en)))
    assert "Rectification list" in text and "Illegal collection of personal information" in text
    assert "整改清单" not in text
    assert "Remediation: " in text and "Remediation：" not in text


def test_report_command_writes_docx(tmp_path):
    src = tmp_path / "result.json"
    src.write_text((GOLDEN / "privacy_heavy.json").read_text("utf-8"), encoding="utf-8")
    res = CliRunner().invoke(cli, ["report", str(src), "--format", "docx",
                                   "-o", str(tmp_path / "case.docx")])
    assert res.exit_code == 0, res.output
    with (tmp_path / "case.docx").open("rb") as fh:
        assert fh.read(2) == b"PK"
    assert docx.Document(str(tmp_path / "case.docx")).paragraphs
