"""Parsing the TIME arguments of the CLI: ISO 8601 or a Unix timestamp."""

from __future__ import annotations

import datetime as _dt

from scanner.errors import UsageError


def parse_time(value: str) -> float:
    """Seconds since the epoch; naive ISO times are taken as UTC."""
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError(f"cannot read time {value!r}: use ISO 8601 or a Unix timestamp") from e
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)
    return t.timestamp()
