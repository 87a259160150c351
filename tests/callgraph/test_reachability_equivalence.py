"""Differential test: the optimised :class:`scanner.callgraph.Reachability` answers exactly
as the previous implementation, frozen in ``tests/callgraph/reference_reachability.py``.

For each APK the same queries go, in the same order, to both implementations (each on
its own DexIndex, so that no cache is shared): every caller of an api-map API, then
every 50th method of the index (as a MethodRef, then every other one again as a
descriptor string), and an unknown method; once with the default work bound and once
with a small one (the None answers must come at the same point). ``check()`` must give
the same reachable flag, path (method and via of each step) and reason.

Fixture APKs always run; InsecureBankv2, blooddonation, a multi-dex SDK demo and a few
DroidBench / UBCBench apps run when ``../shared/corpus`` is there. Mutated dex files
check that damaged tables get the same answers too.

Run over every APK of the shared corpus (outside pytest)::

    python tests/callgraph/test_reachability_equivalence.py [APK or directory ...]
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scanner.callgraph import Reachability  # noqa: E402
from scanner.ingest.dex import DexFormatError, DexIndex  # noqa: E402
from scanner.ingest.dex.index import MethodRef  # noqa: E402
from tests.callgraph import reference_reachability as reference  # noqa: E402

FIXTURE_APKS = sorted((REPO / "corpus" / "apk").glob("*.apk"))
APKS = REPO / ".." / "shared" / "corpus" / "apks"
CORPUS = (
    "insecurebankv2/InsecureBankv2.apk",
    "exodus-core/blooddonation.apk",
    "sdk-vendor-demos/branch_testbed.apk",  # ten dex files
    "droidbench/Callbacks/MultiHandlers1.apk",
    "droidbench/Callbacks/LocationLeak1.apk",
    "droidbench/Reflection/Reflection3.apk",
    "droidbench/Threading/AsyncTask1.apk",
    "droidbench/Lifecycle/ActivityLifecycle2.apk",
    "ubcbench/ReflctionOverloaded.apk",
)
SAMPLE_STEP = 50
WORK_BOUNDS = (20_000, 40)


def _key(res) -> tuple:
    return (res.method, res.reachable, tuple((s.method, s.via) for s in res.path), res.reason)


def _api_keys() -> list[str]:
    from scanner.rules.loader import load_rules

    return [a.key for a in load_rules().knowledge.apis if a.access in ("invoke", "perm_invoke")]


def _queries(idx: DexIndex, apis: list[str]) -> list[MethodRef | str]:
    callers = sorted({f"{s.caller_class}->{s.caller_method}" for s in idx.find_calls(apis)})
    every = [MethodRef(di, k) for di, d in enumerate(idx.dexes) for k in range(len(d.methods))]
    sample = every[::SAMPLE_STEP]
    by_name = [idx.method_descriptor(r) for r in sample[::2]]
    return [*callers, *sample, *by_name, "Lno/such/Cls;->gone()V", "not a descriptor"]


def compare_indexes(
    files: list[tuple[str, bytes]], entries: list[str], queries_of, bounds=WORK_BOUNDS
) -> int:
    """Ask both implementations the same queries; assert equal answers; return the count."""
    new_idx = DexIndex.from_dex_files(files)
    ref_idx = DexIndex.from_dex_files(files)
    queries = queries_of(new_idx)
    n = 0
    for bound in bounds:
        new = Reachability(new_idx, entries, max_nodes=bound)
        ref = reference.Reachability(ref_idx, entries, max_nodes=bound)
        for q in queries:
            assert _key(new.check(q)) == _key(ref.check(q)), (q, bound)
            n += 1
    classes = new_idx.class_names()[::SAMPLE_STEP]
    for c in classes:
        assert new.ancestors(c) == ref.ancestors(c), c
        assert new.descendants(c) == ref.descendants(c), c
    return n


def compare_apk(path: Path, apis: list[str]) -> int:
    """Compare on one APK with its manifest entry points (as ``appaudit scan`` does)."""
    from scanner.detectors.code import dotted_to_desc
    from scanner.ingest.apk import ApkReader

    ev = ApkReader(path).read()
    files = [(d.name, d.data) for d in ev.dex_files]
    if not files:
        return 0
    entries = [dotted_to_desc(c.name) for c in ev.components if c.name]
    if ev.application_class:
        entries.append(dotted_to_desc(ev.application_class))
    try:
        return compare_indexes(files, entries, lambda idx: _queries(idx, apis))
    except DexFormatError:
        return 0


def compare_dex_only(path: Path, apis: list[str]) -> int:
    """Compare on the dex files of a zip that ApkReader refuses (no manifest)."""
    from tests.ingest.dex import oracle

    files = oracle.dex_files(path)
    if not files:
        return 0
    entries = DexIndex.from_dex_files(files).class_names()[::20]
    return compare_indexes(files, entries, lambda idx: _queries(idx, apis))


@pytest.fixture(scope="module")
def apis() -> list[str]:
    return _api_keys()


@pytest.mark.parametrize("apk", FIXTURE_APKS, ids=lambda p: p.name)
def test_fixture_apks_same_answers(apk: Path, apis: list[str]) -> None:
    assert compare_apk(apk, apis) > 0


@pytest.mark.corpus
@pytest.mark.skipif(not APKS.is_dir(), reason="shared corpus absent")
@pytest.mark.parametrize("rel", CORPUS)
def test_corpus_apks_same_answers(rel: str, apis: list[str]) -> None:
    apk = APKS / rel
    if not apk.is_file():
        pytest.skip(f"{rel} not in the shared corpus")
    assert compare_apk(apk, apis) > 0


# ---------------------------------------------------------------- damaged dex files
def _chain_dex() -> tuple[bytes, list[str]]:
    """A small app with calls, callbacks, static init, singletons and reflection."""
    from tests.ingest.dex.dexbuild import (
        RETURN_VOID,
        ClassSpec,
        MethodSpec,
        build_dex,
        const_string,
        invoke,
        new_instance,
        sget,
    )

    act, run = "Landroid/app/Activity;", "Ljava/lang/Runnable;"
    main, task, util = "Lcom/t/Main;", "Lcom/t/Task;", "Lcom/t/Util;"
    for_name = "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;"
    device = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    inst = f"{task}->INSTANCE:{task}"

    def on_create(r):
        code = new_instance(0, r.t(task)) + invoke(0x71, r.m(f"{util}->a()V"))
        code += sget(0x62, 0, r.f(inst)) + const_string(0, r.s("com.t.Plug"))
        return code + invoke(0x71, r.m(for_name), 0) + RETURN_VOID

    def calls(*descs, op=0x71):
        def code(r):
            out = []
            for d in descs:
                out += invoke(op, r.m(d), 0)
            return out + RETURN_VOID

        return code

    ctor = MethodSpec("<init>", "()V", 0x10001, lambda r: RETURN_VOID)
    classes = [
        ClassSpec(
            main,
            act,
            methods=[ctor, MethodSpec("onCreate", "(Landroid/os/Bundle;)V", 0x4, on_create)],
            refs_methods=(f"{util}->a()V", for_name),
            refs_strings=("com.t.Plug",),
            refs_types=(task,),
            refs_fields=(inst,),
        ),
        ClassSpec(
            task,
            "Ljava/lang/Object;",
            (run,),
            methods=[
                ctor,
                MethodSpec("<clinit>", "()V", 0x10008, lambda r: RETURN_VOID),
                MethodSpec("run", "()V", 0x1, calls(device, op=0x6E)),
            ],
            refs_methods=(device,),
        ),
        ClassSpec(
            util,
            "Ljava/lang/Object;",
            methods=[
                MethodSpec("a", "()V", 0x9, calls(f"{util}->b()V")),
                MethodSpec("b", "()V", 0x9, calls(f"{util}->c()V")),
                MethodSpec("c", "()V", 0x9, calls(device, op=0x6E)),
                MethodSpec("dead", "()V", 0x9, calls(f"{util}->c()V")),
            ],
            refs_methods=(device,),
        ),
        ClassSpec(
            "Lcom/t/Plug;",
            "Ljava/lang/Object;",
            (run,),
            methods=[ctor, MethodSpec("run", "()V", 0x1, calls(f"{util}->dead()V"))],
        ),
    ]
    return build_dex(classes), [main]


def _all_methods(idx: DexIndex) -> list[MethodRef | str]:
    refs = [MethodRef(di, k) for di, d in enumerate(idx.dexes) for k in range(len(d.methods))]
    return [*refs, *(idx.method_descriptor(r) for r in refs)]


try:
    _CHAIN, _CHAIN_ENTRIES = _chain_dex()
except Exception:  # the builder's spec format changed: the test below reports it
    _CHAIN, _CHAIN_ENTRIES = b"", []


def test_chain_dex_same_answers() -> None:
    assert _CHAIN, "could not build the test dex"
    n = compare_indexes([("classes.dex", _CHAIN)], _CHAIN_ENTRIES, _all_methods, (20_000, 2))
    assert n > 0


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, max(len(_CHAIN) - 1, 0)), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_mutated_dex_same_answers(edits: list[tuple[int, int]]) -> None:
    buf = bytearray(_CHAIN)
    for pos, val in edits:
        if pos < len(buf):
            buf[pos] = val
    try:
        compare_indexes([("classes.dex", bytes(buf))], _CHAIN_ENTRIES, _all_methods, (50, 2))
    except DexFormatError:
        pass


def _permute_table(data: bytes, header_off: int, perm) -> bytes:
    """Reorder the 4-byte entries of string_ids (header 56) or type_ids (header 64)."""
    size, off = struct.unpack_from("<II", data, header_off)
    items = [data[off + 4 * i : off + 4 * i + 4] for i in range(size)]
    buf = bytearray(data)
    buf[off : off + 4 * size] = b"".join(items[i] for i in perm(size))
    return bytes(buf)


@pytest.mark.parametrize("table", [56, 64], ids=["string_ids", "type_ids"])
@pytest.mark.parametrize(
    "perm",
    [
        lambda n: reversed(range(n)),
        lambda n: [i ^ 1 if i ^ 1 < n else i for i in range(n)],
        lambda n: [*range(n // 2, n), *range(n // 2)],
        lambda n: [*range(1, n), 0],
    ],
    ids=["reversed", "pairs-swapped", "halves-swapped", "rotated"],
)
def test_unsorted_tables_same_answers(table: int, perm) -> None:
    """String or type tables out of order: lookups must still find what the dex
    reader's binary search finds (or misses)."""
    data = _permute_table(_CHAIN, table, perm)
    try:
        n = compare_indexes([("classes.dex", data)], _CHAIN_ENTRIES, _all_methods, (50, 2))
    except DexFormatError:
        pytest.skip("permuted dex unreadable")
    assert n > 0
    # the search's own string and type lookups agree with the reader's
    from scanner.callgraph.tables import DexTables

    ref = DexIndex.from_dex_files([("classes.dex", data)]).dexes[0]
    tables = DexTables(DexIndex.from_dex_files([("classes.dex", data)]).dexes[0], 0)
    values = [ref.string(i) for i in range(len(ref.string_offs))]
    values += [v + "x" for v in values] + ["", "A", "Lzzz;", "\uffff", "\U0001f600"]
    for v in values:
        assert tables.find_string(v) == ref.find_string(v), v
        assert tables.find_type(v) == ref.find_type(v), v


def _main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [APKS]
    apks = sorted(
        p for t in targets for p in ([t] if t.is_file() else t.rglob("*.apk"))
    )
    apis = _api_keys()
    total = failed = compared = 0
    for apk in apks:
        try:
            n = compare_apk(apk, apis)
        except AssertionError as e:
            failed += 1
            print(f"MISMATCH {apk}: {e}", flush=True)
            continue
        except Exception as e:  # no manifest: every 20th class as an entry point
            try:
                n = compare_dex_only(apk, apis)
            except AssertionError as e2:
                failed += 1
                print(f"MISMATCH {apk}: {e2}", flush=True)
                continue
            except Exception:
                print(f"skip {apk}: {type(e).__name__}: {e}", flush=True)
                continue
            if n:
                print(f"no manifest in {apk.name}: every 20th class as entry", flush=True)
        total += n
        compared += n > 0
    print(f"{len(apks)} APKs ({compared} with dex code compared), {total} answers compared, "
          f"{failed} APKs with a mismatch")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
