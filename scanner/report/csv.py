"""CSV format: a folder of UTF-8 CSV files (with BOM, so spreadsheet programs read Chinese),
one per table of :func:`scanner.report.tables.tables` (findings.csv, evidence.csv, …)."""

from __future__ import annotations

from typing import Any

from scanner.report.interface import ReportFormat
from scanner.report.tables import tables


class CsvFormat(ReportFormat):
    """A folder of CSV tables: render returns file name → bytes."""

    name = "csv"
    suffix = ""
    output_name = "csv"  # a folder of one CSV file per table

    def render(self, doc: dict[str, Any], lang: str = "zh") -> dict[str, bytes]:  # type: ignore[override]
        return {f"{name}.csv": frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
                for name, frame in tables(doc, lang).items()}
