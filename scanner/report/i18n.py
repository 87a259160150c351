"""The message catalogs (reports/i18n/zh.yaml, en.yaml): every string a person reads.

Light to import (no jinja2), so the terminal summaries of every command use it too.
"""

from __future__ import annotations

import functools

from scanner.knowledge import read_yaml
from scanner.paths import reports_dir

LANGS = ("zh", "en")


@functools.cache
def messages(lang: str) -> dict[str, str]:
    """The message catalog of a language (zh is the default and the fallback)."""
    base = dict(read_yaml(reports_dir() / "i18n" / "zh.yaml"))
    if lang != "zh":
        base.update(read_yaml(reports_dir() / "i18n" / f"{lang}.yaml"))
    base["_lang"] = lang
    return base
