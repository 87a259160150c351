"""appaudit: an app privacy and algorithm audit scanner.

The package is organised by pipeline stage: ``ingest`` turns input files into
evidence, ``detectors`` turn evidence into facts, ``rules`` turn facts into
findings, and ``report`` renders a :class:`scanner.model.result.ScanResult`.
"""

from __future__ import annotations

__version__ = "0.1.0"

TOOL_NAME = "appaudit"
