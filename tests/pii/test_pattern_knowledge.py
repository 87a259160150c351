"""The validated patterns' data is knowledge (rulesets/pi-patterns.yaml → Knowledge.pi_patterns),
applied by the scan through its own knowledge: an edited rulesets folder changes what is
found, and a malformed file is a ruleset error (exit 4)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.errors import RulesetError
from scanner.knowledge import load_knowledge
from scanner.knowledge.pi_patterns import load_pi_patterns
from scanner.pii.patterns import find_patterns, imei_ok
from tests.conftest import REPO

# prefix 86 (China); Luhn by hand, right to left, doubling every second digit:
# 7+4+1+0+9+7+7+3+5+8+3+4+1+3+8 = 70, a multiple of 10
IMEI = "861234567890127"


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "rulesets"
    shutil.copytree(REPO / "rulesets", folder)
    path = folder / "pi-patterns.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    return folder


def test_shipped_data_is_in_knowledge():
    cfg = load_knowledge().pi_patterns
    assert "86" in cfg.imei_reporting_bodies and 11 in cfg.resident_id_provinces
    assert cfg.lat_range == (3.8, 53.6) and "lng" in cfg.lon_keys
    assert imei_ok(IMEI, cfg)
    assert [h.pi_type for h in find_patterns(f"imei={IMEI}", cfg)] == ["device_id"]


def test_edited_rulesets_change_what_is_found(tmp_path):
    """Without 86 among the reporting bodies, the same number is no IMEI: in the library and
    in a traffic scan run on the edited folder."""
    folder = _copy(tmp_path, '"54", "86",', '"54",')
    cfg = load_pi_patterns(folder)
    assert not imei_ok(IMEI, cfg) and find_patterns(f"imei={IMEI}", cfg) == []
    har = tmp_path / "s.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                       "entries": [{
        "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1,
        "request": {"method": "GET", "url": f"http://t.example/a?imei={IMEI}",
                    "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "x"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}]}}), "utf-8")

    def sent(rulesets: Path | None) -> list[str]:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        if rulesets:
            env["APPAUDIT_RULESETS_DIR"] = str(rulesets)
        out = tmp_path / ("edited" if rulesets else "shipped")
        proc = subprocess.run([sys.executable, "-m", "scanner", "traffic", str(har), "--out",
                               str(out), "--format", "json"], env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        doc = json.loads((out / "result.json").read_text("utf-8"))
        return [t["pi_type"] for t in doc["transmissions"]]

    assert sent(None) == ["device_id"]
    assert sent(folder) == []


@pytest.mark.parametrize("old,new", [
    ('china_bounds: {lat: [3.8, 53.6]', 'china_bounds: {lat: [53.6, 3.8]'),
    ('"01", "10",', '"1", "10",'),
    ("min_packages: 3", "min_packages: 1"),
])
def test_malformed_file_is_a_ruleset_error(tmp_path, old, new):
    folder = _copy(tmp_path, old, new)
    with pytest.raises(RulesetError, match="pi-patterns.yaml"):
        load_pi_patterns(folder)
    env = dict(os.environ, APPAUDIT_RULESETS_DIR=str(folder), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "scanner", "rules", "test"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 4, proc.stderr
