"""Word (DOCX) documents a case officer edits and files: the case report of a scan result,
the re-check report of an ``appaudit diff`` result, and (through :func:`table_document`)
the notice list of a batch.

Layout as offices expect it: A4 with the margins of GB/T 9704 (top 37 mm, bottom 35 mm,
left 28 mm, right 26 mm), Chinese text in 宋体 (headings 黑体) set as the East Asian font of
every run (``w:eastAsia``), Latin text in Times New Roman, page numbers in the footer
("第 N 页"), tables with a repeated header row. Texts come from the zh/en catalogs.

The case report holds: a cover (title, app, versions, input hashes, tool and ruleset), the
summary (severity counts, the notice problem categories found), each finding with its notice
category, legal basis, evidence rows and remediation, then the rectification list. The same
result gives the same bytes: document properties and zip entry times are taken from the
result's ``finished`` time.
"""

from __future__ import annotations

import io
from typing import Any

from scanner.report.html import label as id_label
from scanner.report.html import messages, recheck_sections
from scanner.report.interface import ReportFormat
from scanner.report.view import (
    SEVERITY_ORDER,
    dalvik_class,
    notice_label,
    pi_label,
    pick,
    rectification_list,
    skipped_text,
    sorted_findings,
)
from scanner.report.xlsx import _doc_time, _fixed_zip_times

MAX_EVIDENCE_ROWS = 30
BODY_FONT = {"zh": "宋体", "en": "Times New Roman"}
HEAD_FONT = "黑体"
LATIN_FONT = "Times New Roman"
MONO_FONT = "Courier New"


