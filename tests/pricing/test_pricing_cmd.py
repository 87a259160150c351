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
    assert "loyal 相对 new：商品数 40" in r.output
    assert r.output.splitlines()[0].split() == ["价格结论", "存在差别定价迹象"]
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
            "--format", "json", "--lang", "en")
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
    # one line, in Chinese by default
    assert len(lines) == 1 and lines[0].startswith("appaudit：错误：") and str(bad) in lines[0]


def test_missing_file_exit_3(tmp_path):
    r = CliRunner().invoke(cli, ["pricing", "--profile", f"new={SHOP / 'new.mitm'}",
                                 "--profile", f"loyal={tmp_path / 'none.har'}", "--lang", "en"])
    assert r.exit_code == 3 and "no such capture file" in r.output


def test_usage_exit_2(tmp_path):
    r = CliRunner().invoke(cli, ["pricing", "--profile", "new", "--lang", "en"])
    assert r.exit_code == 2 and "NAME=FILE" in r.output
    r = CliRunner().invoke(cli, ["pricing", "--profile", f"new={SHOP / 'new.mitm'}", "--lang",
                                 "en"])
    assert r.exit_code == 2 and "at least two" in r.output


def test_parse_assignment():
    assert parse_assignment("a=x, y", "--profile")[1][1].name == "y"
    with pytest.raises(UsageError):
        parse_assignment("=x", "--profile")


def test_without_control_cannot_tell(tmp_path):
    """No --control: the noise is unknown, so the verdict is "cannot tell" on the terminal,
    in result.json and at the top of the report, in both languages; never "no finding"."""
    args = ("--profile", f"new={SHOP / 'new.mitm'}", "--profile", f"loyal={SHOP / 'loyal.mitm'}",
            "--format", "json,html")
    r = run(*args, "--out", tmp_path / "zh")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].split() == ["价格结论", "无法判断（缺少对照采集）"]
    assert "未发现差别定价" not in r.output
    doc = json.loads((tmp_path / "zh" / "result.json").read_text("utf-8"))
    assert doc["pricing"]["verdict"] == "cannot_tell_no_control"
    assert doc["comparisons"][0]["verdict"] == "cannot_tell_no_control"
    html = (tmp_path / "zh" / "report.html").read_text("utf-8")
    cover = html[:html.index('id="summary"')]
    assert "无法判断（缺少对照采集）" in cover and "未发现差别定价" not in html
    r = run(*args, "--out", tmp_path / "en", "--lang", "en")
    assert r.output.splitlines()[0].split(None, 2) == ["Price", "verdict",
                                                       "Cannot tell (no control capture)"]
    html = (tmp_path / "en" / "report.html").read_text("utf-8")
    assert "Cannot tell (no control capture)" in html[:html.index('id="summary"')]
    assert "No price discrimination found" not in html


def test_with_control_fair_shop_says_no_finding(tmp_path):
    r = run("--profile", f"new={FAIR / 'new.mitm'}", "--profile", f"loyal={FAIR / 'loyal.mitm'}",
            "--control", f"loyal={FAIR / 'loyal-control.har'}", "--out", tmp_path,
            "--format", "json")
    assert r.output.splitlines()[0].split() == ["价格结论", "未发现差别定价"], r.output


def test_zh_catalog_never_calls_the_compared_profile_control():
    """对照 is the control capture; the compared profile is 比较画像."""
    from scanner.report.html import messages

    m = messages("zh")
    assert m["treatment"] == "比较画像" and m["role_treatment"] == "比较"
    for key in ("treatment", "role_treatment", "pricing_note", "baseline"):
        assert "对照画像" not in m[key], key
    assert "对照" in m["role_control"] and "对照" in m["control_noise"]


def test_rankings_and_terms_without_control_cannot_tell(tmp_path):
    """Without a control capture the noise of rankings and deal terms is unknown too: their
    lines (terminal and report) say "cannot tell", never "within the noise" or "no
    differential terms", and no "beyond noise" count is printed."""
    shop = CAPTURES / "food-delivery"
    args = ("--profile", f"new={shop / 'new.mitm'}", "--profile", f"loyal={shop / 'loyal.mitm'}",
            "--format", "json,html")
    r = run(*args, "--out", tmp_path / "zh")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    ranking = [x for x in lines if x.startswith("排序")]
    terms = [x for x in lines if x.startswith("交易条件")]
    assert len(ranking) == 1 and len(terms) == 2, r.output
    for x in ranking + terms:
        assert x.endswith("无法判断（缺少对照采集）") and "超出噪声" in x and "—：" in x, x
    assert "在噪声范围内" not in r.output and "未发现差别交易条件" not in r.output
    html = (tmp_path / "zh" / "report.html").read_text("utf-8")
    assert "在噪声范围内" not in html and "未发现差别交易条件" not in html
    assert html.count("无法判断（缺少对照采集）") >= 3
    r = run(*args, "--out", tmp_path / "en", "--lang", "en")
    assert "Within noise" not in r.output and "no differential terms" not in r.output
    assert sum(x.endswith("Cannot tell (no control capture)") for x in r.output.splitlines()
               if x.startswith(("ranking", "term"))) == 3, r.output
    # with the control captures the same lines judge against the measured noise
    r = run(*args, "--control", f"new={shop / 'new-control.mitm'}",
            "--control", f"loyal={shop / 'loyal-control.mitm'}", "--out", tmp_path / "c")
    assert "无法判断（缺少对照采集）" not in r.output
    assert any(x.startswith("交易条件") and x.endswith("差别交易条件") and "配送费" in x
               for x in r.output.splitlines()), r.output


def test_pricing_report_top_names_the_findings_beside_the_price_verdict(tmp_path):
    """food-delivery: no item is priced (fees only), so the price verdict cannot tell, but
    there are high findings on deal terms: the top of the report says both, so "cannot tell"
    is never read as the report's whole conclusion."""
    shop = CAPTURES / "food-delivery"
    r = run("--profile", f"new={shop / 'new.mitm'}", "--profile", f"loyal={shop / 'loyal.mitm'}",
            "--control", f"new={shop / 'new-control.mitm'}",
            "--control", f"loyal={shop / 'loyal-control.mitm'}",
            "--out", tmp_path, "--format", "json,html")
    assert r.exit_code == 0, r.output
    html = (tmp_path / "report.html").read_text("utf-8")
    cover = html[:html.index('id="summary"')]
    assert "价格结论：无法判断（两个画像没有共同定价的商品）" in cover
    assert "结论：共 1 项发现" in cover and "配送费" in cover
