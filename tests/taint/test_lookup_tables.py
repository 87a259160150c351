"""The leak analysis' own lookup tables answer what the reader's whole-table lookups answer,
on real dex files: callers and field readers by name (``_methods_in``, ``_fields_in`` against
``DexFile.find_methods_in`` / ``find_fields_in``), the sorted call and field-read sites
(against a plain scan of the operand sites), and the intent-value analysis' method positions
(against the dict ``ArgumentValues`` builds). Each expected value comes from the reader's
(or the base class's) independent answer, not from the code under test."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.ingest.apk import ApkReader
from scanner.ingest.dex import DexIndex
from scanner.ingest.dex.values import ArgumentValues
from scanner.knowledge import load_knowledge
from scanner.taint.analysis import LeakAnalysis, _equal_range, _IntentValues, _MethodPositions
from tests.conftest import FIXTURE_APKS, SHARED_CORPUS

APKS = [FIXTURE_APKS / "privacy_heavy.apk", FIXTURE_APKS / "multidex_sdk.apk",
        SHARED_CORPUS / "apks" / "real-cn" / "jpush__jbox__app-release.apk"]


def _index(apk) -> DexIndex:
    if not apk.exists():
        pytest.skip(f"{apk} is absent")
    ev = ApkReader(apk).read()
    return DexIndex.from_dex_files([(d.name, d.data) for d in ev.dex_files])


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def _sample(n: int, k: int = 400) -> list[int]:
    """Up to ``k`` indices spread over ``range(n)`` (every one when there are few)."""
    return sorted(set(np.linspace(0, n - 1, num=min(n, k), dtype=int).tolist())) if n else []


@pytest.mark.parametrize("apk", APKS, ids=lambda p: p.name)
def test_methods_and_fields_by_name_match_the_reader(apk, kb):
    index = _index(apk)
    la = LeakAnalysis(index, kb.leaks, [])
    checked = 0
    for di, d in enumerate(index.dexes):
        classes = sorted({d.type_name(int(c)) for c in d.method_ids["cls"][:200]})
        for i in _sample(len(d.method_ids)):
            desc = d.method_descriptor(i)
            cls, _, sig = desc.partition("->")
            for group in ([cls], [cls, *classes[:3]], classes[:1], [cls, "Lnot/There;"]):
                assert la._methods_in(di, group, sig) == d.find_methods_in(group, sig), desc
                checked += 1
        assert la._methods_in(di, classes, "noSuchName()V") == []
        fclasses = sorted({d.type_name(int(c)) for c in d.fields["cls"][:200]})
        for i in _sample(len(d.fields)):
            cls, _, member = d.field_descriptor(i).partition("->")
            for group in ([cls], [cls, *fclasses[:3]], fclasses[:1]):
                assert la._fields_in(di, group, member) == d.find_fields_in(group, member)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("apk", APKS, ids=lambda p: p.name)
def test_sorted_sites_are_the_operand_sites(apk, kb):
    index = _index(apk)
    la = LeakAnalysis(index, kb.leaks, [])
    for di, d in enumerate(index.dexes):
        _p, op, arg, owner = d.operand_sites("invoke")
        args, owners = la._invokes_sorted(di)
        for m in _sample(len(d.method_ids), 300):
            lo, hi = _equal_range(args, m)
            want = sorted(o for a, o in zip(arg.tolist(), owner.tolist(), strict=True)
                          if a == m and o >= 0)
            assert sorted(owners[lo:hi].tolist()) == want
        _p, op, arg, owner = d.operand_sites("field")
        reads = ((op >= 0x52) & (op <= 0x58)) | ((op >= 0x60) & (op <= 0x66))
        args, owners = la._field_reads_sorted(di)
        for f in _sample(len(d.fields), 300):
            lo, hi = _equal_range(args, f)
            want = sorted(o for a, o, r in zip(arg.tolist(), owner.tolist(), reads.tolist(),
                                               strict=True) if a == f and o >= 0 and r)
            assert sorted(owners[lo:hi].tolist()) == want
        assert _equal_range(args, 1 << 20) == (0, 0)


@pytest.mark.parametrize("apk", APKS, ids=lambda p: p.name)
def test_method_positions_answer_as_the_dict(apk, kb):
    index = _index(apk)
    base = ArgumentValues(index.dexes, kb.value_models)
    mine = _IntentValues(index.dexes, kb.value_models, (), index.class_table())
    for di, d in enumerate(index.dexes):
        want = base._defined(di)
        got = mine._defined(di)
        assert not isinstance(got, dict)  # the compact form, not a copy of the dict
        probes = sorted(want)[::7] + [-1, len(d.method_ids), len(d.method_ids) + 5, 1 << 40]
        for x in probes:
            assert got.get(x) == want.get(x), x
            assert (x in got) == (x in want)
            if x in want:
                assert got[x] == want[x]
            else:
                with pytest.raises(KeyError):
                    got[x]


def test_method_positions_keep_the_last_of_a_repeated_index():
    # a hostile dex may define one method_ids entry twice: a dict built over the methods in
    # order keeps the last position, and so must the compact form
    idx = np.array([5, 3, 5, 9, 3], dtype=np.int64)
    want = dict(zip(idx.tolist(), range(len(idx)), strict=True))  # {5: 2, 3: 4, 9: 3}
    got = _MethodPositions(idx)
    for x in (3, 5, 9, 4, 0, 10):
        assert got.get(x) == want.get(x)
