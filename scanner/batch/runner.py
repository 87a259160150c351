"""One batch run: find the APKs, skip what the store already has, scan the rest, store each
outcome as it arrives.

Contract:
    run_batch(source, db, options=BatchOptions(), categories=None, progress=True) -> BatchStats
        ``source`` is a folder or list file (scanner.batch.inputs.discover). Distinct contents
        are scanned once; every path is recorded. APKs already in ``db`` are skipped (with
        ``retry_errors`` those whose status is not ok are scanned again). SIGINT and SIGTERM
        (when called from the main thread) stop the run cleanly: running scans are killed
        and not recorded, everything finished stays stored, ``BatchStats.interrupted`` is
        True. A rerun resumes where it stopped.
    Scans fork from warm scan servers (scanner.batch.server), plain subprocesses: the
    caller's ``__main__`` is never imported again, so scripts need no special guard.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scanner.batch.executors import execute_dask, execute_local
from scanner.batch.inputs import CategoryMap, discover, group_by_hash
from scanner.batch.isolate import Limits
from scanner.batch.progress import Progress
from scanner.batch.status import BatchStatus
from scanner.batch.store import Store


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch."""

    jobs: int = 1
    limits: Limits = field(default_factory=Limits)
    retry_errors: bool = False
    dask: object | None = None  # scheduler address or a distributed.Client
    send_bytes: bool = False


@dataclass
class BatchStats:
    """What one run did."""

    run_id: int = 0
    paths: int = 0
    distinct: int = 0
    duplicates: int = 0
    unreadable: int = 0
    already_done: int = 0
    scanned: int = 0
    by_status: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def rate(self) -> float:
        """APKs scanned per minute in this run."""
        return self.scanned * 60.0 / self.seconds if self.seconds > 0 else 0.0


class BatchInterrupted(KeyboardInterrupt):
    """SIGTERM, turned into the same clean stop as Ctrl-C."""


class _StopSignals:
    """SIGINT and SIGTERM as a clean stop that never falls between storing an outcome and
    counting it: inside :meth:`atomic` the stop is held back and raised once the step is done."""

    def __init__(self) -> None:
        self._holding = False
        self._pending = False

    def _handler(self, signum, frame):
        if self._holding:
            self._pending = True
            return
        raise BatchInterrupted()

    @contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._pending:
            raise BatchInterrupted()


def run_batch(source: Path, db: Path, options: BatchOptions | None = None,
              categories: CategoryMap | None = None, progress: bool | Progress = True,
              lang: str = "zh") -> BatchStats:
    """Scan every APK of ``source`` not yet in ``db`` (see module docstring); the progress
    lines in ``lang``."""
    options = options or BatchOptions()
    categories = categories or CategoryMap()
    t0 = time.monotonic()
    paths = discover(source)
    jobs, unreadable = group_by_hash(paths, categories)
    stats = BatchStats(paths=len(paths), distinct=len(jobs), unreadable=len(unreadable),
                       duplicates=sum(len(j.paths) - 1 for j in jobs))
    args = {"jobs": options.jobs, "limits": asdict(options.limits),
            "retry_errors": options.retry_errors, "dask": bool(options.dask),
            "send_bytes": options.send_bytes}
    with Store(db) as store:
        stats.run_id = run_id = store.begin_run(str(source), args)
        for p, err in unreadable.items():
            store.add_unreadable(p, err, run_id)
        done = store.done() if not options.retry_errors else store.done((BatchStatus.OK,))
        todo = []
        for job in jobs:
            store.add_paths(job, run_id)
            if job.sha256 in done:
                stats.already_done += 1
            else:
                todo.append(job)
        size = {j.sha256: j.size for j in todo}
        name = {j.sha256: os.path.basename(j.path) for j in todo}
        bar = progress if isinstance(progress, Progress) else \
            Progress(len(todo), lang=lang) if progress else None
        if options.dask is not None:
            outcomes = execute_dask(options.dask, todo, options.limits,
                                    categories.packages, options.send_bytes)
        else:
            outcomes = execute_local(todo, options.limits, options.jobs, categories.packages)
        stops = _StopSignals()
        try:
            with stops.installed():
                for outcome in outcomes:
                    with stops.atomic():
                        store.record(outcome, size.get(outcome.sha256), run_id)
                        stats.scanned += 1
                        stats.by_status[outcome.status] += 1
                    if bar:
                        bar.advance(name.get(outcome.sha256, outcome.sha256[:12]),
                                    outcome.status)
        except KeyboardInterrupt:
            stats.interrupted = True
        finally:
            outcomes.close()
            if bar:
                bar.close()
            stats.seconds = time.monotonic() - t0
            store.end_run(run_id, stats.scanned, stats.interrupted)
    return stats
