"""Reachability of app methods from manifest entry points, computed lazily backwards.

    from scanner.callgraph import Reachability
    r = Reachability(idx, entry_classes=["Lcom/a/MainActivity;", "Lcom/a/App;"])
    r.is_reachable("Lcom/a/Util;->leak()V")     # True / False / None (unknown)
    r.check_site(call_site)                      # ReachResult(method, reachable, path, reason)
    r.path(method_ref)                           # (PathStep(entry...), ..., PathStep(method))

``entry_classes`` are the manifest's activities, services, receivers, providers and
Application class as dex descriptors. The model is documented in
:mod:`scanner.callgraph.reachability`.
"""

from __future__ import annotations

from scanner.callgraph.reachability import (
    CALLBACK_NAMES,
    PathStep,
    Reachability,
    ReachResult,
    is_callback_name,
)

__all__ = ["CALLBACK_NAMES", "PathStep", "ReachResult", "Reachability", "is_callback_name"]
