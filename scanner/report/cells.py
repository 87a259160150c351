"""Spreadsheet-safe text cells (CSV injection, OWASP's guidance).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by spreadsheet programs as a formula (``=cmd|' /C calc'!A0`` runs a program; openpyxl
even writes such a string as a live formula). Everything an exported table holds can come
from the app or the capture under audit (component names, package, label, flow ids, query
and JSON key names, excerpts, file names), so :func:`neutralise` prefixes such text with
a single quote, which spreadsheets show and never evaluate. Numbers stay numbers.

Used by every spreadsheet export: the CSV and XLSX report formats and ``batch --export``
csv and xlsx (Parquet is a typed data format read by programs, and is left as it is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(value: Any) -> Any:
    """:func:`neutralise`, then carriage returns as line feeds: the CSV writer quotes a
    cell holding its line terminator (``\n``) but not a bare ``\r``, which would end the
    row early in a reader."""
    value = neutralise(value)
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def safe_frame(frame: pd.DataFrame, for_csv: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised; for CSV
    also with carriage returns made line feeds (:func:`csv_text`)."""
    import pandas as pd

    fn = csv_text if for_csv else neutralise
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:  # kept object: Series.map would make ints floats
            out[col] = pd.Series([fn(v) for v in out[col]], index=out.index, dtype=object)
    out.columns = [fn(c) for c in out.columns]
    return out
