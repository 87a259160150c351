"""Where the scans run: local worker processes, or tasks on a dask.distributed cluster.

Contract: both executors take the jobs still to scan and yield one :class:`Outcome` per job,
in completion order, in the calling thread (which is the only one that writes the store).
Each scan is isolated in its own process either way (scanner.batch.isolate).

    execute_local(jobs, limits, workers, packages) -> Iterator[Outcome]
        ``workers`` scans at a time, each a process forked by the pool thread's warm server.
        Closing the generator early (an interrupt) kills the running children and drops
        the pending jobs; nothing killed that way is yielded.
    execute_dask(client_or_address, jobs, limits, packages, send_bytes) -> Iterator[Outcome]
        One task per job (``dask_scan``); the worker runs the same isolated scan. With
        ``send_bytes`` the client reads each APK and ships its bytes (the worker writes them to
        a private temp folder under the same file name); otherwise workers read the path,
        which must then be on a shared file system. At most ``window`` tasks are in flight
        so the client never holds every APK in memory. A task that fails on the cluster
        (e.g. its worker died) is yielded as status ``crash`` with the cluster's message.
        Each dask worker thread starts its own warm server (a plain subprocess, allowed in
        dask's daemonic worker processes), so cluster scans are as isolated and as warm as
        local ones.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from scanner.batch.inputs import Job
from scanner.batch.isolate import (
    Limits,
    Outcome,
    allow_starts,
    failed,
    kill_all,
    note_rulesets,
    scan_isolated,
)
from scanner.batch.status import BatchStatus
from scanner.errors import InputError
from scanner.messages import msg


def _local_scan(job: Job, limits: Limits, packages: Mapping[str, str]) -> Outcome:
    return scan_isolated(job.path, limits, job.sha256, job.category, packages,
                         worker=f"local:{threading.current_thread().name}")


def execute_local(jobs: Iterable[Job], limits: Limits, workers: int = 1,
                  packages: Mapping[str, str] | None = None) -> Iterator[Outcome]:
    """Scan each job in a child process, ``workers`` at a time (see module docstring)."""
    packages = dict(packages or {})
    allow_starts()
    note_rulesets()
    pending = iter(jobs)
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="scan")
    running: set[Future] = set()
    finished = False
    try:
        for job in pending:
            running.add(pool.submit(_local_scan, job, limits, packages))
            if len(running) >= max(1, workers):
                break
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                job = next(pending, None)
                if job is not None:
                    running.add(pool.submit(_local_scan, job, limits, packages))
                yield fut.result()
        finished = True
    finally:
        if not finished:
            for fut in running:
                fut.cancel()
            kill_all()
        pool.shutdown(wait=finished, cancel_futures=True)


def dask_scan(sha256: str, path: str, data: bytes | None, category: str | None,
              packages: Mapping[str, str] | None, limits: Limits) -> Outcome:
    """The dask task: an isolated scan of a shared path or of shipped bytes."""
    note_rulesets()
    try:
        from distributed import get_worker

        worker = f"dask:{get_worker().address}"
    except (ImportError, ValueError):
        worker = "dask"
    if data is None:
        return scan_isolated(path, limits, sha256, category, packages, worker=worker)
    tmp = Path(tempfile.mkdtemp(prefix="appaudit-dask-"))
    try:
        local = tmp / Path(path).name
        local.write_bytes(data)
        del data
        return scan_isolated(local, limits, sha256, category, packages, worker=worker)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def execute_dask(client_or_address: Any, jobs: Iterable[Job], limits: Limits,
                 packages: Mapping[str, str] | None = None, send_bytes: bool = False,
                 window: int | None = None) -> Iterator[Outcome]:
    """Run the jobs as dask tasks, results in completion order (see module docstring)."""
    from distributed import Client, as_completed

    own = isinstance(client_or_address, str)
    if own:
        try:
            client = Client(client_or_address, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise InputError("err_dask_unreachable", address=str(client_or_address),
                             detail=f"{type(e).__name__}: {str(e)[:200]}") from e
    else:
        client = client_or_address
    by_key: dict[str, Job] = {}
    finished = False
    ac = None
    try:
        if window is None:
            threads = sum(client.nthreads().values()) or 1
            window = max(2, 2 * threads)
        pkg = client.scatter(dict(packages), broadcast=True) if packages else None
        pending = iter(jobs)

        def submit(job: Job):
            data = Path(job.path).read_bytes() if send_bytes else None
            fut = client.submit(dask_scan, job.sha256, job.path, data, job.category, pkg,
                                limits, pure=False, retries=0)
            by_key[fut.key] = job
            return fut

        first = [submit(j) for _, j in zip(range(window), pending, strict=False)]
        ac = as_completed(first)
        for fut in ac:
            job = by_key.pop(fut.key)
            try:
                outcome = fut.result()
            except Exception as e:  # the task itself failed on the cluster
                outcome = failed(job.sha256, BatchStatus.CRASH,
                                 msg("batch_dask_failed",
                                     detail=f"{type(e).__name__}: {str(e)[:200]}"),
                                 category=job.category, worker="dask")
            fut.release()
            nxt = next(pending, None)
            if nxt is not None:
                ac.add(submit(nxt))
            yield outcome
        finished = True
    finally:
        if not finished and ac is not None and by_key:  # interrupted: cancel the rest
            try:
                client.cancel(list(ac.futures))
            except Exception:  # the client may already be gone
                pass
        if own:
            client.close()
