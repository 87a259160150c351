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

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.ingest.runtime_log import Event
from scanner.knowledge import ApiInfo
from scanner.knowledge.semantics import PERMISSION_NOT_DECLARED, AppFacts, judge
from scanner.messages import msg, record
from scanner.model.facts import Fact
from scanner.model.result import Skipped, Transmission
from scanner.model.runtime import (
    AppStart,
    PermissionRequest,
    ReadSent,
    RuntimeCall,
    RuntimeExcluded,
    RuntimeSummary,
)

MAX_PROMPTS = 10_000
MAX_WINDOW = 100_000
MAX_JOIN = 64  # transmissions one read is joined with
MAX_LINKS = 10_000  # read -> sent chains kept


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


class RuntimeDetector(Detector):
    name = "runtime"

    def runtime(self, ctx: ScanContext) -> Iterable[Item]:
        log = ctx.runtime
        if log is None:
            return ()
        return list(_Analysis(ctx, log).run())


_PARAM = re.compile(r"\[*(?:L[^;]+;|[ZBSCIJFDV])")
_INT_PARAMS = frozenset("BSIJ")
_MAX_ARG = 300  # characters kept of a logged argument value
_SKIP = (None, None, False)  # owner-cache mark: a frame that names no class


def declared_params(api: str) -> list[str]:
    """The declared parameter type descriptors of a Dalvik method descriptor."""
    return _PARAM.findall(api[api.find("(") + 1: api.rfind(")")])


def _arg_value(v: Any) -> Any:
    """A logged argument value as the api-map conditions compare it (None: unusable)."""
    t = type(v)
    if t is str:
        return v[:_MAX_ARG]
    if t is int:
        return v
    if t is list and all(type(x) is str for x in v):
        return [x[:_MAX_ARG] for x in v[:32]]
    return None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _freeze(args: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if type(v) is list else v) for k, v in args.items()))


