"""``appaudit batch`` and ``appaudit batch-report`` through the click CLI."""

from __future__ import annotations

import re

import pandas as pd
from batch_helpers import FIXTURE_APKS, fixture_paths, groundtruth
from click.testing import CliRunner

from scanner.batch import Store
from scanner.cli import cli


def test_batch_with_category_map_export_and_report(tmp_path, hostile_inputs):
    src = tmp_path / "in"
    src.mkdir()
    for p in fixture_paths():
        (src / p.name).symlink_to(p)
    (src / "empty.apk").symlink_to(hostile_inputs["empty"])
    # privacy_heavy by file name, multidex_sdk by package name; the rest unmapped.
    shop = groundtruth("multidex_sdk")
    cmap = tmp_path / "cats.csv"
    cmap.write_text(f"key,category\nprivacy_heavy.apk,{groundtruth('privacy_heavy')['category']}"
                    f"\n{shop['package']},{shop['category']}\n", encoding="utf-8")
    db = tmp_path / "audit.sqlite"
    runner = CliRunner()
    res = runner.invoke(cli, ["batch", str(src), "--db", str(db), "--jobs", "2",
                              "--category-map", str(cmap), "--export", "csv,xlsx",
                              "--lang", "en"])
    assert res.exit_code == 0, res.output
    n = len(fixture_paths()) + 1  # the fixtures and empty.apk
    assert f"scanned {n}" in res.output and "input could not be analysed" in res.output
    assert re.search(r"^  ok +\d", res.output, re.M), res.output
    with Store(db) as s:
        rows = {r["paths"][0].rsplit("/", 1)[-1]: r for r in s.rows()}
        assert all(r["paths"][0].startswith(str(src)) for r in rows.values())  # names as seen
    assert rows["privacy_heavy.apk"]["category"] == groundtruth("privacy_heavy")["category"]
    assert rows["multidex_sdk.apk"]["category"] == shop["category"]
    assert rows["clean.apk"]["category"] is None
    assert rows["empty.apk"]["status"] == "input_error"
    apks = pd.read_csv(tmp_path / "audit.apks.csv")
    assert len(apks) == n and (tmp_path / "audit.xlsx").is_file()

    res = runner.invoke(cli, ["batch", str(src), "--db", str(db), "--no-progress"])
    assert res.exit_code == 0 and f"扫描 0 个，此前已完成 {n} 个" in res.output

    out = tmp_path / "overview.html"
    res = runner.invoke(cli, ["batch-report", str(db), "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text("utf-8")
    assert "批量审计总览" in page and groundtruth("clean")["package"] in page


def test_batch_usage_and_input_errors(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["batch", str(tmp_path / "nothing"), "--db",
                              str(tmp_path / "a.sqlite"), "--lang", "en"])
    assert res.exit_code == 3
    res = runner.invoke(cli, ["batch", str(FIXTURE_APKS), "--export", "pdf", "--lang", "en"])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["batch", str(FIXTURE_APKS), "--dask-send-bytes", "--lang", "en"])
    assert res.exit_code == 2
    bad = tmp_path / "cats.yaml"
    bad.write_text("clean.apk: no_such_category\n", encoding="utf-8")
    res = runner.invoke(cli, ["batch", str(FIXTURE_APKS), "--category-map", str(bad),
                              "--db", str(tmp_path / "b.sqlite"), "--lang", "en"])
    assert res.exit_code == 2 and "no_such_category" in res.output
    res = runner.invoke(cli, ["batch-report", str(tmp_path / "missing.sqlite"), "--lang", "en"])
    assert res.exit_code == 3
