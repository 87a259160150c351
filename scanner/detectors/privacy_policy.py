"""Whether the APK carries a privacy policy: a policy asset, a policy kept in its resources
(a resources.arsc string, a text asset or res/raw file that reads as the app's own policy:
:func:`scanner.detectors.policy_text.resource_policies`), or a policy URL in its code
strings."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.detectors.packer import code_incomplete
from scanner.model.facts import Fact
from scanner.model.locator import Locator

POLICY_URL = re.compile(r"^https?://\S*(privacy|policy|yinsi|隐私|agreement|protocol|legal)\S*$",
                        re.I)


class PrivacyPolicyDetector(Detector):
    """Yields one ``apk.privacy_policy`` fact (present or not, with what was found)."""

    name = "privacy_policy"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        urls: list[str] = []
        index = ctx.dex_index
        if index is not None:
            sites = index.find_strings(prefixes=("http://", "https://"))
            urls = sorted({s.value for s in sites if POLICY_URL.match(s.value)})[:20]
        assets = list(ev.privacy_policy_assets)
        from scanner.detectors.policy_text import resource_policies

        found, _ = resource_policies(ctx)
        resources = [src.removeprefix("apk:") for src, *_ in found]
        locs = [Locator("zip", entry=a) for a in assets + resources]
        attrs = {"present": bool(assets or urls or resources), "assets": assets, "urls": urls,
                 "resources": resources, "code_searched": index is not None}
        if code_incomplete(ctx):
            # part of the code (and its strings) is encrypted: a missing policy URL cannot be
            # told from static analysis
            attrs["code_incomplete"] = True
        yield Fact("apk.privacy_policy", attrs, tuple(locs))
