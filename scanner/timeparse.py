"""Times: parsing the TIME arguments of the CLI (ISO 8601 or a Unix timestamp), and the
timestamps results carry."""

from __future__ import annotations

import datetime as _dt

from scanner.errors import UsageError


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


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
