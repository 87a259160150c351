"""Traffic detector: which PI leaves the phone, encoded how, to whom, when, how often.

Contract
--------
``traffic(ctx)`` streams ``ctx.traffic.exchanges()`` once (memory stays flat: per request
only its matches are kept) and yields, after the stream ends:

* one :class:`Transmission` per distinct (flow, pi_type, where, key) found by
  :func:`scanner.pii.scan_exchange` (device facts when given, validated patterns otherwise);
* one ``traffic.transmission`` fact per transmission with the attributes the traffic rules
  match (pi_type, host, etld1, party, sdk, encoding, where, key, before_consent, cleartext,
  confidence, matched, necessary, category_known, background) and a ``flow`` locator;
* one ``traffic.frequency`` fact per (pi_type, host): count, window_seconds,
  max_in_window, threshold, exceeds (parameters from ``rulesets/traffic.yaml``), first,
  last, and background_count (sends while the capture labelled the app as background);
* one :class:`SdkUse` per SDK whose hosts were contacted (evidence ``{"hosts": [...]}``);
* :class:`Skipped` items for damaged files and for request bodies that could not be decoded
  or were cut at the size limit (responses are not analysed, so their damage is not).

Consent: ``ctx.traffic.consent_at`` (``--consent-at``) or the first consent marker the
capture addon wrote (a request to ``http://appaudit.consent/``, or flow metadata
``appaudit_consent_at`` from its console command); ``before_consent`` is None when neither
exists or a flow has no time.
Background: flows the addon labelled ``appaudit_state: background``.
Party: :mod:`scanner.detectors.traffic_party`; first-party domains are ``--first-party``,
the APK's package and its own classes' URL strings, and the ``appaudit_package`` label of
the capture.

``finish(ctx)`` joins code and traffic: for each (sdk, pi_type) seen on the wire and read
by that SDK's code (``ApiUse`` items with the same ``sdk`` and ``pi_type``), a
``traffic.code_link`` fact with the flow and code locators, also listed in result.json as
``traffic_links``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.detectors.traffic_party import PartyResolver, code_domains, package_domain
from scanner.errors import RulesetError
from scanner.knowledge import read_yaml
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import ApiUse, SdkUse, Skipped, Transmission
from scanner.paths import rulesets_dir

if TYPE_CHECKING:
    from scanner.model.traffic import Exchange

CONSENT_HOST = "appaudit.consent"
STATE_HOST = "appaudit.state"


@dataclass(frozen=True)
class TrafficConfig:
    """Parameters from rulesets/traffic.yaml."""

    window_seconds: float = 60.0
    max_per_window: int = 2
    marker_hosts: tuple[str, ...] = (CONSENT_HOST, STATE_HOST)
    max_listed_body_errors: int = 20


@lru_cache(maxsize=4)
def load_config(folder: str | None = None) -> TrafficConfig:
    """Read ``traffic.yaml`` of the rulesets folder (defaults when absent)."""
    from pathlib import Path

    path = Path(folder) / "traffic.yaml" if folder else rulesets_dir() / "traffic.yaml"
    if not path.is_file():
        return TrafficConfig()
    doc = read_yaml(path) or {}
    try:
        freq = doc.get("frequency") or {}
        cfg = TrafficConfig(
            window_seconds=float(freq.get("window_seconds", 60)),
            max_per_window=int(freq.get("max_per_window", 2)),
            marker_hosts=tuple(str(h) for h in doc.get("marker_hosts")
                               or (CONSENT_HOST, STATE_HOST)),
            max_listed_body_errors=int(doc.get("max_listed_body_errors", 20)),
        )
    except (AttributeError, TypeError, ValueError) as e:
        raise RulesetError(f"{path}: invalid traffic settings ({e})") from e
    if cfg.window_seconds <= 0 or cfg.max_per_window < 1:
        raise RulesetError(f"{path}: frequency window and threshold must be positive")
    return cfg


def densest_window(times: list[float], window: float) -> tuple[int, int]:
    """(largest number of the sorted ``times`` inside any window of ``window`` seconds, ends
    included; index of the first time of such a window)."""
    best = best_lo = lo = 0
    for hi, t in enumerate(times):
        while t - times[lo] > window:
            lo += 1
        if hi - lo + 1 > best:
            best, best_lo = hi - lo + 1, lo
    return best, best_lo


def max_in_window(times: list[float], window: float) -> int:
    """Largest number of ``times`` inside any window of ``window`` seconds (ends included)."""
    return densest_window(sorted(times), window)[0]


def _split_caller(caller: str) -> tuple[str, str]:
    """``Lcom/a/B;->m()V`` → (``Lcom/a/B;``, ``m()V``)."""
    cls, sep, meth = caller.partition("->")
    return (cls, meth) if sep else (caller, "")


def _marker_kind(ex: Exchange, cfg: TrafficConfig) -> str | None:
    m = ex.marker or {}
    if m.get("appaudit_marker"):
        return str(m["appaudit_marker"])
    if ex.host in cfg.marker_hosts:
        return "consent" if ex.host == CONSENT_HOST else "state"
    return None


class TrafficPiiDetector(Detector):
    """PI in captured requests, with party, SDK, consent, frequency and cleartext."""

    name = "traffic_pii"

    def traffic(self, ctx: ScanContext) -> Iterable[Item]:
        """Stream the capture and yield transmissions, facts, SDKs and skips."""
        from scanner.pii import KnownValueMatcher, scan_exchange  # traffic scans only

        tr = ctx.traffic
        cfg = load_config(str(ctx.knowledge.folder) if ctx.knowledge else None)
        from scanner.sdk.catalog import default_catalog

        resolver = PartyResolver(default_catalog(), tr.first_party)
        if ctx.apk is not None:
            d = package_domain(ctx.apk.package)
            if d:
                resolver.add_first_party(d)
            index = ctx.cache.get("dex_index")
            if index is not None:
                for dom in sorted(code_domains(index, ctx.apk.package, resolver.catalog)):
                    resolver.add_first_party(dom)
        skip_pkgs = (ctx.apk.package,) if ctx.apk is not None else ()
        matcher = KnownValueMatcher(tr.device_facts, skip_pkgs) if tr.device_facts else None
        necessary = None
        if ctx.category and ctx.category in ctx.knowledge.categories:
            necessary = set(ctx.knowledge.categories[ctx.category].necessary_pi)

        consent = tr.consent_at
        marker_consent: float | None = None
        background = False
        pending: list[tuple] = []  # see _emit for the fields
        sdk_hosts: dict[str, set[str]] = defaultdict(set)
        sdk_sigs: dict[str, Any] = {}
        times: dict[tuple[str, str], list[tuple[float, str, str]]] = defaultdict(list)
        bg_sends: dict[tuple[str, str], int] = defaultdict(int)
        body_errors: list[Skipped] = []
        n_body_errors = 0
        packages_seen: set[str] = set()
        reported: set[tuple] = set()

        for ex in tr.exchanges():
            kind = _marker_kind(ex, cfg)
            meta = ex.marker or {}
            pkg = meta.get("appaudit_package")
            if isinstance(pkg, str) and pkg not in packages_seen:
                packages_seen.add(pkg)
                d = package_domain(pkg)
                if d:
                    resolver.add_first_party(d)
            if marker_consent is None and isinstance(meta.get("appaudit_consent_at"),
                                                     (int, float)):
                marker_consent = float(meta["appaudit_consent_at"])
            if kind is not None:
                if kind == "consent" and marker_consent is None:
                    marker_consent = ex.time
                elif kind == "state":
                    background = (meta.get("appaudit_state") == "background"
                                  or "background" in ex.path.lower())
                continue
            if meta.get("appaudit_state") in ("background", "foreground"):
                background = meta["appaudit_state"] == "background"
            # only the request side is analysed: response damage does not make a result partial
            req_error = ex.decode_error if ex.decode_error and not ex.decode_error.startswith(
                "response:") else None
            if req_error or len(ex.request_body) >= tr.body_limit:
                n_body_errors += 1
                if len(body_errors) < cfg.max_listed_body_errors:
                    why = req_error or "request body cut at the size limit"
                    body_errors.append(Skipped(f"{ex.source} flow {ex.flow_id} body",
                                               f"{why}; the rest of the body was not analysed"))
            etld, party, sdk = resolver.resolve(ex.host)
            if sdk is not None:
                sdk_hosts[sdk.id].add(ex.host)
                sdk_sigs[sdk.id] = sdk
            matches = scan_exchange(ex, matcher)
            url = ex.url if matches else ""
            seen_types: set[str] = set()
            for m in matches:
                ident = (ex.flow_id, m.pi_type, m.where, m.key)
                if ident in reported:  # e.g. several WebSocket messages of one flow
                    if m.pi_type not in seen_types and ex.time is not None:
                        seen_types.add(m.pi_type)
                        times[(m.pi_type, ex.host)].append((ex.time, ex.flow_id, url))
                        bg_sends[(m.pi_type, ex.host)] += background
                    continue
                reported.add(ident)
                # a plain tuple until consent is known (a third of a Transmission's memory)
                pending.append((ex.flow_id, ex.time, ex.host, url, m.pi_type, m.encoding,
                                m.where, party, sdk.id if sdk else None, ex.cleartext, m.key,
                                ex.method, m.confidence, m.matched, m.excerpt, ex.source,
                                background, etld))
                if m.pi_type not in seen_types and ex.time is not None:
                    seen_types.add(m.pi_type)
                    times[(m.pi_type, ex.host)].append((ex.time, ex.flow_id, url))
                    bg_sends[(m.pi_type, ex.host)] += background

        if consent is None:
            consent = marker_consent
        yield from self._emit(ctx, pending, consent, necessary)
        for (pi, host), sends in sorted(times.items()):
            sends.sort()
            ts = [t for t, _f, _u in sends]
            mx, lo = densest_window(ts, cfg.window_seconds)
            cited = sends[lo:lo + min(mx, 10)]  # the sends of the densest window
            yield Fact("traffic.frequency", {
                "pi_type": pi, "host": host, "count": len(ts),
                "window_seconds": cfg.window_seconds, "max_in_window": mx,
                "threshold": cfg.max_per_window, "exceeds": mx > cfg.max_per_window,
                "first": ts[0], "last": ts[-1],
                "background_count": bg_sends.get((pi, host), 0)},
                tuple(Locator("flow", flow=f, time=t, host=host, url=u) for t, f, u in cited))
        for sid in sorted(sdk_hosts):
            s = sdk_sigs[sid]
            yield SdkUse(id=s.id, name=s.name, vendor=s.vendor or "", categories=s.categories,
                         evidence={"hosts": sorted(sdk_hosts[sid])}, name_zh=s.name_zh,
                         country=s.country)
        for path, msg in sorted(tr.damage.items()):
            yield Skipped(path, msg)
        yield from body_errors
        if n_body_errors > len(body_errors):
            yield Skipped("bodies", f"{n_body_errors - len(body_errors)} more bodies could not "
                                    "be decoded or were cut at the size limit")
        ctx.cache["traffic_consent_at"] = consent

    def _emit(self, ctx: ScanContext, pending: list[tuple], consent: float | None,
              necessary: set[str] | None) -> Iterator[Item]:
        for i, row in enumerate(pending):
            pending[i] = ()  # release as we go
            (flow, time, host, url, pi_type, encoding, where, party, sdk, cleartext, key,
             method, confidence, matched, excerpt, source, bg, etld) = row
            before = None
            if consent is not None and time is not None:
                before = time < consent
            t = Transmission(
                flow=flow, time=time, host=host, url=url, pi_type=pi_type, encoding=encoding,
                where=where, party=party, sdk=sdk, before_consent=before, cleartext=cleartext,
                key=key, method=method, confidence=confidence, matched=matched,
                excerpt=excerpt, source=source)
            yield t
            yield Fact("traffic.transmission", {
                "pi_type": pi_type, "host": host, "etld1": etld, "party": party, "sdk": sdk,
                "encoding": encoding, "where": where, "key": key, "before_consent": before,
                "cleartext": cleartext, "confidence": confidence, "matched": matched,
                "necessary": (pi_type in necessary) if necessary is not None else None,
                "category_known": necessary is not None, "background": bg,
            }, (Locator("flow", flow=flow, time=time, host=host, url=url, where=where,
                        key=key, excerpt=excerpt),))

    def finish(self, ctx: ScanContext) -> Iterable[Item]:
        """Link transmissions to the call sites of the same SDK reading the same PI."""
        if ctx.traffic is None:
            return
        uses: dict[tuple[str, str], list[ApiUse]] = defaultdict(list)
        for u in ctx.of_type(ApiUse):
            if u.sdk:
                uses[(u.sdk, u.pi_type)].append(u)
        if not uses:
            return
        txs: dict[tuple[str, str], list[Transmission]] = defaultdict(list)
        for t in ctx.of_type(Transmission):
            if t.sdk and (t.sdk, t.pi_type) in uses:
                txs[(t.sdk, t.pi_type)].append(t)
        links = []
        for (sdk, pi), ts in sorted(txs.items()):
            sites = uses[(sdk, pi)]
            flows = [Locator("flow", flow=t.flow, time=t.time, host=t.host, url=t.url,
                             where=t.where, key=t.key) for t in ts[:10]]
            code = [Locator("code", dex=u.dex, offset=u.offset, api=u.api,
                            **dict(zip(("class", "method"), _split_caller(u.caller),
                                       strict=True)))
                    for u in sites[:10]]
            yield Fact("traffic.code_link", {
                "sdk": sdk, "pi_type": pi, "hosts": sorted({t.host for t in ts}),
                "transmissions": len(ts), "call_sites": len(sites)}, tuple(flows + code))
            links.append({
                "sdk": sdk, "pi_type": pi, "hosts": sorted({t.host for t in ts}),
                "flows": sorted({t.flow for t in ts}),
                "call_sites": [{"api": u.api, "caller": u.caller, "dex": u.dex,
                                "offset": u.offset} for u in sites]})
        if links:
            ctx.cache.setdefault("result_extra", {})["traffic_links"] = links
