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
from dataclasses import replace
from itertools import product

import numpy as np

from scanner.callgraph import Reachability
from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.ingest.dex import DexIndex
from scanner.ingest.dex.uses import compile_patterns, one_entry_only
from scanner.ingest.dex.values import (
    UNKNOWN_ATTR,
    UNSURE_ATTR,
    ArgumentValues,
    declared_params,
    param_registers,
)
from scanner.knowledge import ApiInfo, Knowledge
from scanner.knowledge.semantics import (
    ARGUMENTS_NO_PI,
    ONE_ENTRY_ONLY,
    AppFacts,
    Verdict,
    judge,
    render_args,
)
from scanner.messages import msg, record
from scanner.model.damage import Damage
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ApiUse, Skipped
from scanner.sdk.catalog import SdkCatalog

GET_METHOD = ("getMethod", "getDeclaredMethod", "getField", "getDeclaredField")
#: Unsure attributes of one object judged both ways (2^n variants).
MAX_UNSURE = 3


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
            yield Skipped.from_damage(ctx.dex_damage or Damage(*record(msg("part_code"),
                                                                        msg("skip_no_dex"))))
            return
        for damage in index.damage[:20]:
            yield Skipped.from_damage(damage)
        reach = ctx.reachability
        yield from _api_uses(index, reach, ctx.knowledge, _app_facts(ctx), ctx.sdk_catalog)
        yield from _permission_calls(index, reach, ctx.knowledge.apis, ctx.sdk_catalog,
                                     ctx.knowledge.library_prefixes)


def is_payload(dex: str) -> bool:
    """Whether a dex is a payload (``assets/x.jar!classes.dex``), not a root classes*.dex: its
    code runs only through a class loader, so reachability from the manifest cannot be told."""
    return "/" in dex or "!" in dex


def _permission_calls(index: DexIndex, reach: Reachability, apis: tuple[ApiInfo, ...],
                      catalog: SdkCatalog,
                      library_prefixes: tuple[str, ...] = ()) -> Iterable[Fact]:
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
            "sdk": sig.id if sig else None, "origin": code_origin(sig, cls, library_prefixes),
            "reachable": None if is_payload(dex) else reach.is_reachable(caller),
            "weak": info.weak,
        }, (Locator("code", dex=dex, **{"class": cls}, method=method, offset=offset, api=api,
                    sdk=sig.id if sig else None),))


