"""scanner.batch.executors on a real dask LocalCluster: same stored results as the local path."""

from __future__ import annotations

import pytest
from batch_helpers import HOSTILE_REJECTED, ROW_TIMING

from scanner.batch import BatchOptions, Limits, Store, run_batch

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """A real local cluster with dask's defaults (daemonic worker processes)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _comparable(rows):
    return {r["sha256"]: {k: v for k, v in r.items() if k not in ROW_TIMING} for r in rows}


def _doc_core(doc, keep_paths=True):
    doc = dict(doc)
    doc.pop("started"), doc.pop("finished")
    doc["tool"] = {k: v for k, v in doc["tool"].items() if k != "ruleset_sha256"}
    if not keep_paths:
        doc["inputs"] = [{k: v for k, v in i.items() if k not in ("path", "abs_path")}
                         for i in doc["inputs"]]
    return doc


def test_dask_shared_paths_match_local(client, local_db, mixed_inputs, tmp_path):
    local, _ = local_db
    db = tmp_path / "dask.sqlite"
    stats = run_batch(mixed_inputs["list"], db,
                      BatchOptions(dask=client, limits=Limits(120, 4096)), progress=False)
    assert stats.scanned == stats.distinct and not stats.interrupted
    with Store(local) as a, Store(db) as b:
        ra, rb = a.rows(), b.rows()
        assert _comparable(ra) == _comparable(rb)
        assert {r["worker"].split(":")[0] for r in rb} == {"dask"}
        assert {r["worker"].rsplit("/", 1)[1] for r in rb} == {"warm"}
        assert len({r["worker"] for r in rb}) == 2  # both workers took part
        for r in ra:
            if r["status"] == "ok":
                assert _doc_core(a.result(r["sha256"])) == _doc_core(b.result(r["sha256"]))


def test_dask_send_bytes_match_local(client, local_db, mixed_inputs, tmp_path):
    local, _ = local_db
    subset = [mixed_inputs["fixtures"][0],
              *(mixed_inputs["hostile"][n] for n in HOSTILE_REJECTED[:2])]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(map(str, subset)) + "\n", encoding="utf-8")
    db = tmp_path / "bytes.sqlite"
    stats = run_batch(listing, db, BatchOptions(dask=client, send_bytes=True,
                                                limits=Limits(120, 4096)), progress=False)
    assert stats.scanned == len(subset)
    with Store(local) as a, Store(db) as b:
        la = _comparable(a.rows())
        rb = _comparable(b.rows())
        assert {r["worker"].rsplit("/", 1)[1] for r in b.rows()} == {"warm"}
        for sha, row in rb.items():
            want = dict(la[sha])
            want["paths"] = row["paths"]  # this batch saw only one path per content
            assert row == want
            if row["status"] == "ok":
                assert _doc_core(a.result(sha), False) == _doc_core(b.result(sha), False)


def test_cli_dask_address(client, mixed_inputs, tmp_path):
    from click.testing import CliRunner

    from scanner.cli import cli

    src = tmp_path / "in"
    src.mkdir()
    for p in mixed_inputs["fixtures"][:2]:
        (src / p.name).symlink_to(p)
    db = tmp_path / "cli.sqlite"
    address = client.scheduler.address
    res = CliRunner().invoke(cli, ["batch", str(src), "--db", str(db), "--dask", address,
                                   "--dask-send-bytes", "--no-progress", "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "scanned 2" in res.output
    with Store(db) as s:
        rows = s.rows()
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert all(r["worker"].startswith("dask:") for r in rows)
