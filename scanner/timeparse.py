"""Times: parsing the TIME arguments of the CLI (ISO 8601 or a Unix timestamp), and the
timestamps results carry."""

from __future__ import annotations

import datetime as _dt
import re

from scanner.errors import UsageError

# plain decimal seconds only: float() would also take "nan", "inf", "1e308" and "1_000"
_UNIX = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")
MAX_UNIX_TIME = 253402300799  # 9999-12-31T23:59:59Z


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def parse_time(value: str) -> float:
    """Seconds since the epoch; naive ISO times are taken as UTC."""
    text = value.strip()
    if _UNIX.fullmatch(text):
        t = float(text)
        if not 0 <= t <= MAX_UNIX_TIME:
            raise UsageError(f"time {value!r} is outside 1970-01-01 .. 9999-12-31")
        return t
    try:
        t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError(f"cannot read time {value!r}: use ISO 8601 or a Unix timestamp") from e
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)
    return t.timestamp()
