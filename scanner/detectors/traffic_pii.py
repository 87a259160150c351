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
  max_in_window, threshold, exceeds (parameters from ``rulesets/traffic.yaml``, as
  ``Knowledge.traffic``), first, last, and background_count (sends while the capture
  labelled the app as background);
* one :class:`SdkUse` per SDK whose hosts were contacted (evidence ``{"hosts": [...]}``);
* :class:`Skipped` items for damaged files and for request bodies that could not be decoded
  or were cut at the size limit (responses are not analysed, so their damage is not).

Bounds (:mod:`scanner.limits`): a transmission stores the request URL cut to
``MAX_STORED_URL`` characters (its ``where``/``key`` and the bounded excerpt locate the
value; the whole URL is never copied into every match), and at most
``MAX_MATCHES_PER_REQUEST`` matches are listed per request, the rest counted in a
``Skipped`` item, so a request with N parameters costs O(N), not O(N²).

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
``traffic.code_link`` fact with the flow and code locators, and a :class:`TrafficLink`
(listed in result.json as ``traffic_links``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.detectors.traffic_party import PartyResolver, code_domains, package_domain
from scanner.errors import InputError
from scanner.knowledge.traffic import CONSENT_HOST, TrafficConfig
from scanner.limits import MAX_MATCHES_PER_REQUEST, MAX_STORED_URL
from scanner.messages import msg, record
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import (
    ApiUse,
    CallSite,
    ConsentMoment,
    SdkUse,
    Skipped,
    TrafficLink,
    Transmission,
)
from scanner.sdk.model import SdkSignature

if TYPE_CHECKING:
    from scanner.ingest.traffic import TrafficEvidence
    from scanner.model.traffic import Exchange



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


def short_url(url: str, limit: int = MAX_STORED_URL) -> str:
    """The URL, cut to ``limit`` characters with a trailing "…" when longer."""
    return url if len(url) <= limit else url[:limit - 1] + "…"


def _finite_time(v: object) -> float | None:
    """A capture label's time as a finite float (NaN, inf and huge numbers are ignored)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _marker_kind(ex: Exchange, cfg: TrafficConfig) -> str | None:
    m = ex.marker or {}
    if m.get("appaudit_marker"):
        return str(m["appaudit_marker"])
    if ex.host in cfg.marker_hosts:
        return "consent" if ex.host == CONSENT_HOST else "state"
    return None


class _Row(NamedTuple):
    """One PI match of one request, kept until the consent moment is known (a named tuple
    holds a third of a Transmission's memory)."""

    flow: str
    time: float | None
    host: str
    url: str
    pi_type: str
    encoding: str
    where: str
    party: str
    sdk: str | None
    cleartext: bool
    key: str | None
    method: str
    confidence: str
    matched: str
    excerpt: str | None
    source: str
    background: bool
    etld1: str


@dataclass
class _Labels:
    """What the capture addon's labels say as the capture streams: the consent moment, the
    app's state (background or not) and the app's package (a first-party domain)."""

    resolver: PartyResolver
    cfg: TrafficConfig
    consent_at: float | None = None
    background: bool = False
    packages: set[str] = field(default_factory=set)

    def read(self, ex: Exchange) -> bool:
        """Take in the labels of ``ex``; True when ``ex`` is a marker, not app traffic."""
        kind = _marker_kind(ex, self.cfg)
        meta = ex.marker or {}
        pkg = meta.get("appaudit_package")
        if isinstance(pkg, str) and pkg not in self.packages:
            self.packages.add(pkg)
            d = package_domain(pkg)
            if d:
                self.resolver.add_first_party(d)
        if self.consent_at is None:
            self.consent_at = _finite_time(meta.get("appaudit_consent_at"))
        if kind is not None:
            if kind == "consent" and self.consent_at is None:
                self.consent_at = ex.time
            elif kind == "state":
                self.background = (meta.get("appaudit_state") == "background"
                                   or "background" in ex.path.lower())
            return True
        if meta.get("appaudit_state") in ("background", "foreground"):
            self.background = meta["appaudit_state"] == "background"
        return False


class _Sends:
    """Times of the sends of each (pi_type, host), one per flow and PI type, for the
    ``traffic.frequency`` facts."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, str], list[tuple[float, str, str]]] = defaultdict(list)
        self.background: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, pi_type: str, ex: Exchange, url: str, background: bool) -> None:
        assert ex.time is not None
        self.times[(pi_type, ex.host)].append((ex.time, ex.flow_id, url))
        self.background[(pi_type, ex.host)] += background

    def facts(self, cfg: TrafficConfig) -> Iterator[Fact]:
        for (pi, host), sends in sorted(self.times.items()):
            sends.sort()
            ts = [t for t, _f, _u in sends]
            mx, lo = densest_window(ts, cfg.window_seconds)
            cited = sends[lo:lo + min(mx, 10)]  # the sends of the densest window
            yield Fact("traffic.frequency", {
                "pi_type": pi, "host": host, "count": len(ts),
                "window_seconds": cfg.window_seconds, "max_in_window": mx,
                "threshold": cfg.max_per_window, "exceeds": mx > cfg.max_per_window,
                "first": ts[0], "last": ts[-1],
                "background_count": self.background.get((pi, host), 0)},
                tuple(Locator("flow", flow=f, time=t, host=host, url=u) for t, f, u in cited))


class _BodyDamage:
    """Request bodies not (fully) analysed: undecodable or cut at the size limit."""

    def __init__(self, max_listed: int) -> None:
        self.max_listed = max_listed
        self.listed: list[Skipped] = []
        self.count = 0

    def check(self, ex: Exchange, body_limit: int) -> None:
        # only the request side is analysed: response damage does not make a result partial
        why = ex.decode_error_msg or ex.decode_error  # a message; a text from older readers
        response_side = (why.get("id") == "body_response" if isinstance(why, dict)
                         else str(why).startswith("response:"))
        req_error = why if why and not response_side else None
        if req_error or len(ex.request_body) >= body_limit:
            self.count += 1
            if len(self.listed) < self.max_listed:
                why = req_error or msg("skip_body_cut")
                self.listed.append(Skipped(*record(
                    msg("part_flow_body", source=ex.source, flow=ex.flow_id),
                    msg("skip_body_rest", why=why))))

    def items(self) -> Iterator[Skipped]:
        yield from self.listed
        if self.count > len(self.listed):
            yield Skipped(*record(msg("part_bodies"), msg(
                "skip_more_bodies", n=self.count - len(self.listed))))


class _MatchCap:
    """Requests with more than ``MAX_MATCHES_PER_REQUEST`` matches: the rest not listed."""

    def __init__(self, max_listed: int) -> None:
        self.max_listed = max_listed
        self.listed: list[Skipped] = []
        self.count = 0

    def cap(self, ex: Exchange, matches: list) -> list:
        if len(matches) <= MAX_MATCHES_PER_REQUEST:
            return matches
        self.count += 1
        if len(self.listed) < self.max_listed:
            self.listed.append(Skipped(*record(
                msg("part_flow_matches", source=ex.source, flow=ex.flow_id),
                msg("skip_more_matches", n=len(matches) - MAX_MATCHES_PER_REQUEST,
                    max=MAX_MATCHES_PER_REQUEST))))
        return matches[:MAX_MATCHES_PER_REQUEST]

    def items(self) -> Iterator[Skipped]:
        yield from self.listed
        if self.count > len(self.listed):
            yield Skipped(*record(msg("part_matches"), msg(
                "skip_more_requests", n=self.count - len(self.listed),
                max=MAX_MATCHES_PER_REQUEST)))


def _party_resolver(ctx: ScanContext, tr: TrafficEvidence,
                    skipped: list[Skipped]) -> PartyResolver:
    """First-party domains: ``--first-party``, the APK's package and its own classes' URLs
    (when the dex strings cannot be read, a Skipped item says so in ``skipped``)."""
    resolver = PartyResolver(ctx.sdk_catalog, tr.first_party)
    if ctx.apk is not None:
        d = package_domain(ctx.apk.package)
        if d:
            resolver.add_first_party(d)
        index = ctx.dex_index
        if index is not None:
            try:
                domains = code_domains(index, ctx.apk.package, resolver.catalog)
            except InputError as e:
                skipped.append(Skipped(*record(msg("part_code"), msg(
                    "skip_code_urls", detail=e.message()))))
                domains = set()
            for dom in sorted(domains):
                resolver.add_first_party(dom)
    return resolver


class TrafficPiiDetector(Detector):
    """PI in captured requests, with party, SDK, consent, frequency and cleartext."""

    name = "traffic_pii"

    def traffic(self, ctx: ScanContext) -> Iterable[Item]:
        """Stream the capture and yield transmissions, facts, SDKs and skips."""
        from scanner.pii import KnownValueMatcher, scan_exchange  # traffic scans only

        tr = ctx.traffic
        if tr is None:
            return
        cfg = ctx.knowledge.traffic
        skipped: list[Skipped] = []
        resolver = _party_resolver(ctx, tr, skipped)
        skip_pkgs = (ctx.apk.package,) if ctx.apk is not None else ()
        matcher = KnownValueMatcher(tr.device_facts, skip_pkgs) if tr.device_facts else None
        necessary = None
        if ctx.category and ctx.category in ctx.knowledge.categories:
            necessary = set(ctx.knowledge.categories[ctx.category].necessary_pi)

        labels = _Labels(resolver, cfg)
        rows: list[_Row | None] = []
        sends = _Sends()
        damage = _BodyDamage(cfg.max_listed_body_errors)
        capped = _MatchCap(cfg.max_listed_body_errors)
        sdk_hosts: dict[str, set[str]] = defaultdict(set)
        sdk_sigs: dict[str, SdkSignature] = {}
        reported: set[tuple] = set()
        for ex in tr.exchanges():
            if labels.read(ex):
                continue
            damage.check(ex, tr.body_limit)
            etld, party, sdk = resolver.resolve(ex.host)
            if sdk is not None:
                sdk_hosts[sdk.id].add(ex.host)
                sdk_sigs[sdk.id] = sdk
            matches = capped.cap(ex, scan_exchange(ex, matcher,
                                                   patterns=ctx.knowledge.pi_patterns))
            url = short_url(ex.url) if matches else ""
            seen_types: set[str] = set()
            for m in matches:
                if m.pi_type not in seen_types and ex.time is not None:
                    seen_types.add(m.pi_type)
                    sends.add(m.pi_type, ex, url, labels.background)
                ident = (ex.flow_id, m.pi_type, m.where, m.key)
                if ident in reported:  # e.g. several WebSocket messages of one flow
                    continue
                reported.add(ident)
                rows.append(_Row(ex.flow_id, ex.time, ex.host, url, m.pi_type, m.encoding,
                                 m.where, party, sdk.id if sdk else None, ex.cleartext, m.key,
                                 ex.method, m.confidence, m.matched, m.excerpt, ex.source,
                                 labels.background, etld))

        consent = tr.consent_at if tr.consent_at is not None else labels.consent_at
        yield from self._emit(rows, consent, necessary)
        yield from sends.facts(cfg)
        for sid in sorted(sdk_hosts):
            s = sdk_sigs[sid]
            yield SdkUse(id=s.id, name=s.name, vendor=s.vendor or "", categories=s.categories,
                         evidence={"hosts": sorted(sdk_hosts[sid])}, name_zh=s.name_zh,
                         country=s.country)
        for d in sorted(tr.damage):
            yield Skipped.from_damage(d)
        yield from damage.items()
        yield from skipped
        yield from capped.items()
        source = ("option" if tr.consent_at is not None
                  else "capture_marker" if labels.consent_at is not None else None)
        yield consent_record(consent, source, ctx.options)

    @staticmethod
    def _emit(rows: list[_Row | None], consent: float | None,
              necessary: set[str] | None) -> Iterator[Item]:
        """A Transmission and a ``traffic.transmission`` fact per row."""
        for i, r in enumerate(rows):
            rows[i] = None  # release as we go
            assert r is not None
            before = None
            if consent is not None and r.time is not None:
                before = r.time < consent
            yield Transmission(
                flow=r.flow, time=r.time, host=r.host, url=r.url, pi_type=r.pi_type,
                encoding=r.encoding, where=r.where, party=r.party, sdk=r.sdk,
                before_consent=before, cleartext=r.cleartext, key=r.key, method=r.method,
                confidence=r.confidence, matched=r.matched, excerpt=r.excerpt,
                source=r.source)
            yield Fact("traffic.transmission", {
                "pi_type": r.pi_type, "host": r.host, "etld1": r.etld1, "party": r.party,
                "sdk": r.sdk, "encoding": r.encoding, "where": r.where, "key": r.key,
                "before_consent": before, "cleartext": r.cleartext,
                "confidence": r.confidence, "matched": r.matched,
                "necessary": (r.pi_type in necessary) if necessary is not None else None,
                "category_known": necessary is not None, "background": r.background,
            }, (Locator("flow", flow=r.flow, time=r.time, host=r.host, url=r.url,
                        where=r.where, key=r.key, excerpt=r.excerpt),))

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
        for (sdk, pi), ts in sorted(txs.items()):
            sites = uses[(sdk, pi)]
            flows = [Locator("flow", flow=t.flow, time=t.time, host=t.host, url=t.url,
                             where=t.where, key=t.key) for t in ts[:10]]
            code = [Locator("code", dex=u.dex, offset=u.offset, api=u.api,
                            **dict(zip(("class", "method"), _split_caller(u.caller),
                                       strict=True)))
                    for u in sites[:10]]
            hosts = sorted({t.host for t in ts})
            yield Fact("traffic.code_link", {
                "sdk": sdk, "pi_type": pi, "hosts": hosts,
                "transmissions": len(ts), "call_sites": len(sites)}, tuple(flows + code))
            yield TrafficLink(sdk=sdk, pi_type=pi, hosts=tuple(hosts),
                              flows=tuple(sorted({t.flow for t in ts})),
                              call_sites=tuple(CallSite(u.api, u.caller, u.dex, u.offset)
                                               for u in sites))


def consent_record(at: float | None, source: str | None, options: dict) -> ConsentMoment:
    """result.json ``consent{at, at_local, utc_offset, zone_source, source}``: the moment
    before-consent checks used, in the zone the analyst gave (``--consent-at`` with its own
    offset, else ``--tz``, else Beijing time), and where it came from: ``option``
    (``--consent-at``), ``capture_marker`` (the capture addon's marker) or null (neither:
    no before-consent check was possible)."""
    from scanner.timeparse import display_zone, local_iso

    given = options.get("consent_at") if source == "option" else None
    zone, zone_source = display_zone(given, options.get("tz"))
    if at is None:
        return ConsentMoment(None, None, None, None, zone_source)
    local = local_iso(at, zone)
    offset = local[-6:] if local[-6] in "+-" else "+00:00"
    return ConsentMoment(at, source, local, offset, zone_source)
