"""Fixtures of the batch tests: a small mixed input list and one local batch run over it."""

from __future__ import annotations

import shutil

import pytest
from batch_helpers import FIXTURE_APKS, corpus_smallest, fixture_paths


@pytest.fixture(scope="session")
def mixed_inputs(tmp_path_factory, hostile_inputs) -> dict:
    """A list file over fixtures, hostile files, a few corpus APKs and one duplicate copy."""
    root = tmp_path_factory.mktemp("batch-inputs")
    dup = root / "copy_of_clean.apk"
    shutil.copyfile(FIXTURE_APKS / "clean.apk", dup)
    corpus = corpus_smallest(6)
    paths = [*fixture_paths(), *hostile_inputs.values(), *corpus, dup]
    listing = root / "apks.txt"
    listing.write_text("# batch test input\n\n" + "\n".join(str(p) for p in paths) + "\n",
                       encoding="utf-8")
    return {"list": listing, "fixtures": fixture_paths(), "hostile": hostile_inputs,
            "corpus": corpus, "duplicate": dup, "paths": paths}


@pytest.fixture(scope="session")
def local_db(tmp_path_factory, mixed_inputs):
    """The mixed inputs scanned once with two local workers; (db path, BatchStats)."""
    from scanner.batch import BatchOptions, Limits, run_batch

    db = tmp_path_factory.mktemp("batch-db") / "audit.sqlite"
    stats = run_batch(mixed_inputs["list"], db,
                      BatchOptions(jobs=2, limits=Limits(timeout=120, max_memory_mb=4096)),
                      progress=False)
    return db, stats
