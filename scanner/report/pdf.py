"""PDF format: the HTML report printed to A4 by headless chromium (see report/browser.py).

Needs chromium installed; without it rendering raises UsageError telling the user to
print the HTML report from a browser instead.
"""

from __future__ import annotations

from typing import Any

from scanner.report.browser import html_to_pdf
from scanner.report.html import HtmlFormat
from scanner.report.interface import ReportFormat


class PdfFormat(ReportFormat):
    """The HTML report as PDF."""

    name = "pdf"
    suffix = ".pdf"
    binary = True

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        return html_to_pdf(HtmlFormat().render(doc, lang))
