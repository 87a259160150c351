"""Third-party SDKs in the code: class names of every dex and the native libraries
(``lib/<abi>/*.so``) of the APK matched against rulesets/sdks.

Each SDK comes with the class evidence behind it (``packages``, ``classes``,
``class_count``) and/or the native library entry paths (``native_libs``) and, where its
signature names a version constant, the version read from the dex's static values.
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
        index = ctx.dex_index
        catalog = ctx.sdk_catalog
        code = sdk_matches(index, catalog) if index is not None else []
        native = {}
        if ctx.apk is not None:
            native = {m.id: m for m in catalog.match_native(ctx.apk.entry_names)}
        for m in code:
            yield from self._items(m, native.pop(m.id, None))
        for m in native.values():  # found by their native libraries only
            yield from self._items(None, m)

    @staticmethod
    def _items(m, n) -> Iterable[Item]:
        """SdkUse and apk.sdk fact of one SDK from its code match ``m`` and/or native match
        ``n`` (either may be None)."""
        sig = (m or n).sdk
        evidence: dict = {}
        locators: list[Locator] = []
        if m is not None:
            evidence = {"packages": sorted(set(m.matched_by)), "classes": list(m.classes),
                        "class_count": m.class_count}
            locators = [Locator("code", **{"class": c}) for c in m.classes[:5]]
        libs = list(n.native_libs) if n is not None else []
        if libs:
            evidence["native_libs"] = libs
            locators += [Locator("zip", entry=p) for p in libs[:5]]
        version = m.version if m is not None else None
        yield SdkUse(
            id=sig.id, name=sig.name, vendor=sig.vendor or "", categories=sig.categories,
            evidence=evidence, name_zh=sig.name_zh, country=sig.country, version=version,
            tracker=sig.tracker,
        )
        fact = {
            "id": sig.id, "name": sig.name, "vendor": sig.vendor, "country": sig.country,
            "categories": list(sig.categories), "tracker": sig.tracker,
            "class_count": m.class_count if m is not None else 0, "version": version,
        }
        if libs:
            fact["native_libs"] = libs
        yield Fact("apk.sdk", fact, tuple(locators))
