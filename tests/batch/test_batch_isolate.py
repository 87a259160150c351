"""scanner.batch.isolate: one APK per process, time and memory limits, statuses."""

from __future__ import annotations

import hashlib
import json
import zlib

import pytest
from batch_helpers import FIXTURE_APKS, groundtruth

from scanner.batch.isolate import Limits, _classify_exit, scan_isolated
from scanner.messages import english, render

LIMITS = Limits(timeout=120, max_memory_mb=4096)


def _doc(outcome):
    return json.loads(zlib.decompress(outcome.result_z).decode("utf-8"))


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "fresh"])
def test_ok_scan_matches_ground_truth(warm):
    path = FIXTURE_APKS / "privacy_heavy.apk"
    gt = groundtruth("privacy_heavy")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    out = scan_isolated(path, LIMITS, sha, warm=warm)
    assert out.status == "ok", out.error
    assert out.worker == ("local/warm" if warm else "local/fresh")
    assert out.sha256 == sha and out.error is None and out.peak_rss_kb > 0
    doc = _doc(out)
    assert doc["inputs"][0]["sha256"] == sha
    assert out.row["package"] == gt["package"] == doc["app"]["package"]
    assert out.row["version_name"] == gt["version_name"]
    assert {s for s, _ in out.row["sdks"]} == set(gt["sdks"])
    assert out.row["findings"] == len(doc["findings"])


def test_warm_and_fresh_agree():
    path = FIXTURE_APKS / "multidex_sdk.apk"
    a = scan_isolated(path, LIMITS, warm=True)
    b = scan_isolated(path, LIMITS, warm=False)
    assert a.status == b.status == "ok"
    assert a.row == b.row
    da, db = _doc(a), _doc(b)
    for d in (da, db):
        d.pop("started"), d.pop("finished")
    assert da == db


def test_package_map_sets_category():
    gt = groundtruth("privacy_heavy")
    out = scan_isolated(FIXTURE_APKS / "privacy_heavy.apk", LIMITS,
                        packages={gt["package"]: gt["category"], "other.pkg": "tools"})
    assert out.status == "ok" and out.category == gt["category"]
    assert out.row["category"] == gt["category"]
    assert _doc(out)["category"]["id"] == gt["category"]


def test_input_error_is_one_line(hostile_inputs):
    out = scan_isolated(hostile_inputs["not_a_zip"], LIMITS)
    assert out.status == "input_error" and out.result_z is None and out.row == {}
    assert out.error and "\n" not in out.error and "not_a_zip.apk" in out.error


def test_timeout_kills_the_worker():
    # A fresh interpreter cannot even start in 0.2 s wall clock.
    out = scan_isolated(FIXTURE_APKS / "clean.apk", Limits(timeout=0.2, max_memory_mb=0),
                        warm=False)
    assert out.status == "timeout" and "0.2 s" in out.error
    assert out.seconds < 10


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "fresh"])
def test_memory_limit(tmp_path, warm):
    # 200 MB of (sparse) zeros named .apk: the reader loads the file before checking it.
    big = tmp_path / "big.apk"
    with open(big, "wb") as fh:
        fh.truncate(200 << 20)
    limited = scan_isolated(big, Limits(timeout=120, max_memory_mb=64), warm=warm)
    assert limited.status == "memory", limited.error
    assert "64 MB" in limited.error
    if warm:  # without the limit the same file is read, then refused as not a zip
        free = scan_isolated(big, Limits(timeout=120, max_memory_mb=0), warm=warm)
        assert free.status == "input_error"


def test_classify_exit():
    lim = Limits(1, 64)
    # the message and its English text (from en.yaml's batch_killed / batch_exit_code)
    status, message = _classify_exit(-11, "", lim)
    assert status == "crash" and english(message) == "worker killed by SIGSEGV"
    assert _classify_exit(1, "Traceback: MemoryError", lim)[0] == "memory"
    status, message = _classify_exit(3, "boom", lim)
    assert status == "crash" and english(message) == "worker exited with code 3: boom"
    # in Chinese, by hand from zh.yaml; the worker's own last line quoted as it wrote it
    assert render(message["id"], message["params"], "zh") == "扫描进程以退出码 3 结束：boom"
