"""`appaudit scan` on the china_sdks fixture: SDKs found by their native libraries.

Expected values come from corpus/apps/china_sdks/groundtruth.json, written from how the
fixture is built (native_libs.txt, smali sources), not from scanner output.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.report.schema import validate_result
from tests.conftest import FIXTURE_APKS, groundtruth


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    out = tmp_path_factory.mktemp("china_sdks")
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "china_sdks.apk"), "--out",
                                   str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "result.json").read_text("utf-8"))


def test_result_validates(doc):
    validate_result(doc)


def test_sdks_and_evidence_exactly_as_built(doc):
    planted = groundtruth("china_sdks")["planted"]
    got = {s["id"]: s["evidence"] for s in doc["sdks"]}
    assert sorted(got) == sorted(groundtruth("china_sdks")["sdks"])
    assert {k: v["native_libs"] for k, v in got.items() if "native_libs" in v} \
        == planted["sdk_native_libs"]
    assert {k: v["packages"] for k, v in got.items() if "packages" in v} \
        == {k: [p.replace("/", ".") for p in v] for k, v in planted["sdk_packages"].items() if v}


def test_non_sdk_libraries_are_not_evidence(doc):
    listed = {p for s in doc["sdks"] for p in s["evidence"].get("native_libs", [])}
    for entry in groundtruth("china_sdks")["planted"]["not_sdks"]:
        assert entry not in listed


def test_sdks_command_lists_native_evidence():
    """`appaudit sdks --json` gives the same SDKs and .so evidence as the scan."""
    res = CliRunner().invoke(cli, ["sdks", str(FIXTURE_APKS / "china_sdks.apk"), "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.output)}
    planted = groundtruth("china_sdks")["planted"]
    assert sorted(rows) == sorted(groundtruth("china_sdks")["sdks"])
    assert {k: r["native_libs"] for k, r in rows.items() if r["native_libs"]} \
        == planted["sdk_native_libs"]
    assert rows["msa_oaid"]["class_count"] == 0
