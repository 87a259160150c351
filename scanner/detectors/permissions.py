"""Permission facts: each declared permission, whether reachable code uses it, and
sensitive APIs called without their permission declared.

"Used" means some effective call site that needs the permission is reachable (or of
unknown reachability, which counts as used so that no excess-permission finding rests
on a guess). Without code analysis ``used`` stays ``None``. ``sdk_only`` means every
such site is in a named third-party SDK (development libraries are the app's own
means) and one of them certainly uses the permission: a ``weak`` call (api-map: it only
obtains a path, such as Environment.getExternalStorageDirectory for a free-space query)
counts as a use but never makes an SDK the only user. A call that needs an undeclared
permission is the code analysis's verdict ``not_effective_reason:
permission_not_declared``: it collects nothing, and is reported once, as
``code.permission_missing``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.detectors.packer import code_incomplete
from scanner.knowledge.semantics import IMPLIED, PERMISSION_NOT_DECLARED
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ApiUse

__all__ = ["IMPLIED", "PermissionsDetector", "api_locator"]


def api_locator(u: ApiUse) -> Locator:
    """Where a call site is: dex, class, method, instruction offset."""
    cls, _, method = u.caller.partition("->")
    return Locator("code", dex=u.dex, **{"class": cls}, method=method, offset=u.offset,
                   api=u.api, sdk=u.sdk)


def _as_use(fact: Fact) -> ApiUse:
    """A permission-only call site, in the shape of an API use, for permission counting."""
    loc = fact.evidence[0]
    return ApiUse(api=fact.get("api"), pi_type="", caller=fact.get("caller"),
                  sdk=fact.get("sdk"), reachable=fact.get("reachable"), reflective=False,
                  dex=loc.get("dex", ""), offset=loc.get("offset", 0),
                  permissions=tuple(fact.get("permissions") or ()),
                  origin=fact.get("origin") or ("sdk" if fact.get("sdk") else "app"))


class PermissionsDetector(Detector):
    """Yields ``apk.permission`` and ``code.permission_missing`` facts."""

    name = "permissions"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        code_done = ctx.dex_index is not None
        # packed build or encrypted payload: part of the code is not visible, so a permission
        # with no visible use is "cannot tell" (None), never "unused", and no SDK its "only" user
        packed = code_incomplete(ctx)
        assessable = ctx.knowledge.assessable_permissions
        uses = list(ctx.of_type(ApiUse))
        by_perm: dict[str, list[ApiUse]] = defaultdict(list)
        for u in uses:
            if not u.effective:
                continue
            for p in u.permissions:
                by_perm[p].append(u)
        weak: set[int] = set()  # calls that only obtain a path (api-map ``weak``)
        for f in ctx.facts("code.permission_call"):
            call = _as_use(f)
            if f.get("weak"):
                weak.add(id(call))
            for p in call.permissions:
                by_perm[p].append(call)
        declared = {p.name for p in ev.permissions}
        kb = ctx.knowledge.permissions
        for p in ev.permissions:
            info = kb.get(p.name)
            needing = by_perm.get(p.name, [])
            for weaker, stronger in IMPLIED.items():
                if p.name in stronger:
                    needing = needing + by_perm.get(weaker, [])
                # the weaker one goes with the stronger (Android 12 asks for coarse
                # location beside fine): a use of the stronger uses it too
                if p.name == weaker:
                    for s in stronger:
                        needing = needing + by_perm.get(s, [])
            live = [u for u in needing if u.reachable is not False]
            # a permission no mapped API needs cannot be judged: unknown, never "unused"
            used = bool(live) if code_done and p.name in assessable else None
            if packed and not used:
                used = None
            sdks = sorted({u.sdk for u in live if u.sdk and u.origin == "sdk"})
            # an SDK is the only user when it makes a call that certainly uses the
            # permission and no other code makes any (a weak call alone proves nothing)
            sdk_only = (any(id(u) not in weak for u in live)
                        and all(u.origin == "sdk" for u in live) and not packed)
            yield Fact("apk.permission", {
                "name": p.name,
                "dangerous": bool(info and info.dangerous),
                "protection": info.protection if info else "unknown",
                "known": info is not None,
                "pi_types": list(info.pi_types) if info else [],
                "used": used, "used_by_sdks": sdks, "sdk_only": sdk_only,
                "dead_code_only": bool(needing) and not live,
                "assessable": p.name in assessable,
                "target_sdk": ev.target_sdk, **({"code_incomplete": True} if packed else {}),
            }, (Locator("manifest", file="AndroidManifest.xml", element="uses-permission",
                        name=p.name),) + tuple(api_locator(u) for u in live[:20]))
        missing: dict[tuple[str, str], list[ApiUse]] = defaultdict(list)
        for u in uses:
            if u.not_effective_reason != PERMISSION_NOT_DECLARED or u.reachable is False:
                continue
            need = [p for p in u.permissions
                    if p not in declared and not any(s in declared for s in IMPLIED.get(p, ()))]
            missing[(u.api, " | ".join(need or u.permissions))].append(u)
        for (api, perms), sites in sorted(missing.items()):
            yield Fact("code.permission_missing", {
                "api": api, "permissions": perms, "pi_type": sites[0].pi_type,
                "sdk": sites[0].sdk, "sites": len(sites),
            }, tuple(api_locator(u) for u in sites[:20]))
