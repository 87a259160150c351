"""Third-party SDKs in the code: class names of every dex matched against rulesets/sdks.

Each SDK comes with the class evidence behind it and, where its signature names a
version constant, the version read from the dex's static values.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import SdkUse
from scanner.sdk.catalog import default_catalog


def sdk_matches(index, catalog=None, sample: int = 20) -> list:
    """SDK matches over every class of a dex index, with versions read from constants."""
    catalog = catalog or default_catalog()
    values = {}
    for f in catalog.version_fields:
        if index.has_class(f.split("->")[0]):
            value = index.static_string_value(f)
            if value:
                values[f] = value
    return catalog.match_classes(index.class_names(), field_values=values, sample=sample)


class SdkDetector(Detector):
    """Yields :class:`SdkUse` items and ``apk.sdk`` facts."""

    name = "sdks"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        index = ctx.cache.get("dex_index")
        if index is None:
            return
        for m in sdk_matches(index):
            sig = m.sdk
            packages = sorted(set(m.matched_by))
            yield SdkUse(
                id=sig.id, name=sig.name, vendor=sig.vendor or "", categories=sig.categories,
                evidence={"packages": packages, "classes": list(m.classes),
                          "class_count": m.class_count},
                name_zh=sig.name_zh, country=sig.country, version=m.version,
                tracker=sig.tracker,
            )
            yield Fact("apk.sdk", {
                "id": sig.id, "name": sig.name, "vendor": sig.vendor, "country": sig.country,
                "categories": list(sig.categories), "tracker": sig.tracker,
                "class_count": m.class_count, "version": m.version,
            }, tuple(Locator("code", **{"class": c}) for c in m.classes[:5]))
