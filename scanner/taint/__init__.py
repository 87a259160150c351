"""Leak analysis: where data read from a PI source reaches a sink, over the DEX index.

    from scanner.taint import LeakAnalysis, SourceSite
    result = LeakAnalysis(index, kb.leaks, sources, components).run()
    result.leaks        # [LeakFlow(source, sink_api, sink_kind, sink_caller, path)]
    result.partial      # True when a cap (time, states, methods) stopped the analysis

The model is documented in :mod:`scanner.taint.analysis`.
"""

from __future__ import annotations

from scanner.taint.analysis import (
    Caps,
    Component,
    LeakAnalysis,
    LeakFlow,
    SourceSite,
    TaintResult,
    method_key,
)

__all__ = ["Caps", "Component", "LeakAnalysis", "LeakFlow", "SourceSite", "TaintResult",
           "method_key"]
