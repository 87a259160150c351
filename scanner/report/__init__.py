"""Output formats. Add ``report/<name>.py`` implementing :class:`ReportFormat` and one
``FORMATS`` entry; the CLI's choices are built from ``FORMATS``.

A format's module is imported when the format is asked for (the HTML one pulls in Jinja,
the tables pandas), so a scan pays only for what it writes.
"""

from __future__ import annotations

import importlib

from scanner.report.interface import ReportFormat

#: format name -> "module:class"
FORMATS: dict[str, str] = {
    "json": "scanner.report.json:JsonFormat",
    "html": "scanner.report.html:HtmlFormat",
    "sarif": "scanner.report.sarif:SarifFormat",
    "csv": "scanner.report.csv:CsvFormat",
    "xlsx": "scanner.report.xlsx:XlsxFormat",
    "pdf": "scanner.report.pdf:PdfFormat",
    "docx": "scanner.report.docx:DocxFormat",
}


def format_class(name: str) -> type[ReportFormat]:
    """The class of the named format (KeyError when unknown)."""
    module, _, cls = FORMATS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def get_format(name: str) -> ReportFormat:
    """An instance of the named format (KeyError when unknown)."""
    return format_class(name)()


__all__ = ["FORMATS", "ReportFormat", "format_class", "get_format"]
