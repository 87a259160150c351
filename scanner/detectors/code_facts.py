"""PI-access facts from the call sites found by code analysis, judged against the category.

One ``code.pi_access`` fact per effective call site (``ApiUse.effective``: a site that
cannot yield its PI feeds no finding; the report lists it as ruled out) with
``necessary``: true/false when the category is known, ``None`` when it is not (rules
then say "category unknown" instead of guessing). ``origin`` says whose code reads: the
app's own (``app``), a named third-party SDK's (``sdk``) or a development library's
(``library``); findings name it.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.detectors.permissions import api_locator
from scanner.model.facts import Fact
from scanner.model.result import ApiUse

DEVICE_IDS = frozenset({"device_id", "imsi", "iccid", "serial", "mac_address", "phone_number"})
PARTY = {"app": "first", "sdk": "third", "library": "library"}


class CodeFactsDetector(Detector):
    """Yields ``code.pi_access`` facts, one per call site."""

    name = "code_facts"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        cat = ctx.knowledge.categories.get(ctx.category) if ctx.category else None
        necessary = set(cat.necessary_pi) if cat else None
        for u in ctx.of_type(ApiUse):
            if not u.effective:
                continue
            yield Fact("code.pi_access", {
                "pi_type": u.pi_type, "api": u.api, "caller": u.caller, "sdk": u.sdk,
                "party": PARTY.get(u.origin, "first"), "origin": u.origin,
                "confidence": u.confidence, "args": dict(u.args),
                "reachable": u.reachable, "reflective": u.reflective, "access": u.access,
                "necessary": (u.pi_type in necessary) if necessary is not None else None,
                "category": ctx.category, "category_known": cat is not None,
                "device_identifier": u.pi_type in DEVICE_IDS,
                "target_sdk": ev.target_sdk if ev else None,
            }, (api_locator(u),))
