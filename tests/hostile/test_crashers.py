"""Fuzz-campaign crashers (tests/hostile/crashers/README.md): the real CLI on each gives a
result or one line of our own, never "internal error"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli

HERE = Path(__file__).resolve().parent / "crashers"


@pytest.mark.parametrize("name,code,needle", [
    ("bundle-surrogate-in-manifest.zip", 1, "TAMPERED"),
    ("bundle-bad-local-offset.zip", 1, "cannot be read as listed"),
    ("bundle-zip-version.zip", 3, "not a readable zip file"),
])
def test_bundle_crashers(tmp_path, name, code, needle):
    res = CliRunner().invoke(cli, ["verify", str(HERE / name)])
    assert res.exit_code == code, res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    assert needle in res.output


def test_batch_database_crasher(tmp_path):
    db = tmp_path / "a.sqlite"
    db.write_bytes((HERE / "batchdb-int-in-pi-types.sqlite").read_bytes())
    res = CliRunner().invoke(cli, ["batch-report", str(db), "-o", str(tmp_path / "o.html")])
    assert res.exit_code == 3, res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "damaged" in lines[0] and "apks.pi_types" in lines[0], lines
