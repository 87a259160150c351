"""Calls across dex files: a call in one dex reaches a method defined in another through
that dex's own method_id of the same name and proto, which the search looks up by string
(name, shorty, return and parameter types). The app below is built so that each lookup
has near misses: protos with the same return type, shorty, size and first parameter type
but another second one, names of 128 characters and more (a two-byte length) and names
outside ASCII (the reader's decoding instead of the raw bytes). The expected answers
follow from how the app is built (comments); the frozen reference implementation must
give the same answers, paths and reasons.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scanner.callgraph import Reachability  # noqa: E402
from scanner.callgraph.tables import DexTables  # noqa: E402
from scanner.ingest.dex import DexIndex  # noqa: E402
from tests.callgraph.test_reachability_equivalence import compare_indexes  # noqa: E402
from tests.ingest.dex.dexbuild import (  # noqa: E402
    RETURN_VOID,
    ClassSpec,
    MethodSpec,
    build_dex,
    invoke,
)

MAIN = "Lcom/t/Main;"
LIB = "Lcom/t/Lib;"
B, C = "Lcom/t/B;", "Lcom/t/C;"
LONG = "x" * 130  # 130 UTF-16 units: a two-byte uleb128 length before the string
CJK = "名字"  # three UTF-8 bytes per character
ACCENT = "é"

#: Lib's methods (defined in classes2.dex), each with whether Main calls it (from
#: classes.dex, through classes.dex's own method_id of the same name and proto).
LIB_METHODS = {
    f"f({B}{B})V": False,  # same return, shorty, size and first parameter as f(B, C)
    f"f({B}{C})V": True,
    f"f({C}{C})V": False,  # same return, shorty and size; another first parameter
    f"f({B})V": False,  # same name, another shorty
    "g()V": True,  # no parameters: its proto has no type list
    "g(I)V": False,
    f"k({B}{C})V": False,  # f(B, C)'s proto under a name Main never calls
    f"{LONG}()V": True,
    f"{LONG}x()V": False,
    f"{CJK}()V": True,
    f"{CJK}(I)V": False,
    f"{ACCENT}({B})V": True,
    f"{ACCENT}({C})V": False,
}
CALLED = [f"{LIB}->{sig}" for sig, called in LIB_METHODS.items() if called]


def _invoke_static(desc: str):
    def code(r):
        params = desc[desc.index("(") + 1 : desc.index(")")]
        n = params.count(";") + params.count("I")
        return invoke(0x71, r.m(desc), *range(n))

    return code


def _dexes() -> list[tuple[str, bytes]]:
    def on_create(r):
        out: list[int] = []
        for desc in CALLED:
            out += _invoke_static(desc)(r)
        return out + RETURN_VOID

    main = ClassSpec(
        MAIN,
        "Landroid/app/Activity;",
        methods=[
            MethodSpec("<init>", "()V", 0x10001, lambda r: RETURN_VOID),
            MethodSpec("onCreate", "(Landroid/os/Bundle;)V", 0x4, on_create),
        ],
        refs_methods=tuple(CALLED),
    )
    lib = ClassSpec(
        LIB,
        methods=[
            MethodSpec(sig[: sig.index("(")], sig[sig.index("(") :], 0x9, lambda r: RETURN_VOID)
            for sig in LIB_METHODS
        ],
    )
    return [("classes.dex", build_dex([main])), ("classes2.dex", build_dex([lib]))]


@pytest.fixture(scope="module")
def dexes() -> list[tuple[str, bytes]]:
    return _dexes()


@pytest.mark.parametrize("sig", list(LIB_METHODS))
def test_cross_dex_calls(dexes, sig: str) -> None:
    idx = DexIndex.from_dex_files(dexes)
    res = Reachability(idx, [MAIN]).check(f"{LIB}->{sig}")
    assert res.reachable is LIB_METHODS[sig], res
    if res.reachable:
        assert [(s.method, s.via) for s in res.path] == [
            (f"{MAIN}->onCreate(Landroid/os/Bundle;)V", "entry"),
            (f"{LIB}->{sig}", "call"),
        ]
    else:
        assert res.reason.startswith("backward closure of "), res


def test_cross_dex_calls_all_in_one_search(dexes) -> None:
    """The same answers from one Reachability asked everything (shared lookups)."""
    r = Reachability(DexIndex.from_dex_files(dexes), [MAIN])
    assert {sig: r.is_reachable(f"{LIB}->{sig}") for sig in LIB_METHODS} == LIB_METHODS


def test_same_answers_as_reference(dexes) -> None:
    def queries(idx: DexIndex) -> list[str]:
        return [f"{LIB}->{sig}" for sig in LIB_METHODS] + [f"{MAIN}-><init>()V"]

    assert compare_indexes(dexes, [MAIN], queries, (20_000, 1)) > 0


def test_string_lookups_match_the_reader(dexes) -> None:
    """The search's own string and type lookups give the reader's answers, for strings
    read from their bytes (short ASCII) and through the reader (long, non-ASCII)."""
    for pos, (_name, data) in enumerate(dexes):
        ref = DexIndex.from_dex_files([(_name, data)]).dexes[0]
        tables = DexTables(DexIndex.from_dex_files([(_name, data)]).dexes[0], pos)
        values = [ref.string(i) for i in range(len(ref.string_offs))]
        assert LONG in values or pos == 0
        values += [v + "x" for v in values] + [v[:-1] for v in values if v]
        values += ["", "\uffff", CJK + "x", "x" * 129, "x" * 200]
        for v in values:
            assert tables.find_string(v) == ref.find_string(v), v
            assert tables.find_type(v) == ref.find_type(v), v
