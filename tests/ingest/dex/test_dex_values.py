"""Argument values at call sites (scanner.ingest.dex.values) on dex files built here.

Each expected value follows from the bytecode the test writes (comments say how)."""

from __future__ import annotations

import numpy as np

from scanner.ingest.dex import DexIndex
from scanner.ingest.dex.values import ArgumentValues, param_registers
from tests.ingest.dex.dexbuild import ClassSpec, MethodSpec, build_dex, const_string, invoke

CLS = "Lcom/t/A;"
SINK = "Lcom/t/Sink;->use(Ljava/lang/String;)V"
INT_SINK = "Lcom/t/Sink;->num(I)V"
PARSE = "Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;"
URI_SINK = "Lcom/t/Sink;->uri(Landroid/net/Uri;)V"
FIELD = "Landroid/provider/CallLog$Calls;->CONTENT_URI:Landroid/net/Uri;"
MODELS = {"fields": {FIELD: ("s", "content://call_log/calls")},
          "calls": {PARSE: {"returns": "param", "param": 0}}}


def _values(code, strings=("a", "b"), models=MODELS):
    spec = ClassSpec(CLS, methods=[MethodSpec("m", "(Z)V", 0x9, code, registers=4)],
                     refs_methods=(SINK, INT_SINK, PARSE, URI_SINK), refs_fields=(FIELD,),
                     refs_strings=tuple(strings))
    index = DexIndex.from_dex_files([("classes.dex", build_dex([spec]))])
    calls = sorted(index.find_calls({SINK, INT_SINK, URI_SINK}), key=lambda s: s.offset)
    d = index.dexes[0]
    av = ArgumentValues(index.dexes, models)
    out = []
    for s in calls:
        owner = int(d.owner_of(np.array([s.offset // 2]))[0])
        out.append(av.arguments(0, owner, s.offset // 2))
    return out


def test_const_string_reaches_the_call():
    # const-string v0 "a"; invoke-static {v0} use
    vals = _values(lambda r: const_string(0, r.s("a")) + invoke(0x71, r.m(SINK), 0) + [0x0E])
    assert vals == [[("s", "a")]]


def test_branches_that_disagree_give_one_of_both_and_agree_keep():
    # units: 0 const v1 "a"; 2 if-eqz v3 -> 8; 4 const v0 "a"; 6 goto -> 10; 7 nop;
    # 8 const v0 "b"; 10 use(v0); 13 use(v1). v1 = "a" on both paths (set before the branch)
    def code(r):
        return (const_string(1, r.s("a"))
                + [(3 << 8) | 0x38, 6]               # if-eqz v3, +6 -> const "b"
                + const_string(0, r.s("a"))
                + [(4 << 8) | 0x28]                  # goto +4 -> the first call
                + [0x0000]                           # nop (never reached)
                + const_string(0, r.s("b"))
                + invoke(0x71, r.m(SINK), 0) + invoke(0x71, r.m(SINK), 1) + [0x0E])
    vals = _values(code)
    assert vals == [[("any", (("s", "a"), ("s", "b")))], [("s", "a")]]


def test_loop_that_changes_a_register_gives_one_of_its_values():
    # v0 = "a"; loop: use(v0); v0 = "b"; goto loop  -> v0 is "a" or "b" at the call
    def code(r):
        return (const_string(0, r.s("a"))
                + invoke(0x71, r.m(SINK), 0)          # 3 units, at 2
                + const_string(0, r.s("b"))           # at 5
                + [((-5 & 0xFF) << 8) | 0x28])        # goto -5 -> the call
    assert _values(code) == [[("any", (("s", "a"), ("s", "b")))]]


def test_more_values_than_kept_is_unknown():
    # MAX_ALTS (4) alternatives at most: five strings on five branches merge to unknown,
    # two of them to "one of" both
    from scanner.ingest.dex.values import MAX_ALTS, one_of
    assert MAX_ALTS == 4
    five = [("s", c) for c in "abcde"]
    assert one_of(five) is None
    assert one_of(five[:2]) == ("any", (("s", "a"), ("s", "b")))
    assert one_of([("s", "a"), None]) is None            # one path unknown: unknown
    assert one_of([("any", (("s", "a"), ("s", "b"))), ("s", "a")]) == \
        ("any", (("s", "a"), ("s", "b")))               # flattened, no repeats


def test_framework_constant_and_uri_parse():
    # sget-object v0 CONTENT_URI; uri(v0); const-string v1 "content://sms"; parse; uri(result)
    def code(r):
        return ([(0 << 8) | 0x62, r.f(FIELD)] + invoke(0x71, r.m(URI_SINK), 0)
                + const_string(1, r.s("content://sms")) + invoke(0x71, r.m(PARSE), 1)
                + [(2 << 8) | 0x0C] + invoke(0x71, r.m(URI_SINK), 2) + [0x0E])
    vals = _values(code, strings=("content://sms",))
    assert vals == [[("s", "content://call_log/calls")], [("s", "content://sms")]]


def test_ints_and_unmodelled_results():
    # const/16 v0 21; num(v0); invoke use(v1) with v1 from an unmodelled call's result
    def code(r):
        return ([(0 << 8) | 0x13, 21] + invoke(0x71, r.m(INT_SINK), 0)
                + invoke(0x71, r.m(SINK), 0) + [(1 << 8) | 0x0C]
                + invoke(0x71, r.m(SINK), 1) + [0x0E])
    vals = _values(code)
    assert vals[0] == [("i", 21)]
    assert vals[2] == [None]


def test_branch_out_of_the_method_gives_unknown_not_an_error():
    # goto/16 +0x7000: far outside the code item; the method is not trusted
    def code(r):
        return const_string(0, r.s("a")) + [0x0029, 0x7000] + invoke(0x71, r.m(SINK), 0) + [0x0E]
    assert _values(code) == [[]]


def test_truncated_switch_payload_gives_unknown():
    # packed-switch v0, +0x4000 (payload outside the method)
    def code(r):
        return (const_string(0, r.s("a")) + [0x002B, 0x4000, 0x0000]
                + invoke(0x71, r.m(SINK), 0) + [0x0E])
    assert _values(code) == [[]]


def test_param_registers_count_wide_types_twice():
    assert param_registers("(JLjava/lang/String;I)V", is_static=False) == [1, 3, 4]
    assert param_registers("(Landroid/net/Uri;[Ljava/lang/String;)V", is_static=True) == [0, 1]


# ---------------------------------------------------------------- across methods
HELPER = "Lcom/t/A;->helper(Ljava/lang/String;)V"
OHELPER = "Lcom/t/A;->ohelper(Landroid/content/Intent;)V"
OSINK = "Lcom/t/Sink;->obj(Landroid/content/Intent;)V"
TOUCH = "Lcom/t/Other;->touch(Landroid/content/Intent;)V"
KEEP = "Landroid/content/pm/PackageManager;->resolveActivity(Landroid/content/Intent;I)V"
MAKE = "Lcom/t/A;->make()Ljava/lang/String;"


def _index(classes):
    index = DexIndex.from_dex_files([("classes.dex", build_dex(classes))])
    return index, index.dexes[0]


def _alternatives(index, sink, models=MODELS):
    """alternatives() at every call of ``sink`` (wanted: its first argument)."""
    d = index.dexes[0]
    av = ArgumentValues(index.dexes, models)
    out = []
    for s in sorted(index.find_calls({sink}), key=lambda s: s.offset):
        owner = int(d.owner_of(np.array([s.offset // 2]))[0])
        out.append(av.alternatives(0, owner, s.offset // 2, [0]))
    return out


REFS = (SINK, HELPER, OHELPER, OSINK, TOUCH, KEEP, MAKE)


def _caller(name, value):
    # const-string v0 value; invoke-static {v0} helper
    return MethodSpec(name, "()V", 0x9, lambda r: const_string(0, r.s(value))
                      + invoke(0x71, r.m(HELPER), 0) + [0x0E], registers=1)


def test_a_parameter_takes_each_value_its_callers_pass():
    # helper(String p): use(p), p in v1 (2 registers, 1 in); m1 passes "a", m2 "b"
    helper = MethodSpec("helper", "(Ljava/lang/String;)V", 0x9,
                        lambda r: invoke(0x71, r.m(SINK), 1) + [0x0E], registers=2)
    index, _d = _index([ClassSpec(CLS, methods=[helper, _caller("m1", "a"), _caller("m2", "b")],
                                  refs_methods=REFS, refs_strings=("a", "b"))])
    (alts,) = _alternatives(index, SINK)
    assert sorted(alts) == [[("s", "a")], [("s", "b")]]
    # arguments() alone (one method) says only "the caller's parameter 0"
    d = index.dexes[0]
    s = next(iter(index.find_calls({SINK})))
    owner = int(d.owner_of(np.array([s.offset // 2]))[0])
    assert ArgumentValues(index.dexes, MODELS).arguments(0, owner, s.offset // 2) == [
        ("p", 0, False)]


def test_a_parameter_without_callers_stays_unknown():
    helper = MethodSpec("helper", "(Ljava/lang/String;)V", 0x9,
                        lambda r: invoke(0x71, r.m(SINK), 1) + [0x0E], registers=2)
    index, _d = _index([ClassSpec(CLS, methods=[helper], refs_methods=REFS)])
    assert _alternatives(index, SINK) == [[[None]]]


def _object_helper(between):
    # ohelper(Intent p): <between(p)>; obj(p); p in v1; caller passes const-string "x"
    helper = MethodSpec("ohelper", "(Landroid/content/Intent;)V", 0x9,
                        lambda r: between(r) + invoke(0x71, r.m(OSINK), 1) + [0x0E], registers=2)
    caller = MethodSpec("m", "()V", 0x9, lambda r: const_string(0, r.s("x"))
                        + invoke(0x71, r.m(OHELPER), 0) + [0x0E], registers=1)
    index, _d = _index([ClassSpec(CLS, methods=[helper, caller], refs_methods=REFS,
                                  refs_strings=("x",))])
    return index


def test_an_object_parameter_handed_to_unknown_code_becomes_unknown():
    index = _object_helper(lambda r: invoke(0x71, r.m(TOUCH), 1))
    assert _alternatives(index, OSINK) == [[[None]]]


def test_calls_that_keep_their_objects_leave_the_parameter_known():
    # resolveActivity(p, 0) is in `keeps`: p keeps the caller's value
    index = _object_helper(lambda r: [0x0012] + invoke(0x71, r.m(KEEP), 1, 0))
    models = {**MODELS, "keeps": ("Landroid/content/pm/PackageManager;->resolve*",)}
    assert _alternatives(index, OSINK, models) == [[[("s", "x")]]]
    # without the keeps entry the same call makes it unknown
    assert _alternatives(index, OSINK) == [[[None]]]


def test_virtual_method_of_a_framework_subclass_is_not_followed():
    # B extends android.app.Activity: framework code may call B.v(String) with anything
    for sup, expect in (("Landroid/app/Activity;", [[None]]), ("Ljava/lang/Object;",
                                                                [[("s", "a")]])):
        b = "Lcom/t/B;"
        v = f"{b}->v(Ljava/lang/String;)V"
        meth = MethodSpec("v", "(Ljava/lang/String;)V", 0x1,
                          lambda r: invoke(0x71, r.m(SINK), 2) + [0x0E], registers=3)
        caller = MethodSpec("m", f"({b})V", 0x9, lambda r, v=v: const_string(0, r.s("a"))
                            + invoke(0x6E, r.m(v), 1, 0) + [0x0E], registers=2)
        index, _d = _index([ClassSpec(b, superclass=sup, methods=[meth, caller],
                                      refs_methods=(SINK, v), refs_strings=("a",))])
        assert _alternatives(index, SINK) == [expect], sup


def test_return_value_of_a_small_static_method():
    # make(): const-string v0 "r"; return-object v0.  m(): make(); move-result-object v0; use(v0)
    make = MethodSpec("make", "()Ljava/lang/String;", 0x9,
                      lambda r: const_string(0, r.s("r")) + [0x0011], registers=1)
    m = MethodSpec("m", "()V", 0x9, lambda r: invoke(0x71, r.m(MAKE))
                   + [0x000C] + invoke(0x71, r.m(SINK), 0) + [0x0E], registers=1)
    index, _d = _index([ClassSpec(CLS, methods=[make, m], refs_methods=REFS,
                                  refs_strings=("r",))])
    models = {**MODELS, "returns": ("Ljava/lang/String;",)}
    assert _alternatives(index, SINK, models) == [[[("s", "r")]]]
    # a result type not listed in `returns` is not summarised
    assert _alternatives(index, SINK) == [[[None]]]


INTENT_INIT = "Landroid/content/Intent;-><init>(Ljava/lang/String;)V"
SET_PACKAGE = "Landroid/content/Intent;->setPackage(Ljava/lang/String;)Landroid/content/Intent;"
MK = "Lcom/t/A;->mk()Landroid/content/Intent;"
INTENT_MODELS = {**MODELS, "returns": ("Landroid/content/Intent;",), "calls": {
    **MODELS["calls"], INTENT_INIT: {"init": "intent", "attrs": {"action": 0}},
    SET_PACKAGE: {"set": {"package": 0}}}}


def _intent(code_m, extra=()):
    # mk(): new-instance v0 Intent; const-string v1 "x.A"; <init>(v0, v1); return-object v0
    mk = MethodSpec("mk", "()Landroid/content/Intent;", 0x9, lambda r: [
        (0 << 8) | 0x22, r.t("Landroid/content/Intent;")] + const_string(1, r.s("x.A"))
        + invoke(0x70, r.m(INTENT_INIT), 0, 1) + [0x0011], registers=2)
    m = MethodSpec("m", "()V", 0x9, code_m, registers=2)
    index, _d = _index([ClassSpec(CLS, methods=[mk, m, *extra],
                                  refs_methods=(OSINK, INTENT_INIT, SET_PACKAGE, MK),
                                  refs_strings=("x.A", "p"),
                                  refs_types=("Landroid/content/Intent;",))])
    (alts,) = _alternatives(index, OSINK, INTENT_MODELS)
    return [[(v[0], v[1], v[3]) if v else v for v in a] for a in alts]


def test_an_intent_built_in_the_method_and_one_returned_by_a_helper_then_changed():
    # m(): v0 = mk(); setPackage(v0, "p"); obj(v0)
    got = _intent(lambda r: invoke(0x71, r.m(MK)) + [0x000C] + const_string(1, r.s("p"))
                  + invoke(0x6E, r.m(SET_PACKAGE), 0, 1) + invoke(0x71, r.m(OSINK), 0) + [0x0E])
    assert got == [[("o", "intent", (("action", ("s", "x.A")), ("package", ("s", "p"))))]]
    # m(): the same Intent built in place: new-instance; <init>(v0, "x.A"); obj(v0)
    got = _intent(lambda r: [(0 << 8) | 0x22, r.t("Landroid/content/Intent;")]
                  + const_string(1, r.s("x.A")) + invoke(0x70, r.m(INTENT_INIT), 0, 1)
                  + invoke(0x71, r.m(OSINK), 0) + [0x0E])
    assert got == [[("o", "intent", (("action", ("s", "x.A")),))]]


def test_an_app_method_that_only_tests_its_object_argument_leaves_it_known():
    # check(Intent p): if-eqz p, +2; return-void (a null check). bad(Intent p): touch(p)
    check_d = "Lcom/t/A;->check(Landroid/content/Intent;)V"
    bad_d = "Lcom/t/A;->bad(Landroid/content/Intent;)V"
    check = MethodSpec("check", "(Landroid/content/Intent;)V", 0x9,
                       lambda r: [(0 << 8) | 0x38, 2, 0x0E], registers=1)
    bad = MethodSpec("bad", "(Landroid/content/Intent;)V", 0x9,
                     lambda r: invoke(0x71, r.m(TOUCH), 0) + [0x0E], registers=1)
    for called, expect in ((check_d, [[("s", "x")]]), (bad_d, [[None]])):
        helper = MethodSpec("ohelper", "(Landroid/content/Intent;)V", 0x9,
                            lambda r, c=called: invoke(0x71, r.m(c), 1)
                            + invoke(0x71, r.m(OSINK), 1) + [0x0E], registers=2)
        caller = MethodSpec("m", "()V", 0x9, lambda r: const_string(0, r.s("x"))
                            + invoke(0x71, r.m(OHELPER), 0) + [0x0E], registers=1)
        index, _d = _index([ClassSpec(CLS, methods=[helper, caller, check, bad],
                                      refs_methods=(*REFS, check_d, bad_d),
                                      refs_strings=("x",))])
        models = {**MODELS, "returns": ("Landroid/content/Intent;",)}
        assert _alternatives(index, OSINK, models) == [expect], called
        # followed through a callee only when Intent is a tracked type (`returns`)
        assert _alternatives(index, OSINK) == [[[None]]], called
