"""Fixtures of the workbench tests (helpers in serve_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_helpers import Server  # noqa: E402


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "data", "--jobs", "2").start()
    yield s
    s.stop()
