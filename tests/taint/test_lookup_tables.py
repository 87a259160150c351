"""The leak analysis' own lookup tables answer what the reader's whole-table lookups answer,
on real dex files: callers and field readers by name (``_methods_in``, ``_fields_in`` against
``DexFile.find_methods_in`` / ``find_fields_in``), the owners of the call and field-read
sites of one method or field (against a plain scan of the operand sites), and a class's
methods (``class_method_keys``, ``method_key`` against ``DexIndex.class_methods`` /
``find_method``). Each expected value comes from the reader's or the index's independent
answer, not from the code under test."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.ingest.apk import ApkReader
from scanner.ingest.dex import DexIndex, MethodRef
from scanner.knowledge import load_knowledge
from scanner.taint.analysis import LeakAnalysis, class_method_keys, method_key
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
def test_site_owners_are_the_operand_sites(apk, kb):
    index = _index(apk)
    la = LeakAnalysis(index, kb.leaks, [])
    for di, d in enumerate(index.dexes):
        _p, op, arg, owner = d.operand_sites("invoke")
        for m in _sample(len(d.method_ids), 300):
            want = sorted(o for a, o in zip(arg.tolist(), owner.tolist(), strict=True)
                          if a == m and o >= 0)
            assert sorted(la._invoke_owners(di, m)) == want
        _p, op, arg, owner = d.operand_sites("field")
        reads = ((op >= 0x52) & (op <= 0x58)) | ((op >= 0x60) & (op <= 0x66))
        for f in _sample(len(d.fields), 300):
            want = sorted(o for a, o, r in zip(arg.tolist(), owner.tolist(), reads.tolist(),
                                               strict=True) if a == f and o >= 0 and r)
            assert sorted(la._field_read_owners(di, f)) == want


@pytest.mark.parametrize("apk", APKS, ids=lambda p: p.name)
def test_class_methods_match_the_index(apk):
    index = _index(apk)
    names = index.class_names()
    assert names
    for cls in names[::3] + ["Lnot/There;"]:
        want = [(r.dex, r.method) for r in index.class_methods(cls)]
        assert class_method_keys(index, cls) == want, cls
        for k in want[:4]:
            desc = index.method_descriptor(MethodRef(*k))
            ref = index.find_method(desc)
            assert method_key(index, desc) == (ref.dex, ref.method)
    assert method_key(index, "Lnot/There;->f()V") is None
    assert method_key(index, "no arrow") is None
