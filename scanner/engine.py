"""The pipeline: ingest → detectors → facts → rules → findings → :class:`ScanResult`.

The engine wires stages together and does nothing else: readers parse,
detectors conclude, rules judge, formats render.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.detectors import all_detectors
from scanner.detectors.interface import Item, ScanContext
from scanner.detectors.packer import code_incomplete
from scanner.errors import UsageError
from scanner.knowledge import Knowledge, notice_category_names, pi_type_names, tool_info
from scanner.limits import MAX_FINDINGS_PER_RULE
from scanner.messages import msg, record
from scanner.model.evidence import ApkEvidence, InputFile, Permission
from scanner.model.facts import Fact
from scanner.model.findings import Finding
from scanner.model.policy import PolicyInfo
from scanner.model.result import (
    ApiUse,
    AppInfo,
    CategoryInfo,
    ConsentMoment,
    Leak,
    LeakAnalysisInfo,
    ScanResult,
    SdkUse,
    Skipped,
    TrafficLink,
    Transmission,
    evidence_strength,
)
from scanner.model.runtime import (
    AppStart,
    PermissionRequest,
    ReadSent,
    RuntimeCall,
    RuntimeExcluded,
    RuntimeSummary,
)
from scanner.model.serial import to_jsonable
from scanner.rules.loader import RuleSet, load_rules
from scanner.timeparse import now_iso

if TYPE_CHECKING:
    from scanner.ingest.traffic import TrafficEvidence


@dataclass
class ScanRequest:
    """What to scan and how (the options of ``appaudit scan`` / ``traffic``)."""

    apk: Path | None = None
    flows: Sequence[Path] = ()
    category: str | None = None
    device_facts: Path | None = None
    consent_at: float | None = None
    runtime: Sequence[Path] = ()
    policy: Sequence[Path] = ()
    first_party: Sequence[str] = ()
    command: str = "scan"
    options: dict[str, Any] = field(default_factory=dict)


def check_category(knowledge: Knowledge, category: str | None) -> str | None:
    """The id of the app type given as an id or a Chinese (新闻资讯类) or English name;
    refuse an unknown one, pointing to the list."""
    if not category:
        return None
    from scanner.knowledge import category_id

    cid = category_id(knowledge.categories, category)
    if cid is None:
        ids = ", ".join(sorted(knowledge.categories))
        raise UsageError("err_unknown_category", category=repr(category), ids=ids)
    return cid


def traffic_evidence(request: ScanRequest) -> TrafficEvidence:
    """The capture files of a request, checked and digested (see ``open_traffic``)."""
    from scanner.ingest.traffic import BODY_LIMIT, open_traffic

    limit = int((request.options or {}).get("body_limit") or BODY_LIMIT)
    return open_traffic(tuple(request.flows), request.device_facts, request.consent_at,
                        tuple(request.first_party or ()), limit)


def run(request: ScanRequest, rules: RuleSet | None = None) -> ScanResult:
    """Run the whole pipeline for one app (APK and/or flows)."""
    rules = rules or load_rules()
    knowledge = rules.knowledge
    category = check_category(knowledge, request.category)
    if category != request.category:
        request = replace(request, category=category,
                          options={**request.options, "category": category})
    started = now_iso()
    ctx, inputs = detect(request, rules.knowledge)
    return assemble(ctx, rules, request, inputs, started)


def detect(request: ScanRequest, knowledge: Knowledge) -> tuple[ScanContext, list[InputFile]]:
    """Ingest the request's inputs and run every detector: the context with everything
    they yielded (``ctx.collected``), and the input files read."""
    check_category(knowledge, request.category)
    ctx = ScanContext(knowledge=knowledge, category=request.category,
                      options=dict(request.options))
    inputs: list[InputFile] = []
    runtime_at = 0
    if request.apk is not None:
        from scanner.ingest.apk import ApkReader

        ctx.apk = ApkReader(request.apk).read()
        inputs.append(ctx.apk.input)
    if request.flows:
        ctx.traffic = traffic_evidence(request)
        inputs.extend(ctx.traffic.inputs)
    elif request.device_facts is not None:  # nothing to match them against, but a file
        from scanner.ingest.device_facts import load_device_facts  # given must be usable

        load_device_facts(Path(request.device_facts))
    if request.runtime:
        from scanner.ingest.runtime_log import RuntimeLog
        from scanner.timeparse import parse_tz

        tz = request.options.get("tz")
        ctx.runtime = RuntimeLog(tuple(request.runtime), consent_at=request.consent_at,
                                 apis=knowledge.apis, zone=parse_tz(tz) if tz else None)
        runtime_at = len(inputs)  # its digests are computed while the detectors read it
    if request.policy:
        from scanner.ingest.policy import read_policy_file

        ctx.policy = [read_policy_file(p) for p in request.policy]
        inputs.extend(d.input for d in ctx.policy if d.input is not None)
    detectors = all_detectors()
    for det in detectors:
        if ctx.apk is not None:
            ctx.collected.extend(det.apk(ctx))
        if ctx.traffic is not None:
            ctx.collected.extend(det.traffic(ctx))
        if ctx.runtime is not None:
            ctx.collected.extend(det.runtime(ctx))
    for det in detectors:
        ctx.collected.extend(det.finish(ctx))
    if ctx.runtime is not None:
        inputs[runtime_at:runtime_at] = ctx.runtime.inputs
    return ctx, inputs


def assemble(ctx: ScanContext, rules: RuleSet, request: ScanRequest,
             inputs: Iterable[InputFile], started: str) -> ScanResult:
    """Sort detector output into result sections and evaluate the rules."""
    items: list[Item] = ctx.collected
    facts = [x for x in items if isinstance(x, Fact)]
    applies = {"apk"} if ctx.apk is not None else set()
    if ctx.traffic is not None:
        applies.add("traffic")
    if ctx.runtime is not None:
        applies.add("runtime")
    findings, capped = cap_findings(rules.evaluate(facts, applies_to=applies or None))
    api_uses = tuple(sorted((x for x in items if isinstance(x, ApiUse)),
                            key=lambda u: (u.dex, u.offset, u.api, u.caller)))
    vendors = ctx.knowledge.sdk_vendors
    sdks = tuple(replace(s, vendor_names=vendors.for_sdk(s.vendor, s.evidence.get("packages")
                                                         or ()))
                 for s in _merge_sdks(x for x in items if isinstance(x, SdkUse)))
    transmissions = tuple(x for x in items if isinstance(x, Transmission))
    skipped = tuple(x for x in items if isinstance(x, Skipped)) + capped
    app = _app_info(ctx.apk, facts, request.category) if ctx.apk else None
    return ScanResult(
        tool=tool_info(ctx.knowledge),
        command=request.command,
        inputs=tuple(inputs),
        app=app,
        category=_category_info(ctx, facts),
        sdks=sdks,
        api_uses=api_uses,
        transmissions=transmissions,
        findings=tuple(findings),
        skipped=skipped,
        started=started,
        finished=now_iso(),
        options={k: v for k, v in request.options.items() if v not in (None, (), [])},
        pi_type_names=pi_type_names(ctx.knowledge),
        notice_category_names=notice_category_names(ctx.knowledge),
        extra={**_extra(items), **_duplicates(ctx),
               **_security_checks(rules, findings, ctx, applies)},
    )


#: rule id prefix of the security checks listed one by one in ``security_checks``
SECURITY_PREFIX = "SEC-"


def _security_checks(rules: RuleSet, findings: Sequence[Finding], ctx: ScanContext,
                     applies: set[str]) -> dict[str, Any]:
    """result.json ``security_checks{code_incomplete, checks[]{rule, title, severity,
    findings}}``: every security rule run on an APK and how many findings it gave, so that a
    report can show what was checked and found nothing. ``code_incomplete``: part of the
    code was hidden (a packed build, an unanalysed payload), so "none found" is not a
    conclusion."""
    if "apk" not in applies:
        return {}
    sec = [r for r in rules.rules if r.id.startswith(SECURITY_PREFIX)
           and r.status != "deprecated" and "apk" in r.applies_to]
    if not sec:
        return {}
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    return {"security_checks": {
        "code_incomplete": code_incomplete(ctx),
        "checks": [{"rule": r.id, "title": {"zh": r.title.zh, "en": r.title.en},
                    "severity": r.severity,
                    "findings": counts.get(r.id, 0)} for r in sec],
    }}


def _duplicates(ctx: ScanContext) -> dict[str, Any]:
    """result.json ``duplicate_exchanges{count, inputs[]{input, same_as, exchanges}}`` when
    an input repeats exchanges of an earlier one (each was analysed once)."""
    dups = getattr(ctx.traffic, "duplicates", None) or {}
    if not dups:
        return {}
    return {"duplicate_exchanges": {
        "count": sum(dups.values()),
        "inputs": [{"input": a, "same_as": b, "exchanges": n}
                   for (a, b), n in sorted(dups.items())]}}


def _extra(items: Iterable[Item]) -> dict[str, Any]:
    """Result sections kept in ``extra`` (listed at result.json's top level)."""
    out: dict[str, Any] = {}
    links = [to_jsonable(x) for x in items if isinstance(x, TrafficLink)]
    if links:
        out["traffic_links"] = links
    for name, cls in (("runtime_calls", RuntimeCall), ("permission_requests", PermissionRequest),
                      ("app_starts", AppStart), ("runtime_excluded", RuntimeExcluded),
                      ("read_sent", ReadSent)):
        found = [to_jsonable(x) for x in items if isinstance(x, cls)]
        if found:
            out[name] = found
    info = next((x for x in items if isinstance(x, LeakAnalysisInfo)), None)
    if info is not None:
        out["leaks"] = [to_jsonable(x) for x in items if isinstance(x, Leak)]
        out["leak_analysis"] = to_jsonable(info)
    policy = [x for x in items if isinstance(x, PolicyInfo)]
    if policy:
        out["policy"] = to_jsonable(policy[-1])
    summary = next((x for x in items if isinstance(x, RuntimeSummary)), None)
    if summary is not None:
        out["runtime"] = to_jsonable(summary)
    consent = next((x for x in items if isinstance(x, ConsentMoment)), None)
    if consent is not None:
        out["consent"] = to_jsonable(consent)
    return out


def cap_findings(findings: list[Finding], limit: int = MAX_FINDINGS_PER_RULE
                 ) -> tuple[list[Finding], tuple[Skipped, ...]]:
    """At most ``limit`` findings per rule (in the evaluation's order, most severe first);
    one ``Skipped`` item per rule that had more, naming the limit. 50,000 exported
    components would otherwise give 50,000 findings of one rule and a 200 MB result."""
    counts: dict[str, int] = {}
    kept = []
    for f in findings:
        n = counts.get(f.rule, 0) + 1
        counts[f.rule] = n
        if n <= limit:
            kept.append(f)
    capped = tuple(Skipped(*record(msg("part_rule", rule=rule),
                                   msg("skip_more_findings", n=n - limit, max=limit)))
                   for rule, n in sorted(counts.items()) if n > limit)
    return kept, capped


def _merge_sdks(uses: Iterable[SdkUse]) -> tuple[SdkUse, ...]:
    """One entry per SDK id, code and network evidence merged."""
    merged: dict[str, SdkUse] = {}
    for u in uses:
        prev = merged.get(u.id)
        if prev is None:
            merged[u.id] = u
            continue
        ev = dict(prev.evidence)
        for k, v in u.evidence.items():
            if isinstance(v, list) and isinstance(ev.get(k), list):
                ev[k] = sorted(set(ev[k]) | set(v))
            else:
                ev.setdefault(k, v)
        merged[u.id] = replace(prev, evidence=ev, version=prev.version or u.version)
    out = []
    for s in sorted(merged.values(), key=lambda s: s.id):
        kinds, confidence = evidence_strength(s.evidence)
        out.append(replace(s, evidence_kinds=kinds, confidence=confidence))
    return tuple(out)


def _app_info(ev: ApkEvidence, facts: list[Fact], category: str | None) -> AppInfo:
    used = {f.get("name"): f for f in facts if f.kind == "apk.permission"}
    perms = []
    for p in ev.permissions:
        f = used.get(p.name)
        perms.append(Permission(
            name=p.name,
            dangerous=bool(f.get("dangerous")) if f else False,
            pi_types=tuple(f.get("pi_types") or ()) if f else (),
            used=f.get("used") if f else None,
            max_sdk=p.max_sdk,
            protection=f.get("protection") if f else None,
        ))
    return AppInfo(
        package=ev.package, label=ev.label, version_name=ev.version_name,
        version_code=ev.version_code, min_sdk=ev.min_sdk, target_sdk=ev.target_sdk,
        category=category, permissions=tuple(perms), components=ev.components,
        flags=ev.flags, signers=ev.signers, application_class=ev.application_class,
        icon=_data_uri(ev.icon_png),
        packer=_packer(facts),
        payloads=ev.payloads,
        dynamic_loading=tuple(next((f.get("calls") for f in facts
                                    if f.kind == "code.dynamic_loading"), None) or ()),
    )


def _packer(facts: list[Fact]) -> dict[str, Any] | None:
    fact = next((f for f in facts if f.kind == "apk.packer"), None)
    if fact is None:
        return None
    return {k: fact.get(k) for k in ("id", "name", "name_zh", "vendor", "evidence")}


def _data_uri(image: bytes | None) -> str | None:
    if not image:
        return None
    import base64

    mime = "image/png" if image.startswith(b"\x89PNG") else "image/webp"
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


def _category_info(ctx: ScanContext, facts: list[Fact]) -> CategoryInfo:
    fact = next((f for f in facts if f.kind == "app.category"), None)
    cat = ctx.knowledge.categories.get(ctx.category) if ctx.category else None
    if cat is None:
        suggested = tuple(
            {"id": cid, "zh": ctx.knowledge.categories[cid].zh,
             "en": ctx.knowledge.categories[cid].en, "basis": "package name / label keywords"}
            for cid in (fact.get("suggested") if fact else []) or [])
        return CategoryInfo(id=None, known=False, suggested=suggested)
    return CategoryInfo(id=cat.id, known=True, zh=cat.zh, en=cat.en,
                        necessary_pi=cat.necessary_pi, necessary_pi_text=cat.necessary_pi_text_zh,
                        necessary_pi_text_en=cat.necessary_pi_text_en,
                        verified=cat.verified)

