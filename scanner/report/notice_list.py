"""The notice list (存在问题的应用软件名单) as an Excel workbook or a Word document.

Contract:
    render_notice(rows, fmt, lang="zh", title=None, when=None) -> bytes
        ``rows`` from :func:`scanner.batch.notice.notice_rows`; ``fmt`` is ``xlsx`` or
        ``docx``. The six columns of the published lists, in their order: 序号, 应用名称,
        应用开发者, 应用来源, 应用版本, 所涉问题 (one problem category a line, as the notices
        print them). The workbook has a second sheet, 依据 / basis, with each row's package,
        APK SHA-256 and where the developer name was taken from; the Word document is A4
        landscape with the title above the table. ``when`` (ISO time) stamps the file's
        properties, so the same rows give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any

COLUMNS = {
    "zh": ["序号", "应用名称", "应用开发者", "应用来源", "应用版本", "所涉问题"],
    "en": ["No.", "App name", "Developer", "Source", "Version", "Problems found"],
}
TITLE = {"zh": "存在问题的应用软件名单", "en": "Apps with problems found"}
BASIS = {
    "zh": {"sheet": "依据", "cols": ["序号", "包名", "APK SHA-256", "开发者依据", "所涉问题编号"],
           "policy": "隐私政策所述运营者", "certificate": "签名证书主体", "none": "未知"},
    "en": {"sheet": "basis", "cols": ["No.", "package", "APK SHA-256", "developer from",
                                      "problem ids"],
           "policy": "privacy policy operator", "certificate": "signing certificate subject",
           "none": "unknown"},
}


def problem_names(row: dict[str, Any], lang: str) -> list[str]:
    """A row's problem categories as the terms (zh exactly as the notices print them), from
    the row's ``problem_names`` (made from the knowledge by scanner.batch.notice)."""
    names = row.get("problem_names") or [{} for _ in row["problems"]]
    return [n.get(lang) or n.get("zh") or c for c, n in zip(row["problems"], names,
                                                           strict=True)]


def _cells(r: dict[str, Any], lang: str) -> list[Any]:
    return [r["no"], r["name"], r["developer"], r["source"], r["version"],
            "\n".join(problem_names(r, lang))]


def _when(when: str | None) -> _dt.datetime:
    try:
        t = _dt.datetime.fromisoformat(str(when or ""))
    except ValueError:
        return _dt.datetime(2000, 1, 1)
    return t.astimezone(_dt.UTC).replace(tzinfo=None)


def render_xlsx(rows: list[dict], lang: str, title: str, when: str | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from scanner.report.xlsx import _fixed_zip_times

    wb = Workbook()
    ws = wb.active
    ws.title = TITLE[lang][:31] if lang == "en" else "名单"
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = "宋体" if lang == "zh" else "Times New Roman"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws.cell(1, 1, title).font = Font(name="黑体" if lang == "zh" else font, size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    for i, h in enumerate(COLUMNS[lang], 1):
        c = ws.cell(2, i, h)
        c.font = Font(name=font, size=11, bold=True)
        c.fill = PatternFill("solid", fgColor="E7E9EB")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
    for n, r in enumerate(rows, 3):
        for i, v in enumerate(_cells(r, lang), 1):
            c = ws.cell(n, i, v)
            c.font = Font(name=font, size=11)
            c.alignment = Alignment(vertical="center", wrap_text=True,
                                    horizontal="center" if i in (1, 5) else "left")
            c.border = border
            c.number_format = "@" if i != 1 else "General"
        ws.row_dimensions[n].height = max(18, 16 * len(r["problems"]) + 4)
    for col, width in zip("ABCDEF", (7, 24, 30, 16, 14, 34), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    b = BASIS[lang]
    ws2 = wb.create_sheet(b["sheet"])
    ws2.append(b["cols"])
    for r in rows:
        ws2.append([r["no"], r["package"], "\n".join(r["sha256"]), b[r["developer_basis"]],
                    ", ".join(r["problems"])])
    for col, width in zip("ABCDE", (7, 36, 68, 24, 48), strict=True):
        ws2.column_dimensions[col].width = width
    stamp = _when(when)
    wb.properties.creator = "appaudit"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue(), stamp)


def render_docx(rows: list[dict], lang: str, title: str, when: str | None) -> bytes:
    from scanner.report.docx import finish_document, new_document, para, table

    d = new_document(landscape=True, lang=lang)
    para(d, title, bold=True, size=16, center=True)
    table(d, COLUMNS[lang], [_cells(r, lang) for r in rows],
          widths_mm=[14, 48, 62, 34, 26, 63], font_pt=10.5)
    return finish_document(d, {"finished": when, "tool": {"name": "appaudit"}}, title)


def render_notice(rows: list[dict], fmt: str, lang: str = "zh", title: str | None = None,
                  when: str | None = None) -> bytes:
    """The notice list in ``fmt`` (xlsx or docx)."""
    title = title or TITLE[lang]
    if fmt == "xlsx":
        return render_xlsx(rows, lang, title, when)
    if fmt == "docx":
        return render_docx(rows, lang, title, when)
    raise ValueError(f"unknown notice list format {fmt!r}")
