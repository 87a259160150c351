"""Known-value matching over the Android-TCF-Analysis labelled records (shared corpus).

Each record of ``traffic_analysis_stage_1.csv`` names the request method, whether the
advertising id was found in the URL or the payload, the key it was sent under and the
tracker URL. The dataset has no raw captures, so each record is rebuilt as the smallest
request with that shape (``?key=value`` on the URL, or a JSON payload ``{key: value}``);
the expectation (ad_id, query/body, key) comes from the record's label.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from scanner.ingest.device_facts import facts_from_mapping
from scanner.model.traffic import Exchange
from scanner.pii import scan_exchange
from scanner.pii.known import KnownValueMatcher

BASE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "traffic"
        / "android-tcf-analysis")
AAID = "60e5d787-7b10-4341-8289-a784280e7f1f"  # the dataset's emulated device (its README)
pytestmark = pytest.mark.skipif(not BASE.is_dir(), reason="../shared/corpus is absent")


def _records():
    with open(BASE / "traffic_analysis_stage_1.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["PD"] != "AAID":
                continue
            head, _, rest = row["Request"].partition(": ")
            key, _, value = rest.rpartition(":")
            if value != AAID or not key:
                continue
            yield head.split()[0], head.endswith("URL"), key, row["URL"]


def test_aaid_found_under_the_labelled_key():
    matcher = KnownValueMatcher(facts_from_mapping({"gaid": AAID}))
    n = missed = 0
    for method, in_url, key, url in _records():
        u = urlsplit(url)
        path = u.path or "/"
        body = b""
        if in_url:
            query = (u.query + "&" if u.query else "") + f"{quote(key)}={AAID}"
            path += "?" + query
        else:
            body = json.dumps({key: AAID}).encode()
        ex = Exchange("r", "tcf", n, None, method, u.scheme, u.hostname or "", 443, path,
                      (("Content-Type", "application/json"),), body)
        got = {(m.pi_type, m.where, m.key) for m in scan_exchange(ex, matcher)}
        want = ("ad_id", "query" if in_url else "body", key)
        missed += want not in got
        n += 1
    assert n > 4000
    assert missed == 0
