"""scanner.batch.executors (local): completion order, and an early close kills the rest."""

from __future__ import annotations

import time

from batch_helpers import fixture_paths

from scanner.batch import isolate
from scanner.batch.executors import execute_local
from scanner.batch.inputs import group_by_hash
from scanner.batch.isolate import Limits


def _running(procs) -> int:
    """How many of these scan processes / warm servers still run."""
    return sum(1 for p in procs
               if (p.alive() if isinstance(p, isolate._Server) else p.poll() is None))


def test_local_executor_yields_every_job_once():
    jobs, _ = group_by_hash(fixture_paths())
    outs = list(execute_local(jobs, Limits(120, 4096), workers=2))
    assert sorted(o.sha256 for o in outs) == sorted(j.sha256 for j in jobs)
    assert all(o.status == "ok" for o in outs)
    assert {o.worker.split(":")[0] for o in outs} == {"local"}


def test_closing_early_kills_running_scans_then_allows_a_new_batch(tmp_path):
    # Reading 300 MB (sparse) before refusing it keeps a worker busy while we close.
    big = tmp_path / "slow.apk"
    with open(big, "wb") as fh:
        fh.truncate(300 << 20)
    jobs, _ = group_by_hash([*fixture_paths(), big])
    gen = execute_local(jobs, Limits(120, 0), workers=2)
    first = next(gen)
    assert first.sha256 in {j.sha256 for j in jobs}
    with isolate._live_lock:
        procs = list(isolate._live)
    assert _running(procs) >= 1  # at least the warm servers of the two workers
    gen.close()
    deadline = time.monotonic() + 20
    while _running(procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(procs) == 0
    assert isolate._stopping.is_set()
    ok_job = next(j for j in jobs if j.path != str(big))
    again = list(execute_local([ok_job], Limits(120, 4096), workers=1))
    assert [o.status for o in again] == ["ok"] and not isolate._stopping.is_set()
