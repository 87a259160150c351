"""Static side of self-start and associated start, for apps with no hook log: what the
manifest lets Android or other apps start without the user (``rulesets/runtime.yaml``
``wake_broadcasts`` and ``start_sdk_categories``, through ``Knowledge.runtime``).

Facts, one per (component, action):

``apk.start_capability``  {start_kind: self|associated, cause, cause_zh, cause_en, action,
                           component, component_type, sdk, delivered, reason}

* self: an enabled receiver whose intent filter names a wake broadcast. ``delivered`` is
  false, with ``reason``, when the broadcast needs a permission the app does not declare, or
  no longer reaches manifest receivers at the app's targetSdk.
* associated: an enabled, exported service or receiver with an intent filter, of an SDK of
  a ``start_sdk_categories`` category (the SDK catalogue attributes the component class):
  other apps embedding the same SDK can start it through its own actions (platform actions,
  under ``framework_prefixes``, are the system's). ``delivered`` is true. A component guarded
  by a permission other apps cannot hold (a signature or system permission, or one the app
  does not itself declare as normal/dangerous) is left out.

A capability is not an observed start: the rules on these facts say "possible" and have lower
confidence than PRIV-RT-0005/0006, which need a start in a hook log.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.model.facts import Fact
from scanner.model.locator import Locator

NOT_DECLARED = "permission_not_declared"
NOT_DELIVERED = "not_delivered_at_target"


class StartCapabilityDetector(Detector):
    name = "start_capability"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        cfg = ctx.knowledge.runtime
        causes = cfg.self_start_causes
        declared = {p.name for p in ev.permissions}
        start_cats = set(cfg.start_sdk_categories)
        # permissions any app may hold: the app's own with normal or dangerous protection
        open_perms = {n for n, level in ev.declared_permissions
                      if not any(x in (level or "") for x in ("signature", "system",
                                                              "privileged"))}
        for c in ev.components:
            if not c.enabled:
                continue
            actions = sorted({a for f in c.intent_filters for a in f.actions})
            sig = ctx.sdk_catalog.sdk_for_class("L" + c.name.replace(".", "/") + ";")
            sdk = sig.id if sig is not None else None
            where = (Locator("manifest", file="AndroidManifest.xml", element=c.type,
                             name=c.name),)
            if c.type == "receiver":
                for action in actions:
                    wake = cfg.wake_broadcasts.get(action)
                    if wake is None:
                        continue
                    reason = None
                    perm = wake.get("permission")
                    until = wake.get("until_target")
                    if perm and perm not in declared:
                        reason = NOT_DECLARED
                    elif until is not None and ev.target_sdk is not None \
                            and ev.target_sdk > int(until):
                        reason = NOT_DELIVERED
                    label = causes[wake["cause"]]
                    yield Fact("apk.start_capability", {
                        "start_kind": "self", "cause": wake["cause"], "cause_zh": label["zh"],
                        "cause_en": label["en"], "action": action, "component": c.name,
                        "component_type": c.type, "sdk": sdk, "delivered": reason is None,
                        "reason": reason}, where)
            if c.type in ("service", "receiver") and c.exported and actions and \
                    sig is not None and start_cats & set(sig.categories) and \
                    (not c.permission or c.permission in open_perms):
                for action in actions:
                    if action.startswith(cfg.framework_prefixes):
                        continue  # a platform action: the system sends it, not another app
                    yield Fact("apk.start_capability", {
                        "start_kind": "associated", "cause": "other_app",
                        "cause_zh": causes.get("other_app", {}).get("zh", "other_app"),
                        "cause_en": causes.get("other_app", {}).get("en", "other_app"),
                        "action": action, "component": c.name, "component_type": c.type,
                        "sdk": sdk, "delivered": True, "reason": None}, where)
