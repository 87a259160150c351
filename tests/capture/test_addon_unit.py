"""The capture addon in mitmproxy's addon test context: options, labels, markers, commands."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mitmproxy.test import taddons, tflow

ADDON = Path(__file__).resolve().parents[2] / "scanner" / "capture" / "addon.py"


def _addon():
    spec = importlib.util.spec_from_file_location("appaudit_capture_addon", ADDON)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.AppauditCapture()


def test_labels_markers_and_commands(tmp_path):
    facts = tmp_path / "phone.yaml"
    facts.write_text("imei: '356938035643809'\nbought: 2024-01-02\n", "utf-8")
    a = _addon()
    with taddons.context(a) as tctx:
        tctx.configure(a, appaudit_profile="p1", appaudit_device_facts=str(facts),
                       appaudit_package="com.example.app")
        f = tflow.tflow()
        a.request(f)
        assert f.metadata["appaudit_profile"] == "p1"
        assert f.metadata["appaudit_package"] == "com.example.app"
        assert f.metadata["appaudit_device_facts"] == {"imei": "356938035643809",
                                                       "bought": "2024-01-02"}
        assert f.metadata["appaudit_state"] == "foreground" and f.response is None

        consent = tflow.tflow()
        consent.request.url = "http://appaudit.consent/"
        a.request(consent)
        assert consent.metadata["appaudit_marker"] == "consent"
        assert consent.response is not None and consent.response.status_code == 200

        bg = tflow.tflow()
        bg.request.url = "http://appaudit.state/background"
        a.request(bg)
        later = tflow.tflow()
        a.request(later)
        assert later.metadata["appaudit_state"] == "background"

        a.set_state("foreground")
        a.consent()
        nxt = tflow.tflow()
        a.request(nxt)
        assert nxt.metadata["appaudit_state"] == "foreground"
        assert isinstance(nxt.metadata["appaudit_consent_at"], float)
        after = tflow.tflow()
        a.request(after)
        assert "appaudit_consent_at" not in after.metadata
