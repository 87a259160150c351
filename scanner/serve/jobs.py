"""The workbench's job queue: a ``jobs`` table in the batch database (scanner.batch.store).

Contract:
    Jobs(db_path)                 opens (or creates) the table in the same SQLite file as
                                  ``appaudit batch`` uses; ``with Jobs(p) as j:`` closes it.
    j.add(job_id, apk_name, category, flows) -> None
                                  a queued job; names are for display only (never paths)
    j.claim() -> Job | None       the oldest queued job, marked running (atomic)
    j.finish(job_id, outcome)     done (status ok) or failed with the outcome's error; the
                                  outcome is also recorded in the ``apks`` table (Store.record)
    j.fail(job_id, message)       failed before a scan could run (e.g. unreadable upload);
                                  ``message`` is a catalog message (scanner.messages)
    j.requeue_running() -> int    at start: jobs left running by a stopped server go back to
                                  the queue (a restart loses no job)
    j.get(job_id) -> Job | None;  j.list(limit) -> list[Job];  j.result(job_id) -> bytes | None
                                  (the job's own result.json text)
A failed job stores its error as the batch table does: the English text in ``error`` (what
the REST API's ``error`` says) and the message itself (``{"id", "params"}`` JSON) in
``error_msg``, which the pages render in their language (a job stored before ``error_msg``
existed shows its text).

A job keeps its own result (two uploads of one APK with different captures differ), and the
``apks`` row of its APK holds the latest result, so the findings and overview pages read the
same rows as ``appaudit batch-report``.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.batch.isolate import Outcome
from scanner.batch.store import Store

STATUSES = ("queued", "running", "done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, created REAL NOT NULL, status TEXT NOT NULL, error TEXT,
  apk_name TEXT, category TEXT, flows TEXT, sha256 TEXT, started REAL, finished REAL,
  attempts INTEGER NOT NULL DEFAULT 0, result_z BLOB, error_msg TEXT);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created);
"""


@dataclass(frozen=True)
class Job:
    """One upload and its scan."""

    id: str
    created: float
    status: str
    error: str | None
    apk_name: str
    category: str | None
    flows: tuple[str, ...]
    sha256: str | None
    started: float | None
    finished: float | None
    attempts: int
    #: ``error`` as a message (scanner.messages); None without error or in an older row
    error_msg: dict[str, Any] | None = None

    def error_text(self, lang: str) -> str | None:
        """The error in ``lang`` (the stored text when it is not a message)."""
        if self.error_msg is not None:
            from scanner.messages import text_of

            return text_of(self.error_msg, lang)
        return self.error

    def api(self) -> dict:
        """The REST view (``GET /api/scans/{id}``): ``error`` in English, ``error_msg`` the
        message (id and parameters) for a client that words it in its own language."""
        return {"id": self.id, "status": self.status, "error": self.error,
                "error_msg": self.error_msg,
                "apk": self.apk_name, "category": self.category, "flows": list(self.flows),
                "sha256": self.sha256, "created": self.created, "started": self.started,
                "finished": self.finished}


_COLS = ("id, created, status, error, apk_name, category, flows, sha256, started, finished, "
         "attempts, error_msg")


def _job(row: tuple) -> Job:
    from scanner.batch.store import _message

    return Job(row[0], row[1], row[2], row[3], row[4] or "", row[5],
               tuple(json.loads(row[6] or "[]")), row[7], row[8], row[9], row[10],
               _message(row[11]))


def _message_column(message: dict[str, Any] | None) -> str | None:
    return json.dumps(message, ensure_ascii=False, default=str) if message else None


class Jobs:
    """The job table (see module docstring). One instance per thread."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        with Store(self.path):  # creates the batch tables and checks the file is ours
            pass
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        if "error_msg" not in {r[1] for r in self.db.execute("PRAGMA table_info(jobs)")}:
            self.db.execute("ALTER TABLE jobs ADD COLUMN error_msg TEXT")  # an older table

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, job_id: str, apk_name: str, category: str | None,
            flows: tuple[str, ...] = ()) -> None:
        self.db.execute("INSERT INTO jobs(id, created, status, apk_name, category, flows) "
                        "VALUES (?, ?, 'queued', ?, ?, ?)",
                        (job_id, time.time(), apk_name, category, json.dumps(list(flows))))

    def claim(self) -> Job | None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute(f"SELECT {_COLS} FROM jobs WHERE status='queued' "
                                  "ORDER BY created, id LIMIT 1").fetchone()
            if row is None:
                return None
            self.db.execute("UPDATE jobs SET status='running', started=?, "
                            "attempts=attempts+1 WHERE id=?", (time.time(), row[0]))
        finally:
            self.db.execute("COMMIT")
        return self.get(row[0])

    def finish(self, job_id: str, outcome: Outcome, size: int | None) -> None:
        status = "done" if outcome.status == "ok" else "failed"
        with Store(self.path) as store:
            store.record(outcome, size, None)
        message = getattr(outcome, "error_msg", None)
        self.db.execute("UPDATE jobs SET status=?, error=?, sha256=?, finished=?, result_z=?, "
                        "error_msg=? WHERE id=?",
                        (status, outcome.error, outcome.sha256, time.time(),
                         outcome.result_z, _message_column(message), job_id))

    def fail(self, job_id: str, message: dict[str, Any]) -> None:
        from scanner.messages import english

        self.db.execute("UPDATE jobs SET status='failed', error=?, error_msg=?, finished=? "
                        "WHERE id=?", (english(message), _message_column(message),
                                       time.time(), job_id))

    def requeue_running(self) -> int:
        return self.db.execute("UPDATE jobs SET status='queued', started=NULL "
                               "WHERE status='running'").rowcount

    def get(self, job_id: str) -> Job | None:
        row = self.db.execute(f"SELECT {_COLS} FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _job(row) if row else None

    def list(self, limit: int = 500) -> list[Job]:
        rows = self.db.execute(f"SELECT {_COLS} FROM jobs ORDER BY created DESC, id "
                               "LIMIT ?", (limit,)).fetchall()
        return [_job(r) for r in rows]

    def counts(self) -> dict[str, int]:
        got = dict(self.db.execute("SELECT status, count(*) FROM jobs GROUP BY status"))
        return {s: int(got.get(s, 0)) for s in STATUSES}

    def result(self, job_id: str) -> bytes | None:
        row = self.db.execute("SELECT result_z FROM jobs WHERE id=?", (job_id,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] else None
