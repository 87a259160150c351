"""The output-format interface: a pure function from the result document to bytes.

Formats render the JSON form of a :class:`ScanResult` (the dict written as
result.json), so ``appaudit report RESULT.json`` re-renders a stored result
without rescanning. Formats never compute findings.
"""

from __future__ import annotations

from typing import Any


class ReportFormat:
    """Base class: set ``name`` and ``suffix``, implement :meth:`render`.

    ``output_name`` is the file (or, for multi-file formats, folder) written into the
    output folder: ``report<suffix>`` unless the format says otherwise."""

    name = "format"
    suffix = ".txt"
    binary = False

    @property
    def output_name(self) -> str:
        """File name in the output folder."""
        return f"report{self.suffix}"

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        """Render the result document in ``lang`` (zh or en)."""
        raise NotImplementedError
