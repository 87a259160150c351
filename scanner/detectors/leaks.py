"""Leaks: personal information that flows from where it is read to where it leaves the app.

Sources are the effective, not-unreachable PI reads the code detector found
(``ApiUse.effective``, ``reachable`` not False) and the framework callbacks of
rulesets/leaks.yaml that hand PI to app code (location updates), when the app declares
a permission that lets them deliver it. :class:`scanner.taint.LeakAnalysis` follows the
values; a flow whose sink is in a method no entry point reaches is dropped.

Yields :class:`Leak` items (result.json ``leaks[]``), one ``code.leak`` fact per leak
for the rules, and a :class:`Skipped` item when a cap stopped the analysis (the result
is then partial: leaks not found are not claimed absent). ``--no-leaks`` (option
``no_leaks``) turns the analysis off; ``leak_seconds`` sets its CPU-time cap, which is by
default 70 % of the CPU time the process has spent so far (at least 2 s, at most 20 s): on a large
app the analysis then at most doubles the scan, and says when it stopped early.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from scanner.callgraph import Reachability
from scanner.detectors.code import dotted_to_desc, is_payload
from scanner.detectors.code_facts import PARTY
from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ApiUse, Leak, LeakAnalysisInfo, Skipped
from scanner.taint import Caps, Component, LeakAnalysis, SourceSite

#: Where the value read at a source can end up, for findings: leaves the device, stays on it
#: but readable by others, or is written to the system log.
SOURCE_ACCESS = ("invoke", "field", "string", "reflection")
#: least CPU seconds the leak analysis gets by default (see ``apk``)
MIN_SECONDS = 2.0
#: share of the CPU time used before the analysis that it may use by default
BUDGET_SHARE = 0.7


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
        reach = Reachability(index, entries)
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
                if index.find_method(caller) is None or reach.is_reachable(caller) is False:
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
        if seconds is None:
            # the default budget is BUDGET_SHARE of the CPU time the process has used so far
            # (at least MIN_SECONDS, at most Caps.max_seconds): with what follows (reachability
            # of the sinks, the reports) the leak analysis at most doubles a large scan
            used = time.process_time()
            seconds = min(Caps.max_seconds, max(MIN_SECONDS, BUDGET_SHARE * used))
        result = LeakAnalysis(index, spec, sources, components,
                              value_models=kb.value_models,
                              library_prefixes=kb.library_prefixes,
                              descendants=reach.descendants,
                              caps=Caps(max_seconds=seconds)).run()
        if result.partial:
            yield Skipped("leaks", f"leak analysis stopped early: {result.reason}; the leaks "
                                   "listed were found before it stopped")
        catalog = ctx.sdk_catalog
        from scanner.detectors.code import _origin

        seen: set[tuple] = set()
        for flow in result.leaks:
            if not is_payload(flow.sink_dex) and reach.is_reachable(flow.sink_caller) is False:
                continue
            src = sources[flow.source]
            sdk, origin, confidence = meta[flow.source]
            cls = flow.sink_caller.partition("->")[0]
            sig = catalog.sdk_for_class(cls)
            sink_sdk = sig.id if sig else None
            sink_origin = _origin(sig, cls, kb.library_prefixes)
            key = (src.dex, src.offset, src.caller, flow.sink_dex, flow.sink_offset)
            if key in seen:
                continue
            seen.add(key)
            leak = Leak(
                source={"api": src.api, "pi_type": src.pi_type, "caller": src.caller,
                        "dex": src.dex or None, "offset": src.offset if src.dex else None},
                sink={"api": flow.sink_api, "kind": flow.sink_kind, "caller": flow.sink_caller,
                      "dex": flow.sink_dex, "offset": flow.sink_offset},
                path=flow.path, sdk=sink_sdk or sdk, confidence=confidence,
                origin=sink_origin if sink_sdk or sink_origin != "app" else origin)
            yield leak
            yield Fact("code.leak", {
                "pi_type": src.pi_type, "source_api": src.api, "source_caller": src.caller,
                "sink_api": flow.sink_api, "sink_kind": flow.sink_kind,
                "sink_caller": flow.sink_caller, "sdk": leak.sdk, "origin": leak.origin,
                "party": PARTY.get(leak.origin, "first"), "confidence": confidence,
                "path": list(flow.path),
            }, (Locator("code", dex=flow.sink_dex, **{"class": cls},
                        method=flow.sink_caller.partition("->")[2], offset=flow.sink_offset,
                        api=flow.sink_api, sdk=leak.sdk),))
        yield LeakAnalysisInfo(result.partial, result.reason or None, len(sources),
                               int(result.stats.get("methods", 0)))
