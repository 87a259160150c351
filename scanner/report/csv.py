"""CSV format: a folder of UTF-8 CSV files (with BOM, so spreadsheet programs read Chinese),
one per table of :func:`scanner.report.tables.tables` (findings.csv, evidence.csv, …);
text cells a spreadsheet would evaluate are neutralised (:mod:`scanner.report.cells`)."""

from __future__ import annotations

from typing import Any

from scanner.report.cells import safe_frame
from scanner.report.interface import ReportFormat
from scanner.report.tables import tables


class CsvFormat(ReportFormat):
    """A folder of CSV tables: render returns file name → bytes."""

    name = "csv"
    suffix = ""
    output_name = "csv"  # a folder of one CSV file per table

    def render(self, doc: dict[str, Any], lang: str = "zh") -> dict[str, bytes]:  # type: ignore[override]
        return {f"{name}.csv": safe_frame(frame, for_csv=True)
                .to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
                for name, frame in tables(doc, lang).items()}
