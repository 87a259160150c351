"""Output formats. Add ``report/<name>.py`` implementing :class:`ReportFormat` and one
``FORMATS`` entry; the CLI's choices are built from ``FORMATS``.
"""

from __future__ import annotations

from scanner.report.csv import CsvFormat
from scanner.report.html import HtmlFormat
from scanner.report.interface import ReportFormat
from scanner.report.json import JsonFormat
from scanner.report.pdf import PdfFormat
from scanner.report.sarif import SarifFormat
from scanner.report.xlsx import XlsxFormat

FORMATS: dict[str, type[ReportFormat]] = {
    "json": JsonFormat,
    "html": HtmlFormat,
    "sarif": SarifFormat,
    "csv": CsvFormat,
    "xlsx": XlsxFormat,
    "pdf": PdfFormat,
}


def get_format(name: str) -> ReportFormat:
    """An instance of the named format (KeyError when unknown)."""
    return FORMATS[name]()


__all__ = ["FORMATS", "ReportFormat", "get_format"]
