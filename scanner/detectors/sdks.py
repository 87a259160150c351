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
from scanner.model.result import SdkUse, evidence_strength
from scanner.sdk.catalog import default_catalog
from scanner.sdk.declared import declared_evidence, resolve_shared, string_hosts


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
        code = {m.sdk.id: m for m in (sdk_matches(index, catalog) if index is not None else [])}
        native: dict = {}
        other: dict[str, dict[str, list[str]]] = {}
        ev = ctx.apk
        if ev is not None:
            native = {m.id: m for m in catalog.match_native(ev.entry_names)}
            permissions = [p.name for p in ev.permissions] + [n for n, _ in
                                                              ev.declared_permissions]
            other = declared_evidence(catalog, (c.name for c in ev.components if c.name),
                                      ev.meta_data, permissions, ev.entry_names)
        resolve_shared(other, set(code) | set(native))
        if index is not None:
            urls = (s.value for s in index.find_strings(prefixes=("http://", "https://")))
            for sid, kinds in string_hosts(catalog, urls).items():
                other.setdefault(sid, {}).update(kinds)
        # a packer's own native libraries (some catalogues list them as SDKs) are reported as
        # app.packer, not as an SDK
        packer = next(ctx.facts("apk.packer"), None)
        if packer is not None:
            stub = {e["value"] for e in packer.get("evidence") or ()}
            native = {k: m for k, m in native.items()
                      if k in code or k in other or not set(m.native_libs) <= stub}
        for sid in sorted(set(code) | set(native) | set(other)):
            sig = (code.get(sid) or native.get(sid) or None)
            sig = sig.sdk if sig is not None else catalog.get(sid)
            if sig is not None:
                yield from self._items(sig, code.get(sid), native.get(sid), other.get(sid, {}))

    @staticmethod
    def _items(sig, m, n, other: dict[str, list[str]]) -> Iterable[Item]:
        """SdkUse and apk.sdk fact of one SDK from its code match ``m``, native match ``n``
        (either may be None) and its other evidence ``{kind: values}``."""
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
        for kind in ("manifest_components", "meta_data", "permissions", "files", "code_hosts"):
            if other.get(kind):
                evidence[kind] = sorted(other[kind])
        locators += [Locator("zip", entry=p) for p in evidence.get("files", [])[:5]]
        if "manifest_components" in evidence or "meta_data" in evidence:
            locators.append(Locator("manifest", file="AndroidManifest.xml"))
        kinds, confidence = evidence_strength(evidence)
        version = m.version if m is not None else None
        yield SdkUse(
            id=sig.id, name=sig.name, vendor=sig.vendor or "", categories=sig.categories,
            evidence=evidence, name_zh=sig.name_zh, country=sig.country, version=version,
            tracker=sig.tracker, evidence_kinds=kinds, confidence=confidence,
        )
        fact = {
            "id": sig.id, "name": sig.name, "vendor": sig.vendor, "country": sig.country,
            "categories": list(sig.categories), "tracker": sig.tracker,
            "class_count": m.class_count if m is not None else 0, "version": version,
            "evidence_kinds": list(kinds), "confidence": confidence,
        }
        if libs:
            fact["native_libs"] = libs
        yield Fact("apk.sdk", fact, tuple(locators))
