"""`appaudit scan` on every APK of the shared corpus: a valid result, or exit 3 with one line.

The APKs expected to be refused are those the corpus manifest itself describes as broken
or as not being apps (no AndroidManifest.xml, truncated central directory, empty zip).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import SHARED_CORPUS, corpus_apks, needs_corpus

BROKEN = {
    "androguard/CertChain.apk",  # certificate-chain sample: no manifest
    "androguard/apksig_empty-unsigned.apk",  # empty zip (22 bytes)
    "androguard/apksig_v2-only-truncated-cd.apk",  # truncated central directory
    "androguard/multidex.apk",  # two dex files, no manifest
}
REQUIRED = ("schema_version", "tool", "inputs", "app", "sdks", "api_uses", "transmissions",
            "findings")


@needs_corpus
def test_whole_corpus(tmp_path):
    runner = CliRunner()
    refused = set()
    scanned = 0
    for apk in corpus_apks():
        rel = apk.relative_to(SHARED_CORPUS / "apks").as_posix()
        out = tmp_path / apk.stem
        res = runner.invoke(cli, ["scan", str(apk), "--out", str(out), "--format", "json"])
        assert res.exit_code in (0, 3), (rel, res.output)
        if res.exit_code == 3:
            refused.add(rel)
            lines = [line for line in res.stderr.splitlines() if line.strip()]
            # one line, in Chinese by default
            assert len(lines) == 1 and lines[0].startswith("appaudit：错误："), (rel, lines)
            assert "Traceback" not in res.output
            assert not out.exists(), "nothing written for a refused input"
            continue
        scanned += 1
        doc = json.loads((out / "result.json").read_text("utf-8"))
        for key in REQUIRED:
            assert key in doc, (rel, key)
        assert doc["inputs"][0]["sha256"] and doc["inputs"][0]["sm3"]
        assert doc["app"]["package"] is not None
    assert refused == BROKEN
    assert scanned >= 100


@needs_corpus
@pytest.mark.parametrize("rel", ["insecurebankv2/InsecureBankv2.apk",
                                 "exodus-core/blooddonation.apk"])
def test_real_apps_have_code_results(tmp_path, rel):
    res = CliRunner().invoke(cli, ["scan", str(SHARED_CORPUS / "apks" / rel), "--out",
                                   str(tmp_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert doc["api_uses"], "real apps read some PI"
    # every dangerous permission is judged once the code is analysed (the api map covers them
    # all for these apps); only permissions no mapped API needs stay unknown
    assert all(p["used"] is not None for p in doc["app"]["permissions"] if p["dangerous"])
