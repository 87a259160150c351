"""The fuzz campaign's short seeded run (CI): every parser, a few inputs each, through the
real CLI in forked children; no traceback, internal error, timeout, memory or noise."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the campaign forks its children")
def test_short_seeded_campaign(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("fuzz_campaign",
                                                  REPO / "benchmarks" / "fuzz_campaign.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_campaign"] = mod
    spec.loader.exec_module(mod)
    out = tmp_path / "fuzz.json"
    code = mod.main(["--per-parser", "3", "--seed", "7", "--timeout", "60", "--json", str(out),
                     "--crashers", str(tmp_path / "crashers"), "--quiet"])
    stats = json.loads(out.read_text("utf-8"))["parsers"]
    assert set(stats) == set(mod.PARSERS)
    assert all(s["inputs"] == 3 for s in stats.values())
    failures = {p: {k: s[k] for k in mod.FAILURES if s[k]} for p, s in stats.items()}
    assert code == 0, (failures, capsys.readouterr().out)


def _campaign():
    spec = importlib.util.spec_from_file_location("fuzz_campaign_classify",
                                                  REPO / "benchmarks" / "fuzz_campaign.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("code,stderr,outcome", [
    # the CLI's own error line in its default language (Chinese) and with --lang en
    (3, "appaudit：错误：x.html：既不是 UTF-8 或 GB18030 文本，也不是 HTML 或 PDF\n", "input"),
    (3, "appaudit: error: x.html: not UTF-8 or GB18030 text, HTML or PDF\n", "input"),
    # a library's stray line next to ours
    (3, "WARNING:root:Does not seem to be the start of a local header!\n"
        "appaudit：错误：x.apk：不是 ZIP 文件\n", "noise"),
    # an internal error said in either language, whatever the exit code says
    (3, "appaudit：错误：内部错误：这是 appaudit 的缺陷，请报告：KeyError: 'x'\n", "internal"),
    (3, "appaudit: error: internal error: a bug — please report it: KeyError: 'x'\n",
     "internal"),
    (0, "", "ok"),
])
def test_outcomes_are_read_in_both_languages(code, stderr, outcome):
    """Until the classifier read the CLI's Chinese default, every clean exit-3 line of a
    campaign run was counted as noise (seen on the policy parser at 2,000 inputs)."""
    r = {"code": code, "stderr": stderr, "stdout": "", "killed": False, "cpu": 0.1,
         "seconds": 0.1, "rss_mb": 100}
    assert _campaign().classify(r, timeout=60, memory_mb=2048) == outcome
