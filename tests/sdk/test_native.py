"""Native-library signatures: loader validation, lib/<abi>/*.so matching, overlaps, bounds."""

from __future__ import annotations

import time

import pytest

from scanner.errors import RulesetError
from scanner.sdk import SdkCatalog, native_libraries
from scanner.sdk.loader import parse_entry


def test_native_keys_loaded(make_entry):
    entry = make_entry("x", native_signature=["libx.so"], native_regex=[r"libx_(.*)\.so"])
    sig = parse_entry(entry, "t", 0, "t.yaml")
    assert sig.native_names == ("libx.so",) and sig.native_regexes == (r"libx_(.*)\.so",)


@pytest.mark.parametrize("bad", ["lib/x.so", "libx", "libx.SO", "../libx.so", "",
                                 "a" * 300 + ".so"])
def test_bad_native_names_rejected(make_entry, bad):
    with pytest.raises(RulesetError, match="native_signature"):
        parse_entry(make_entry("x", native_signature=[bad]), "t", 0, "t.yaml")


def test_bad_native_regex_rejected(make_entry):
    with pytest.raises(RulesetError, match="does not compile"):
        parse_entry(make_entry("x", native_regex=["lib(x.so"]), "t", 0, "t.yaml")


def test_native_only_entry_is_valid(make_entry):
    assert parse_entry(make_entry("x", native_signature=["libx.so"]), "t", 0, "t.yaml")


def test_only_lib_abi_name_so_entries_count():
    names = ["lib/arm64-v8a/liba.so", "lib/armeabi-v7a/liba.so", "lib/x86/sub/libb.so",
             "assets/lib/arm64-v8a/libc.so", "lib/libd.so", "lib/arm64-v8a/libe.txt",
             "lib//libf.so", "lib/x86/" + "g" * 300 + ".so"]
    assert native_libraries(names) == {"liba.so": ["lib/arm64-v8a/liba.so",
                                                   "lib/armeabi-v7a/liba.so"]}


def test_match_native_exact_regex_and_precedence(write_catalog, make_entry):
    folder = write_catalog({
        "a.yaml": (100, [make_entry("jcore", native_regex=[r"libjcore(.*)\.so"]),
                         make_entry("msa", native_signature=["libmsaoaidsec.so"])]),
        "b.yaml": (10, [make_entry("low", native_signature=["libmsaoaidsec.so", "liblow.so"]),
                        make_entry("greedy", native_regex=[r"lib(.*)\.so"])]),
    })
    cat = SdkCatalog.load(folder)
    assert [(o.kind, o.signature, o.winner, o.loser) for o in cat.overlaps] == [
        ("native", "libmsaoaidsec.so", "msa", "low")]
    got = {m.id: (m.native_libs, m.matched_by, m.class_count) for m in cat.match_native([
        "lib/arm64-v8a/libjcore220.so", "lib/armeabi-v7a/libjcore220.so",
        "lib/arm64-v8a/libmsaoaidsec.so", "lib/arm64-v8a/libnative-app.so",
        "lib/arm64-v8a/nolibprefix.txt",
    ])}
    assert got == {
        "jcore": (("lib/arm64-v8a/libjcore220.so", "lib/armeabi-v7a/libjcore220.so"),
                  (r"regex:libjcore(.*)\.so",), 0),
        "msa": (("lib/arm64-v8a/libmsaoaidsec.so",), ("libmsaoaidsec.so",), 0),
        "greedy": (("lib/arm64-v8a/libnative-app.so",), (r"regex:lib(.*)\.so",), 0),
    }


def test_shipped_catalogue_knows_chinese_native_libs(shipped):
    expect = {"libjcore220.so": "jiguang_core", "libmsaoaidsec.so": "msa_oaid",
              "libBugly.so": "tencent_bugly", "libsmsdk.so": "shumei",
              "libtongdun.so": "tongdun", "libgetuiext3.so": "getui",
              "libAMapSDK_MAP_v6_9_4.so": "amap_maps", "libapssdk.so": "amap_location",
              "liblocSDK8a.so": "baidu_location", "libagora-rtc-sdk.so": "agora",
              "libALBiometricsJni.so": "alibaba_real_identity",
              "libsgmainso-6.4.36.so": "alibaba_security_guard"}
    for name, sdk in expect.items():
        found = shipped.sdk_for_native(name)
        assert found is not None and found[0].id == sdk, name
    for name in ("libnative-lib.so", "libc++_shared.so", "libutility.so", "libmain.so"):
        assert shipped.sdk_for_native(name) is None, name


def test_hostile_entry_lists_are_bounded(shipped):
    names = [f"lib/arm64-v8a/libjcore{'x' * 200}{i}.so" for i in range(20000)]
    names += ["lib/x86/" + "a" * 100000 + ".so"]
    t = time.perf_counter()
    found = shipped.match_native(names)
    assert time.perf_counter() - t < 2.0
    assert [m.id for m in found] == ["jiguang_core"]
    assert len(found[0].native_libs) == 4096
