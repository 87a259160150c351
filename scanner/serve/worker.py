"""The workbench's scan workers: threads that take queued jobs and scan each one in an isolated
process of the batch engine (scanner.batch.isolate), with the same time and memory limits.

Contract:
    Workers(data, limits, jobs=1)  ``start()`` requeues jobs a stopped server left running and
                                   starts ``jobs`` threads; ``wake()`` after an upload;
                                   ``stop()`` kills running scans (their jobs stay queued for
                                   the next start) and joins the threads.
    upload_dir(data, job_id)       where a job's uploaded files live: ``data/uploads/<id>/``,
                                   files named by role (``app.apk``, ``flows-<n>``, ``policy``,
                                   ``runtime``), never by
                                   the uploaded name.
A scan whose process was killed from outside (status crash from a signal) is retried once;
every other end (input error, timeout, memory) fails the job with its one-line reason.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from scanner.batch import isolate
from scanner.batch.isolate import Limits, Outcome
from scanner.serve.jobs import Job, Jobs

APK_NAME = "app.apk"
MAX_ATTEMPTS = 2


def upload_dir(data: Path, job_id: str) -> Path:
    return data / "uploads" / job_id


def db_path(data: Path) -> Path:
    return data / "audit.sqlite"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Workers:
    """Scan threads over the job table (see module docstring)."""

    def __init__(self, data: Path, limits: Limits, jobs: int = 1, warm: bool = True) -> None:
        self.data = data
        self.limits = limits
        self.n = max(1, jobs)
        self.warm = warm
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        isolate.allow_starts()
        with Jobs(db_path(self.data)) as j:
            j.requeue_running()
        for n in range(self.n):
            t = threading.Thread(target=self._loop, name=f"scan-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        isolate.kill_all()
        for t in self._threads:
            t.join(timeout=10)
        self._threads.clear()

    def _loop(self) -> None:
        jobs = Jobs(db_path(self.data))
        try:
            while not self._stop.is_set():
                job = jobs.claim()
                if job is None:
                    with self._wake:
                        self._wake.wait(timeout=1.0)
                    continue
                self._run(jobs, job)
        finally:
            jobs.close()

    def _run(self, jobs: Jobs, job: Job) -> None:
        folder = upload_dir(self.data, job.id)
        apk = folder / APK_NAME
        try:
            sha = _sha256(apk)
            size = apk.stat().st_size
        except OSError as e:
            from scanner.messages import msg, os_reason

            jobs.fail(job.id, msg("err_upload_unreadable", reason=os_reason(e)))
            return
        flows = tuple(folder / f"flows-{n}" for n in range(len(job.flows)))
        policy = tuple(p for p in (folder / "policy",) if p.is_file())
        runtime = tuple(p for p in (folder / "runtime",) if p.is_file())
        outcome: Outcome = isolate.scan_isolated(apk, self.limits, sha, job.category,
                                                 worker="serve", warm=self.warm, flows=flows,
                                                 policy=policy, runtime=runtime)
        if self._stop.is_set():
            return  # killed by stop(): the job stays 'running' and is requeued at next start
        outcome = _named(outcome, job.apk_name)
        if outcome.status == "crash" and job.attempts < MAX_ATTEMPTS:
            jobs.db.execute("UPDATE jobs SET status='queued' WHERE id=?", (job.id,))
            return
        jobs.finish(job.id, outcome, size)


def _named(outcome: Outcome, name: str) -> Outcome:
    """The outcome with the uploaded file's name where its error names the stored copy
    (``app.apk``): the analyst uploaded ``name`` and would not know the other."""
    message = outcome.error_msg
    params = (message or {}).get("params") or {}
    if not message or params.get("path") != APK_NAME or not name:
        return outcome
    from dataclasses import replace

    from scanner.messages import english

    named = {"id": message["id"], "params": {**params, "path": name}}
    return replace(outcome, error=" ".join(english(named).split()), error_msg=named)
