"""XLSX format: one workbook, one sheet per table of :func:`scanner.report.tables.tables`.

Text cells a spreadsheet would evaluate as formulas are neutralised
(:mod:`scanner.report.cells`): openpyxl writes any string starting with ``=`` as a formula.

Workbook properties (creator, created/modified) and the zip entry times are taken from
the document's ``finished`` time, not the clock, so the same result gives the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from typing import Any

from scanner.report.cells import safe_frame
from scanner.report.interface import ReportFormat
from scanner.report.tables import tables


def _doc_time(doc: dict[str, Any]) -> _dt.datetime:
    try:
        t = _dt.datetime.fromisoformat(str(doc.get("finished") or ""))
    except ValueError:
        return _dt.datetime(2000, 1, 1)
    return t.astimezone(_dt.UTC).replace(tzinfo=None)


class XlsxFormat(ReportFormat):
    """An Excel workbook of the result tables."""

    name = "xlsx"
    suffix = ".xlsx"
    binary = True

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        buf = io.BytesIO()
        import pandas as pd

        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            for name, frame in tables(doc, lang).items():
                sheet_name = people_table(frame, name, lang, doc)
                frame = frame.rename(columns=lambda c: column_label(c, lang))
                safe_frame(frame).to_excel(writer, sheet_name=sheet_name, index=False)
                sheet = writer.sheets[sheet_name]
                sheet.freeze_panes = "A2"
                for col in sheet.columns:
                    width = max((len(str(c.value)) for c in col if c.value is not None),
                                default=8)
                    sheet.column_dimensions[col[0].column_letter].width = min(max(width, 8), 60)
            props = writer.book.properties
            props.creator = str((doc.get("tool") or {}).get("name") or "appaudit")
            props.created = props.modified = _doc_time(doc)
        return _fixed_zip_times(buf.getvalue(), _doc_time(doc))


def column_label(col: str, lang: str) -> str:
    """An XLSX column header in ``lang`` (the catalog's ``col_<id>``); columns named after
    the result's data (pricing profiles) keep their name."""
    from scanner.report.i18n import messages

    return messages(lang).get(f"col_{col}", col)


def _set(frame: Any, col: str, values: list) -> None:
    """Replace a column keeping the object dtype (a list of strings would become a string
    dtype that :func:`safe_frame` does not neutralise)."""
    import pandas as pd

    frame[col] = pd.Series(values, index=frame.index, dtype=object)


def people_table(frame: Any, name: str, lang: str, doc: dict[str, Any] | None = None) -> str:
    """Make a table's cells read as words where they hold ids a person should not have to
    decode (severity, confidence, yes/no, party, request part, PI types by the result's
    names), in place; return the sheet name in ``lang`` (≤ 31 characters, Excel's limit)."""
    from scanner.report.i18n import messages
    from scanner.report.view import pi_label

    m = messages(lang)
    words = {"severity": "sev_", "confidence": "conf_", "party": "", "where": "where_"}
    for col in frame.columns:
        if col in ("pi_type", "pi_types", "pi_types_read", "pi_types_sent"):
            _set(frame, col, [";".join(pi_label(p, lang, doc) for p in v.split(";"))
                              if isinstance(v, str) and v else v for v in frame[col]])
            continue
        prefix = words.get(col)
        if prefix is not None:
            _set(frame, col, [m.get(f"{prefix}{v}", v) if isinstance(v, str) else v
                              for v in frame[col]])
        elif frame[col].map(lambda v: isinstance(v, bool)).any():
            _set(frame, col, [(m["yes"] if v else m["no"]) if isinstance(v, bool) else v
                              for v in frame[col]])
    return m.get(f"sheet_{name}", name)[:31]


def _fixed_zip_times(data: bytes, when: _dt.datetime) -> bytes:
    """The same zip with every entry stamped ``when`` (openpyxl stamps the clock)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=stamp)
            new.compress_type = zipfile.ZIP_DEFLATED
            blob = src.read(info)
            if info.filename == "docProps/core.xml":  # openpyxl sets modified = now on save
                iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                blob = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso + rb"\g<2>", blob)
            dst.writestr(new, blob)
    return out.getvalue()
