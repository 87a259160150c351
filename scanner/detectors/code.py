"""Code analysis: every call site of a sensitive API, with its PI type, SDK and reachability.

Reads the dex files through :class:`scanner.ingest.dex.DexIndex` (a purpose-made
index: only the mapped APIs' call sites are decoded) and asks
:class:`scanner.callgraph.Reachability` whether each caller is reachable from
the manifest's entry points. Four kinds of access are found, following
rulesets/api-map.yaml:

- ``invoke``: a call of a mapped method;
- ``field``: a read of a mapped static field (``Build.SERIAL``);
- ``string``: a const-string that selects PI (``"android_id"``, ``content://sms``)
  in a method that also calls the API it selects with (Settings.getString,
  ContentResolver.query...); the call is reported;
- ``reflection``: ``getMethod("getImei")`` and the like, in a method that looks the
  class up by name, reported as the API reached (``reflective: true``).

The index is ``ctx.dex_index`` (built on first use, shared with later detectors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scanner.callgraph import Reachability
from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.ingest.dex import DexIndex
from scanner.knowledge import ApiInfo
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ApiUse, Skipped
from scanner.sdk.catalog import SdkCatalog

GET_METHOD = ("getMethod", "getDeclaredMethod", "getField", "getDeclaredField")


def dotted_to_desc(name: str) -> str:
    """``com.a.B`` → ``Lcom/a/B;``."""
    return "L" + name.replace(".", "/") + ";"


class CodeDetector(Detector):
    """Yields :class:`ApiUse` items (and :class:`Skipped` when dex files are unreadable)."""

    name = "code"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        index = ctx.dex_index
        if index is None:
            yield Skipped("code", ctx.dex_problem or "no dex index")
            return
        for problem in index.problems[:20]:
            yield Skipped("code", f"partly unreadable: {problem}")
        entries = [dotted_to_desc(c.name) for c in ev.components if c.name]
        if ev.application_class:
            entries.append(dotted_to_desc(ev.application_class))
        reach = Reachability(index, entries)
        yield from _api_uses(index, reach, ctx.knowledge.apis, ctx.knowledge.uri_sinks,
                             ctx.knowledge.reflective, ctx.sdk_catalog)
        yield from _permission_calls(index, reach, ctx.knowledge.apis, ctx.sdk_catalog)


def is_payload(dex: str) -> bool:
    """Whether a dex is a payload (``assets/x.jar!classes.dex``), not a root classes*.dex: its
    code runs only through a class loader, so reachability from the manifest cannot be told."""
    return "/" in dex or "!" in dex


def _permission_calls(index: DexIndex, reach: Reachability, apis: tuple[ApiInfo, ...],
                      catalog: SdkCatalog) -> Iterable[Fact]:
    """``code.permission_call`` facts: calls that need a dangerous permission but read no
    PI (sending SMS, placing calls...), so that permission use is judged on all of them."""
    invokes = {a.key: a for a in apis if a.access == "perm_invoke"}
    strings = [a for a in apis if a.access == "perm_string"]
    found: list[tuple[str, ApiInfo, str, str, str, int]] = [
        (s.callee, invokes[s.callee], s.caller_class, s.caller_method, s.dex, s.offset)
        for s in index.find_calls(invokes)]
    if strings:
        calls_in = _calls_by_method(index, {w for a in strings for w in a.with_api})
        found.extend((site.callee, info, st.caller_class, st.caller_method, st.dex, site.offset)
                     for info, st, site in _string_selections(index, strings, calls_in, ()))
    for api, info, cls, method, dex, offset in found:
        caller = f"{cls}->{method}"
        sig = catalog.sdk_for_class(cls)
        yield Fact("code.permission_call", {
            "api": api, "permissions": list(info.permissions), "caller": caller,
            "sdk": sig.id if sig else None,
            "reachable": None if is_payload(dex) else reach.is_reachable(caller),
        }, (Locator("code", dex=dex, **{"class": cls}, method=method, offset=offset, api=api,
                    sdk=sig.id if sig else None),))


def _api_uses(index: DexIndex, reach: Reachability, apis: tuple[ApiInfo, ...],
              uri_sinks: tuple[str, ...], reflective: tuple[dict, ...],
              catalog: SdkCatalog) -> Iterable[ApiUse]:
    sdk_cache: dict[str, str | None] = {}
    reach_cache: dict[str, bool | None] = {}

    def sdk_of(cls: str) -> str | None:
        if cls not in sdk_cache:
            sig = catalog.sdk_for_class(cls)
            sdk_cache[cls] = sig.id if sig else None
        return sdk_cache[cls]

    def reachable(caller: str) -> bool | None:
        if caller not in reach_cache:
            reach_cache[caller] = reach.is_reachable(caller)
        return reach_cache[caller]

    def use(api: str, info: ApiInfo, cls: str, method: str, dex: str, offset: int,
            access: str, reflective_: bool = False) -> ApiUse:
        caller = f"{cls}->{method}"
        return ApiUse(api=api, pi_type=info.pi_type, caller=caller, sdk=sdk_of(cls),
                      reachable=None if is_payload(dex) else reachable(caller),
                      reflective=reflective_, dex=dex,
                      offset=offset, access=access, permissions=info.permissions)

    invokes = {a.key: a for a in apis if a.access == "invoke"}
    for s in index.find_calls(invokes):
        yield use(s.callee, invokes[s.callee], s.caller_class, s.caller_method, s.dex,
                  s.offset, "invoke")
    fields = {a.key: a for a in apis if a.access == "field"}
    for f in index.find_field_reads(fields):
        yield use(f.field, fields[f.field], f.caller_class, f.caller_method, f.dex, f.offset,
                  "field")

    # Selectors (strings, Uri constants) count where their method calls the selecting API.
    strings = [a for a in apis if a.access == "string"]
    uri_fields = {a.key: a for a in apis if a.access == "uri_field"}
    calls_in = _calls_by_method(index, set(uri_sinks) | {w for a in strings for w in a.with_api})
    seen: set[tuple] = set()
    for info, st, site in _string_selections(index, strings, calls_in, uri_sinks):
        key = (site.dex, site.offset, info.pi_type)
        if key not in seen:
            seen.add(key)
            yield use(site.callee, info, st.caller_class, st.caller_method, st.dex,
                      site.offset, "string")
    for f in index.find_field_reads(uri_fields):
        info = uri_fields[f.field]
        site = _selecting_call(calls_in[(f.dex, f.caller_class, f.caller_method)], set(),
                               uri_sinks)
        api, offset = (site.callee, site.offset) if site else (f.field, f.offset)
        key = (f.dex, offset, info.pi_type)
        if key not in seen:
            seen.add(key)
            yield use(api, info, f.caller_class, f.caller_method, f.dex, offset, "string")

    yield from _reflective_uses(index, apis, reflective, use)


def _calls_by_method(index: DexIndex, descriptors: set[str]) -> dict[tuple[str, str, str], list]:
    """Call sites of ``descriptors`` grouped by (dex, caller class, caller method)."""
    calls_in: dict[tuple[str, str, str], list] = defaultdict(list)
    for s in index.find_calls(descriptors):
        calls_in[(s.dex, s.caller_class, s.caller_method)].append(s)
    return calls_in


def _string_selections(index: DexIndex, selectors: list[ApiInfo],
                       calls_in: dict[tuple[str, str, str], list],
                       uri_sinks: tuple[str, ...]) -> Iterable[tuple]:
    """(selector, const-string site, call it feeds) for every selecting string whose method
    also calls the API it selects with."""
    exact = {a.key for a in selectors if a.match == "exact"}
    prefixes = tuple(a.key for a in selectors if a.match == "prefix")
    for st in index.find_strings(exact, prefixes):
        for info in selectors:
            hit = st.value == info.key if info.match == "exact" else st.value.startswith(info.key)
            if not hit:
                continue
            site = _selecting_call(calls_in[(st.dex, st.caller_class, st.caller_method)],
                                   set(info.with_api), uri_sinks)
            if site is not None:
                yield info, st, site


def _selecting_call(sites: list, with_api: set[str], uri_sinks: tuple[str, ...]):
    """The call a selector feeds: a content-provider read if the method has one, else the
    selecting API itself (Settings.getString, Uri.parse)."""
    for s in sites:
        if s.callee in uri_sinks:
            return s
    for s in sites:
        if s.callee in with_api:
            return s
    return None


def _reflective_uses(index: DexIndex, apis: tuple[ApiInfo, ...], reflective: tuple[dict, ...],
                     use) -> Iterable[ApiUse]:
    by_api = {a.key: a for a in apis if a.access == "invoke"}
    by_name: dict[str, list[dict]] = defaultdict(list)
    for r in reflective:
        if r.get("api") in by_api:
            by_name[str(r["name"])].append(r)
    if not by_name:
        return
    sites = index.find_reflective_calls()
    classes_in: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s in sites:
        if "->forName(" in s.api or "->loadClass(" in s.api:
            classes_in[(s.dex, s.caller_class, s.caller_method)].add(s.argument or "")
    for s in sites:
        member = s.api.split("->")[1].split("(")[0]
        if member not in GET_METHOD or not s.argument:
            continue
        looked_up = classes_in[(s.dex, s.caller_class, s.caller_method)]
        for entry in by_name.get(s.argument, ()):
            if entry.get("class") and entry["class"] not in looked_up:
                continue
            yield use(entry["api"], by_api[entry["api"]], s.caller_class, s.caller_method,
                      s.dex, s.offset, "reflection", reflective_=True)
