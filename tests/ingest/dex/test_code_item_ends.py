"""DexFile._end_of: the end of the code item of the last start at or before a position."""

from __future__ import annotations

import numpy as np

from scanner.ingest.dex.reader import DexFile


def test_by_hand():
    starts = np.array([10, 20, 50])
    ends = np.array([18, 45, 60])
    pos = np.array([0, 10, 12, 19, 20, 44, 49, 50, 59, 70])
    # 0 lies before every start: the first item's end; 19 is past item 10's end (18) but its
    # start is still the last one at or before it; 49 likewise for item 20
    want = [18, 18, 18, 18, 45, 45, 45, 60, 60, 60]
    assert DexFile._end_of(pos, starts, ends).tolist() == want
    assert DexFile._end_of(np.array([], dtype=np.int64), starts, ends).tolist() == []


def test_same_as_one_binary_search_per_position():
    rng = np.random.default_rng(2026)
    for t in range(500):
        starts = np.unique(rng.integers(0, 1000, rng.integers(1, 50)))
        ends = starts + rng.integers(1, 60, len(starts))
        pos = np.sort(rng.integers(0, 1100, rng.integers(0, 300)))
        if t % 3 == 0:  # positions on the starts themselves, twice
            pos = np.sort(np.concatenate([pos, starts, starts]))
        want = ends[np.clip(np.searchsorted(starts, pos, side="right") - 1, 0, None)]
        assert DexFile._end_of(pos, starts, ends).tolist() == want.tolist(), t


def test_owner_of_sorted_positions_is_the_binary_search_per_position():
    """``owner_of(..., ascending=True)`` locates the code items among sorted positions;
    the answers are those of one binary search per position: positions before every item,
    in gaps between items, past the last one, on starts, and items sharing a start."""
    rng = np.random.default_rng(7)
    for t in range(500):
        starts = np.sort(rng.integers(0, 1000, rng.integers(1, 50)))  # duplicates too
        ends = starts + rng.integers(1, 40, len(starts))
        midx = rng.permutation(len(starts))
        pos = np.sort(rng.integers(0, 1100, rng.integers(0, 300)))
        if t % 3 == 0:
            pos = np.sort(np.concatenate([pos, starts, ends]))
        dex = DexFile.__new__(DexFile)
        dex.__dict__["code_ranges"] = (starts, ends, midx)
        want = dex.owner_of(pos)
        k = np.searchsorted(starts, pos, side="right") - 1  # (by hand, as the reader did)
        assert want.tolist() == [int(midx[j]) if j >= 0 and p < ends[j] else -1
                                 for j, p in zip(k.tolist(), pos.tolist(), strict=True)], t
        assert dex.owner_of(pos, ascending=True).tolist() == want.tolist(), t
