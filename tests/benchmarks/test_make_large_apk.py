"""benchmarks/make_large_apk.py: a multidex APK of distinct corpus dex files that the
scanner reads like any other APK."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import make_large_apk  # noqa: E402

pytestmark = pytest.mark.skipif(not (make_large_apk.CORPUS / make_large_apk.BASE).is_file(),
                                reason="../shared/corpus is absent")


def test_small_build_is_a_valid_multidex_apk(tmp_path):
    out = tmp_path / "large.apk"
    info = make_large_apk.build(out, target_mb=12)  # the base's 6.1 MB + the largest others
    assert info["dex_bytes"] >= 12e6 and info["dex_files"] >= 2
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        dex = [n for n in names if n.endswith(".dex")]
        assert dex == ["classes.dex"] + [f"classes{i}.dex" for i in range(2, len(dex) + 1)]
        hashes = {hashlib.sha256(z.read(n)).hexdigest() for n in dex}
        assert len(hashes) == len(dex)  # distinct dex files only
        assert "AndroidManifest.xml" in names and not any(n.startswith("META-INF/") for n in names)
        assert sum(z.getinfo(n).file_size for n in dex) == info["dex_bytes"]
    again = tmp_path / "again.apk"
    make_large_apk.build(again, target_mb=12)
    assert again.read_bytes() == out.read_bytes()  # deterministic
    r = subprocess.run([sys.executable, "-m", "scanner", "scan", str(out), "--out",
                        str(tmp_path / "scan"), "--format", "json"], cwd=REPO,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    result = (tmp_path / "scan" / "result.json").read_text("utf-8")
    assert '"classes2.dex"' in result  # call sites found in a secondary dex
