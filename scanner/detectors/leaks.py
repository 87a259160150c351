"""Leaks: personal information that flows from where it is read to where it leaves the app.

Sources are the effective, not-unreachable PI reads the code detector found
(``ApiUse.effective``, ``reachable`` not False) and the framework callbacks of
rulesets/leaks.yaml that hand PI to app code (location updates), when the app declares
a permission that lets them deliver it. :class:`scanner.taint.LeakAnalysis` follows the
values; a flow whose sink is in a method no entry point reaches is dropped.

Yields :class:`Leak` items (result.json ``leaks[]``), one ``code.leak`` fact per leak
for the rules, and a :class:`Skipped` item when a cap stopped the analysis (the result
is then partial: leaks not found are not claimed absent). ``--no-leaks`` (option
``no_leaks``) turns the analysis off. The analysis is bounded by work (method analyses,
instruction visits: :class:`scanner.taint.Caps`), so the same APK gives the same leaks on any
machine; on a large app it stops at the caps (on the 30 MB-dex benchmark APK about a quarter
of the scan's CPU) and says so. ``leak_seconds`` adds a CPU-time cap of its own (default:
the 30 s safety net).
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.callgraph import Reachability
from scanner.detectors.code import code_origin, dotted_to_desc, is_payload
from scanner.detectors.code_facts import PARTY
from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.messages import msg, record
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ApiUse, Leak, LeakAnalysisInfo, Skipped
from scanner.taint import Caps, Component, LeakAnalysis, SourceSite, method_key

#: Where the value read at a source can end up, for findings: leaves the device, stays on it
#: but readable by others, or is written to the system log.
SOURCE_ACCESS = ("invoke", "field", "string", "reflection")


class LeakDetector(Detector):
    """Yields :class:`Leak` items and ``code.leak`` facts."""

    name = "leaks"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None or ctx.options.get("no_leaks"):
            return
        index = ctx.dex_index
        if index is None:
            return
        kb = ctx.knowledge
        spec = kb.leaks
        if not spec.sinks and not spec.launches:
            return
        entries = [dotted_to_desc(c.name) for c in ev.components if c.name and c.enabled]
        if ev.application_class:
            entries.append(dotted_to_desc(ev.application_class))
        shared = ctx.reachability
        # the code detector's reachability when its entry points are the same (its
        # answers are then the same, and already partly computed)
        reach = shared if shared is not None and shared.entry_classes == frozenset(entries) \
            else Reachability(index, entries)
        uses: list[ApiUse] = [u for u in ctx.of_type(ApiUse)
                              if u.effective and u.reachable is not False
                              and u.access in SOURCE_ACCESS]
        sources = [SourceSite(u.dex, u.offset, u.api, u.pi_type, u.caller) for u in uses]
        meta: list[tuple[str | None, str, str]] = [(u.sdk, u.origin, u.confidence) for u in uses]
        declared = {p.name for p in ev.permissions}
        for cb in spec.callback_sources:
            if cb.permissions and not declared & set(cb.permissions):
                continue
            for cls in sorted(reach.descendants(cb.implements)):
                caller = f"{cls}->{cb.method}"
                if method_key(index, caller) is None or reach.is_reachable(caller) is False:
                    continue
                sources.append(SourceSite("", 0, cb.api, cb.pi_type, caller, param=cb.param))
                meta.append((None, "app", "high"))
        if not sources:
            yield LeakAnalysisInfo(False, None, 0, 0)
            return
        components = [Component(dotted_to_desc(c.name), c.type,
                                tuple(a for f in c.intent_filters for a in f.actions))
                      for c in ev.components if c.name and c.enabled]
        seconds = ctx.options.get("leak_seconds")
        caps = Caps() if seconds is None else Caps(max_seconds=float(seconds))
        result = LeakAnalysis(index, spec, sources, components,
                              value_models=kb.value_models,
                              library_prefixes=kb.library_prefixes,
                              descendants=reach.descendants,
                              caps=caps).run()
        if result.partial:
            yield Skipped(*record(msg("part_leaks"),
                                  msg("skip_leaks_stopped",
                                      reason=result.reason_msg or result.reason)))
        catalog = ctx.sdk_catalog
        seen: set[tuple] = set()
        for flow in result.leaks:
            if not is_payload(flow.sink_dex) and reach.is_reachable(flow.sink_caller) is False:
                continue
            src = sources[flow.source]
            sdk, origin, confidence = meta[flow.source]
            if not flow.exact:
                confidence = "low"
            cls = flow.sink_caller.partition("->")[0]
            sig = catalog.sdk_for_class(cls)
            sink_sdk = sig.id if sig else None
            sink_origin = code_origin(sig, cls, kb.library_prefixes)
            key = (src.dex, src.offset, src.caller, flow.sink_dex, flow.sink_offset)
            if key in seen:
                continue
            seen.add(key)
            leak = Leak(
                source={"api": src.api, "pi_type": src.pi_type, "caller": src.caller,
                        "dex": src.dex or None, "offset": src.offset if src.dex else None},
                sink={"api": flow.sink_api, "kind": flow.sink_kind, "caller": flow.sink_caller,
                      "dex": flow.sink_dex, "offset": flow.sink_offset,
                      "external": flow.external},
                path=flow.path, sdk=sink_sdk or sdk, confidence=confidence,
                origin=sink_origin if sink_sdk or sink_origin != "app" else origin,
                exact=flow.exact)
            yield leak
            yield Fact("code.leak", {
                "pi_type": src.pi_type, "source_api": src.api, "source_caller": src.caller,
                "sink_api": flow.sink_api, "sink_kind": flow.sink_kind,
                "sink_caller": flow.sink_caller, "sdk": leak.sdk, "origin": leak.origin,
                "party": PARTY.get(leak.origin, "first"), "confidence": confidence,
                "path": list(flow.path), "exact": flow.exact, "sink_external": flow.external,
            }, (Locator("code", dex=flow.sink_dex, **{"class": cls},
                        method=flow.sink_caller.partition("->")[2], offset=flow.sink_offset,
                        api=flow.sink_api, sdk=leak.sdk),))
        yield LeakAnalysisInfo(result.partial, result.reason or None, len(sources),
                               int(result.stats.get("methods", 0)))
