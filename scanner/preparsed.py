"""The runtime side of ``rulesets/_validated.json``: its stamps and the shipped YAML files
it keeps already parsed, read once per process.

Imports nothing of scanner, so the lowest layers can use it: the message catalogs
(:mod:`scanner.messages`) come pre-parsed like the rulesets (:mod:`scanner.knowledge`).
:mod:`scanner.knowledge.validated` explains the file; :mod:`scanner.stamps` writes it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
from pathlib import Path

STAMP_FILE = "_validated.json"


@functools.cache
def stamps(folder: Path) -> dict:
    """The stamp document of a rulesets folder ({} when absent or unreadable)."""
    try:
        doc = json.loads((Path(folder) / STAMP_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


@functools.cache
def yaml_cache(folder: Path) -> dict[str, dict]:
    """sha256 of a shipped YAML file's bytes -> {json, dates} of its parsed content."""
    cache = stamps(Path(folder)).get("yaml")
    return cache if isinstance(cache, dict) else {}


_DATE = "$date"


def encode_date(value: object) -> dict:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return {_DATE: value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept")


def decode_date(obj: dict) -> object:
    if len(obj) == 1 and _DATE in obj:
        return _dt.date.fromisoformat(obj[_DATE])
    return obj


def parsed_yaml(raw: bytes, folder: Path) -> object | None:
    """The parsed content of a shipped YAML file with exactly these bytes, as kept in the
    stamp file of the rulesets ``folder``; None for any other bytes."""
    cache = yaml_cache(Path(folder))
    if not cache:
        return None
    entry = cache.get(hashlib.sha256(raw).hexdigest())
    if not isinstance(entry, dict):
        return None
    hook = decode_date if entry.get("dates") else None
    return json.loads(entry["json"], object_hook=hook)
