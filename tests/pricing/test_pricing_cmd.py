"""scanner.cli.pricing_cmd: ``appaudit pricing`` writes result.json, exits by the contract."""

from __future__ import annotations

import json

import pytest
from _pricing_fixtures import CAPTURES, truth
from click.testing import CliRunner

from scanner.cli import cli
from scanner.cli.pricing_cmd import parse_assignment
from scanner.errors import UsageError

SHOP = CAPTURES / "shop-discriminating"
FAIR = CAPTURES / "shop-fair"


def run(*args):
    return CliRunner().invoke(cli, ["pricing", *map(str, args)], catch_exceptions=False)


def test_discriminating_shop(tmp_path):
    r = run("--profile", f"new={SHOP / 'new.mitm'}", "--profile", f"loyal={SHOP / 'loyal.har'}",
            "--control", f"loyal={SHOP / 'loyal-control.mitm'}",
            "--control", f"new={SHOP / 'new-control.har'}",
            "--out", tmp_path, "--format", "json", "--fail-on", "high")
    assert r.exit_code == 1, r.output  # a high finding and --fail-on high
    assert "loyal vs new: 40 items" in r.output and "DISCRIMINATION" in r.output
    doc = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert doc["command"] == "pricing"
    assert [f["rule"] for f in doc["findings"]] == ["ALGO-PRICE-0001"]
    cmp = doc["comparisons"][0]
    gt = truth("shop-discriminating")
    assert set(cmp["items_beyond_noise"]) <= set(gt["marked_up"])
    assert [p["name"] for p in doc["profiles"]] == ["new", "loyal", "loyal-control",
                                                   "new-control"]


def test_fair_shop_exit_zero_and_several_files_per_profile(tmp_path):
    r = run("--profile", f"new={FAIR / 'new.mitm'}",
            "--profile", f"loyal={FAIR / 'loyal.mitm'},{FAIR / 'loyal.har'}",
            "--control", f"loyal={FAIR / 'loyal-control.har'}",
            "--out", tmp_path, "--format", "json", "--fail-on", "low")
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert doc["findings"] == [] and not doc["comparisons"][0]["discrimination"]
    assert len(doc["inputs"]) == 4
    loyal = next(p for p in doc["profiles"] if p["name"] == "loyal")
    assert loyal["exchanges"] == 2 * 5


def test_baseline_option(tmp_path):
    r = run("--profile", f"new={SHOP / 'new.mitm'}", "--profile", f"loyal={SHOP / 'loyal.mitm'}",
            "--baseline", "loyal", "--control", f"loyal={SHOP / 'loyal-control.mitm'}",
            "--control", f"new={SHOP / 'new-control.mitm'}", "--out", tmp_path,
            "--format", "json")
    assert r.exit_code == 0
    assert "new vs loyal" in r.output and "lower" in r.output


@pytest.mark.parametrize("content", [b"\x00garbage", b"{broken", b"42:" + b"x" * 10])
def test_bad_capture_exit_3_one_line(tmp_path, content):
    bad = tmp_path / "bad.mitm"
    bad.write_bytes(content)
    r = CliRunner().invoke(cli, ["pricing", "--profile", f"new={SHOP / 'new.mitm'}",
                                 "--profile", f"loyal={bad}", "--out", str(tmp_path / "o")])
    assert r.exit_code == 3
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("appaudit: error:") and str(bad) in lines[0]


def test_missing_file_exit_3(tmp_path):
    r = CliRunner().invoke(cli, ["pricing", "--profile", f"new={SHOP / 'new.mitm'}",
                                 "--profile", f"loyal={tmp_path / 'none.har'}"])
    assert r.exit_code == 3 and "no such capture file" in r.output


def test_usage_exit_2(tmp_path):
    r = CliRunner().invoke(cli, ["pricing", "--profile", "new"])
    assert r.exit_code == 2 and "NAME=FILE" in r.output
    r = CliRunner().invoke(cli, ["pricing", "--profile", f"new={SHOP / 'new.mitm'}"])
    assert r.exit_code == 2 and "at least two" in r.output


def test_parse_assignment():
    assert parse_assignment("a=x, y", "--profile")[1][1].name == "y"
    with pytest.raises(UsageError):
        parse_assignment("=x", "--profile")
