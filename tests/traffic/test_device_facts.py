"""--device-facts files: JSON or YAML, aliases folded to PI type ids, errors as InputError."""

from __future__ import annotations

import pytest

from scanner.engine import ScanRequest, run
from scanner.errors import InputError
from scanner.ingest.device_facts import load_device_facts


def test_yaml_with_aliases(tmp_path):
    p = tmp_path / "phone.yaml"
    p.write_text("IMEI: '356938035643809'\ngaid: 38400000-8cf0-11bd-b23e-10b96e40000d\n"
                 "wifi-mac: AC:37:43:4D:5E:6F\nlocation: {lat: 39.9, lon: 116.4}\n"
                 "accounts: [a@example.com, b@example.com]\nfavourite_colour: blue\n", "utf-8")
    f = load_device_facts(p)
    assert ("device_id", "356938035643809") in f.seeds
    assert ("ad_id", "38400000-8cf0-11bd-b23e-10b96e40000d") in f.seeds
    assert ("mac_address", "AC:37:43:4D:5E:6F") in f.seeds
    assert ("accounts", "b@example.com") in f.seeds
    assert f.location == (39.9, 116.4)
    assert f.unknown_keys == ("favourite_colour",)
    assert {"device_id", "ad_id", "mac_address", "accounts", "precise_location"} <= f.types()


def test_json_and_errors(tmp_path):
    p = tmp_path / "phone.json"
    p.write_text('{"phone": 13812345678, "lat": 39.9, "lng": 116.4}', "utf-8")
    f = load_device_facts(p)
    assert f.seeds == (("phone_number", "13812345678"),) and f.location == (39.9, 116.4)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", "utf-8")
    with pytest.raises(InputError, match="mapping"):
        load_device_facts(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [unclosed\n  b: {", "utf-8")
    with pytest.raises(InputError, match="neither JSON nor YAML"):
        load_device_facts(broken)
    with pytest.raises(InputError):
        load_device_facts(tmp_path / "missing.json")


def test_consent_unknown_gives_none(tmp_path):
    import json
    from pathlib import Path

    traffic = Path(__file__).resolve().parents[2] / "corpus" / "traffic"
    har = json.loads((traffic / "session.har").read_text("utf-8"))
    har["log"]["entries"] = [e for e in har["log"]["entries"]
                             if "appaudit.consent" not in e["request"]["url"]]
    for e in har["log"]["entries"]:
        e.pop("_appaudit", None)
    p = tmp_path / "noconsent.har"
    p.write_text(json.dumps(har), "utf-8")
    res = run(ScanRequest(flows=(p,), device_facts=traffic / "device-facts.json"))
    assert res.transmissions and all(t.before_consent is None for t in res.transmissions)
    assert "PRIV-NET-0003" not in {f.rule for f in res.findings}
