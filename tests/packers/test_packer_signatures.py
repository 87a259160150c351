"""rulesets/packers.yaml: validation of the data and the matching semantics.

Each expectation below is written from the signature data and the stub layouts that
APKiD / ApkCheckPack describe (see the sources in rulesets/packers.yaml), not from the
matcher's output.
"""

from __future__ import annotations

import pytest

from scanner.errors import RulesetError
from scanner.knowledge.packers import load_packers, match_packers, parse_packers


def ids(matches):
    return [m.packer.id for m in matches]


def test_shipped_file_loads_and_names_the_main_chinese_packers():
    packers = {p.id: p for p in load_packers()}
    for pid in ("qihoo_jiagu", "tencent_legu", "secneo_bangcle", "ijiami", "netease_yidun",
                "baidu_protect", "ali_jaq", "dingxiang"):
        assert pid in packers, pid
        assert packers[pid].name_zh and packers[pid].vendor and packers[pid].source


def test_application_class_alone_names_the_packer():
    m = match_packers(["AndroidManifest.xml", "classes.dex"], "com.stub.StubApp")
    assert ids(m) == ["qihoo_jiagu"]
    assert m[0].evidence == (("application_class", "com.stub.StubApp"),)


def test_native_payload_in_assets_and_lib():
    names = ["classes.dex", "assets/libjiagu.so", "assets/libjiagu_a64.so",
             "lib/armeabi-v7a/libshella-4.1.0.19.so"]
    m = match_packers(names, None)
    # two Jiagu payloads beat one Legu payload (most evidence first)
    assert ids(m) == ["qihoo_jiagu", "tencent_legu"]
    assert ("native_lib", "assets/libjiagu_a64.so") in m[0].evidence
    assert m[1].evidence == (("native_lib", "lib/armeabi-v7a/libshella-4.1.0.19.so"),)


def test_encrypted_payload_files():
    assert ids(match_packers(["classes.dex", "assets/ijiami.ajm"], None)) == ["ijiami"]
    assert ids(match_packers(["classes.dex", "assets/ijm_lib/armeabi/libexec.so"], None)) \
        == ["ijiami"]
    assert ids(match_packers(["tencent_stub"], None)) == ["tencent_legu"]
    assert ids(match_packers(["lib/armeabi/mix.dex"], None)) == ["tencent_legu"]


def test_stub_class_by_prefix_and_exact_name():
    defined = {"com.tencent.StubShell.TxAppEntry", "com.tencent.StubShell.ZipUtil"}

    def find(entry):
        if entry.endswith("."):
            return next((c for c in sorted(defined) if c.startswith(entry)), None)
        return entry if entry in defined else None

    m = match_packers(["classes.dex"], "com.example.App", find)
    assert ids(m) == ["tencent_legu"]
    assert m[0].evidence == (("stub_class", "com.tencent.StubShell.TxAppEntry"),)


def test_min_signals_needs_two_distinct_names():
    # DingXiang's names are generic on their own (APKiD asks for two of them)
    assert match_packers(["lib/arm64-v8a/libsys_misc.so"], None) == []
    # the same file name under two ABIs is still one name
    assert match_packers(["lib/arm64-v8a/libsys_misc.so", "lib/armeabi-v7a/libsys_misc.so"],
                         None) == []
    assert ids(match_packers(["lib/arm64-v8a/libsys_misc.so", "assets/__param.data"], None)) \
        == ["dingxiang"]


@pytest.mark.parametrize("names,app", [
    # an ordinary app with SDK native libraries, including Alibaba's SecurityGuard SDK
    (["classes.dex", "lib/arm64-v8a/libsgmainso-6.5.24.so", "lib/arm64-v8a/libsgmain.so",
      "lib/arm64-v8a/libBugly.so", "lib/arm64-v8a/libjcore220.so"], "com.example.App"),
    # look-alike names: prefixes and folders must not match
    (["assets/jiagu/readme.txt", "lib/arm64-v8a/libjiagux.so", "assets/shell.so",
      "res/raw/tencent_stub.txt", "assets/classes0.jar.bak"], None),
    # a class named like a stub in another package
    (["classes.dex"], "com.example.stub.StubApp"),
])
def test_unpacked_layouts_do_not_match(names, app):
    assert match_packers(names, app) == []


def test_validation_errors_name_the_entry():
    good = {"id": "x", "name": "X", "name_zh": "X", "vendor": "V", "native_lib": ["libx.so"],
            "source": ["s"]}
    assert parse_packers({"packers": [good]})[0].id == "x"
    for bad, msg in [
        ({**good, "extra": 1}, "unknown keys"),
        ({**good, "id": "X-1"}, "bad id"),
        ({k: v for k, v in good.items() if k != "native_lib"}, "no signal"),
        ({**good, "native_regex": ["("]}, "does not compile"),
        ({**good, "native_lib": ["lib/x/libx.so"]}, "not a .so file name"),
        ({**good, "source": []}, "no source"),
        ({**good, "min_signals": 0}, "min_signals"),
    ]:
        with pytest.raises(RulesetError, match=msg):
            parse_packers({"packers": [bad]})
    with pytest.raises(RulesetError, match="duplicate id"):
        parse_packers({"packers": [good, good]})
