"""The batch database: one SQLite file (stdlib sqlite3, WAL), one row per distinct APK.

Contract:
    Store(path)            opens or creates the database (``with Store(p) as s:`` closes it).
    s.begin_run(source, args) -> run id;  s.end_run(run_id, scanned, interrupted)
    s.add_paths(job, run_id)              every path that had the job's hash (duplicates too)
    s.add_unreadable(path, error, run_id) a listed path that could not even be read (error: a
                                          message of scanner.messages, or a text)
    s.done() -> set of SHA-256            APKs with a stored outcome (any status)
    s.record(outcome, size, run_id)       stores one outcome and commits at once, so a killed
                                          batch loses at most the scans in flight
    s.rows() -> list[dict]                every APK row (summary columns decoded, no blob)
    s.result(sha256) -> dict | None       the stored result.json document
    s.paths() -> list[dict]               path, sha256, error, error_msg
An error is stored twice: its English text in ``error`` (as always) and, since messages have
ids, the message itself (``{"id", "params"}`` JSON) in ``error_msg``, which a report renders
in its language; rows written before (``error_msg`` NULL) show their text.
Rows are keyed by the APK's SHA-256; ``scans`` counts how many times an APK was scanned into
this database (a resumed batch leaves it at 1) and ``run_id`` names the run that scanned it.
The result.json text is stored zlib-compressed in ``result_z``. Raises InputError when the
file is not a usable database: not SQLite, failing SQLite's ``quick_check`` when opened (a
flipped byte in a page the queries would not read is found too), or damaged in a way a
query, a JSON column or a stored result meets later; every such error names the file.

A run whose process was killed (``kill -9``, power loss) never reaches ``end_run``; the
next ``begin_run`` marks every such run ``interrupted`` (unless its process, recorded in
``runs.pid`` and ``runs.host``, is still running on this host).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.batch.inputs import Job
from scanner.batch.isolate import Outcome
from scanner.batch.summary import SEVERITIES
from scanner.errors import InputError
from scanner.messages import msg

SCHEMA_VERSION = "1"
JSON_COLUMNS = ("sdks", "pi_types", "over_scope_pi", "rules")
SUMMARY_COLUMNS = ("package", "label", "version_name", "version_code", "target_sdk",
                   "category", "sdk_count", "sdks", "pi_types", "pi_count", "over_scope_pi",
                   "over_scope_count", "findings", *SEVERITIES, "rules", "partial", "skipped",
                   "ruleset_sha256")
_INT = {"target_sdk", "sdk_count", "pi_count", "over_scope_count", "findings", *SEVERITIES,
        "partial", "skipped"}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, started TEXT, finished TEXT, source TEXT, args TEXT,
  scanned INTEGER DEFAULT 0, interrupted INTEGER DEFAULT 0, pid INTEGER, host TEXT);
CREATE TABLE IF NOT EXISTS apks (
  sha256 TEXT PRIMARY KEY, status TEXT NOT NULL, error TEXT,
  {", ".join(f"{c} {'INTEGER' if c in _INT else 'TEXT'}" for c in SUMMARY_COLUMNS)},
  size INTEGER, seconds REAL, cpu_seconds REAL, peak_rss_kb INTEGER, worker TEXT,
  run_id INTEGER, scans INTEGER NOT NULL DEFAULT 1, scanned_at TEXT, result_z BLOB,
  error_msg TEXT);
CREATE TABLE IF NOT EXISTS paths (
  path TEXT PRIMARY KEY, sha256 TEXT, error TEXT, run_id INTEGER, error_msg TEXT);
CREATE INDEX IF NOT EXISTS paths_sha ON paths(sha256);
"""


def _now() -> str:
    from scanner.timeparse import now_iso

    return now_iso()


