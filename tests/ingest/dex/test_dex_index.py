"""DexIndex on hand-built dex files: every expected value follows from how the file was built."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from scanner.ingest.dex import DexFormatError, DexIndex  # noqa: E402
from scanner.ingest.dex.reader import decode_mutf8  # noqa: E402
from tests.ingest.dex.dexbuild import (  # noqa: E402
    RETURN_VOID,
    ClassSpec,
    MethodSpec,
    build_dex,
    const_string,
    const_string_jumbo,
    invoke,
    invoke_range,
    new_instance,
    sget,
)

GET_DEVICE_ID = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
GET_SUBSCRIBER = "Landroid/telephony/TelephonyManager;->getSubscriberId()Ljava/lang/String;"
SERIAL = "Landroid/os/Build;->SERIAL:Ljava/lang/String;"
FOR_NAME = "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;"
GET_METHOD = (
    "Ljava/lang/Class;->getMethod(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;"
)
MAIN = "Lcom/example/Main;"
ACTIVITY = "Landroid/app/Activity;"


def _on_create(r):
    return (
        const_string(0, r.s("android_id"))
        + invoke(0x6E, r.m(GET_DEVICE_ID), 1)  # invoke-virtual {v1}
        + sget(0x62, 2, r.f(SERIAL))  # sget-object
        + invoke_range(0x74, r.m(GET_SUBSCRIBER), 1, 1)  # invoke-virtual/range
        + RETURN_VOID
    )


def _decoys(r):
    """Operands and payload data that contain invoke/sget/const-string bit patterns."""
    m = r.m(GET_DEVICE_ID)
    code = [0x0018, 0x006E, m, 0x0062, r.f(SERIAL)]  # const-wide v0, literal with lookalikes
    code += [0x0013, 0x006E]  # const/16 v0, #0x6e
    code += [0x0026, 0x0004, 0x0000]  # fill-array-data v0, +4 (payload right after return)
    code += RETURN_VOID
    # fill-array-data payload, width 2, 6 elements: three fake instructions as data
    data = [0x006E, m, 0x0001, 0x001A, r.s("android_id"), 0x000E]
    code += [0x0300, 2, len(data), 0] + data
    # packed-switch payload (unreferenced, walked over as a payload)
    code += [0x0100, 2, 0x006E, 0x0000, m, 0x0000, 0x006E, 0x0000]
    # sparse-switch payload
    code += [0x0200, 1, 0x001A, r.s("android_id"), m, 0x0000]
    return code


def _reflect(r):
    return (
        const_string(0, r.s("android.telephony.TelephonyManager"))
        + invoke(0x71, r.m(FOR_NAME), 0)
        + const_string(1, r.s("unused"))
        + const_string_jumbo(1, r.s("getImei"))
        + invoke(0x6E, r.m(GET_METHOD), 0, 1, 2)
        + RETURN_VOID
    )


def _helper(r):
    return new_instance(0, r.t(MAIN)) + RETURN_VOID


def main_class() -> ClassSpec:
    return ClassSpec(
        MAIN,
        ACTIVITY,
        ("Landroid/view/View$OnClickListener;",),
        methods=[
            MethodSpec("<init>", "()V", 0x10001, lambda r: RETURN_VOID),
            MethodSpec("onCreate", "(Landroid/os/Bundle;)V", 0x4, _on_create),
            MethodSpec("decoys", "()V", 0x2, _decoys),
            MethodSpec("reflect", "()V", 0x1, _reflect),
            MethodSpec("helper", "()V", 0x9, _helper),
            MethodSpec("nativeThing", "()I", 0x101, None),
        ],
        static_fields=[
            ("SDK_VERSION", "Ljava/lang/String;", "6.2.0"),
            ("COUNT", "I", 7),
            ("NAME", "Ljava/lang/String;", "main"),
        ],
        refs_methods=(GET_DEVICE_ID, GET_SUBSCRIBER, FOR_NAME, GET_METHOD),
        refs_fields=(SERIAL,),
        refs_strings=(
            "android_id",
            "android.telephony.TelephonyManager",
            "unused",
            "getImei",
            "content://sms/inbox",
        ),
    )


@pytest.fixture(scope="module")
def dex_bytes() -> bytes:
    return build_dex([main_class()])


@pytest.fixture(scope="module")
def idx(dex_bytes) -> DexIndex:
    return DexIndex.from_dex_files([("classes.dex", dex_bytes)])


def test_clean_build_is_not_partial(idx):
    assert idx.partial is False, idx.damage
    assert idx.class_names() == [MAIN]


def test_class_info(idx):
    info = idx.class_info(MAIN)
    assert info.superclass == ACTIVITY
    assert info.interfaces == ("Landroid/view/View$OnClickListener;",)
    sigs = {m.signature: m for m in info.methods}
    assert set(sigs) == {
        "<init>()V",
        "onCreate(Landroid/os/Bundle;)V",
        "decoys()V",
        "reflect()V",
        "helper()V",
        "nativeThing()I",
    }
    assert sigs["nativeThing()I"].has_code is False
    assert sigs["helper()V"].access_flags == 0x9
    assert idx.class_info("Lcom/example/Missing;") is None


def test_find_calls_only_real_instructions(idx, dex_bytes):
    sites = idx.find_calls({GET_DEVICE_ID, GET_SUBSCRIBER})
    # Exactly one getDeviceId (the decoys hold its pattern only as operands/payload data)
    # and one getSubscriberId via invoke-virtual/range, both in onCreate.
    assert sorted((s.callee, s.caller_method, s.kind) for s in sites) == [
        (GET_DEVICE_ID, "onCreate(Landroid/os/Bundle;)V", "virtual"),
        (GET_SUBSCRIBER, "onCreate(Landroid/os/Bundle;)V", "virtual"),
    ]
    for s in sites:
        assert s.caller_class == MAIN and s.dex == "classes.dex"
        op, midx = struct.unpack_from("<BxH", dex_bytes, s.offset)
        assert op in (0x6E, 0x74)
    by = {s.callee: s.offset for s in sites}
    # onCreate: const-string (2 units) then the invoke; the range invoke follows the sget.
    assert by[GET_SUBSCRIBER] - by[GET_DEVICE_ID] == 2 * (3 + 2)


def test_decoy_patterns_are_present_in_the_bytes(dex_bytes):
    # Guard for the test above: a naive byte search would find more getDeviceId calls.
    idx = DexIndex.from_dex_files([("classes.dex", dex_bytes)])
    d = idx.dexes[0]
    midx = d.find_methods(GET_DEVICE_ID)[0]
    naive = dex_bytes.count(struct.pack("<HH", 0x006E, midx))
    assert naive >= 3


def test_field_reads(idx, dex_bytes):
    sites = idx.find_field_reads({SERIAL})
    assert [(s.caller_method, s.kind) for s in sites] == [
        ("onCreate(Landroid/os/Bundle;)V", "sget")
    ]
    assert dex_bytes[sites[0].offset] == 0x62


def test_strings_exact_and_prefix(idx):
    sites = idx.find_strings(exact={"android_id"})
    assert [(s.caller_method, s.value) for s in sites] == [
        ("onCreate(Landroid/os/Bundle;)V", "android_id")
    ]
    sites = idx.find_strings(prefixes=("android.telephony.",))
    assert [s.value for s in sites] == ["android.telephony.TelephonyManager"]
    # a string present in the table but never loaded by code has no site
    assert idx.find_strings(exact={"content://sms/inbox"}) == []
    # jumbo form
    assert [s.value for s in idx.find_strings(exact={"getImei"})] == ["getImei"]


def test_reflective_calls(idx):
    sites = idx.find_reflective_calls()
    assert [(s.api, s.argument) for s in sites] == [
        (FOR_NAME, "android.telephony.TelephonyManager"),
        (GET_METHOD, "getImei"),
    ]
    assert all(s.caller_method == "reflect()V" for s in sites)


def test_static_string_value(idx):
    assert idx.static_string_value(f"{MAIN}->SDK_VERSION:Ljava/lang/String;") == "6.2.0"
    assert idx.static_string_value(f"{MAIN}->NAME:Ljava/lang/String;") == "main"
    assert idx.static_string_value(f"{MAIN}->COUNT:I") is None
    assert idx.static_string_value("Lcom/x/Nope;->V:Ljava/lang/String;") is None


def test_multidex_order_and_duplicates():
    other = ClassSpec(
        "Lcom/example/Other;",
        methods=[MethodSpec("go", "()V", 0x1, lambda r: invoke(0x6E, r.m(GET_DEVICE_ID), 0))],
        refs_methods=(GET_DEVICE_ID,),
    )
    dup = ClassSpec(MAIN, "Ljava/lang/Object;", methods=[MethodSpec("x", "()V", 0x1, None)])
    d1 = build_dex([main_class()])
    d2 = build_dex([other, dup])
    # given out of order: classes.dex must still be the primary (first definition wins)
    idx = DexIndex.from_dex_files([("classes2.dex", d2), ("classes.dex", d1)])
    assert [d.name for d in idx.dexes] == ["classes.dex", "classes2.dex"]
    assert idx.class_info(MAIN).superclass == ACTIVITY
    assert idx.class_names() == ["Lcom/example/Main;", "Lcom/example/Other;"]
    calls = idx.find_calls({GET_DEVICE_ID})
    assert sorted((c.dex, c.caller_class) for c in calls) == [
        ("classes.dex", MAIN),
        ("classes2.dex", "Lcom/example/Other;"),
    ]
    assert not idx.partial


def test_unknown_descriptors_give_nothing(idx):
    assert idx.find_calls({"Lx/Y;->z()V", "garbage", "La;->b"}) == []
    assert idx.find_field_reads({"garbage", "La;->b:I"}) == []


def test_one_bad_dex_among_good_ones_is_partial(dex_bytes):
    idx = DexIndex.from_dex_files([("classes.dex", dex_bytes), ("classes2.dex", b"junk")])
    assert idx.partial
    assert any("classes2.dex" in p for p in (x.detail for x in idx.damage))
    with pytest.raises(DexFormatError):
        DexIndex.from_dex_files([("classes.dex", b"junk")])
    with pytest.raises(DexFormatError):
        DexIndex.from_dex_files([])


def test_mutf8():
    assert decode_mutf8(b"a\xc0\x80b") == "a\x00b"
    # U+1F600 as a CESU-8 surrogate pair
    assert decode_mutf8(b"\xed\xa0\xbd\xed\xb8\x80") == "\U0001f600"
    assert decode_mutf8("中文".encode()) == "中文"
