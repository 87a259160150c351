"""Bundle tests reuse the hand-built results of tests/report/sample.py."""

from __future__ import annotations

import sys
from pathlib import Path

REPORT_TESTS = Path(__file__).resolve().parents[1] / "report"
if str(REPORT_TESTS) not in sys.path:
    sys.path.insert(0, str(REPORT_TESTS))
