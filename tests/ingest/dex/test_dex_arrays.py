"""The dex reader's compact arrays: int32 positions and indices, the method sequence over
the method table without a Python int per cell, and ``bounds`` (searchsorted with keys in
the array's dtype).

Ground truth: ``np.searchsorted`` itself for ``bounds``; for the reader, the same values
computed the plain way (a boolean mask over ``instructions``, the method table's
``tolist()`` rows) on a fixture APK built by corpus/build.py from hand-written smali.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from scanner.ingest.dex.arrays import bounds  # noqa: E402
from scanner.ingest.dex.reader import DexFile  # noqa: E402

FIXTURE = REPO / "corpus" / "apk" / "privacy_heavy.apk"


@pytest.mark.parametrize("dtype", [np.int32, np.uint16, np.int64, np.uint32])
def test_bounds_is_searchsorted(dtype) -> None:
    rng = np.random.default_rng(7)
    top = int(np.iinfo(dtype).max)
    arr = np.sort(rng.integers(0, min(top, 50_000), 5_000).astype(dtype))
    keys = [0, 1, int(arr[0]), int(arr[-1]), int(arr[-1]) + 1, int(arr[2500]),
            *rng.integers(0, min(top, 60_000), 50).tolist()]
    for a, b in zip(keys[::2], keys[1::2], strict=False):
        assert bounds(arr, a, b) == np.searchsorted(arr, [a, b]).tolist()
        assert all(type(x) is int for x in bounds(arr, a, b))


def _dexes() -> list[DexFile]:
    if not FIXTURE.is_file():
        pytest.skip("fixture APK not built")
    with zipfile.ZipFile(FIXTURE) as z:
        return [DexFile(n, z.read(n)) for n in z.namelist()
                if n.startswith("classes") and n.endswith(".dex")]


def test_methods_read_like_the_table_rows() -> None:
    for d in _dexes():
        rows = [tuple(r) for r in np.stack(list(d.method_table)).T.tolist()]
        assert len(d.methods) == len(rows) > 0
        assert [tuple(m) for m in d.methods] == rows
        assert [tuple(d.methods[k]) for k in range(len(rows))] == rows
        # Python ints, not numpy scalars: they become JSON, dict keys and slice bounds.
        m = d.methods[len(rows) - 1]
        assert all(type(v) is int for v in m)
        json.dumps(list(m))


def test_insn_positions_are_each_methods_instructions() -> None:
    for d in _dexes():
        ins = d.instructions
        assert ins.dtype == np.int32  # half the memory of int64 on a large dex
        seen = 0
        for m in d.methods:
            if m.insn_start < 0:
                continue
            want = ins[(ins >= m.insn_start) & (ins < m.insn_end)]
            got = d.insn_positions(m.insn_start, m.insn_end)
            assert got.tolist() == want.tolist()
            seen += got.size
        assert seen == ins.size > 0


def test_operand_sites_are_compact_and_in_range() -> None:
    for d in _dexes():
        limits = {"invoke": len(d.method_ids), "field": len(d.fields),
                  "string": len(d.string_offs), "new": len(d.type_desc)}
        for kind, limit in limits.items():
            pos, _op, arg, owner = d.operand_sites(kind)
            assert arg.dtype == owner.dtype == np.int32
            if arg.size:
                assert 0 <= int(arg.min()) and int(arg.max()) < limit
                assert int(owner.max()) < len(d.methods)
            # the index operand is the word after the opcode (plain reading)
            if kind in ("invoke", "field", "new"):
                assert (arg == d.words[pos + 1]).all()
