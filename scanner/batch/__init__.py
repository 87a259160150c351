"""Batch audits at app-store scale: many APKs, one isolated process each, results in SQLite.

Contract (the pieces, each documented in its module):
    runner.run_batch(source, db, BatchOptions(jobs, Limits(timeout, max_memory_mb),
                     retry_errors, dask, send_bytes), categories) -> BatchStats
    inputs.discover / group_by_hash / load_category_map   what to scan
    isolate.scan_isolated(path, limits, ...) -> Outcome    one APK in a child process
    executors.execute_local / execute_dask                 where the children run
    store.Store                                            the SQLite database (WAL)
    tables.apk_table / sdk_table / rule_table / export     pandas summaries and exports
    overview.render_overview(store_path, lang) -> str      the HTML overview with charts
The per-APK work is exactly ``scanner.engine.run`` + ``scanner.report.json.result_document``.
"""

from __future__ import annotations

from scanner.batch.inputs import CategoryMap, Job, discover, group_by_hash, load_category_map
from scanner.batch.isolate import Limits, Outcome, scan_isolated
from scanner.batch.runner import BatchOptions, BatchStats, run_batch
from scanner.batch.store import Store

__all__ = ["BatchOptions", "BatchStats", "CategoryMap", "Job", "Limits", "Outcome", "Store",
           "discover", "group_by_hash", "load_category_map", "run_batch", "scan_isolated"]
