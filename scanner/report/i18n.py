"""The message catalogs (reports/i18n/zh.yaml, en.yaml): every string a person reads.

Light to import (no jinja2), so the terminal summaries of every command use it too.
"""

from __future__ import annotations

import functools

from scanner.messages import catalog

LANGS = ("zh", "en")


@functools.cache
def messages(lang: str) -> dict[str, str]:
    """The message catalog of a language (zh is the default and the fallback), with its
    language under ``_lang`` for templates; the files are read once, by
    :func:`scanner.messages.catalog`."""
    return {**catalog(lang), "_lang": lang}
