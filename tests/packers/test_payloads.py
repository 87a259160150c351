"""Code payloads besides classes*.dex: plugin jars in assets/ indexed like classes.dex and named
in api_uses[].dex, encrypted payloads reported (partial result), loader calls as evidence of
dynamic loading, bounded reading.

Expected values come from the hand-written ground truth of corpus/apps/sdk_evidence/plugin
(its payloads.txt and smali sources) and from the zips built in the tests themselves.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.ingest import payloads as pl
from scanner.ingest.safezip import SafeZip
from tests.conftest import FIXTURE_APKS, FIXTURE_APPS

PLUGIN = FIXTURE_APKS / "sdk_evidence" / "plugin.apk"
ABSENCE_RULES = {"PRIV-CODE-0006", "PRIV-PERM-0002", "PRIV-PERM-0004"}


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    out = tmp_path_factory.mktemp("plugin")
    res = CliRunner().invoke(cli, ["scan", str(PLUGIN), "--out", str(out), "--format",
                                   "json,html"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "result.json").read_text("utf-8"))


def truth() -> dict:
    return json.loads((FIXTURE_APPS / "sdk_evidence" / "plugin" / "groundtruth.json")
                      .read_text("utf-8"))


def test_plugin_code_is_indexed_and_named_by_its_payload(doc):
    want = truth()["api_uses"]
    got = [{k: u[k] for k in ("api", "pi_type", "caller", "sdk", "reflective", "dex")}
           for u in doc["api_uses"]]
    assert got == want
    # loaded through a class loader: reachability from the manifest cannot be told
    assert all(u["reachable"] is None for u in doc["api_uses"])


def test_payloads_and_loader_calls_are_reported(doc):
    t = truth()
    got = [{k: p[k] for k in ("path", "kind", "status")} | ({"dex": p["dex"]} if p["dex"] else {})
           for p in doc["app"]["payloads"]]
    assert got == t["payloads"]
    enc = next(p for p in doc["app"]["payloads"] if p["status"] == "encrypted")
    assert enc["entropy"] > 7.5
    loads = [{k: c[k] for k in ("api", "caller", "dex")} for c in doc["app"]["dynamic_loading"]]
    assert loads == t["dynamic_loading"]


def test_encrypted_payload_makes_the_result_partial_without_absence_claims(doc):
    assert doc["partial"] is True
    assert any(s["what"] == "payload" and "assets/secure/payload.jar" in s["reason"]
               for s in doc["skipped"])
    assert not {f["rule"] for f in doc["findings"]} & ABSENCE_RULES


@pytest.mark.parametrize("name,expected", [
    ("classes.dex", False), ("classes2.dex", False), ("assets/classes.dex", True),
    ("lib/armeabi/mix.dex", True), ("assets/plugin/x.jar", True), ("assets/a.APK", True),
    ("plugin.zip", True), ("res/raw/p.jar", True), ("res/drawable/a.zip", False),
    ("lib/arm64-v8a/libx.so", False), ("assets/readme.txt", False),
])
def test_candidates(name, expected):
    assert pl.is_candidate(name) is expected


def _dex_bytes() -> bytes:
    with zipfile.ZipFile(PLUGIN) as z:
        return z.read("classes.dex")


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_nested_archives_are_opened_one_level_only():
    inner = _zip({"classes.dex": _dex_bytes()})
    outer = _zip({"assets/a.jar": _zip({"classes.dex": _dex_bytes(), "nested.jar": inner}),
                  "assets/plain.zip": _zip({"readme.txt": b"hello"}),
                  "assets/text.dex": b"not a dex at all, plain text " * 20})
    zf = SafeZip(outer, "t.apk")
    found, dexes = pl.find_payloads(zf, zf.names())
    by = {p.path: p for p in found}
    assert by["assets/a.jar"].status == "indexed"
    assert [d.name for d in dexes] == ["assets/a.jar!classes.dex"]  # nested.jar not opened
    assert by["assets/plain.zip"].status == "no_code"
    assert by["assets/text.dex"].status == "not_code"  # low entropy: not taken for encrypted


def test_bounds_are_reported_not_read(monkeypatch):
    monkeypatch.setattr(pl, "MAX_PAYLOADS", 2)
    monkeypatch.setattr(pl, "MAX_PAYLOAD_DEX", 10)
    outer = _zip({f"assets/p{i}.dex": _dex_bytes() for i in range(4)})
    zf = SafeZip(outer, "t.apk")
    found, dexes = pl.find_payloads(zf, zf.names())
    assert [p.status for p in found] == ["too_large", "too_large", "skipped", "skipped"]
    assert dexes == []


def test_encrypted_threshold_tracks_sample_size():
    assert 7.49 < pl.encrypted_threshold(1 << 20) <= pl.ENCRYPTED_BITS
    assert 6.5 < pl.encrypted_threshold(300) < 7.3
