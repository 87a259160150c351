"""Ruled tables of a PDF policy rebuilt from PDFium's ruling lines and character boxes
(scanner.ingest.pdf_tables). The PDFs are printed here by headless chromium from HTML written
for the test; the expected rows are the HTML's cells, visible in the HTML below."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.ingest.policy import read_policy_file
from scanner.ingest.policy_read import read_policy
from scanner.knowledge import load_knowledge

pytest.importorskip("pypdfium2")

LEX = load_knowledge().policy
SDKS = (("jpush", ("JPush", "极光推送")), ("tencent_bugly", ("Tencent Bugly", "Bugly")))

RULED = """<html><head><meta charset="utf-8"><style>
table{border-collapse:collapse} td,th{border:1px solid #333;padding:3px;width:120px}
</style></head><body><h1>示例记账隐私政策</h1>
<p>我们接入的第三方SDK如下。</p>
<table>
<tr><th>SDK名称</th><th>提供方</th><th>使用目的</th><th>收集的个人信息</th></tr>
<tr><td rowspan="2">极光推送SDK</td><td rowspan="2">深圳市和讯华谷信息技术有限公司</td>
<td rowspan="2">推送账单提醒</td><td>设备标识符（OAID、Android ID）</td></tr>
<tr><td>MAC地址、已安装应用列表</td></tr>
<tr><td>腾讯Bugly</td><td>深圳市腾讯计算机系统有限公司</td><td>崩溃分析与性能监控，用于定位闪退原因</td>
<td>设备型号、系统版本</td></tr>
</table>
<p>我们不会读取您的通讯录。</p></body></html>"""

UNRULED = RULED.replace("border:1px solid #333", "border:none")


def _pdf(tmp_path: Path, html: str) -> Path:
    from scanner.report.browser import find_chromium, html_to_pdf

    if find_chromium() is None:
        pytest.skip("no chromium to print the PDF")
    path = tmp_path / "policy.pdf"
    path.write_bytes(html_to_pdf(html.encode()))
    return path


def test_a_ruled_sdk_table_comes_back_as_rows(tmp_path):
    doc = read_policy_file(_pdf(tmp_path, RULED))
    table = next(t for t in doc.tables if t[0][0] == "SDK名称")
    assert table[0] == ("SDK名称", "提供方", "使用目的", "收集的个人信息")
    assert table[1][:3] == ("极光推送SDK", "深圳市和讯华谷信息技术有限公司", "推送账单提醒")
    # the row spanned from the one above repeats the spanned cells
    assert table[2] == ("极光推送SDK", "深圳市和讯华谷信息技术有限公司", "推送账单提醒",
                        "MAC地址、已安装应用列表")
    # a cell that wrapped onto two lines is one cell again
    assert table[3][2] == "崩溃分析与性能监控，用于定位闪退原因"
    r = read_policy(doc.text, doc.tables, LEX, SDKS)
    got = [(e["name"], e["vendor"], e["sdk"], sorted(e["pi_types"])) for e in r.sdk_list]
    assert got == [
        ("极光推送SDK", "深圳市和讯华谷信息技术有限公司", "jpush",
         ["android_id", "installed_apps", "mac_address", "oaid"]),
        ("腾讯Bugly", "深圳市腾讯计算机系统有限公司", "tencent_bugly", []),
    ]
    # the text around the table is kept, and read
    assert {d["pi_type"] for d in r.denied_pi} == {"contacts"}


def test_a_table_without_ruling_lines_is_not_rebuilt(tmp_path):
    # whitespace-aligned columns are a layout problem this reader does not solve: no table
    doc = read_policy_file(_pdf(tmp_path, UNRULED))
    assert not [t for t in doc.tables if t[0][0] == "SDK名称"]
    assert "极光推送SDK" in doc.text


def test_a_page_of_crossing_lines_is_bounded(tmp_path):
    # 600 full-width and 600 full-height hairlines on one page: 360,000 crossings, more than
    # any table has; the rebuild gives up on the page (plain text) in bounded time
    lines = "".join(f'<div style="position:absolute;left:0;top:{k}px;width:700px;height:1px;'
                    f'background:#000"></div>' for k in range(600))
    lines += "".join(f'<div style="position:absolute;top:0;left:{k}px;height:900px;width:1px;'
                     f'background:#000"></div>' for k in range(600))
    html = ('<html><head><meta charset="utf-8"></head><body><p>我们不会读取您的通讯录。</p>'
            + lines + "</body></html>")
    import time

    pdf = _pdf(tmp_path, html)
    t0 = time.process_time()
    doc = read_policy_file(pdf)
    assert time.process_time() - t0 < 2.0
    assert "通讯录" in doc.text and not doc.tables
