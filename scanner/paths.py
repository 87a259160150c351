"""Where the shipped data lives: rulesets/ and reports/, in a checkout or an installed wheel.

A wheel installs them as ``scanner/_data/rulesets`` and ``scanner/_data/reports``;
a source checkout (or an editable install) has them beside the package.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    env = os.environ.get(f"APPAUDIT_{name.upper()}_DIR")
    if env:
        return Path(env)
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    return _PKG.parent / name


def rulesets_dir() -> Path:
    """The rulesets folder (override with APPAUDIT_RULESETS_DIR)."""
    return _find("rulesets")


def reports_dir() -> Path:
    """The reports folder: templates, message catalogs, schema (APPAUDIT_REPORTS_DIR)."""
    return _find("reports")