class _Analysis:
    def __init__(self, ctx: ScanContext, log) -> None:
        self.ctx = ctx
        self.log = log
        self.cfg = ctx.knowledge.runtime
        self.catalog = ctx.sdk_catalog
        #: api -> PI type for entries whose meaning never depends on the call; api -> entry
        #: for those with argument conditions (judged per call, like a call site in the code)
        self.plain: dict[str, str] = {}
        self.judged: dict[str, tuple[ApiInfo, tuple]] = {}
        for a in ctx.knowledge.apis:
            if a.access != "invoke" or not a.pi_type or a.key in self.plain \
                    or a.key in self.judged:
                continue
            if a.args or a.when or a.otherwise:
                params = declared_params(a.key)
                spec = tuple((k, params[i] if i < len(params) else "", i) for k, i in a.args)
                self.judged[a.key] = (a, spec)
            else:
                self.plain[a.key] = a.pi_type
        self.framework = self.cfg.framework_prefixes
        self.package = ctx.apk.package if ctx.apk is not None else None
        self._app: AppFacts | None = None
        self._verdicts: dict[tuple, tuple] = {}
        self._verdict_list: list = []
        self.consent_at = log.consent_at
        self.consent_seen = log.consent_at is not None
        self.background: bool | None = None
        self.calls: dict[tuple, list] = {}
        self.excluded: dict[tuple, list] = {}
        self.windows: dict[tuple, list] = {}
        self.prompts: list[list] = []
        self.extra_prompts = 0
        self.denied: dict[str, float] = {}
        self.starts: dict[tuple, list] = {}
        self._owner_cache: dict[str, tuple] = {}
        # read -> sent join: the captured transmissions of each PI type, by time
        self.tx_times: dict[str, list[float]] = {}
        self.tx_items: dict[str, list] = {}
        self.read_before: dict[tuple, tuple] = {}  # (pi, transmission index, sdk) -> read
        if ctx.traffic is not None:
            txs = sorted((t for t in ctx.of_type(Transmission) if _is_num(t.time)),
                         key=lambda t: (t.time, t.flow))
            for t in txs:
                self.tx_times.setdefault(t.pi_type, []).append(t.time)
                self.tx_items.setdefault(t.pi_type, []).append(t)

    # ------------------------------------------------------------------ helpers
    def owner(self, stack: Any) -> tuple[str | None, str | None]:
        """(sdk id or None, caller class or None) of a stack trace: its innermost frame
        outside the framework prefixes (cached per frame text)."""
        if type(stack) is not list:
            return None, None
        cache = self._owner_cache
        for f in stack[:64]:
            if type(f) is not str:
                continue
            hit = cache.get(f)
            if hit is None:
                hit = self._frame_owner(f)
                if len(cache) < 50_000:
                    cache[f] = hit
            if hit[2]:
                return hit[0], hit[1]
        return None, None

    def _frame_owner(self, frame: str) -> tuple:
        cls = frame_class(frame)
        if not cls or cls.startswith(self.framework):
            return _SKIP
        sig = self.catalog.sdk_for_class("L" + cls.replace(".", "/") + ";")
        return (sig.id if sig is not None else None), cls, True

    def phase(self, ts: float) -> str:
        if self.consent_at is not None:
            return "before" if ts < self.consent_at else "after"
        return "pre"  # no consent seen yet: before it if one comes, unknown if none does

    def is_before(self, phase: str) -> bool | None:
        if phase == "pre":
            return True if self.consent_seen else None
        return phase == "before"

    def app_facts(self) -> AppFacts:
        """What the api-map judgement knows of the app on the phone: its package and the
        permissions it declares (the APK's, when given: conditions such as "a Location
        object is approximate when only ACCESS_COARSE_LOCATION is declared" then decide as
        for the code; without the APK every permission counts as declared). A logged call
        returned on that phone (one Android refuses throws before the hook logs it), so the
        Android-level limits of the entry, which say what a call in the code can yield on
        the versions an app supports, do not decide a call that was seen, and a verdict
        "permission not declared" does not either (see :meth:`verdict`)."""
        if self._app is None:
            apk = self.ctx.apk
            declared = frozenset(p.name for p in apk.permissions) if apk is not None \
                else frozenset(self.ctx.knowledge.permissions)
            self._app = AppFacts(package=self.package or "", min_sdk=None, target_sdk=None,
                                 declared=declared)
        return self._app

    def call_args(self, spec: tuple, doc: dict) -> tuple[dict, frozenset[str]]:
        """The api-map arguments of one call: the script's ``values`` (attributes of object
        arguments included; null = known absent), else the positional ``args`` strings of
        String and integer parameters."""
        args: dict = {}
        vals = doc.get("values")
        if type(vals) is dict:
            absent = []
            for k, v in list(vals.items())[:32]:
                if v is None:
                    absent.append(k)
                else:
                    v = _arg_value(v)
                    if v is not None:
                        args[k] = v
            return args, frozenset(absent)
        raw = doc.get("args")
        if type(raw) is not list:
            return args, frozenset()
        for key, desc, i in spec:
            if i >= len(raw) or type(raw[i]) not in (str, int):
                continue
            v = raw[i]
            if desc == "Ljava/lang/String;" and type(v) is str:
                args[key] = v[:_MAX_ARG]
            elif desc in _INT_PARAMS:
                try:
                    args[key] = int(v)
                except ValueError:
                    pass
        return args, frozenset()

    def verdict(self, api: str, doc: dict) -> tuple:
        """(PI type or None when not a read, verdict number, args) of a call of a judged
        API (``self._verdict_list[number]`` is the :class:`Verdict`)."""
        info, spec = self.judged[api]
        args, absent = self.call_args(spec, doc)
        key = (api, _freeze(args), absent)
        hit = self._verdicts.get(key)
        if hit is None:
            v = judge(info, args, absent, self.app_facts())
            if v.reason == PERMISSION_NOT_DECLARED:
                # Android let the logged call through: the APK beside the log declares less
                # than the app that ran (another build?); the call is a read all the same
                v = replace(v, effective=True, reason=None, confidence="low")
            self._verdict_list.append(v)
            hit = ((v.pi_type if v.effective else None), len(self._verdict_list) - 1, args)
            if len(self._verdicts) < 50_000:
                self._verdicts[key] = hit
        return hit

    # ------------------------------------------------------------------ events
    def run(self) -> Iterator[Item]:
        handlers = {"consent": self.on_consent, "state": self.on_state,
                    "permission_request": self.on_permission, "start": self.on_start,
                    "launch": self.on_launch, "meta": self.on_meta}
        plain, judged, calls, owner = self.plain, self.judged, self.calls, self.owner
        events = 0
        for ts, kind, doc, source, line in self.log.records():
            events += 1
            if kind != "api":
                h = handlers.get(kind)
                if h is not None:
                    h(Event(ts, kind, doc, source, line))
                continue
            # the hot path: one mapped API call
            api = doc.get("api")
            if type(api) is not str:
                continue
            pi = plain.get(api)
            verdict = args = None
            if pi is None:
                if api not in judged:
                    continue
                pi, verdict, args = self.verdict(api, doc)
                if pi is None:
                    self.exclude(api, verdict, args, doc, ts, source)
                    continue
            state = doc.get("state")
            background = True if state == "background" else False if state == "foreground" \
                else self.background
            sdk, caller = owner(doc.get("stack"))
            consent = self.consent_at
            phase = "pre" if consent is None else "before" if ts < consent else "after"
            key = (api, pi, sdk, caller, phase, background, verdict)
            agg = calls.get(key)
            if agg is None:
                calls[key] = [ts, ts, 1, source, args]
            else:
                agg[1] = ts
                agg[2] += 1
            self.window(pi, sdk, ts)
            if self.tx_times:
                self.join(pi, sdk, caller, api, ts)
        yield from self.results()
        yield RuntimeSummary(events, self.log.malformed, self.consent_at,
                             "option" if self.log.consent_at is not None
                             else "log" if self.consent_at is not None else None)
        if self.ctx.traffic is None:  # a traffic analysis records the capture's own moment
            from scanner.detectors.traffic_pii import consent_record

            source = ("option" if self.log.consent_at is not None
                      else "capture_marker" if self.consent_at is not None else None)
            yield consent_record(self.consent_at, source, self.ctx.options)

    def exclude(self, api: str, verdict: int, args: dict, doc: dict, ts: float,
                source: str) -> None:
        """A judged call that reads no PI (its arguments, or the device's Android level)."""
        sdk, caller = self.owner(doc.get("stack"))
        key = (api, verdict, sdk, caller)
        agg = self.excluded.get(key)
        if agg is None:
            if len(self.excluded) < MAX_PROMPTS:
                self.excluded[key] = [ts, ts, 1, source, args]
        else:
            agg[1] = ts
            agg[2] += 1

    def on_meta(self, ev) -> None:
        pkg = ev.data.get("package")
        if self.package is None and isinstance(pkg, str):
            self.package = pkg
        self._app = None
        self._verdicts.clear()  # judged again with this package

    def on_consent(self, ev) -> None:
        if self.consent_at is None:
            self.consent_at = ev.ts
            self.consent_seen = True

    def on_state(self, ev) -> None:
        state = ev.data.get("state")
        if state in ("foreground", "background"):
            self.background = state == "background"

    def join(self, pi: str, sdk: str | None, caller: str | None, api: str, ts: float) -> None:
        """Remember this read as the latest one of its owner before each transmission of
        the same PI type sent within the window after it (at most MAX_JOIN per read)."""
        times = self.tx_times.get(pi)
        if times is None:
            return
        i = bisect_left(times, ts)
        j = bisect_right(times, ts + self.cfg.read_sent_window_seconds)
        best = self.read_before
        for k in range(i, min(j, i + MAX_JOIN)):
            key = (pi, k, sdk)
            hit = best.get(key)
            if hit is None or ts >= hit[0]:
                if hit is None and len(best) >= MAX_LINKS:
                    continue
                best[key] = (ts, api, caller)

    def window(self, pi: str, sdk: str | None, ts: float) -> None:
        w = self.windows.get((pi, sdk))
        if w is None:
            w = self.windows[(pi, sdk)] = [deque(), 0, self.cfg.window_for(pi).seconds]
        times = w[0]
        times.append(ts)
        lo = ts - w[2]
        while times[0] < lo:
            times.popleft()
        n = len(times)
        if n > MAX_WINDOW:
            times.popleft()
            n -= 1
        if n > w[1]:
            w[1] = n

    def on_permission(self, ev) -> None:
        raw = ev.data.get("permissions")
        raw = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        perms = [p for p in raw if isinstance(p, str)][:64]  # a number or object: none
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
        for (api, pi, sdk, caller, phase, bg, vid), (first, last, count, source, args) in \
                sorted(self.calls.items(), key=lambda kv: (kv[1][0], kv[0][0])):
            before = self.is_before(phase)
            v = self._verdict_list[vid] if vid is not None else None
            yield RuntimeCall(first, api, pi, sdk, before, bg, count, last, caller, source,
                              args=args, confidence=v.confidence if v else None,
                              reason_text=v.reason_text if v else None)
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
                "max_in_window": w[1], "threshold": threshold, "window_seconds": seconds,
                "exceeds": w[1] > threshold})
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
        for (pi, k, sdk), (ts, api, caller) in sorted(
                self.read_before.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1][0])):
            t = self.tx_items[pi][k]
            yield ReadSent(pi, ts, api, sdk, caller, t.time, t.flow, t.host, t.sdk,
                           round(t.time - ts, 3), sdk is not None and sdk == t.sdk)
        for (api, vid, sdk, caller), (first, last, count, source, args) in sorted(
                self.excluded.items(), key=lambda kv: (kv[1][0], kv[0][0])):
            v = self._verdict_list[vid]
            yield RuntimeExcluded(first, api, v.pi_type, v.reason, v.reason_text, args, sdk,
                                  count, last, caller, source)
        if self.log.malformed or self.extra_prompts:
            where = ", ".join(f"{n}:{line}" for n, line in self.log.malformed_lines)
            parts = []
            if self.log.malformed:
                parts.append(msg("skip_runtime_malformed", n=self.log.malformed,
                                 first=msg("skip_first_at", where=where) if where else ""))
            if self.extra_prompts:
                parts.append(msg("skip_runtime_prompts", n=self.extra_prompts, max=MAX_PROMPTS))
            reason = parts[0] if len(parts) == 1 else msg("skip_and", a=parts[0], b=parts[1])
            yield Skipped(*record(msg("part_runtime"), reason))
