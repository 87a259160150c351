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


#: columns holding ids, and the catalog prefix of their words (``prefix + id``)
WORDS = {"severity": "sev_", "confidence": "conf_", "party": "", "where": "where_",
         "status": "status_", "access": "access_", "encoding": "enc_", "matched": "matched_",
         "categories": "sdkcat_", "evidence_kinds": "evidence_kind_", "country": "country_",
         "direction": "direction_", "origin": "origin_"}
#: the same column name meaning different ids in different tables
TABLE_WORDS = {"evidence": {"kind": "loc_kind_"}, "inputs": {"kind": "input_kind_"},
               "terms": {"kind": "term_kind_"}, "term_comparisons": {"kind": "term_kind_"}}


def _word(m: dict[str, str], prefix: str, value: str) -> str:
    """The catalog's word for an id (``prefix + id``), else the shared vocabulary's, else
    the id (a test renders every known id and fails on one left raw)."""
    if f"{prefix}{value}" in m:
        return m[f"{prefix}{value}"]
    from scanner.names import vocabulary

    name = vocabulary().get(value)
    return name.get(m.get("_lang", "zh"), value) if name else value


def _sdk_names(doc: dict[str, Any], lang: str) -> dict[str, str]:
    """SDK id → its name in ``lang`` (the Chinese name where the catalogue has one)."""
    out = {}
    for s in doc.get("sdks") or ():
        if s.get("id"):
            out[s["id"]] = (s.get("name_zh") or s.get("name") if lang == "zh"
                            else s.get("name")) or s["id"]
    return out


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
    words = {**WORDS, **TABLE_WORDS.get(name, {})}
    for col in frame.columns:
        if col in ("pi_type", "pi_types", "pi_types_read", "pi_types_sent"):
            _set(frame, col, [";".join(pi_label(p, lang, doc) for p in v.split(";"))
                              if isinstance(v, str) and v else v for v in frame[col]])
            continue
        if col == "time":  # Unix seconds as a date and time (UTC) a person reads
            from scanner.report.view import fmt_time

            _set(frame, col, [fmt_time(v) if isinstance(v, (int, float)) and
                              not isinstance(v, bool) else v for v in frame[col]])
            continue
        if col == "sdk" and name != "sdks":  # an SDK by its name (the sdks sheet has ids)
            names = _sdk_names(doc or {}, lang)
            _set(frame, col, [names.get(v, v) if isinstance(v, str) else v
                              for v in frame[col]])
            continue
        prefix = words.get(col)
        if prefix is not None:  # ids (";"-joined lists of ids too) as the catalog words
            _set(frame, col, [";".join(_word(m, prefix, x) for x in v.split(";"))
                              if isinstance(v, str) and v else v for v in frame[col]])
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