def _set_fonts(run_or_style: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    from docx.oxml.ns import qn

    run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def new_document(landscape: bool = False, lang: str = "zh") -> Any:
    """An empty A4 document (portrait or landscape) with the office's margins and fonts."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.top_margin, sec.bottom_margin = Mm(26), Mm(24)
        sec.left_margin, sec.right_margin = Mm(25), Mm(25)
    else:
        sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
        sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(18)
    styles = d.styles
    normal = styles["Normal"]
    _set_fonts(normal, BODY_FONT["zh"])
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.3
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        st = styles[name]
        _set_fonts(st, HEAD_FONT)
        st.font.size = Pt(size)
        st.font.bold = name != "Title"
        st.font.color.rgb = None
        st.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 8)
        st.paragraph_format.space_after = Pt(6)
    _page_footer(sec, lang)
    return d


def _field(run: Any, instr: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _page_footer(section: Any, lang: str = "zh") -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.text = ""
    before, after = ("第 ", " 页") if lang == "zh" else ("Page ", "")
    p.add_run(before)
    _field(p.add_run(), "PAGE")
    p.add_run(after)


def _header(section: Any, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = p.add_run(text)
    r.font.size = Pt(9)


def para(d: Any, text: str = "", bold: bool = False, size: float | None = None,
         mono: bool = False, center: bool = False, color: str | None = None) -> Any:
    """A paragraph with one run."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    p = d.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run(text)
    r.bold = bold
    if size:
        r.font.size = Pt(size)
    if mono:
        _set_fonts(r, BODY_FONT["zh"], MONO_FONT)
        r.font.size = Pt(size or 9)
    if color:
        r.font.color.rgb = RGBColor.from_string(color)
    return p


def labelled(d: Any, label: str, text: str) -> Any:
    """``label：text`` with the label in bold."""
    p = d.add_paragraph()
    p.add_run(f"{label}{_colon(label)}").bold = True
    p.add_run(text)
    return p


def _colon(label: str) -> str:
    """A full-width colon after a Chinese label, ": " after an English one."""
    return "：" if any("\u4e00" <= ch <= "\u9fff" for ch in label) else ": "


def _shade(cell: Any, fill: str = "E7E9EB") -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def table(d: Any, header: list[str] | None, rows: list[list[Any]],
          widths_mm: list[float] | None = None, font_pt: float = 9,
          mono_cols: tuple[int, ...] = (), label_col: bool = False) -> Any:
    """A bordered table with a bold header row repeated on every page (``header=None``: no
    header row; ``label_col``: the first column shaded and bold, as a key/value table)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    ncols = len(header) if header else len(rows[0])
    t = d.add_table(rows=1 if header else 0, cols=ncols)
    t.style = "Table Grid"
    t.autofit = widths_mm is None
    if header:
        hdr = t.rows[0]
        trpr = hdr._tr.get_or_add_trPr()
        rep = OxmlElement("w:tblHeader")
        rep.set(qn("w:val"), "true")
        trpr.append(rep)
        for i, h in enumerate(header):
            cell = hdr.cells[i]
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(h))
            run.bold = True
            run.font.size = Pt(font_pt)
            _shade(cell)
    for row in rows:
        cells = t.add_row().cells
        for i, v in enumerate(row):
            cells[i].text = ""
            lines = str("" if v is None else v).split("\n")
            p = cells[i].paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.line_spacing = 1.1
            for n, line in enumerate(lines):
                r = p.add_run(line)
                r.font.size = Pt(font_pt)
                if i in mono_cols:
                    _set_fonts(r, BODY_FONT["zh"], MONO_FONT)
                    r.font.size = Pt(font_pt - 1)
                if i == 0 and label_col:
                    r.bold = True
                if n < len(lines) - 1:
                    r.add_break()
            if i == 0 and label_col:
                _shade(cells[i], "F2F3F4")
    if widths_mm:  # gridCol (LibreOffice) and tcW (Word) widths, fixed layout
        tblpr = t._tbl.tblPr
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tblpr.append(layout)
        for i, w in enumerate(widths_mm):
            t.columns[i].width = Mm(w)
        for row in t.rows:
            for i, w in enumerate(widths_mm):
                row.cells[i].width = Mm(w)
    d.add_paragraph().paragraph_format.space_after = Pt(2)
    return t


def finish_document(d: Any, doc: dict[str, Any], title: str) -> bytes:
    """The document's bytes, with properties and zip times fixed from the result."""
    props = d.core_properties
    props.title = title
    props.author = str((doc.get("tool") or {}).get("name") or "appaudit")
    props.last_modified_by = props.author
    when = _doc_time(doc)
    props.created = props.modified = when
    props.revision = 1
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip_times(buf.getvalue(), when)


def _sev(m: dict, s: str) -> str:
    return m.get(f"sev_{s}", s)


def _evidence_rows(f: dict[str, Any], m: dict, lang: str, doc: dict[str, Any]
                   ) -> tuple[list[str], list[list]]:
    """One table for a finding's evidence: where (code, flow, manifest, other) and what."""
    from scanner.names import readable_member
    from scanner.report.view import readable_method
    from scanner.report.xlsx import _sdk_names

    sdk_names = _sdk_names(doc, lang)
    other = "_en" if lang == "zh" else "_zh"  # a field kept in both languages: this one only
    rows = []
    for ev in f.get("evidence") or ():
        s = ev.get("summary") or {}
        for loc in ev.get("locators") or [{}]:
            kind = loc.get("kind")
            if kind == "code":
                off = loc.get("offset")
                cls = dalvik_class(str(loc.get("class", "")))
                method = readable_method(str(loc.get("method", "")))
                where = (f"{cls}.{method}\n{loc.get('dex', '')}+0x{off:x}"
                         if isinstance(off, int) else cls)
                api = str(loc.get("api") or s.get("api") or "")
                # the API as people read it, then its exact signature (the evidence)
                what = " ".join(x for x in (
                    readable_member(api), f"[{sdk_names.get(s['sdk'], s['sdk'])}]"
                    if s.get("sdk") else "") if x) + (f"\n{api}" if "->" in api else "")
            elif kind == "flow":
                where = f"{m['flow_ref']} {loc.get('flow', '')} {loc.get('host', '')}"
                what = " ".join(str(x) for x in (
                    pi_label(s.get("pi_type") or "", lang, doc) if s.get("pi_type") else "",
                    id_label(m, "where_", loc.get("where")), loc.get("key") or "",
                    id_label(m, "enc_", s.get("encoding")), loc.get("url") or "") if x)
            elif kind == "manifest":
                where = f"{loc.get('file', 'AndroidManifest.xml')} <{loc.get('element', '')}>"
                what = " ".join(f"{k}={v}" for k, v in s.items()
                                if v not in (None, "", [], {}) and k not in ("category",)
                                and not k.endswith(other))
            else:
                where = " ".join(f"{k}={v}" for k, v in loc.items() if k != "kind") or \
                    ev.get("fact", "")
                what = " ".join(f"{k}={v}" for k, v in s.items()
                                if v not in (None, "", [], {}) and not k.endswith(other))
            rows.append([where, what])
    return [m["location"], m["detail"]], rows


def render_case_report(doc: dict[str, Any], lang: str) -> bytes:
    """The case report of a scan result (see module docstring)."""
    from docx.enum.text import WD_BREAK

    m = messages(lang)
    app = doc.get("app") or {}
    title = m["pricing_title"] if doc.get("command") == "pricing" else m["title"]
    d = new_document(lang=lang)
    _header(d.sections[0], f"{app.get('label') or app.get('package') or ''} {title}".strip())
    # ---- cover
    for _ in range(3):
        d.add_paragraph()
    para(d, title, bold=True, size=24, center=True)
    d.add_paragraph()
    if app:
        para(d, app.get("label") or app.get("package") or "", bold=True, size=16, center=True)
        para(d, f"{app.get('package', '')}  {m['version']} {app.get('version_name') or '?'}"
                f" ({app.get('version_code') or '?'})", size=12, center=True)
    for _ in range(2):
        d.add_paragraph()
    cover_rows = []
    cat = doc.get("category") or {}
    if app:
        cover_rows.append([m["category"], (cat.get("zh") if lang == "zh" else cat.get("en"))
                           or cat.get("id") or m["category_unknown"]])
    cover_rows.extend([f"{m['inputs']} ({id_label(m, 'input_kind_', i.get('kind'))})",
                       f"{i.get('path')}\nSHA-256 {i.get('sha256')}\nSM3 {i.get('sm3')}"]
                      for i in doc.get("inputs") or ())
    tool = doc.get("tool") or {}
    cover_rows.append([m["tool"], f"{tool.get('name')} {tool.get('version')} · {m['ruleset']} "
                                  f"{tool.get('ruleset_version')}\n{tool.get('ruleset_sha256')}"])
    cover_rows.append([m["scanned"], str(doc.get("finished") or doc.get("started") or "")])
    table(d, None, cover_rows, widths_mm=[35, 121], font_pt=9, label_col=True)
    para(d, pick(doc.get("notice"), lang) or m["notice"], size=10)
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    # ---- summary
    d.add_heading(m["docx_h_summary"], level=1)
    sev = (doc.get("summary") or {}).get("by_severity") or {}
    table(d, [m["severity"], *[_sev(m, s) for s in SEVERITY_ORDER]],
          [[m["count"], *[sev.get(s, 0) for s in SEVERITY_ORDER]]], font_pt=10)
    findings = sorted_findings(doc)
    cats: dict[str, int] = {}
    for f in findings:
        label = notice_label(f, lang, doc)
        if label:
            cats[label] = cats.get(label, 0) + 1
    if cats:
        labelled(d, m["notice_category"], "；".join(f"{k}（{v}）" for k, v in cats.items())
                 if lang == "zh" else "; ".join(f"{k} ({v})" for k, v in cats.items()))
    if doc.get("partial"):
        labelled(d, m["skipped"], m["list_sep_long"].join(
            skipped_text(x, lang) for x in doc.get("skipped") or ()))
    if doc.get("sdks"):
        labelled(d, m["sdks"], ", ".join(
            (s.get("name_zh") or s["name"]) if lang == "zh" else s["name"]
            for s in sorted(doc["sdks"], key=lambda s: s["id"])))
    # ---- findings
    d.add_heading(f"{m['docx_h_findings']}（{len(findings)}）" if lang == "zh"
                  else f"{m['docx_h_findings']} ({len(findings)})", level=1)
    if not findings:
        para(d, m["no_findings"])
    cited: set[str] = set()
    for n, f in enumerate(findings, 1):
        d.add_heading(f"{n}. [{_sev(m, f['severity'])}] {pick(f.get('title'), lang)}", level=2)
        if f.get("notice_category"):
            labelled(d, m["notice_category"], notice_label(f, lang, doc))
        meta = f"{f['rule']} · {m['confidence']} {m.get('conf_' + str(f.get('confidence')), '')}"
        if f.get("pi_types"):
            meta += f" · {m['pi_type']}: " + ", ".join(pi_label(p, lang, doc)
                                                        for p in f["pi_types"])
        para(d, meta, size=9, color="566573")
        if pick(f.get("description"), lang):
            para(d, pick(f.get("description"), lang))
        p = d.add_paragraph()
        p.add_run(f"{m['legal_basis']}{_colon(m['legal_basis'])}").bold = True
        for lb in f.get("legal_basis") or ():
            line = f"{pick(lb.get('instrument'), lang)} {pick(lb.get('article'), lang)}"
            if pick(lb.get("summary"), lang) and lb.get("cite") not in cited:
                line += f" — {pick(lb.get('summary'), lang)}"
            cited.add(lb.get("cite"))
            if lb.get("verified") is False:
                line += f" {m['citation_unverified']}"
            elif lb.get("verified") == "partial":
                line += f" {m['citation_partial']}"
            d.add_paragraph(line, style="List Bullet")
        header, rows = _evidence_rows(f, m, lang, doc)
        labelled(d, m["evidence"], str(len(rows)))
        if rows:
            shown = rows[:MAX_EVIDENCE_ROWS]
            table(d, header, shown, widths_mm=[70, 86], font_pt=8, mono_cols=(0, 1))
            if len(rows) > len(shown):
                para(d, m["more_rows"].format(n=len(rows) - len(shown)), size=9)
        if pick(f.get("remediation"), lang):
            labelled(d, m["remediation"], pick(f.get("remediation"), lang))
    # ---- rectification list
    rect = rectification_list(doc, lang)
    if rect:
        d.add_heading(m["rectification_list"], level=1)
        para(d, m["rectification_note"], size=10)
        table(d, [m["number"], m["notice_category"], m["remediation"], m["findings"]],
              [[i, r["notice_category"], r["remediation"],
                "\n".join(f"[{_sev(m, x['severity'])}] {x['title']}" for x in r["findings"])]
               for i, r in enumerate(rect, 1)],
              widths_mm=[12, 34, 62, 48], font_pt=9)
    para(d, f"{m['generated_by']} {tool.get('name')} {tool.get('version')}", size=9,
         color="566573")
    return finish_document(d, doc, title)


def render_recheck_report(doc: dict[str, Any], lang: str) -> bytes:
    """The re-check report (整改复检) of an ``appaudit diff`` result."""
    m = messages(lang)
    dd = doc["diff"]
    old, new = dd["versions"]["old"], dd["versions"]["new"]
    title = m["recheck_title"]
    d = new_document(lang=lang)
    _header(d.sections[0], f"{new.get('label') or new.get('package')} {title}")
    para(d, title, bold=True, size=22, center=True)
    para(d, f"{new.get('label') or ''}  {new.get('package')}", size=12, center=True)
    para(d, m["recheck_versions_line"].format(old=old.get("version_name") or "?",
                                              new=new.get("version_name") or "?"),
         size=12, center=True)
    ok = dd["verdict"] == "rectified"
    para(d, f"{m['recheck_verdict']}{_colon(m['recheck_verdict'])}"
            f"{pick(dd['verdict_text'], lang)}", bold=True, size=16,
         center=True, color="1E8449" if ok else "C0392B")
    para(d, m["recheck_verdict_rule"].format(threshold=_sev(m, dd["threshold"])), size=9)
    counts = [len(dd["fixed"]), len(dd["remaining"]), len(dd["new"])]
    heads = [m["recheck_fixed"], m["recheck_remaining"], m["recheck_new"]]
    if dd.get("not_rechecked"):
        counts.append(len(dd["not_rechecked"]))
        heads.append(m["recheck_unchecked"])
    table(d, heads, [counts], font_pt=11)
    for note in dd.get("notes") or ():
        para(d, pick(note, lang), size=10, color="C0392B")
    d.add_heading(m["recheck_versions"], level=1)

    def apk(side: dict, key: str) -> str:
        return str((side.get("apk") or {}).get(key) or "—")

    table(d, ["", m["recheck_old"], m["recheck_new_version"]], [
        [m["package"], old.get("package"), new.get("package")],
        [m["version"], f"{old.get('version_name')} ({old.get('version_code')})",
         f"{new.get('version_name')} ({new.get('version_code')})"],
        ["APK SHA-256", apk(old, "sha256"), apk(new, "sha256")],
        ["APK SM3", apk(old, "sm3"), apk(new, "sm3")],
        [m["scanned"], old.get("scanned") or "", new.get("scanned") or ""],
        [m["recheck_result_file"], old.get("result") or "", new.get("result") or ""],
        [m["findings"], old.get("findings"), new.get("findings")],
    ], widths_mm=[28, 64, 64], font_pt=8, mono_cols=(1, 2), label_col=True)
    for key, heading, note in recheck_sections(m):
        rows = dd.get(key) or []
        if key == "not_rechecked" and not rows:
            continue
        d.add_heading(f"{heading}（{len(rows)}）" if lang == "zh" else f"{heading} ({len(rows)})",
                      level=1)
        para(d, note, size=10)
        if not rows:
            continue
        with_rem = key in ("remaining", "new")
        header = [m["number"], m["severity"], m["notice_category"], m["recheck_problem"],
                  m["recheck_ids"]] + ([m["remediation"]] if with_rem else [])
        body = []
        for i, e in enumerate(rows, 1):
            problem = pick(e.get("title"), lang)
            if e.get("pi_types"):
                problem += "\n" + ", ".join(pi_label(p, lang, doc) for p in e["pi_types"])
            if e.get("sdk"):
                problem += f"\nSDK: {e['sdk']}"
            ids = f"{e['rule']}\n{e.get('old_id') or '—'} →\n{e.get('new_id') or '—'}"
            body.append([i, _sev(m, e.get("severity") or ""), notice_label(e, lang, doc),
                         problem, ids]
                        + ([pick(e.get("remediation"), lang)] if with_rem else []))
        widths = [9, 11, 24, 40, 26, 46] if with_rem else [10, 14, 34, 62, 36]
        table(d, header, body, widths_mm=widths, font_pt=8)
    para(d, m["recheck_method"], size=9)
    para(d, pick(doc.get("notice"), lang) or m["notice"], size=9)
    return finish_document(d, doc, title)


class DocxFormat(ReportFormat):
    """The case report (or a re-check report) as a Word document."""

    name = "docx"
    suffix = ".docx"
    binary = True

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        if doc.get("diff") is not None:
            return render_recheck_report(doc, lang)
        return render_case_report(doc, lang)
