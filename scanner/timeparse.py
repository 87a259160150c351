"""Times: parsing the TIME arguments of the CLI (ISO 8601 or a Unix timestamp), and the
timestamps results carry.

A time written without an offset is read in the zone ``--tz`` names, and without ``--tz`` as
Beijing time (UTC+8): the analysts' phones and notes are in China Standard Time, and reading
"19:07" as UTC would move the consent moment eight hours and mark every transmission of the
session as sent before consent. China has kept UTC+8 without daylight saving since 1991.
"""

from __future__ import annotations

import datetime as _dt
import re

from scanner.errors import UsageError

# plain decimal seconds only: float() would also take "nan", "inf", "1e308" and "1_000"
_UNIX = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")
MAX_UNIX_TIME = 253402300799  # 9999-12-31T23:59:59Z
#: The default zone of a time written without an offset.
BEIJING = _dt.timezone(_dt.timedelta(hours=8))
DEFAULT_TZ_NAME = "UTC+08:00"


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_tz(text: str) -> _dt.tzinfo:
    """``+08:00``, ``+0800``, ``UTC+8``, ``UTC``/``Z`` or an IANA name (``Asia/Shanghai``)."""
    t = text.strip()
    if t.upper() in ("UTC", "Z", "GMT"):
        return _dt.UTC
    m = _OFFSET.match(t)
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hours > 23 or minutes > 59:
            raise UsageError("err_tz_range", tz=repr(text))
        delta = _dt.timedelta(hours=hours, minutes=minutes)
        return _dt.timezone(-delta if sign == "-" else delta)
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        return ZoneInfo(t)
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:
        raise UsageError("err_tz", tz=repr(text)) from e


def _iso(value: str) -> _dt.datetime | None:
    text = value.strip()
    if _UNIX.fullmatch(text):
        t = float(text)
        if not 0 <= t <= MAX_UNIX_TIME:
            raise UsageError("err_time_range", time=repr(value))
        return None
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError("err_time", time=repr(value)) from e


def parse_time(value: str, tz: str | None = None) -> float:
    """Seconds since the epoch. A naive ISO time is in zone ``tz`` (default Beijing time)."""
    t = _iso(value)
    if t is None:
        return float(value.strip())
    if t.tzinfo is None:
        t = t.replace(tzinfo=parse_tz(tz) if tz else BEIJING)
    return t.timestamp()


def display_zone(value: str | None, tz: str | None) -> tuple[_dt.tzinfo, str]:
    """The zone a time given as ``value`` (with ``--tz``) is shown in, and where that zone
    came from: ``given`` (the time's own offset), ``tz_option`` or ``default``."""
    t = _iso(value) if value else None
    if t is not None and t.tzinfo is not None:
        return t.tzinfo, "given"
    if tz:
        return parse_tz(tz), "tz_option"
    return BEIJING, "default"


def local_iso(ts: float, zone: _dt.tzinfo) -> str:
    """``2026-11-18T19:07:00+08:00`` (milliseconds when not whole)."""
    t = _dt.datetime.fromtimestamp(ts, _dt.UTC).astimezone(zone)
    spec = "seconds" if t.microsecond == 0 else "milliseconds"
    return t.isoformat(timespec=spec)
