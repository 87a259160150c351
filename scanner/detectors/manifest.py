"""Manifest facts: components, application flags, container anomalies, privacy-policy assets."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.model.evidence import NetworkConfig
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import Skipped

LAUNCHER = ("android.intent.action.MAIN", "android.intent.category.LAUNCHER")


class ManifestDetector(Detector):
    """One fact per component, one ``apk.flags`` fact, one per zip anomaly."""

    name = "manifest"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        for c in ev.components:
            launcher = any(LAUNCHER[0] in f.actions and LAUNCHER[1] in f.categories
                           for f in c.intent_filters)
            protected = bool(c.permission) or (
                c.type == "provider" and bool(c.read_permission) and bool(c.write_permission))
            yield Fact("apk.component", {
                "name": c.name, "type": c.type, "exported": c.exported,
                "exported_reason": c.exported_reason, "permission": c.permission,
                "read_permission": c.read_permission, "write_permission": c.write_permission,
                "grant_uri_permissions": c.grant_uri_permissions, "enabled": c.enabled,
                "launcher": launcher, "protected": protected,
                "intent_actions": sorted({a for f in c.intent_filters for a in f.actions}),
            }, (Locator("manifest", file="AndroidManifest.xml", element=c.type, name=c.name),))
        f = ev.flags
        cleartext = f.uses_cleartext_traffic if f.uses_cleartext_traffic is not None \
            else f.cleartext_default
        yield Fact("apk.flags", {
            "debuggable": f.debuggable, "allow_backup": f.allow_backup,
            "uses_cleartext_traffic": f.uses_cleartext_traffic,
            "cleartext_permitted": cleartext,
            "cleartext_explicit": f.uses_cleartext_traffic is True,
            "network_security_config": f.network_security_config,
            "test_only": f.test_only, "target_sdk": ev.target_sdk, "min_sdk": ev.min_sdk,
        }, (Locator("manifest", file="AndroidManifest.xml", element="application"),))
        for d in ev.damage:  # a damaged zip: the reading was partial
            yield Skipped.from_damage(d)
        nc = ev.network_config
        if nc is not None:
            yield network_config_fact(nc)
        for a in ev.anomalies:
            yield Fact("apk.anomaly", {"type": a.kind, "entry": a.entry, "detail": a.detail},
                       (Locator("zip", entry=a.entry),))


def network_config_fact(nc: NetworkConfig) -> Fact:
    """The ``apk.network_config`` fact of a network security config: what it says explicitly
    (user CAs trusted, cleartext permitted) and where (base-config, domain names)."""
    user_scope = (["base-config"] if nc.base_user_ca else []) + [
        ", ".join(d.domains) for d in nc.domains if d.user_ca]
    clear_scope = (["base-config"] if nc.base_cleartext else []) + [
        ", ".join(d.domains) for d in nc.domains if d.cleartext]
    return Fact("apk.network_config", {
        "file": nc.file, "readable": nc.problem is None,
        "user_ca": bool(user_scope), "user_ca_scope": user_scope[:50],
        "cleartext": bool(clear_scope), "cleartext_scope": clear_scope[:50],
        "debug_user_ca": nc.debug_user_ca,
    }, (Locator("zip", entry=nc.file),))
