"""The real Chinese builds of ../shared/corpus/apks/real-cn: the Legu-packed one is recognised
and claims nothing absent; none of the others is taken for packed.

Expected values come from the corpus README/MANIFEST (one build, MinimalPoem, is packed with
Tencent Legu 2.9.0.2; its zip holds lib/armeabi/libshella-2.9.0.2.so and tencent_stub, its
manifest names com.tencent.StubShell.TxAppEntry) and from `unzip -l` of the APK.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import SHARED_CORPUS, needs_corpus

REAL_CN = SHARED_CORPUS / "apks" / "real-cn"
LEGU = "Deali-Axy__MinimalPoem__app-release_legu_signed_zipalign.apk"
ABSENCE_RULES = {"PRIV-CODE-0006", "PRIV-PERM-0002", "PRIV-PERM-0004"}


def scan(apk, out):
    res = CliRunner().invoke(cli, ["scan", str(apk), "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "result.json").read_text("utf-8"))


@needs_corpus
def test_legu_build_is_recognised_partial_and_claims_no_absence(tmp_path):
    doc = scan(REAL_CN / LEGU, tmp_path)
    packer = doc["app"]["packer"]
    assert packer["id"] == "tencent_legu" and packer["name_zh"] == "腾讯乐固"
    evidence = {(e["kind"], e["value"]) for e in packer["evidence"]}
    assert ("application_class", "com.tencent.StubShell.TxAppEntry") in evidence
    assert ("native_lib", "lib/armeabi/libshella-2.9.0.2.so") in evidence
    assert ("file", "tencent_stub") in evidence
    assert doc["partial"] is True
    assert any("Tencent Legu" in s["reason"] for s in doc["skipped"])
    rules = {f["rule"] for f in doc["findings"]}
    assert "PRIV-CODE-0007" in rules
    # the packer's own libraries (listed as "SDKs" by some catalogues) are app.packer only
    stub = {"lib/armeabi/libshella-2.9.0.2.so", "lib/armeabi/libshellx-2.9.0.2.so"}
    assert not any(set(s["evidence"].get("native_libs", ())) & stub for s in doc["sdks"])
    assert not rules & ABSENCE_RULES
    # no permission is declared unused: visible use is true, anything else cannot be told
    assert all(p["used"] is not False for p in doc["app"]["permissions"])


@needs_corpus
@pytest.mark.parametrize("apk", sorted(p.name for p in REAL_CN.glob("*.apk") if p.name != LEGU)
                         if REAL_CN.is_dir() else [])
def test_unpacked_real_builds_are_not_taken_for_packed(tmp_path, apk):
    doc = scan(REAL_CN / apk, tmp_path)
    assert doc["app"]["packer"] is None
    assert not any(f["rule"] == "PRIV-CODE-0007" for f in doc["findings"])
