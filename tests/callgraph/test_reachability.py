"""Backward reachability: hand-built apps (expected answers follow from how they were built),
the project's fixture APKs (hand-written ground truth) and DroidBench (its labels)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from scanner.callgraph import Reachability, is_callback_name  # noqa: E402
from scanner.ingest.dex import DexIndex  # noqa: E402
from tests.ingest.dex import oracle  # noqa: E402
from tests.ingest.dex.dexbuild import (  # noqa: E402
    RETURN_VOID,
    ClassSpec,
    MethodSpec,
    build_dex,
    invoke,
    new_instance,
    sget,
)

SHARED = REPO / ".." / "shared" / "corpus"
FIXTURES = REPO / "corpus"

DEVICE_ID = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
IMSI = "Landroid/telephony/TelephonyManager;->getSubscriberId()Ljava/lang/String;"
LINE1 = "Landroid/telephony/TelephonyManager;->getLine1Number()Ljava/lang/String;"
ICCID = "Landroid/telephony/TelephonyManager;->getSimSerialNumber()Ljava/lang/String;"
ACTIVITY = "Landroid/app/Activity;"
CLICK = "Landroid/view/View$OnClickListener;"
MAIN = "Lcom/t/Main;"
CHAIN = 40


def _calls(*descs: str):
    """invoke-virtual of each framework method, then return-void."""

    def code(r):
        out: list[int] = []
        for d in descs:
            out += invoke(0x6E, r.m(d), 0)
        return out + RETURN_VOID

    return code


def _static(*descs: str):
    """invoke-static of each method, then return-void."""

    def code(r):
        out: list[int] = []
        for d in descs:
            out += invoke(0x71, r.m(d), 0)
        return out + RETURN_VOID

    return code


def _new_and_init(cls: str):
    def code(r):
        return new_instance(0, r.t(cls)) + invoke(0x70, r.m(f"{cls}-><init>()V"), 0) + RETURN_VOID

    return code


def app(main_calls_chain: bool) -> list[ClassSpec]:
    """A small app; comments give the expected reachability of each method."""

    def main_on_create(r):
        code = new_instance(0, r.t("Lcom/t/Task;"))  # Runnable instantiated -> run() reachable
        code += invoke(0x70, r.m("Lcom/t/Task;-><init>()V"), 0)
        code += invoke(0x71, r.m("Lcom/t/Util;->a()V"))  # static call
        code += invoke(0x6E, r.m("Lcom/t/Base;->go()V"), 0)  # dispatch to Impl.go
        code += new_instance(1, r.t("Lcom/t/ClickLive;"))
        code += sget(0x62, 2, r.f("Lcom/t/Holder;->X:Ljava/lang/String;"))  # Holder.<clinit>
        if main_calls_chain:
            code += invoke(0x71, r.m("Lcom/t/Chain;->c0()V"))
        return code + RETURN_VOID

    chain = [
        MethodSpec(
            f"c{i}",
            "()V",
            0x9,
            _static(f"Lcom/t/Chain;->c{i + 1}()V") if i < CHAIN - 1 else _calls(DEVICE_ID),
        )
        for i in range(CHAIN)
    ]
    ctor = MethodSpec("<init>", "()V", 0x10001, lambda r: RETURN_VOID)
    return [
        ClassSpec(
            MAIN,
            ACTIVITY,
            methods=[ctor, MethodSpec("onCreate", "(Landroid/os/Bundle;)V", 0x4, main_on_create)],
            refs_methods=(
                "Lcom/t/Task;-><init>()V",
                "Lcom/t/Util;->a()V",
                "Lcom/t/Base;->go()V",
                "Lcom/t/Chain;->c0()V",
            ),
            refs_types=("Lcom/t/Task;", "Lcom/t/ClickLive;"),
            refs_fields=("Lcom/t/Holder;->X:Ljava/lang/String;",),
        ),
        ClassSpec(
            "Lcom/t/Task;",
            "Ljava/lang/Object;",
            ("Ljava/lang/Runnable;",),
            methods=[ctor, MethodSpec("run", "()V", 0x1, _calls(IMSI))],
            refs_methods=(IMSI,),
        ),
        ClassSpec(
            "Lcom/t/Util;",
            methods=[MethodSpec("a", "()V", 0x9, _calls(DEVICE_ID))],
            refs_methods=(DEVICE_ID,),
        ),
        ClassSpec("Lcom/t/Base;", methods=[MethodSpec("go", "()V", 0x401, None)]),
        ClassSpec(
            "Lcom/t/Impl;",
            "Lcom/t/Base;",
            methods=[MethodSpec("go", "()V", 0x1, _calls(LINE1))],
            refs_methods=(LINE1,),
        ),
        ClassSpec(
            "Lcom/t/ClickLive;",
            "Ljava/lang/Object;",
            (CLICK,),
            methods=[MethodSpec("onClick", "(Landroid/view/View;)V", 0x1, _calls(ICCID))],
            refs_methods=(ICCID,),
        ),
        ClassSpec(
            "Lcom/t/ClickDead;",
            "Ljava/lang/Object;",
            (CLICK,),
            methods=[MethodSpec("onClick", "(Landroid/view/View;)V", 0x1, _calls(ICCID))],
            refs_methods=(ICCID,),
        ),
        ClassSpec(
            "Lcom/t/Dead;",
            methods=[
                # instantiates ClickDead, but nothing calls Dead.b
                MethodSpec("b", "()V", 0x9, _new_and_init("Lcom/t/ClickDead;")),
                # x <-> y cycle, no entry
                MethodSpec("x", "()V", 0x9, _static("Lcom/t/Dead;->y()V")),
                MethodSpec("y", "()V", 0x9, _static("Lcom/t/Dead;->x()V", DEVICE_ID)),
            ],
            refs_methods=("Lcom/t/ClickDead;-><init>()V", DEVICE_ID),
        ),
        ClassSpec(
            "Lcom/t/Holder;",
            methods=[MethodSpec("<clinit>", "()V", 0x10008, _calls(DEVICE_ID))],
            static_fields=[("X", "Ljava/lang/String;", "x")],
            refs_methods=(DEVICE_ID,),
        ),
        ClassSpec(
            "Lcom/t/Holder2;",
            methods=[MethodSpec("<clinit>", "()V", 0x10008, _calls(DEVICE_ID))],
            refs_methods=(DEVICE_ID,),
        ),
        ClassSpec("Lcom/t/Chain;", methods=chain, refs_methods=(DEVICE_ID,)),
    ]


@pytest.fixture(scope="module")
def idx() -> DexIndex:
    i = DexIndex.from_dex_files([("classes.dex", build_dex(app(main_calls_chain=False)))])
    assert not i.partial, i.damage
    return i


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (f"{MAIN}->onCreate(Landroid/os/Bundle;)V", True),  # lifecycle of a component
        (f"{MAIN}-><init>()V", True),
        ("Lcom/t/Util;->a()V", True),  # direct static call
        ("Lcom/t/Task;->run()V", True),  # Runnable created in onCreate
        ("Lcom/t/Impl;->go()V", True),  # virtual dispatch through Base.go
        ("Lcom/t/ClickLive;->onClick(Landroid/view/View;)V", True),  # listener instantiated
        ("Lcom/t/Holder;-><clinit>()V", True),  # static field read in onCreate
        ("Lcom/t/ClickDead;->onClick(Landroid/view/View;)V", False),  # only made in dead code
        ("Lcom/t/Dead;->b()V", False),
        ("Lcom/t/Dead;->y()V", False),  # cycle without entry
        ("Lcom/t/Holder2;-><clinit>()V", False),
        ("Lcom/t/Chain;->c39()V", False),
    ],
)
def test_synthetic_reachability(idx, method: str, expected: bool) -> None:
    r = Reachability(idx, [MAIN])
    res = r.check(method)
    assert res.reachable is expected, res
    if expected:
        assert res.path[0].via == "entry"
        assert res.path[0].method.startswith(MAIN)
        assert res.path[-1].method == method


def test_path_evidence_for_thread(idx) -> None:
    r = Reachability(idx, [MAIN])
    steps = [(s.method, s.via) for s in r.path("Lcom/t/Task;->run()V")]
    assert steps == [
        (f"{MAIN}->onCreate(Landroid/os/Bundle;)V", "entry"),
        ("Lcom/t/Task;->run()V", "new-instance"),
    ]


def test_no_entry_classes_means_nothing_reachable(idx) -> None:
    r = Reachability(idx, [])
    assert r.is_reachable("Lcom/t/Util;->a()V") is False
    assert r.is_reachable("Lcom/t/Nope;->a()V") is None


def test_work_bound_gives_unknown() -> None:
    i = DexIndex.from_dex_files([("classes.dex", build_dex(app(main_calls_chain=True)))])
    target = f"Lcom/t/Chain;->c{CHAIN - 1}()V"
    assert Reachability(i, [MAIN], max_nodes=10).is_reachable(target) is None
    assert Reachability(i, [MAIN], max_nodes=10).is_reachable("Lcom/t/Dead;->y()V") is False
    r = Reachability(i, [MAIN])
    res = r.check(target)
    assert res.reachable is True
    assert len(res.path) == CHAIN + 1  # onCreate, c0 .. c39
    # memoised: every method on the path is now known reachable with its own prefix
    assert r.path("Lcom/t/Chain;->c5()V") == res.path[:7]


def test_check_site(idx) -> None:
    r = Reachability(idx, [MAIN])
    got = {(s.caller_class, r.check_site(s).reachable) for s in idx.find_calls({DEVICE_ID})}
    assert got == {
        ("Lcom/t/Util;", True),
        ("Lcom/t/Holder;", True),
        ("Lcom/t/Dead;", False),
        ("Lcom/t/Holder2;", False),
        ("Lcom/t/Chain;", False),
    }


def test_callback_names() -> None:
    assert is_callback_name("onCreate") and is_callback_name("run")
    assert is_callback_name("doInBackground") and is_callback_name("handleMessage")
    assert not is_callback_name("one") and not is_callback_name("helper")


# ------------------------------------------------------------------ fixture APKs
def _fixture_entries(gt: dict) -> list[str]:
    names = [c["name"] for c in gt.get("components", [])]
    app_cls = gt.get("planted", {}).get("application_class")
    if app_cls:
        names.append(app_cls.split()[0])
    return ["L" + n.replace(".", "/") + ";" for n in names]


@pytest.mark.parametrize("name", ["privacy_heavy", "multidex_sdk"])
def test_fixture_reachable_flags(name: str) -> None:
    apk = FIXTURES / "apk" / f"{name}.apk"
    gt_path = FIXTURES / "apps" / name / "groundtruth.json"
    if not apk.is_file() or not gt_path.is_file():
        pytest.skip("fixture not built")
    gt = json.loads(gt_path.read_text("utf-8"))
    idx = DexIndex.from_dex_files(oracle.dex_files(apk))
    r = Reachability(idx, _fixture_entries(gt))
    for use in gt["api_uses"]:
        res = r.check(use["caller"])
        assert res.reachable is use["reachable"], (use["caller"], res)


# ------------------------------------------------------------------ DroidBench
def _droidbench_rows() -> list[dict]:
    path = SHARED / "groundtruth" / "droidbench" / "droidbench3_groundtruth.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _components(apk: Path) -> list[str]:
    from loguru import logger

    logger.remove()
    from androguard.core.apk import APK

    a = APK(str(apk))
    names = set(a.get_activities()) | set(a.get_services())
    names |= set(a.get_receivers()) | set(a.get_providers())
    app_name = a.get_attribute_value("application", "name")
    if app_name:
        names.add(app_name)
    pkg = a.get_package()
    out = []
    for n in names:
        if n.startswith("."):
            n = pkg + n
        elif "." not in n:
            n = f"{pkg}.{n}"
        out.append("L" + n.replace(".", "/") + ";")
    return out


SOURCES = {
    "getDeviceId": DEVICE_ID,
    "getSimSerialNumber": ICCID,
    "getSubscriberId": IMSI,
}

_leak_rows = [
    r
    for r in _droidbench_rows()
    if r["leak_label"] == "leak"
    and any(s in SOURCES for s in r["annotated_source_calls"].split(";"))
]


@pytest.mark.corpus
@pytest.mark.parametrize("row", _leak_rows, ids=lambda r: r["apk"].split("droidbench/")[-1])
def test_droidbench_leaking_sources_are_reachable(row: dict) -> None:
    pytest.importorskip("androguard")
    apk = SHARED / row["apk"]
    idx = DexIndex.from_dex_files(oracle.dex_files(apk))
    r = Reachability(idx, _components(apk))
    wanted = {SOURCES[s] for s in row["annotated_source_calls"].split(";") if s in SOURCES}
    sites = [s for s in idx.find_calls(wanted) if not s.caller_class.startswith("Landroid/")]
    assert sites
    # a leak needs its source to run: at least one source call site is reachable
    assert any(r.check_site(s).reachable is True for s in sites)


@pytest.mark.corpus
def test_droidbench_unreachable_method() -> None:
    pytest.importorskip("androguard")
    apk = SHARED / "apks" / "droidbench" / "GeneralJava" / "UnreachableCode.apk"
    if not apk.is_file():
        pytest.skip("shared corpus absent")
    idx = DexIndex.from_dex_files(oracle.dex_files(apk))
    r = Reachability(idx, _components(apk))
    sites = idx.find_calls({DEVICE_ID})
    assert sites
    assert [r.check_site(s).reachable for s in sites] == [False] * len(sites)


@pytest.mark.corpus
def test_droidbench_location_callbacks_reachable() -> None:
    pytest.importorskip("androguard")
    rows = [r for r in _droidbench_rows() if "onLocationChanged" in r["annotated_source_calls"]]
    if not rows:
        pytest.skip("shared corpus absent")
    for row in rows:
        apk = SHARED / row["apk"]
        idx = DexIndex.from_dex_files(oracle.dex_files(apk))
        r = Reachability(idx, _components(apk))
        methods = [
            f"{c}->{m.signature}"
            for c in idx.class_names()
            if not c.startswith("Landroid/")
            for m in idx.class_info(c).methods
            if m.name == "onLocationChanged"
        ]
        assert methods and all(r.is_reachable(m) is True for m in methods), row["apk"]


FOR_NAME = "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;"
GET_METHOD = (
    "Ljava/lang/Class;->getMethod(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;"
)


def test_reflection_edges() -> None:
    from tests.ingest.dex.dexbuild import const_string

    def on_create(r):
        code = const_string(0, r.s("secret")) + invoke(0x6E, r.m(GET_METHOD), 1, 0, 2)
        code += const_string(0, r.s("com.t.Plug")) + invoke(0x71, r.m(FOR_NAME), 0)
        return code + RETURN_VOID

    def names_only(r):  # loads the names but makes no reflective call
        return const_string(0, r.s("hidden")) + const_string(1, r.s("com.t.Plug2")) + RETURN_VOID

    ctor = MethodSpec("<init>", "()V", 0x10001, lambda r: RETURN_VOID)
    classes = [
        ClassSpec(
            MAIN,
            ACTIVITY,
            methods=[
                ctor,
                MethodSpec("onCreate", "(Landroid/os/Bundle;)V", 0x4, on_create),
                MethodSpec("secret", "()V", 0x2, _calls(DEVICE_ID)),
                MethodSpec("hidden", "()V", 0x2, _calls(DEVICE_ID)),
                MethodSpec("names", "()V", 0x1, names_only),
            ],
            refs_methods=(GET_METHOD, FOR_NAME, DEVICE_ID),
            refs_strings=("secret", "com.t.Plug", "hidden", "com.t.Plug2"),
        ),
        ClassSpec(
            "Lcom/t/Plug;",
            "Ljava/lang/Object;",
            ("Ljava/lang/Runnable;",),
            methods=[ctor, MethodSpec("run", "()V", 0x1, _calls(IMSI))],
            refs_methods=(IMSI,),
        ),
        ClassSpec(
            "Lcom/t/Plug2;",
            "Ljava/lang/Object;",
            ("Ljava/lang/Runnable;",),
            methods=[ctor, MethodSpec("run", "()V", 0x1, _calls(IMSI))],
            refs_methods=(IMSI,),
        ),
    ]
    i = DexIndex.from_dex_files([("classes.dex", build_dex(classes))])
    r = Reachability(i, [MAIN])
    res = r.check(f"{MAIN}->secret()V")
    assert res.reachable is True
    assert [s.via for s in res.path] == ["entry", "reflection"]
    assert r.is_reachable("Lcom/t/Plug;->run()V") is True
    assert r.is_reachable("Lcom/t/Plug;-><init>()V") is True
    # names loaded without a reflective call do not count (names() itself is not
    # reachable either, so this isolates the rule from the entry point)
    assert r.is_reachable(f"{MAIN}->hidden()V") is False
    assert r.is_reachable("Lcom/t/Plug2;->run()V") is False