class _Sites:
    """Argument values at call sites, through one :class:`ArgumentValues` per scan."""

    def __init__(self, index: DexIndex, kb: Knowledge) -> None:
        self.index = index
        self.values = ArgumentValues(index.dexes, kb.value_models, index.class_table())
        self.dex_pos = {d.name: i for i, d in enumerate(index.dexes)}
        self.collections = {k: compile_patterns(v) for k, v in
                            (kb.value_models.get("collections") or {}).items()}
        #: (dex name, byte offset) -> (dex position, owning method, code unit) or None
        self._sites: dict[tuple[str, int], tuple[int, int, int] | None] = {}

    def prepare(self, sites: Iterable) -> None:
        """Declare the call sites that will be asked about (one analysis per method)."""
        by_dex: dict[int, list[int]] = defaultdict(list)
        for s in sites:
            di = self.dex_pos.get(s.dex)
            if di is not None:
                by_dex[di].append(s.offset // 2)
        for di, ps in by_dex.items():
            owners = self.index.dexes[di].owner_of(np.array(ps, dtype=np.int64)).tolist()
            name = self.index.dexes[di].name
            for p, own in zip(ps, owners, strict=True):
                self._sites[(name, p * 2)] = None if own < 0 else (di, own, p)
                if own >= 0:
                    self.values.prepare(di, own, (p,))

    def registers(self, dex: str, offset: int, wanted=None) -> list | None:
        """Register values of the invoke at byte ``offset`` of ``dex`` (None: unknown);
        ``wanted``: the register-list positions whose value is needed."""
        at = self._site(dex, offset)
        return None if at is None else self.values.arguments(*at, wanted)

    def alternatives(self, dex: str, offset: int, wanted: list[int]) -> list[list] | None:
        """Register values of the invoke, one list per calling context (arguments that are
        the caller's parameters followed to its callers; see ArgumentValues.alternatives)."""
        at = self._site(dex, offset)
        return None if at is None else self.values.alternatives(*at, wanted)

    def one_entry_only(self, dex: str, offset: int, result: dict) -> bool | None:
        """Whether the caller of the invoke reads only one identified entry (its own
        process...) of the collection it returns (scanner.ingest.dex.uses); None: unknown."""
        at = self._site(dex, offset)
        if at is None:
            return None
        return one_entry_only(self.values, *at, result["key"], result["equals"],
                              self.collections)

    def _site(self, dex: str, offset: int) -> tuple[int, int, int] | None:
        """(dex position, owning method, code unit) of the instruction at byte ``offset`` of
        ``dex``; None when the dex or the method is unknown."""
        key = (dex, offset)
        if key in self._sites:
            return self._sites[key]
        di = self.dex_pos.get(dex)
        if di is None:
            return None
        p = offset // 2
        owner = int(self.index.dexes[di].owner_of(np.array([p], dtype=np.int64))[0])
        hit = self._sites[key] = None if owner < 0 else (di, owner, p)
        return hit


def _app_facts(ctx: ScanContext) -> AppFacts:
    ev = ctx.apk
    return AppFacts(package=ev.package or "", min_sdk=ev.min_sdk, target_sdk=ev.target_sdk,
                    declared=frozenset(p.name for p in ev.permissions))


def code_origin(sig, cls: str, library_prefixes: tuple[str, ...]) -> str:
    """Whose code a class is: ``sdk`` (a catalogued third-party SDK, ``sig`` its match),
    ``library`` (a development or platform library) or ``app``."""
    if sig is not None:
        return "sdk" if sig.tracker else "library"
    dotted = cls[1:-1].replace("/", ".") if cls.startswith("L") else cls
    return "library" if any(dotted.startswith(p) for p in library_prefixes) else "app"


def _api_uses(index: DexIndex, reach: Reachability, kb: Knowledge,
              app: AppFacts, catalog: SdkCatalog) -> Iterable[ApiUse]:
    apis = kb.apis
    sdk_cache: dict[str, tuple[str | None, str]] = {}
    reach_cache: dict[str, bool | None] = {}
    sites = _Sites(index, kb)

    def sdk_of(cls: str) -> tuple[str | None, str]:
        if cls not in sdk_cache:
            sig = catalog.sdk_for_class(cls)
            sdk_cache[cls] = (sig.id if sig else None, code_origin(sig, cls, kb.library_prefixes))
        return sdk_cache[cls]

    def reachable(caller: str) -> bool | None:
        if caller not in reach_cache:
            reach_cache[caller] = reach.is_reachable(caller)
        return reach_cache[caller]

    def use(api: str, info: ApiInfo, cls: str, method: str, dex: str, offset: int,
            access: str, reflective_: bool = False, args: dict | None = None,
            absent: frozenset[str] = frozenset(), heuristic: bool = False,
            verdict: Verdict | None = None) -> ApiUse | None:
        verdict = verdict or judge(info, args or {}, absent, app, heuristic)
        if verdict.skip:
            return None
        caller = f"{cls}->{method}"
        sdk, origin = sdk_of(cls)
        return ApiUse(api=api, pi_type=verdict.pi_type, caller=caller, sdk=sdk,
                      reachable=None if is_payload(dex) else reachable(caller),
                      reflective=reflective_, dex=dex,
                      offset=offset, access=access, permissions=verdict.permissions,
                      args=dict(args or {}), origin=origin, effective=verdict.effective,
                      not_effective_reason=verdict.reason, reason_text=verdict.reason_text,
                      confidence=verdict.confidence, api_levels=verdict.api_levels)

    def call_args(info_args, callee: str, kind: str, dex: str, offset: int):
        regs = param_registers(callee, kind == "static")
        values = sites.registers(dex, offset, [regs[i] for _k, i in info_args if i < len(regs)])
        return render_args(info_args, values, regs, kb.object_attrs, app)

    def judged(info: ApiInfo, callee: str, kind: str, dex: str, offset: int
               ) -> tuple[dict, Verdict]:
        """Arguments and verdict of a call site judged in each calling context (and for
        each value of an argument that is one of several): a read if any context reads
        (the first such context's arguments are reported; where the
        contexts read different PI types, one reading the entry's own type, the widest
        meaning, e.g. a precise location where another caller asks for a coarse one). A
        context passing null where the API needs an object reads nothing (the call
        throws), so it is dropped; when every context does, the site is ruled out. A site
        ruled out in every context reports the arguments all its contexts share."""
        regs = param_registers(callee, kind == "static")
        types = declared_params(callee)
        pos = [i for _k, i in info.args if i < len(regs)]
        alts = sites.alternatives(dex, offset, [regs[i] for i in pos]) or [None]
        refs = [regs[i] for i in pos if types[i][0] in "L["]
        live = [a for a in alts
                if a is None or not any(r < len(a) and a[r] == ("i", 0) for r in refs)]
        if not live:  # null in every calling context: the call never reads anything
            return {}, Verdict(info.pi_type, tuple(info.permissions), False, ARGUMENTS_NO_PI,
                               kb.extra.get("engine_reasons", {}).get("null_argument"))
        best: tuple[dict, Verdict] | None = None
        common: dict | None = None  # the arguments every context agrees on
        for a in (v for alt in live or alts for v in _variants(alt, refs)):
            present: set[str] = set()
            args, absent = render_args(info.args, a, regs, kb.object_attrs, app, present)
            common = dict(args) if common is None else {k: x for k, x in common.items()
                                                        if args.get(k) == x}
            v = judge(info, args, absent, app, False, frozenset(present))
            if best is None or (v.effective and (
                    not best[1].effective
                    or (best[1].pi_type != info.pi_type and v.pi_type == info.pi_type))):
                best = (args, v)
            if v.effective and v.pi_type == info.pi_type:
                break
        assert best is not None
        if not best[1].effective:  # ruled out in every context: show what they all share
            return common or {}, best[1]
        return best

    invokes = {a.key: a for a in apis if a.access == "invoke"}
    calls = index.find_calls(invokes)
    sites.prepare(s for s in calls if invokes[s.callee].args)
    for s in calls:
        info = invokes[s.callee]
        args, verdict = (judged(info, s.callee, s.kind, s.dex, s.offset)
                         if info.args else ({}, None))
        if info.result is not None:
            verdict = verdict or judge(info, args, frozenset(), app)
            if verdict.effective and sites.one_entry_only(s.dex, s.offset, info.result):
                verdict = replace(verdict, effective=False, reason=ONE_ENTRY_ONLY,
                                  reason_text=info.result["reason"])
        u = use(s.callee, info, s.caller_class, s.caller_method, s.dex, s.offset, "invoke",
                args=args, verdict=verdict)
        if u is not None:
            yield u
    fields = {a.key: a for a in apis if a.access == "field"}
    for f in index.find_field_reads(fields):
        u = use(f.field, fields[f.field], f.caller_class, f.caller_method, f.dex, f.offset,
                "field")
        if u is not None:
            yield u
    yield from _selector_uses(index, kb, app, use, call_args, sites)
    yield from _reflective_uses(index, apis, kb.reflective, use, sites)


def _variants(alt: list | None, positions: list[int]) -> list:
    """``alt`` once per way the unsure attributes (UNSURE_ATTR: other code may have set
    them or not) of its object arguments can be: set to a value not known, or not set.
    More than MAX_UNSURE of them in one object: left as they are (judged unknown)."""
    out = [alt]
    for r in positions:
        nxt = []
        for a in out:
            v = a[r] if a is not None and r < len(a) else None
            names = [k for k, x in v[3] if x == UNSURE_ATTR] if v and v[0] == "o" else []
            if not names or len(names) > MAX_UNSURE:
                nxt.append(a)
                continue
            for mask in product((True, False), repeat=len(names)):
                attrs = dict(v[3])
                for name, is_set in zip(names, mask, strict=True):
                    if is_set:
                        attrs[name] = UNKNOWN_ATTR
                    else:
                        del attrs[name]
                b = list(a)
                b[r] = ("o", v[1], v[2], tuple(sorted(attrs.items())))
                nxt.append(b)
        out = nxt
    return out


def _selector_uses(index: DexIndex, kb: Knowledge, app: AppFacts, use, call_args,
                   sites: _Sites) -> Iterable[ApiUse]:
    """Generic reads whose PI is chosen by an argument (a setting name, a content URI, a
    file path): judged on the argument's value at the call; when it is unknown, by a
    selector string or Uri constant loaded in the same method (low confidence)."""
    strings = [a for a in kb.apis if a.access == "string"]
    uri_fields = {a.key: a for a in kb.apis if a.access == "uri_field"}
    uri_sinks = set(kb.uri_sinks)
    sinks = {w for a in strings for w in a.with_api} | uri_sinks
    by_sink: dict[str, list[ApiInfo]] = defaultdict(list)
    for a in strings:
        for w in a.with_api:
            by_sink[w].append(a)
    in_method: dict[tuple[str, str, str], list[ApiInfo]] = defaultdict(list)
    exact = {a.key for a in strings if a.match == "exact"}
    prefixes = tuple(a.key for a in strings if a.match == "prefix")
    for st in index.find_strings(exact, prefixes):
        for a in strings:
            if st.value == a.key if a.match == "exact" else st.value.startswith(a.key):
                in_method[(st.dex, st.caller_class, st.caller_method)].append(a)
    for f in index.find_field_reads(uri_fields):
        in_method[(f.dex, f.caller_class, f.caller_method)].append(uri_fields[f.field])
    seen: set[tuple] = set()
    sink_calls = index.find_calls(sinks)
    sites.prepare(s for s in sink_calls if s.callee in kb.sink_args)  # the ones asked about
    for s in sink_calls:
        applies = [a for a in in_method.get((s.dex, s.caller_class, s.caller_method), ())
                   if s.callee in a.with_api or (a.access == "uri_field" and s.callee in uri_sinks)]
        spec = kb.sink_args.get(s.callee)
        args: dict = {}
        if spec is not None:
            args, _absent = call_args((spec,), s.callee, s.kind, s.dex, s.offset)
        value = args.get(spec[0]) if spec else None
        if isinstance(value, str):
            hit = next((a for a in by_sink.get(s.callee, ())
                        if (value == a.key if a.match == "exact" else value.startswith(a.key))),
                       None)
            if hit is not None:
                out = [(hit, use(s.callee, hit, s.caller_class, s.caller_method, s.dex,
                                 s.offset, "string", args=args))]
            elif applies:
                # the selector in the method feeds something else: ruled out, and shown
                a = applies[0]
                v = Verdict(a.pi_type, a.permissions, False, ARGUMENTS_NO_PI)
                out = [(a, use(s.callee, a, s.caller_class, s.caller_method, s.dex, s.offset,
                               "string", args=args, verdict=v))]
            else:
                out = []
        else:
            out = [(a, use(s.callee, a, s.caller_class, s.caller_method, s.dex, s.offset,
                           "string", args=args, heuristic=True)) for a in applies]
        for a, u in out:
            key = (s.dex, s.offset, a.pi_type)
            if u is not None and key not in seen:
                seen.add(key)
                yield u


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
                     use, sites: _Sites) -> Iterable[ApiUse]:
    """``getMethod("getImei")`` and the like, reported as the API they reach.

    The looked-up class is the value of the receiver register (``Class.forName`` of a
    known name, a const-class, a name kept in a field); when that is unknown, a class
    looked up by name in the same method stands in for it (low confidence). In a
    reflection helper that takes the class and method names as parameters
    (``forName(className).getMethod(methodName, ...)``), the names are those its callers
    pass, context by context (ArgumentValues.alternatives)."""
    by_api = {a.key: a for a in apis if a.access == "invoke"}
    by_name: dict[str, list[dict]] = defaultdict(list)
    for r in reflective:
        if r.get("api") in by_api:
            by_name[str(r["name"])].append(r)
    if not by_name:
        return
    found = index.find_reflective_calls()
    lookups = [s for s in found if s.api.split("->")[1].split("(")[0] in GET_METHOD]
    wanted = [s for s in lookups if s.argument in by_name or s.argument is None
              or "Ljava/lang/String;" in s.caller_method.partition(")")[0]]
    sites.prepare(wanted)
    class_sites: dict[tuple[str, str, str], list] = defaultdict(list)
    for s in found:
        if "->forName(" in s.api or "->loadClass(" in s.api:
            class_sites[(s.dex, s.caller_class, s.caller_method)].append(s)

    def classes_in(key: tuple[str, str, str]) -> set[str]:
        out = set()
        for c in class_sites.get(key, ()):
            regs = sites.registers(c.dex, c.offset, (0,)) or []
            name = regs[0] if regs and regs[0] is not None and regs[0][0] == "s" else None
            out.add(name[1] if name else (c.argument or ""))
        return out

    def lookups_at(s) -> list[tuple]:
        """(class, method name) values the lookup may ask for: one pair per calling context
        when the names are the method's parameters (a reflection helper), else the pair the
        method itself holds."""
        regs = sites.registers(s.dex, s.offset, (0, 1)) or []
        if not any(v is not None and v[0] in ("p", "any") for v in regs[:2]):
            return [(regs[0] if regs else None, regs[1] if len(regs) > 1 else None)]
        return [(a[0], a[1]) for a in sites.alternatives(s.dex, s.offset, [0, 1]) or []
                if len(a) > 1]

    def reached(s, recv, name_v) -> Iterable[ApiUse]:
        name = name_v[1] if name_v is not None and name_v[0] == "s" else None
        if name is None and name_v is not None and name_v[0] in ("p", "any"):
            return  # a helper's parameter no caller names: nothing to say
        heuristic = name is None
        name = name or s.argument
        if not name or name not in by_name:
            return
        cls_known = (recv[1][1:-1].replace("/", ".")
                     if recv is not None and recv[0] == "c" else None)
        looked_up = classes_in((s.dex, s.caller_class, s.caller_method)) if not cls_known else set()
        for entry in by_name.get(name, ()):
            want = entry.get("class")
            weak = heuristic
            if cls_known is not None:
                if want and want != cls_known:
                    continue
            elif want and want not in looked_up:
                continue
            else:
                weak = True
            args = {"class": cls_known or want, "method": name} if not weak else {}
            u = use(entry["api"], by_api[entry["api"]], s.caller_class, s.caller_method,
                    s.dex, s.offset, "reflection", reflective_=True, args=args,
                    heuristic=weak)
            if u is not None:
                yield u

    for s in wanted:
        done: set[str] = set()  # one use per API reached from a site
        for recv, name_v in lookups_at(s):
            for u in reached(s, recv, name_v):
                if u.api not in done:
                    done.add(u.api)
                    yield u
