"""camille's exported spreadsheet read as hook-log events, so analysts who already hook apps
with camille (github.com/zhengjim/camille, an open-source Frida privacy-compliance helper)
can bring their logs to ``appaudit runtime``.

The format, as camille's own source writes it (read from the repository, 2023-04 version):
``camille.py -f FILE`` saves with xlwt (utlis/__init__.py ``write_xlsx``), so the file is a
BIFF .xls whatever its name. One sheet, a header row, then one row per hooked call with the
columns 隐私政策状态 (同意隐私政策前 / 同意隐私政策后), 时间点, 行为主体 (an SDK's name or
APP本身), 操作行为, 行为描述, 传入参数 (``参数0：<JSON>`` lines), 调用堆栈 (frames, one per
line, innermost first: the first is the hooked method itself). Earlier versions wrote only
时间点, 操作行为, 行为描述, 传入参数, 调用堆栈. Columns are found by their header text.

Time: script.js ``get_format_time()`` writes ``getFullYear()-getMonth()-getDate()
getHours():getMinutes():getSeconds()`` in the phone's local time. JavaScript's ``getMonth()``
counts from 0, so the month written is one less than the calendar month (``2023-0-15`` is
15 January 2023); it is read that way, in the given zone (default UTC+08:00). Times have
one-second resolution.

What becomes of a row: its hooked method (the first stack frames' class and method name) is
looked up in the API map (method entries with a PI type; overloads of one method are taken
as the first such entry) → an ``api`` event with that descriptor, the stack, and ``args``
(the JSON values of 传入参数 when they parse). ``requestPermissions`` → a
``permission_request`` event with the permission names in its arguments (camille does not
log the user's answer). Any other row → an event of kind ``camille`` that the detector
ignores. When rows marked 同意隐私政策前 are followed by rows marked 后 (camille's agree
detection was on), a ``consent`` event is put at the first 后 row's time.

Contract: ``camille_records(path, name, api_index, zone) -> Iterator[(ts, kind, data, source,
row)]`` like RuntimeLog.records; ``CamilleError`` (an InputError) when the file is not a
readable camille export. ``is_xls(path)``: the file starts with the OLE2 signature.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

from scanner.errors import InputError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ROWS = 2_000_000
MAX_CELL = 1 << 16
HEADERS = {"隐私政策状态": "status", "时间点": "time", "行为主体": "subject",
           "操作行为": "action", "行为描述": "message", "传入参数": "arg", "调用堆栈": "stack"}
_TIME = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})\s*$")
_ARG = re.compile(r"^参数(\d+)：(.*)$")
_PERM = re.compile(r"android\.permission\.[A-Z_]+|[a-z][\w.]*\.permission\.[A-Z_]+")


class CamilleError(InputError):
    """The file is not a camille export this reader understands."""


def is_xls(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == OLE2


def camille_time(text: str, zone: _dt.tzinfo) -> float | None:
    """``2023-0-15 9:5:7`` (month counted from 0, as camille writes it) → Unix seconds."""
    m = _TIME.match(text or "")
    if not m:
        return None
    y, mon, d, hh, mm, ss = (int(x) for x in m.groups())
    try:
        return _dt.datetime(y, mon + 1, d, hh, mm, ss, tzinfo=zone).timestamp()
    except ValueError:
        return None


def _frames(stack: str) -> list[str]:
    return [ln.strip() for ln in stack.replace("\r\n", "\n").split("\n") if ln.strip()][:64]


def _args(text: str) -> list:
    out: list = []
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _ARG.match(line.strip())
        if not m:
            continue
        try:
            out.append(json.loads(m.group(2)))
        except ValueError:
            out.append(m.group(2)[:300])
    return out[:32]


def api_index(apis) -> dict[tuple[str, str], str]:
    """(dotted class, method name) -> descriptor of the API map's method entries with a PI
    type (the first entry of each name: overloads share it)."""
    out: dict[tuple[str, str], str] = {}
    for a in apis:
        if a.access != "invoke" or not a.pi_type or "->" not in a.key:
            continue
        cls, _, rest = a.key.partition("->")
        key = (cls[1:-1].replace("/", "."), rest.split("(", 1)[0])
        out.setdefault(key, a.key)
    return out


def camille_records(path: Path, name: str, api_index: dict[tuple[str, str], str],
                    zone: _dt.tzinfo) -> Iterator[tuple[float, str, dict, str, int]]:
    """The rows of a camille export as (ts, kind, data, source, row) records; rows without
    a readable time are skipped and counted by the caller through ``bad`` events (kind
    ``camille_bad``)."""
    import os

    import xlrd

    try:
        # the whole file at once (a .xls holds at most 65,536 rows), xlrd's warnings (it
        # writes them to stdout otherwise) into the void
        with open(os.devnull, "w") as quiet:
            book = xlrd.open_workbook(str(path), logfile=quiet, verbosity=0)
            sheet = book.sheet_by_index(0)
    except Exception as e:  # noqa: BLE001 - xlrd raises many untyped errors on damaged files
        raise CamilleError("err_camille_unreadable", path=str(path), detail=str(e)[:120]) from e
    try:
        header = [str(sheet.cell_value(0, c)).strip() for c in range(sheet.ncols)] \
            if sheet.nrows else []
        cols = {HEADERS[h]: i for i, h in enumerate(header) if h in HEADERS}
        if "time" not in cols or "stack" not in cols:
            raise CamilleError("err_camille_columns", path=str(path), columns="时间点/调用堆栈")
        seen_before = consent_done = False
        for r in range(1, min(sheet.nrows, MAX_ROWS + 1)):
            row = {k: str(sheet.cell_value(r, i))[:MAX_CELL] for k, i in cols.items()}
            ts = camille_time(row["time"], zone)
            if ts is None:
                yield 0.0, "camille_bad", {}, name, r + 1
                continue
            status = row.get("status", "")
            if status.endswith("前"):
                seen_before = True
            elif status.endswith("后") and seen_before and not consent_done:
                consent_done = True
                yield ts, "consent", {"event": "consent", "source": "camille"}, name, r + 1
            frames = _frames(row["stack"])
            data: dict = {"stack": frames, "camille": {
                k: row[k] for k in ("subject", "action", "message") if k in row}}
            api = None
            method = None
            for f in frames[:3]:
                head = f.split("(", 1)[0]
                cls, _, meth = head.rpartition(".")
                api = api_index.get((cls, meth))
                if api is not None or meth == "requestPermissions":
                    method = meth
                    break
            if api is not None:
                data.update(event="api", api=api, args=_args(row.get("arg", "")))
                yield ts, "api", data, name, r + 1
            elif method == "requestPermissions":
                perms = sorted(set(_PERM.findall(row.get("arg", ""))))[:64]
                data.update(event="permission_request", permissions=perms, result={})
                yield ts, "permission_request", data, name, r + 1
            else:
                data["event"] = "camille"
                yield ts, "camille", data, name, r + 1
    finally:
        book.release_resources()
