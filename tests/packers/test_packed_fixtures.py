"""The packed fixture apps (corpus/apps/packed/*): one stub layout per packer, each recognised,
named, partial, and without any claim of absence.

Expectations come from each fixture's hand-written groundtruth.json (the packer, its stub
Application, stub classes and payload files, as its sources describe the layout). The control
runs the same APKs against a copy of rulesets/ whose packers.yaml is empty: then the absence
rules do fire, which shows the packed assertions can fail.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.engine import ScanRequest, run
from scanner.rules.loader import load_rules
from tests.conftest import FIXTURE_APKS, FIXTURE_APPS

PACKED = sorted(p.name for p in (FIXTURE_APPS / "packed").iterdir()
                if (p / "groundtruth.json").is_file())
ABSENCE_RULES = {"PRIV-CODE-0006", "PRIV-PERM-0002", "PRIV-PERM-0004"}


def gt(name: str) -> dict:
    return json.loads((FIXTURE_APPS / "packed" / name / "groundtruth.json").read_text("utf-8"))


def test_at_least_six_packers_have_a_fixture():
    assert len({gt(n)["packer"]["id"] for n in PACKED}) >= 6


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = {}
    runner = CliRunner()
    for name in PACKED:
        folder = tmp_path_factory.mktemp(name)
        res = runner.invoke(cli, ["scan", str(FIXTURE_APKS / "packed" / f"{name}.apk"),
                                  "--out", str(folder), "--format", "json,html"])
        assert res.exit_code == 0, res.output
        out[name] = json.loads((folder / "result.json").read_text("utf-8"))
    return out


@pytest.mark.parametrize("name", PACKED)
def test_packer_recognised_with_its_evidence(results, name):
    doc, truth = results[name], gt(name)["packer"]
    packer = doc["app"]["packer"]
    assert packer is not None and packer["id"] == truth["id"]
    assert packer["name_zh"] == truth["name_zh"]
    values = {e["value"] for e in packer["evidence"]}
    kinds = {e["kind"]: e["value"] for e in packer["evidence"]}
    assert kinds["application_class"] == truth["application_class"]
    assert set(truth["payloads"]) <= values
    for e in packer["evidence"]:
        if e["kind"] == "stub_class":
            assert e["value"] in truth["stub_classes"]


@pytest.mark.parametrize("name", PACKED)
def test_packed_result_is_partial_and_claims_no_absence(results, name):
    doc = results[name]
    assert doc["partial"] is True and doc["skipped"]
    rules = [f["rule"] for f in doc["findings"]]
    assert "PRIV-CODE-0007" in rules
    assert not set(rules) & ABSENCE_RULES
    perms = {p["name"]: p for p in doc["app"]["permissions"]}
    # nothing visible uses them, and nothing can be told: null, never false
    for name_ in ("android.permission.CAMERA", "android.permission.READ_PHONE_STATE"):
        assert perms[name_]["used"] is None
    cannot_tell = {tuple(f["pi_types"]) for f in doc["findings"] if f["rule"] == "PRIV-PERM-0001"}
    assert ("camera",) in cannot_tell


def test_control_without_packer_signatures_claims_absence(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(Path(load_rules().knowledge.folder), folder)
    (folder / "packers.yaml").write_text("version: 1\npackers: []\n", encoding="utf-8")
    (folder / "_validated.json").unlink()
    rules = load_rules(folder)
    # the Jiagu stub hides its payload in classes.dex: unrecognised, it looks like a clean app
    result = run(ScanRequest(apk=FIXTURE_APKS / "packed" / "jiagu.apk"), rules)
    assert result.app.packer is None and not result.partial
    assert {"PRIV-CODE-0006", "PRIV-PERM-0002"} <= {f.rule for f in result.findings}
    # the Legu stub also ships encrypted payloads (lib/armeabi/mix.dex...): even unrecognised,
    # those make the result partial and keep absence unclaimed
    result = run(ScanRequest(apk=FIXTURE_APKS / "packed" / "legu.apk"), rules)
    assert result.app.packer is None and result.partial
    assert not {f.rule for f in result.findings} & ABSENCE_RULES
