"""The whole shared corpus plus every hostile file in one batch (slow: ~200 APKs)."""

from __future__ import annotations

import hashlib
import os

import pytest
from batch_helpers import CORPUS_APKS, HOSTILE_REJECTED, manifest_packages

from scanner.batch import BatchOptions, Limits, Store, run_batch


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_APKS.is_dir(), reason="../shared/corpus is absent")
def test_full_corpus_and_hostile_batch(tmp_path, hostile_inputs):
    corpus = sorted(CORPUS_APKS.rglob("*.apk"))
    paths = [*corpus, *hostile_inputs.values()]
    listing = tmp_path / "all.txt"
    listing.write_text("\n".join(map(str, paths)) + "\n", encoding="utf-8")
    db = tmp_path / "all.sqlite"
    stats = run_batch(listing, db, BatchOptions(jobs=2, limits=Limits(300, 4096)),
                      progress=False)
    assert not stats.interrupted and stats.unreadable == 0
    shas = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    assert stats.scanned == stats.distinct == len(shas)
    packages = manifest_packages()
    with Store(db) as s:
        rows = s.rows()
        assert {r["sha256"] for r in rows} == shas
        by_path = {p: r for r in rows for p in r["paths"]}
        for p in paths:
            r = by_path[os.path.abspath(p)]
            if r["status"] == "ok":
                doc = s.result(r["sha256"])
                assert doc["inputs"][0]["sha256"] == r["sha256"]
                want = packages.get(os.path.abspath(p))
                if want:
                    assert r["package"] == want, p
            else:  # recorded with one line saying why
                assert r["error"] and "\n" not in r["error"], p
        for name in HOSTILE_REJECTED:
            assert by_path[os.path.abspath(hostile_inputs[name])]["status"] != "ok", name
        # Nothing in the corpus may take a worker down or hit the limits.
        assert not {r["status"] for r in rows} & {"timeout", "memory", "crash"}, \
            [(r["paths"][0], r["status"], r["error"]) for r in rows
             if r["status"] in ("timeout", "memory", "crash")]