def _damage(method: Callable) -> Callable:
    """Turn database, JSON and zlib errors met by a Store method into one InputError."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kw: Any) -> Any:
        try:
            return method(self, *args, **kw)
        except (sqlite3.DatabaseError, ValueError, TypeError, zlib.error) as e:
            raise InputError("err_db_damaged", path=str(self.path),
                             detail=f"{type(e).__name__}: {str(e)[:160]}") from e
    return wrapper


_REAL = {"seconds", "cpu_seconds"}
_JSON_TYPES = {"sdks": list, "pi_types": list, "over_scope_pi": list, "rules": dict}


def _json_items_ok(column: str, value: Any) -> bool:
    """The items of a JSON column have the types the batch writes: sdks [[id, name]...],
    pi_types / over_scope_pi [str...], rules {str: int}."""
    if column == "sdks":
        return all(isinstance(x, list) and all(isinstance(y, str) for y in x) for x in value)
    if column == "rules":
        return all(isinstance(k, str) and isinstance(n, int) and not isinstance(n, bool)
                   for k, n in value.items())
    return all(isinstance(x, str) for x in value)


def _check_row(d: dict[str, Any]) -> None:
    """TypeError when a stored value has a type the batch never writes (SQLite columns take
    any type, so a damaged or edited database can hold a list where a count belongs)."""
    for c, v in d.items():
        if v is None or c == "error_msg":  # decoded already (None when not a message)
            continue
        if c in _JSON_TYPES:
            ok = isinstance(v, _JSON_TYPES[c]) and _json_items_ok(c, v)
        elif c in _INT or c in ("size", "peak_rss_kb", "run_id", "scans"):
            ok = isinstance(v, int)
        elif c in _REAL:
            ok = isinstance(v, (int, float))
        else:
            ok = isinstance(v, str)
        if not ok:
            raise TypeError(f"apks.{c} of {str(d.get('sha256'))[:16]} holds a "
                            f"{type(v).__name__}")
    if not isinstance(d.get("sha256"), str) or not isinstance(d.get("status"), str):
        raise TypeError("an apks row without sha256 or status")


def _error_columns(error: str | dict[str, Any]) -> tuple[str, str | None]:
    """``(error, error_msg)`` column values of an error given as a message or a text."""
    from scanner.messages import english, is_message

    if is_message(error):
        return english(error), json.dumps(error, ensure_ascii=False, default=str)
    return str(error), None


def _message(text: Any) -> dict[str, Any] | None:
    """An ``error_msg`` column read back: the message, or None when there is none or it is
    not one (a damaged or edited database then shows the ``error`` text)."""
    from scanner.messages import is_message

    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if is_message(value) else None


def _alive(pid: Any, host: Any) -> bool:
    """Whether process ``pid`` of ``host`` is still running (on this host only)."""
    if not isinstance(pid, int) or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


class Store:
    """The SQLite batch store (see module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        existed = self.path.is_file() and self.path.stat().st_size > 0
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30)
            if existed:
                bad = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
                if bad != ["ok"]:
                    self.db.close()
                    raise InputError("err_db_damaged", path=str(self.path),
                                     detail=f"SQLite quick_check: {'; '.join(map(str, bad))[:200]}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self._add_missing_columns()
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                            (SCHEMA_VERSION,))
            self.db.commit()
        except sqlite3.DatabaseError as e:
            raise InputError("err_db_unusable", path=str(self.path), detail=str(e)) from e
        except UnicodeDecodeError as e:  # SQLite's answer quotes damaged bytes (not UTF-8)
            raise InputError("err_db_damaged", path=str(self.path),
                             detail=msg("err_db_text", reason=e.reason, at=e.start)) from e

    def _add_missing_columns(self) -> None:
        """A database made by an older version gains the newer summary columns (empty)."""
        runs = {r[1] for r in self.db.execute("PRAGMA table_info(runs)")}
        for c, kind in (("pid", "INTEGER"), ("host", "TEXT")):
            if c not in runs:
                self.db.execute(f"ALTER TABLE runs ADD COLUMN {c} {kind}")
        have = {r[1] for r in self.db.execute("PRAGMA table_info(apks)")}
        wanted = [(c, "INTEGER" if c in _INT else "TEXT") for c in SUMMARY_COLUMNS]
        wanted += [("cpu_seconds", "REAL"), ("error_msg", "TEXT")]
        for c, kind in wanted:
            if c not in have:
                self.db.execute(f"ALTER TABLE apks ADD COLUMN {c} {kind}")
        if "error_msg" not in {r[1] for r in self.db.execute("PRAGMA table_info(paths)")}:
            self.db.execute("ALTER TABLE paths ADD COLUMN error_msg TEXT")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @_damage
    def begin_run(self, source: str, args: dict[str, Any]) -> int:
        """Start a run (marking runs killed before their end interrupted); return its id."""
        for rid, pid, host in self.db.execute(
                "SELECT id, pid, host FROM runs WHERE finished IS NULL").fetchall():
            if not _alive(pid, host):
                self.db.execute("UPDATE runs SET interrupted=1 WHERE id=?", (rid,))
        cur = self.db.execute(
            "INSERT INTO runs(started, source, args, pid, host) VALUES (?, ?, ?, ?, ?)",
            (_now(), source, json.dumps(args, sort_keys=True), os.getpid(),
             socket.gethostname()))
        self.db.commit()
        return int(cur.lastrowid)

    @_damage
    def end_run(self, run_id: int, scanned: int, interrupted: bool) -> None:
        """Close a run with its counts."""
        self.db.execute("UPDATE runs SET finished=?, scanned=?, interrupted=? WHERE id=?",
                        (_now(), scanned, int(interrupted), run_id))
        self.db.commit()

    @_damage
    def add_paths(self, job: Job, run_id: int) -> None:
        """Record every path that had the job's content."""
        self.db.executemany(
            "INSERT INTO paths(path, sha256, error, run_id) VALUES (?, ?, NULL, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, error=NULL",
            [(p, job.sha256, run_id) for p in job.paths])
        self.db.commit()

    @_damage
    def add_unreadable(self, path: str, error: str | dict[str, Any], run_id: int) -> None:
        """Record a path that could not be read at all (``error``: a message or a text)."""
        text, message = _error_columns(error)
        self.db.execute(
            "INSERT INTO paths(path, sha256, error, run_id, error_msg) VALUES (?, NULL, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256=NULL, error=excluded.error, "
            "error_msg=excluded.error_msg",
            (path, text, run_id, message))
        self.db.commit()

    @_damage
    def done(self, statuses: tuple[str, ...] | None = None) -> set[str]:
        """SHA-256 of every stored APK (optionally only those with one of ``statuses``)."""
        if statuses is None:
            cur = self.db.execute("SELECT sha256 FROM apks")
        else:
            marks = ",".join("?" * len(statuses))
            cur = self.db.execute(f"SELECT sha256 FROM apks WHERE status IN ({marks})",
                                  statuses)
        return {r[0] for r in cur}

    @_damage
    def record(self, outcome: Outcome, size: int | None, run_id: int) -> None:
        """Store one outcome (replacing an earlier one of the same APK) and commit."""
        row = outcome.row or {}
        values: dict[str, Any] = {c: row.get(c) for c in SUMMARY_COLUMNS}
        for c in JSON_COLUMNS:
            if values[c] is not None:
                values[c] = json.dumps(values[c], ensure_ascii=False, sort_keys=True)
        if values["partial"] is not None:
            values["partial"] = int(values["partial"])
        if values["category"] is None:
            values["category"] = outcome.category
        error_msg = getattr(outcome, "error_msg", None)
        values.update(sha256=outcome.sha256, status=outcome.status, error=outcome.error,
                      error_msg=_error_columns(error_msg)[1] if error_msg else None,
                      size=size, seconds=outcome.seconds, cpu_seconds=outcome.cpu_seconds,
                      peak_rss_kb=outcome.peak_rss_kb,
                      worker=outcome.worker, run_id=run_id, scanned_at=_now(),
                      result_z=outcome.result_z)
        cols = list(values)
        updates = ", ".join(f"{c}=excluded.{c}" for c in cols if c != "sha256")
        self.db.execute(
            f"INSERT INTO apks({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT(sha256) DO UPDATE SET {updates}, scans=apks.scans+1",
            [values[c] for c in cols])
        self.db.commit()

    @_damage
    def rows(self) -> list[dict[str, Any]]:
        """Every APK row with JSON columns decoded, plus its paths; no result blob."""
        cols = ["sha256", "status", "error", *SUMMARY_COLUMNS, "size", "seconds",
                "cpu_seconds", "peak_rss_kb", "worker", "run_id", "scans", "scanned_at",
                "error_msg"]
        paths: dict[str, list[str]] = {}
        for path, sha in self.db.execute(
                "SELECT path, sha256 FROM paths WHERE sha256 IS NOT NULL ORDER BY path"):
            paths.setdefault(sha, []).append(path)
        out = []
        for r in self.db.execute(f"SELECT {', '.join(cols)} FROM apks ORDER BY sha256"):
            d = dict(zip(cols, r, strict=True))
            d["error_msg"] = _message(d["error_msg"])
            for c in JSON_COLUMNS:
                if d[c] is not None:
                    d[c] = json.loads(d[c])
            _check_row(d)
            if d["partial"] is not None:
                d["partial"] = bool(d["partial"])
            d["paths"] = paths.get(d["sha256"], [])
            out.append(d)
        return out

    @_damage
    def result(self, sha256: str) -> dict[str, Any] | None:
        """The stored result.json document of one APK, or None."""
        r = self.db.execute("SELECT result_z FROM apks WHERE sha256=?", (sha256,)).fetchone()
        if not r or r[0] is None:
            return None
        return json.loads(zlib.decompress(r[0]).decode("utf-8"))

    @_damage
    def paths(self) -> list[dict[str, Any]]:
        """Every path seen, with its hash (None when unreadable) and error."""
        return [{"path": p, "sha256": s, "error": e, "error_msg": _message(m)}
                for p, s, e, m in self.db.execute(
                    "SELECT path, sha256, error, error_msg FROM paths ORDER BY path")]

    @_damage
    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first."""
        cols = ["id", "started", "finished", "source", "args", "scanned", "interrupted", "pid",
                "host"]
        return [dict(zip(cols, r, strict=True)) for r in
                self.db.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY id")]
