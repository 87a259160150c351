"""APK ingest against the fixtures' hand-written ground truth, and against hostile inputs."""

from __future__ import annotations

import pytest

from scanner.errors import InputError
from scanner.ingest.apk import ApkReader
from scanner.ingest.safezip import ZipBombError
from tests.conftest import FIXTURE_APKS, fixture_names, groundtruth

NAMES = fixture_names()


def test_fixtures_present():
    assert {"privacy_heavy", "clean", "exported_flags", "multidex_sdk"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_manifest_matches_groundtruth(name):
    gt = groundtruth(name)
    ev = ApkReader(FIXTURE_APKS / f"{name}.apk").read()
    assert ev.package == gt["package"]
    assert ev.label == gt["label"]
    assert ev.version_name == gt["version_name"]
    assert int(ev.version_code) == gt["version_code"]
    assert ev.min_sdk == gt["min_sdk"]
    assert ev.target_sdk == gt["target_sdk"]
    assert [p.name for p in ev.permissions] == gt["permissions"]
    got = {c.name: c for c in ev.components}
    assert set(got) == {c["name"] for c in gt["components"]}
    for c in gt["components"]:
        mine = got[c["name"]]
        assert mine.type == c["type"], c["name"]
        assert mine.exported == c["exported"], c["name"]
        assert mine.permission == c["permission"], c["name"]
        for key in ("read_permission", "write_permission", "grant_uri_permissions",
                    "authorities"):
            if key in c:
                assert getattr(mine, key) == c[key], (c["name"], key)
    f = ev.flags
    effective_cleartext = (f.uses_cleartext_traffic if f.uses_cleartext_traffic is not None
                           else f.cleartext_default)
    assert f.debuggable == gt["flags"]["debuggable"]
    assert f.allow_backup == gt["flags"]["allow_backup"]
    assert effective_cleartext == gt["flags"]["uses_cleartext_traffic"]
    assert f.network_security_config == gt["flags"]["network_security_config"]
    assert [s.sha256 for s in ev.signers] == [gt["signer_sha256"]]
    assert ev.signers[0].schemes == ("v1", "v2", "v3")
    dexes = sorted({u["dex"] for u in gt["api_uses"]})
    assert set(dexes) <= {d.name for d in ev.dex_files}


def test_multidex_order():
    ev = ApkReader(FIXTURE_APKS / "multidex_sdk.apk").read()
    assert [d.name for d in ev.dex_files] == ["classes.dex", "classes2.dex", "classes3.dex"]


def test_application_class():
    ev = ApkReader(FIXTURE_APKS / "privacy_heavy.apk").read()
    assert ev.application_class == "com.appaudit.fixture.privacy.App"


def test_policy_asset_found():
    assert ApkReader(FIXTURE_APKS / "clean.apk").read().privacy_policy_assets == (
        "assets/privacy_policy.html",)
    assert ApkReader(FIXTURE_APKS / "privacy_heavy.apk").read().privacy_policy_assets == ()


REFUSED = {
    "empty": "empty file",
    "not_a_zip": "not a zip",
    "truncated": "corrupt or truncated zip",
    "no_manifest": "no AndroidManifest.xml",
    "zip_bomb": "zip bomb",
    "duplicate_manifest": "duplicate zip entry 'AndroidManifest.xml'",
    "corrupt_axml": "not valid binary XML",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_refused_with_one_line(hostile_inputs, name):
    with pytest.raises(InputError) as info:
        ApkReader(hostile_inputs[name]).read()
    msg = str(info.value)
    assert REFUSED[name] in msg
    assert "\n" not in msg
    assert msg.startswith(f"{name}.apk")


def test_zip_bomb_is_a_bomb_error(hostile_inputs):
    with pytest.raises(ZipBombError):
        ApkReader(hostile_inputs["zip_bomb"]).read()


def test_traversal_names_recorded_not_extracted(hostile_inputs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ev = ApkReader(hostile_inputs["traversal"]).read()
    kinds = {(a.kind, a.entry) for a in ev.anomalies}
    assert ("path_traversal", "../../evil.txt") in kinds
    assert ("absolute_path", "/abs/evil") in kinds
    assert not list(tmp_path.rglob("*"))  # nothing extracted anywhere near
    assert not (tmp_path.parent.parent / "evil.txt").exists()


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        ApkReader(tmp_path / "nope.apk").read()
