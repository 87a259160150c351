"""Runtime detector: a hook log (scanner.ingest.runtime_log) → runtime items and facts.

Streams the log once and keeps only aggregates, so memory does not grow with its length.

Items: :class:`RuntimeCall` per (api, PI type, code owner, caller, before consent,
background); :class:`PermissionRequest` per prompt (at most MAX_PROMPTS, the rest counted);
:class:`AppStart` per (kind, via, target, owner); a :class:`Skipped` record for malformed
lines. Facts:

``runtime.call``                {api, pi_type, sdk, party, caller, before_consent, background,
                                 count}
``runtime.frequency``           {pi_type, owner, sdk, max_in_window, threshold, window_seconds,
                                 exceeds}
``runtime.permission_request``  {permission, result, before_consent, after_denial, sdk}
``runtime.app_start``           {start_kind: self|associated, via, via_zh, via_en, target,
                                 sdk, count}

Consent: ``--consent-at`` (``RuntimeLog.consent_at``) or the first ``consent`` event; reads
before it are ``before_consent: true``; with neither, ``before_consent`` is null (cannot
tell). Owner: the innermost stack frame outside the framework prefixes of
``rulesets/runtime.yaml`` (``Knowledge.runtime``), attributed to an SDK by the SDK
catalogue's packages; otherwise the app's own code. Background: the last ``state`` event
(or the event's own ``state``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.model.facts import Fact
from scanner.model.result import Skipped
from scanner.model.runtime import AppStart, PermissionRequest, RuntimeCall

MAX_PROMPTS = 10_000
MAX_WINDOW = 100_000


def frame_class(frame: Any) -> str | None:
    """``com.umeng.x.Y.method(Y.java:12)`` (or with a leading ``at ``) → ``com.umeng.x.Y``."""
    if not isinstance(frame, str):
        return None
    text = frame.strip()
    if text.startswith("at "):
        text = text[3:].strip()
    head = text.split("(", 1)[0]
    cls, _, _method = head.rpartition(".")
    return cls or None


@dataclass
class _Window:
    times: deque = field(default_factory=deque)
    best: int = 0


class RuntimeDetector(Detector):
    name = "runtime"

    def runtime(self, ctx: ScanContext) -> Iterable[Item]:
        log = ctx.runtime
        if log is None:
            return ()
        return list(_Analysis(ctx, log).run())


class _Analysis:
    def __init__(self, ctx: ScanContext, log) -> None:
        self.ctx = ctx
        self.log = log
        self.cfg = ctx.knowledge.runtime
        self.catalog = ctx.sdk_catalog
        self.pi_of = {a.key: a.pi_type for a in ctx.knowledge.apis
                      if a.access == "invoke" and a.pi_type}
        self.framework = self.cfg.framework_prefixes
        self.package = ctx.apk.package if ctx.apk is not None else None
        self.consent_at = log.consent_at
        self.consent_seen = log.consent_at is not None
        self.background: bool | None = None
        self.calls: dict[tuple, list] = {}
        self.windows: dict[tuple, _Window] = {}
        self.seconds: dict[str, float] = {}
        self.prompts: list[list] = []
        self.extra_prompts = 0
        self.denied: dict[str, float] = {}
        self.starts: dict[tuple, list] = {}
        self._owner_cache: dict[tuple, tuple[str | None, str | None]] = {}

    # ------------------------------------------------------------------ helpers
    def owner(self, stack: Any) -> tuple[str | None, str | None]:
        """(sdk id or None, caller class or None) of a stack trace."""
        # frames that are not strings (a hostile log's lists, objects) name no class
        frames = tuple(f if isinstance(f, str) else None for f in stack[:64]) \
            if isinstance(stack, list) else ()
        hit = self._owner_cache.get(frames)
        if hit is not None:
            return hit
        sdk, caller = None, None
        for f in frames:
            cls = frame_class(f)
            if not cls or cls.startswith(self.framework):
                continue
            sig = self.catalog.sdk_for_class("L" + cls.replace(".", "/") + ";")
            caller = cls
            sdk = sig.id if sig is not None else None
            break
        if len(self._owner_cache) < 50_000:
            self._owner_cache[frames] = (sdk, caller)
        return sdk, caller

    def phase(self, ts: float) -> str:
        if self.consent_at is not None:
            return "before" if ts < self.consent_at else "after"
        return "pre"  # no consent seen yet: before it if one comes, unknown if none does

    def is_before(self, phase: str) -> bool | None:
        if phase == "pre":
            return True if self.consent_seen else None
        return phase == "before"

    # ------------------------------------------------------------------ events
    def run(self) -> Iterator[Item]:
        handlers = {"api": self.on_api, "consent": self.on_consent, "state": self.on_state,
                    "permission_request": self.on_permission, "start": self.on_start,
                    "launch": self.on_launch, "meta": self.on_meta}
        for ev in self.log.events():
            h = handlers.get(ev.kind)
            if h is not None:
                h(ev)
        yield from self.results()
        if self.ctx.traffic is None:  # a traffic analysis records the capture's own moment
            from scanner.detectors.traffic_pii import consent_record

            source = ("option" if self.log.consent_at is not None
                      else "capture_marker" if self.consent_at is not None else None)
            yield consent_record(self.consent_at, source, self.ctx.options)

    def on_meta(self, ev) -> None:
        pkg = ev.data.get("package")
        if self.package is None and isinstance(pkg, str):
            self.package = pkg

    def on_consent(self, ev) -> None:
        if self.consent_at is None:
            self.consent_at = ev.ts
            self.consent_seen = True

    def on_state(self, ev) -> None:
        state = ev.data.get("state")
        if state in ("foreground", "background"):
            self.background = state == "background"

    def on_api(self, ev) -> None:
        api = ev.data.get("api")
        pi = self.pi_of.get(api) if isinstance(api, str) else None
        if pi is None:
            return
        state = ev.data.get("state")
        background = (state == "background") if state in ("foreground", "background") \
            else self.background
        sdk, caller = self.owner(ev.data.get("stack"))
        phase = self.phase(ev.ts)
        key = (api, pi, sdk, caller, phase, background)
        agg = self.calls.get(key)
        if agg is None:
            self.calls[key] = [ev.ts, ev.ts, 1, ev.source]
        else:
            agg[1] = ev.ts
            agg[2] += 1
        self.window(pi, sdk, ev.ts)

    def window(self, pi: str, sdk: str | None, ts: float) -> None:
        seconds = self.seconds.get(pi)
        if seconds is None:
            seconds = self.seconds[pi] = self.cfg.window_for(pi).seconds
        w = self.windows.get((pi, sdk))
        if w is None:
            w = self.windows[(pi, sdk)] = _Window()
        w.times.append(ts)
        while w.times and w.times[0] < ts - seconds:
            w.times.popleft()
        if len(w.times) > MAX_WINDOW:
            w.times.popleft()
        w.best = max(w.best, len(w.times))

    def on_permission(self, ev) -> None:
        perms = [p for p in ev.data.get("permissions") or () if isinstance(p, str)][:64]
        result = ev.data.get("result")
        result = {k: v for k, v in result.items() if isinstance(k, str) and
                  v in ("granted", "denied")} if isinstance(result, dict) else {}
        window = self.cfg.rerequest_window_seconds
        after = any(p in self.denied and ev.ts - self.denied[p] <= window for p in perms)
        for p, v in result.items():
            if v == "denied":
                self.denied[p] = ev.ts
            else:
                self.denied.pop(p, None)
        sdk, caller = self.owner(ev.data.get("stack"))
        if len(self.prompts) >= MAX_PROMPTS:
            self.extra_prompts += 1
            return
        self.prompts.append([ev.ts, tuple(perms), result, self.phase(ev.ts), after, sdk,
                             caller, ev.source])

    def on_start(self, ev) -> None:
        target = ev.data.get("target")
        target = target[:300] if isinstance(target, str) else None
        via = ev.data.get("via")
        via = via[:64] if isinstance(via, str) else "unknown"
        pkg = (target or "").split("/", 1)[0]
        if not pkg or (self.package and pkg == self.package):
            return  # the app's own components
        sdk, caller = self.owner(ev.data.get("stack"))
        self.add_start(("associated", via, target, sdk, caller), ev)

    def on_launch(self, ev) -> None:
        cause = ev.data.get("cause")
        if isinstance(cause, str) and cause in self.cfg.self_start_causes:
            self.add_start(("self", cause, self.package, None, None), ev)

    def add_start(self, key: tuple, ev) -> None:
        agg = self.starts.get(key)
        if agg is None:
            if len(self.starts) < MAX_PROMPTS:
                self.starts[key] = [ev.ts, 1, ev.source]
        else:
            agg[1] += 1

    # ------------------------------------------------------------------ output
    def party(self, sdk: str | None) -> str:
        return "third" if sdk else "first"

    def results(self) -> Iterator[Item]:
        for (api, pi, sdk, caller, phase, bg), (first, last, count, source) in sorted(
                self.calls.items(), key=lambda kv: (kv[1][0], kv[0][0])):
            before = self.is_before(phase)
            yield RuntimeCall(first, api, pi, sdk, before, bg, count, last, caller, source)
            yield Fact("runtime.call", {
                "api": api, "pi_type": pi, "sdk": sdk, "party": self.party(sdk),
                "caller": caller, "before_consent": before, "background": bg,
                "count": count})
        for (pi, sdk), w in sorted(self.windows.items(), key=lambda kv: (kv[0][0],
                                                                      kv[0][1] or "")):
            win = self.cfg.window_for(pi)
            threshold, seconds = win.max_per_window, win.seconds
            seconds = int(seconds) if seconds.is_integer() else seconds
            yield Fact("runtime.frequency", {
                "pi_type": pi, "sdk": sdk, "owner": sdk or "app", "party": self.party(sdk),
                "max_in_window": w.best, "threshold": threshold, "window_seconds": seconds,
                "exceeds": w.best > threshold})
        for ts, perms, result, phase, after, sdk, caller, source in self.prompts:
            before = self.is_before(phase)
            yield PermissionRequest(ts, perms, result, before, after, sdk, caller, source)
            for p in perms:
                yield Fact("runtime.permission_request", {
                    "permission": p, "result": result.get(p), "before_consent": before,
                    "after_denial": after, "sdk": sdk})
        for (kind, via, target, sdk, caller), (ts, count, source) in sorted(
                self.starts.items(), key=lambda kv: kv[1][0]):
            yield AppStart(ts, kind, via, target, sdk, count, caller, source)
            label = (self.cfg.self_start_causes.get(via) or {}) if kind == "self" else {}
            yield Fact("runtime.app_start", {"start_kind": kind, "via": via, "target": target,
                                             "sdk": sdk, "count": count,
                                             "via_zh": label.get("zh", via),
                                             "via_en": label.get("en", via)})
        if self.log.malformed or self.extra_prompts:
            where = ", ".join(f"{n}:{line}" for n, line in self.log.malformed_lines)
            reason = (f"{self.log.malformed} malformed runtime log lines skipped"
                      + (f" (first at {where})" if where else ""))
            if self.extra_prompts:
                reason += f"; {self.extra_prompts} permission prompts beyond {MAX_PROMPTS} " \
                          "counted only"
            yield Skipped("runtime", reason)
