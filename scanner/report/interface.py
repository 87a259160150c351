"""The output-format interface: a pure function from the result document to bytes.

Formats render the JSON form of a :class:`ScanResult` (the dict written as
result.json), so ``appaudit report RESULT.json`` re-renders a stored result
without rescanning. Formats never compute findings.
"""

from __future__ import annotations

from typing import Any


class ReportFormat:
    """Base class: set ``name`` and ``suffix``, implement :meth:`render`."""

    name = "format"
    suffix = ".txt"
    binary = False

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        """Render the result document in ``lang`` (zh or en)."""
        raise NotImplementedError
