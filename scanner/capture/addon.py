"""mitmproxy addon that makes a capture ready for ``appaudit traffic``.

Usage (see scanner/capture/README.md)::

    mitmdump -s scanner/capture/addon.py -w session.mitm \\
        --set appaudit_profile=NAME --set appaudit_device_facts=phone.json \\
        --set appaudit_package=com.example.app

Contract
--------
* Every HTTP flow gets metadata (saved by ``-w`` with the flow): ``appaudit_profile``,
  ``appaudit_package`` (when set), ``appaudit_personalisation`` (``on`` / ``off``, when set:
  the app's personalised recommendation switch during the capture),
  ``appaudit_device_facts`` (the parsed facts file, so the capture carries the
  identifiers of the phone it was made with) and ``appaudit_state``
  (``foreground`` / ``background``).
* The addon answers two reserved hosts itself; they never reach the network:
  ``http://appaudit.consent/`` records the consent moment (flow metadata
  ``appaudit_marker: consent``); ``http://appaudit.state/background`` and
  ``/foreground`` switch the app state label of the following flows
  (``appaudit_marker: state``). Open them from the phone (browser or
  ``adb shell am start -a android.intent.action.VIEW -d http://appaudit.consent/``) or with
  ``curl -x``.
* The commands ``appaudit.consent`` and ``appaudit.state STATE`` do the same from the
  mitmproxy console; the next flow then carries the marker metadata
  (``appaudit_consent_at`` = the moment the command ran).

The addon imports nothing from the scanner, so it works from any mitmproxy install.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from mitmproxy import command, ctx, http

CONSENT_HOST = "appaudit.consent"
STATE_HOST = "appaudit.state"


def _read_facts(path: str) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        import yaml

        doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: device facts must be a mapping")
    # plain JSON types only: flow metadata must serialise (YAML may yield dates etc.)
    return json.loads(json.dumps(doc, default=str))


class AppauditCapture:
    """Labels flows with the capture profile, device facts, consent and app state."""

    def __init__(self) -> None:
        self.facts: dict[str, Any] | None = None
        self.state = "foreground"
        self.pending_consent: float | None = None

    def load(self, loader) -> None:
        """Declare the addon's options."""
        loader.add_option("appaudit_profile", str, "", "Name of this capture profile.")
        loader.add_option("appaudit_device_facts", str, "",
                          "JSON/YAML file with the test phone's identifiers.")
        loader.add_option("appaudit_package", str, "", "Package name of the app under test.")
        loader.add_option("appaudit_personalisation", str, "",
                          "on|off: whether the app's personalised recommendation was switched "
                          "off for this capture (appaudit pricing compares off profiles).")

    def configure(self, updated) -> None:
        """Read the device facts file when its option changes."""
        if "appaudit_device_facts" in updated:
            path = ctx.options.appaudit_device_facts
            self.facts = _read_facts(path) if path else None

    def _labels(self) -> dict[str, Any]:
        out: dict[str, Any] = {"appaudit_state": self.state}
        if ctx.options.appaudit_profile:
            out["appaudit_profile"] = ctx.options.appaudit_profile
        if ctx.options.appaudit_package:
            out["appaudit_package"] = ctx.options.appaudit_package
        pers = ctx.options.appaudit_personalisation.strip().lower()
        if pers in ("on", "off"):
            out["appaudit_personalisation"] = pers
        if self.facts is not None:
            out["appaudit_device_facts"] = self.facts
        return out

    def request(self, flow: http.HTTPFlow) -> None:
        """Label the flow; answer the reserved marker hosts."""
        flow.metadata.update(self._labels())
        if self.pending_consent is not None:
            flow.metadata["appaudit_consent_at"] = self.pending_consent
            self.pending_consent = None
        host = flow.request.pretty_host.lower()
        if host == CONSENT_HOST:
            flow.metadata["appaudit_marker"] = "consent"
            flow.response = http.Response.make(200, b"appaudit: consent recorded\n",
                                               {"Content-Type": "text/plain"})
        elif host == STATE_HOST:
            path = flow.request.path.lower()
            self.state = "background" if "background" in path else "foreground"
            flow.metadata["appaudit_marker"] = "state"
            flow.metadata["appaudit_state"] = self.state
            flow.response = http.Response.make(200, f"appaudit: {self.state}\n".encode(),
                                               {"Content-Type": "text/plain"})

    @command.command("appaudit.consent")
    def consent(self) -> None:
        """Record the consent moment now (attached to the next flow)."""
        self.pending_consent = time.time()

    @command.command("appaudit.state")
    def set_state(self, state: str) -> None:
        """Set the app state label (foreground|background) of the following flows."""
        self.state = "background" if state.strip().lower() == "background" else "foreground"


addons = [AppauditCapture()]
