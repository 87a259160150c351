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
