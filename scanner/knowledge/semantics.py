"""What a call site means: argument conditions, permissions and Android levels, as data.

One generic engine for every entry of rulesets/api-map.yaml; nothing here names an API.

* :func:`render_args` turns the register values recovered at the call site
  (:mod:`scanner.ingest.dex.values`) into ``api_uses[].args`` (only known values; an
  object argument such as an Intent contributes its attributes) and the set of
  attributes known to be absent (an Intent built in the method without a package).
* :func:`judge` applies the entry's ``when`` conditions (first match decides; a
  condition on an unknown value stops the search: the entry's own PI type is kept with
  low confidence, never a guess; ``declared`` conditions ask whether the app declares a
  permission, e.g. the precision of a location the app can have obtained), its
  permissions (any-of, stronger ones imply weaker) and its ``limits`` (Android levels on
  which the read yields nothing) against the app's declared permissions and min/target
  SDK.

Not-effective reasons (``api_uses[].not_effective_reason``):
``arguments_no_pi`` (the arguments show the call reads no PI), ``permission_not_declared``
(Android refuses the read without a permission the app does not declare),
``source_permission_not_declared`` (the call reads an object, e.g. a Location, that only a
call needing an undeclared permission can produce: entries or conditions with
``at_source: true``; Android checks nothing at this call, so it is no "called without the
permission" case),
``no_pi_on_supported_versions`` (the API returns a constant or nothing on every Android
version the app supports),
``one_entry_only`` (the call returns entries of several apps, and the calling code reads
only one entry it identifies, e.g. the app's own process: entries with ``result`` data,
judged by :mod:`scanner.ingest.dex.uses`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scanner.knowledge import ApiInfo

# Permissions that grant the same access: declaring the stronger one satisfies the weaker.
IMPLIED = {
    "android.permission.ACCESS_COARSE_LOCATION": ("android.permission.ACCESS_FINE_LOCATION",),
    "android.permission.READ_EXTERNAL_STORAGE": ("android.permission.WRITE_EXTERNAL_STORAGE",),
    "android.permission.READ_PHONE_STATE": ("android.permission.READ_PRIVILEGED_PHONE_STATE",),
}

ARGUMENTS_NO_PI = "arguments_no_pi"
PERMISSION_NOT_DECLARED = "permission_not_declared"
SOURCE_PERMISSION_NOT_DECLARED = "source_permission_not_declared"
NO_PI_ON_SUPPORTED_VERSIONS = "no_pi_on_supported_versions"
ONE_ENTRY_ONLY = "one_entry_only"

#: Highest Android API level the engine reasons about ("no upper limit" is None).
_NO_LIMIT = None


@dataclass(frozen=True)
class AppFacts:
    """What the judgement needs to know of the app."""

    package: str
    min_sdk: int | None
    target_sdk: int | None
    declared: frozenset[str]

    def has(self, permission: str) -> bool:
        """Whether the permission, or one that implies it, is declared."""
        return permission in self.declared or any(
            s in self.declared for s in IMPLIED.get(permission, ()))


@dataclass(frozen=True)
class Verdict:
    """The meaning of one call site."""

    pi_type: str
    permissions: tuple[str, ...]
    effective: bool
    reason: str | None = None
    reason_text: dict | None = None
    confidence: str = "high"
    api_levels: dict | None = None
    skip: bool = False


def render_value(v: tuple, app: AppFacts):
    """A known value as JSON (None when it is not known)."""
    kind = v[0]
    if kind in ("s", "i"):
        return v[1]
    if kind == "own":
        return app.package
    if kind == "c":
        return v[1][1:-1].replace("/", ".") if v[1].startswith("L") else v[1]
    if kind == "t":
        return f"<{v[1]}>"
    if kind == "o":
        attrs = dict(v[3])
        if "class" in attrs and attrs["class"][0] != "?":
            return render_value(attrs["class"], app)
        return None
    return None


def render_args(spec: Iterable[tuple[str, int]], values: list | None, regs: list[int],
                object_attrs: dict[str, tuple[str, ...]], app: AppFacts,
                present: set[str] | None = None) -> tuple[dict, frozenset[str]]:
    """(args, attributes known absent) for the declared parameters ``spec`` names.

    ``values`` are the invoke's register values, ``regs`` the register position of each
    declared parameter. ``present``, when given, receives the object attributes known to
    be set whose value is not known (``setPackage(x)`` with x unknown: the Intent names
    one package, whichever it is)."""
    args: dict = {}
    absent: set[str] = set()
    if not values:
        return args, frozenset()
    for key, i in spec:
        if i >= len(regs) or regs[i] >= len(values):
            continue
        v = values[regs[i]]
        if v is None:
            continue
        if v[0] == "o":
            attrs = dict(v[3])
            for name in object_attrs.get(v[1], ()):
                if name not in attrs:
                    absent.add(name)
            for name, av in attrs.items():
                if av == ("~",):  # may be set or not: neither present nor absent
                    absent.discard(name)
                    continue
                if av == ("?",) or av[0] == "p":
                    if present is not None and name != "categories":
                        present.add(name)
                    continue
                if name == "categories":
                    if all(x != ("?",) for x in av):
                        args[name] = [render_value(x, app) for x in av]
                    continue
                r = render_value(av, app)
                if r is not None:
                    args[name] = r
                elif present is not None:
                    present.add(name)
            continue
        r = render_value(v, app)
        if r is not None:
            args[key] = r
    return args, frozenset(absent)


def _match(matcher, key: str, args: dict, absent: frozenset[str], app: AppFacts,
           present: frozenset[str] = frozenset()) -> bool | None:
    """True / False, or None when the value is unknown."""
    if isinstance(matcher, dict) and "present" in matcher:
        if key in args or key in present:
            return bool(matcher["present"])
        if key in absent:
            return not matcher["present"]
        return None
    if key not in args:
        return False if key in absent else None
    value = args[key]
    if isinstance(matcher, dict):
        if "own" in matcher:
            return (value == app.package) == bool(matcher["own"])
        if "prefix" in matcher:
            ps = matcher["prefix"]
            ps = ps if isinstance(ps, list) else [ps]
            return isinstance(value, str) and any(value.startswith(p) for p in ps)
        if "contains" in matcher:
            return isinstance(value, list) and matcher["contains"] in value
        return False
    if isinstance(matcher, list):
        return value in matcher
    return value == matcher


def _condition(cond: dict, args: dict, absent: frozenset[str], app: AppFacts,
               present: frozenset[str] = frozenset()) -> bool | None:
    declared = cond.get("declared")
    if declared and not any(app.has(p) for p in declared):
        return False
    result: bool | None = True
    for key, matcher in (cond.get("if") or {}).items():
        m = _match(matcher, key, args, absent, app, present)
        if m is False:
            return False
        if m is None:
            result = None
    return result


def judge(info: ApiInfo, args: dict, absent: frozenset[str], app: AppFacts,
          heuristic: bool = False, present: frozenset[str] = frozenset()) -> Verdict:
    """Apply ``info``'s conditions, permissions and limits to one call site.

    ``heuristic``: the site was tied to its PI by a weaker signal than its own arguments
    (a selector string in the same method), so confidence is low."""
    pi_type, perms = info.pi_type, tuple(info.permissions)
    limits = list(info.limits)
    confidence = "low" if heuristic else "high"
    reason_text = None
    chosen = None
    if info.when or info.otherwise:
        for cond in info.when:
            m = _condition(cond, args, absent, app, present)
            if m is None:
                break
            if m:
                chosen = cond
                break
        else:
            chosen = info.otherwise
        if chosen is None:
            if info.unknown == "skip":
                return Verdict(pi_type, perms, False, skip=True)
            if info.unknown == "rule_out":
                return Verdict(pi_type, perms, False, ARGUMENTS_NO_PI, info.unknown_reason,
                               "low")
            confidence = "low"
    if chosen is not None and chosen.get("skip"):
        return Verdict(pi_type, perms, False, skip=True)
    if chosen is not None:
        reason_text = chosen.get("reason")
        if chosen.get("pi_type", "none") == "none":
            return Verdict(pi_type, perms, False, ARGUMENTS_NO_PI, reason_text, confidence)
        pi_type = str(chosen["pi_type"])
        if "permissions" in chosen:
            perms = tuple(chosen["permissions"])
        limits += list(chosen.get("limits") or ())
    if perms and not any(app.has(p) for p in perms):
        at_source = (chosen or {}).get("at_source")
        return Verdict(pi_type, perms, False,
                       SOURCE_PERMISSION_NOT_DECLARED if at_source else PERMISSION_NOT_DECLARED,
                       reason_text, confidence)
    lo = max(app.min_sdk or 1, 1)
    hi: int | None = _NO_LIMIT
    cut_by_permission = False
    for lim in limits:
        tmin = lim.get("target_min")
        if tmin is not None and (app.target_sdk is None or app.target_sdk < int(tmin)):
            continue
        perm = lim.get("unless_permission")
        if perm and app.has(str(perm)):
            continue
        top = int(lim["from_api"]) - 1
        if hi is None or top < hi:
            hi, cut_by_permission = top, bool(perm)
    extra = tuple(str(lim["unless_permission"]) for lim in limits if lim.get("unless_permission"))
    extra += tuple(info.also_uses)
    perms = perms + tuple(p for p in extra if p not in perms)
    if hi is not None and hi < lo:
        reason = PERMISSION_NOT_DECLARED if cut_by_permission else NO_PI_ON_SUPPORTED_VERSIONS
        return Verdict(pi_type, perms, False, reason, reason_text, confidence,
                       {"min": lo, "max": hi})
    return Verdict(pi_type, perms, True, None, reason_text, confidence, {"min": lo, "max": hi})
