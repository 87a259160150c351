"""Hostile case bundles, round two: manifest fields of the wrong type (signed by the
analyst's own key, or tampered), bytes around the zip, and no hashing after a failed
signature."""

from __future__ import annotations

import json
import time
import zipfile

import pytest
from click.testing import CliRunner

from scanner.bundle import verify_bundle
from scanner.bundle.bundle import MANIFEST, SIGNATURE
from scanner.bundle.keys import load_private_key
from scanner.cli import cli
from tests.bundle.test_bundle import _made, _problems, _rewrite, case, keys  # noqa: F401


def _resign(src, dst, edit, keys_folder):
    """Rewrite manifest.json with ``edit`` and sign it again with the analyst's key."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    edit(manifest)
    mbytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    key, _ = load_private_key("张三", keys_folder)
    sig = key.sign(mbytes).hex().encode("ascii") + b"\n"
    return _rewrite(src, dst, change={MANIFEST: lambda _: mbytes, SIGNATURE: lambda _: sig})


@pytest.mark.parametrize("field,value", [("inputs", "x"), ("inputs", [1, "y"]),
                                         ("tool", ["a"]), ("ruleset", 7), ("created", {})])
@pytest.mark.parametrize("signed", [True, False])
def test_manifest_field_of_the_wrong_type_is_named(case, keys, tmp_path, field, value,  # noqa: F811
                                                   signed):
    def edit(m):
        m[field] = value

    if signed:
        bad = _resign(case, tmp_path / "bad.zip", edit, keys)
    else:
        def change(data):
            m = json.loads(data)
            edit(m)
            return json.dumps(m).encode()
        bad = _rewrite(case, tmp_path / "bad.zip", change={MANIFEST: change})
    report = verify_bundle(bad)
    named = [p for p in report.problems if p.kind == "manifest" and repr(field) in p.detail
             or (field == "inputs" and "inputs[" in p.detail)]
    assert named, report.problems
    assert report.signature_ok is signed
    res = CliRunner().invoke(cli, ["verify", str(bad), "--lang", "en"])
    assert res.exit_code == 1, res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    assert "the manifest was altered" in res.output
    assert "TAMPERED" in res.output


@pytest.mark.parametrize("where", ["before", "after"])
def test_bytes_around_the_zip_are_detected(case, tmp_path, where):  # noqa: F811
    data = case.read_bytes()
    junk = b"MZ" + b"\0" * 98
    bad = tmp_path / "bad.zip"
    bad.write_bytes(junk + data if where == "before" else data + junk)
    report = verify_bundle(bad)
    detail = ("100 bytes before the first entry" if where == "before"
              else "100 bytes after the zip's end record")
    assert [(p.kind, p.detail) for p in report.problems] == [("container", detail)]
    res = CliRunner().invoke(cli, ["verify", str(bad), "--lang", "en"])
    assert res.exit_code == 1 and "TAMPERED" in res.output


def test_intact_bundle_has_no_container_problem(case):  # noqa: F811
    assert verify_bundle(case).ok


def test_no_hashing_after_the_signature_fails(case, tmp_path):  # noqa: F811
    # a forged manifest listing three 512 MiB members (zeros deflate to ~0.5 MB each):
    # once hashed in full (22 s for 3 GiB); now not read at all
    with zipfile.ZipFile(case) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    big = 512 << 20
    for i in range(3):
        manifest["files"].append({"path": f"big{i}.bin", "bytes": big, "sha256": "0" * 64,
                                  "sm3": "0" * 64})
    bad = tmp_path / "forged.zip"
    _rewrite(case, bad, change={MANIFEST: lambda _: json.dumps(manifest).encode()})
    with zipfile.ZipFile(bad, "a", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            with zf.open(f"big{i}.bin", "w", force_zip64=True) as fh:
                chunk = bytes(1 << 20)
                for _ in range(big >> 20):
                    fh.write(chunk)
    assert bad.stat().st_size < 5 << 20
    t0 = time.perf_counter()
    report = verify_bundle(bad)
    assert time.perf_counter() - t0 < 5
    assert not report.signature_ok and not report.hashed
    assert report.checked == 0
    assert ("signature", MANIFEST) in {(p.kind, p.path) for p in report.problems}
    res = CliRunner().invoke(cli, ["verify", str(bad), "--lang", "en"])
    assert "not hashed" in res.output and res.exit_code == 1
