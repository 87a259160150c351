"""Display helpers shared by the formats: pure functions over the result document.

Nothing here computes findings; it orders, joins and labels what the document holds.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from scanner.model.findings import SEVERITY_NAMES_DESC

SEVERITY_ORDER = SEVERITY_NAMES_DESC


def pick(value: Any, lang: str) -> str:
    """A bilingual ``{zh, en}`` value in the report language (falling back to the other)."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def sev_rank(sev: str) -> int:
    """0 for critical … 4 for info (unknown last)."""
    return SEVERITY_ORDER.index(sev) if sev in SEVERITY_ORDER else len(SEVERITY_ORDER)


def finding_key(f: dict[str, Any]) -> tuple:
    """Most severe first, then rule, PI types, title (zh) and id: stable and readable."""
    return (sev_rank(f["severity"]), f["rule"], ",".join(f.get("pi_types") or ()),
            pick(f.get("title"), "zh"), f["id"])


def sorted_findings(doc: dict[str, Any]) -> list[dict]:
    """Findings in :func:`finding_key` order."""
    return sorted(doc.get("findings") or (), key=finding_key)


def effective_uses(doc: dict[str, Any]) -> list[dict]:
    """Call sites that can yield their PI (``effective`` absent in older results: True)."""
    return [u for u in doc.get("api_uses") or () if u.get("effective", True)]


def ruled_out_uses(doc: dict[str, Any]) -> list[dict]:
    """Call sites judged unable to yield PI, with the reason (the report's ruled-out list)."""
    return [u for u in doc.get("api_uses") or () if not u.get("effective", True)]


def sdk_rows(doc: dict[str, Any]) -> list[dict]:
    """SDKs joined with what each reads (``api_uses[].sdk``) and sends
    (``transmissions[].sdk``): PI types, counts and destination hosts."""
    rows = []
    for s in sorted(doc.get("sdks") or (), key=lambda s: s["id"]):
        uses = [u for u in effective_uses(doc) if u.get("sdk") == s["id"]]
        sent = [t for t in doc.get("transmissions") or () if t.get("sdk") == s["id"]]
        ev = s.get("evidence") or {}
        read_counts: dict[str, int] = {}
        for u in uses:
            read_counts[u["pi_type"]] = read_counts.get(u["pi_type"], 0) + 1
        sent_counts: dict[str, int] = {}
        for t in sent:
            sent_counts[t["pi_type"]] = sent_counts.get(t["pi_type"], 0) + 1
        rows.append({**s, "packages": ev.get("packages") or [], "hosts": ev.get("hosts") or [],
                     "native_libs": ev.get("native_libs") or [],
                     "declared": [*(ev.get("manifest_components") or []),
                                  *(ev.get("meta_data") or []), *(ev.get("permissions") or []),
                                  *(ev.get("files") or [])],
                     "code_hosts": ev.get("code_hosts") or [],
                     "manifest_components": ev.get("manifest_components") or [],
                     "meta_data": ev.get("meta_data") or [],
                     "permissions": ev.get("permissions") or [],
                     "files": ev.get("files") or [],
                     "pi_types_read": sorted(read_counts), "read_counts": read_counts,
                     "n_api_uses": len(uses),
                     "pi_types_sent": sorted(sent_counts), "sent_counts": sent_counts,
                     "sent_hosts": sorted({t["host"] for t in sent}),
                     "n_transmissions": len(sent)})
    return rows


def pi_rows(doc: dict[str, Any]) -> list[dict]:
    """PI types read in code or sent, side by side with the category's necessary PI."""
    category = doc.get("category") or {}
    necessary = set(category.get("necessary_pi") or ()) if category.get("known") else None
    read: dict[str, int] = {}
    for u in effective_uses(doc):
        read[u["pi_type"]] = read.get(u["pi_type"], 0) + 1
    sent: dict[str, int] = {}
    for t in doc.get("transmissions") or ():
        sent[t["pi_type"]] = sent.get(t["pi_type"], 0) + 1
    ids = sorted(set(read) | set(sent) | (necessary or set()),
                 key=lambda p: (p not in read and p not in sent, p))
    return [{"pi_type": p, "read": read.get(p, 0), "sent": sent.get(p, 0),
             "necessary": None if necessary is None else p in necessary,
             "collected": p in read or p in sent} for p in ids]


def policy_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The policy against behaviour, for the report: one row per PI type the policy speaks
    of or the app collects, and one per SDK the app contains or the policy lists, with what
    the policy says (and its quote), what was seen and by whom, and the finding's rule."""
    pol = doc.get("policy")
    if not isinstance(pol, dict) or not pol.get("found"):
        return None
    rules_by_pi: dict[str, list[str]] = {}
    rules_by_sdk: dict[str, list[str]] = {}
    for f in doc.get("findings") or ():
        if not str(f.get("rule", "")).startswith("PRIV-POL"):
            continue
        for p in f.get("pi_types") or ():
            rules_by_pi.setdefault(p, []).append(f["rule"])
        for e in f.get("evidence") or ():
            sdk = (e.get("summary") or {}).get("sdk") if isinstance(e, dict) else None
            if sdk:
                rules_by_sdk.setdefault(sdk, []).append(f["rule"])
    seen: dict[str, dict[str, Any]] = {}

    def note(pi: str, how: str, sdk: Any) -> None:
        e = seen.setdefault(pi, {"code": 0, "traffic": 0, "runtime": 0, "by": set()})
        e[how] += 1
        e["by"].add(sdk or "")

    for u in effective_uses(doc):
        note(u["pi_type"], "code", u.get("sdk"))
    for t in doc.get("transmissions") or ():
        note(t["pi_type"], "traffic", t.get("sdk"))
    for r in doc.get("runtime_calls") or ():
        note(r["pi_type"], "runtime", r.get("sdk"))
    declared = {d["pi_type"]: d for d in pol.get("declared_pi") or ()}
    denied = {d["pi_type"]: d for d in pol.get("denied_pi") or ()}
    pis = []
    for p in sorted(set(declared) | set(denied) | set(seen),
                    key=lambda p: (p not in seen, p not in denied, p)):
        d = declared.get(p) or denied.get(p)
        status = ("denied" if p in denied else "absent" if d is None else
                  "generic" if d.get("generic") else
                  "conditional" if d.get("conditional") else "declared")
        e = seen.get(p)
        verdict = (("contradiction" if status == "denied" else
                    "undeclared" if status == "absent" else "consistent") if e else
                   "not_seen")
        pis.append({"pi_type": p, "status": status, "quote": (d or {}).get("quote", ""),
                    "seen": e, "by": sorted((e or {}).get("by", ())), "verdict": verdict,
                    "rules": sorted(set(rules_by_pi.get(p, [])))})
    listed = {x["sdk"]: x for x in pol.get("sdk_list") or () if x.get("sdk")}
    named = {x["sdk"]: x for x in pol.get("declared_sdks") or () if x.get("sdk")}
    sdks = []
    in_app = {s["id"]: s for s in doc.get("sdks") or () if s.get("tracker", True)
              and "development" not in (s.get("categories") or ())}
    read = {r["id"]: r for r in sdk_rows(doc)}
    for sid in sorted(set(in_app) | set(listed)):
        x = listed.get(sid)
        st = "listed" if x else "named" if sid in named else "absent"
        r = read.get(sid) or {}
        said = set((x or {}).get("pi_types") or ()) | set((x or {}).get("pi_types_generic") or ())
        got = set(r.get("pi_types_read") or ()) | set(r.get("pi_types_sent") or ())
        sdks.append({"sdk": sid, "in_app": sid in in_app, "status": st,
                     "beyond": sorted(got - said) if said else [],
                     "policy_pi": (x or {}).get("pi_types") or [],
                     "read": r.get("pi_types_read") or [], "sent": r.get("pi_types_sent") or [],
                     "quote": (x or named.get(sid) or {}).get("quote", ""),
                     "rules": sorted(set(rules_by_sdk.get(sid, [])))})
    # listed SDKs the catalogue does not know
    sdks.extend({"sdk": None, "name": x["name"], "in_app": None, "status": "listed",
                 "beyond": [], "policy_pi": x.get("pi_types") or [], "read": [], "sent": [],
                 "quote": x.get("quote", ""), "rules": []}
                for x in pol.get("sdk_list") or () if not x.get("sdk"))
    elements = pol.get("elements") or {}
    return {"policy": pol, "pis": pis, "sdks": sdks, "perms": _policy_permissions(doc, pol),
            "missing": [k for k, v in elements.items() if not v],
            "present": [k for k, v in elements.items() if v]}


def leak_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The leak analysis for the report: ``info`` (leak_analysis), and the leaks grouped by
    PI type, sink kind and whose code calls the sink, high-confidence groups (what findings
    rest on) apart from the inexact ones; each group with its count and one example (source
    caller, sink API and caller, path length). None when the analysis did not run."""
    info = doc.get("leak_analysis")
    if info is None:
        return None
    groups: dict[tuple, dict[str, Any]] = {}
    for x in doc.get("leaks") or ():
        src, sink = x.get("source") or {}, x.get("sink") or {}
        high = x.get("confidence") == "high"
        kind = "file_external" if sink.get("kind") == "file" and sink.get("external") \
            else sink.get("kind")
        key = (not high, src.get("pi_type"), kind, x.get("origin"), x.get("sdk"))
        g = groups.get(key)
        if g is None:
            groups[key] = {"high": high, "pi_type": src.get("pi_type"), "kind": kind,
                           "origin": x.get("origin") or "app", "sdk": x.get("sdk"), "n": 1,
                           "source_api": src.get("api", ""), "source_caller": src.get("caller", ""),
                           "sink_api": sink.get("api", ""), "sink_caller": sink.get("caller", ""),
                           "hops": len(x.get("path") or ())}
        else:
            g["n"] += 1
    rows = sorted(groups.values(), key=lambda g: (not g["high"], -g["n"], str(g["pi_type"]),
                                                  str(g["kind"])))
    return {"info": info, "high": [g for g in rows if g["high"]],
            "low": [g for g in rows if not g["high"]],
            "n_high": sum(g["n"] for g in rows if g["high"]),
            "n_low": sum(g["n"] for g in rows if not g["high"])}


def _policy_permissions(doc: dict[str, Any], pol: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per dangerous permission the app requests or permission the policy names:
    how the policy speaks of it (``purpose``: named with a purpose; ``via_pi``: not named,
    but the PI type it is for declared with a purpose; ``named``: named without one;
    ``absent``) and the PRIV-POL-0007 finding when there is one."""
    requested = {p["name"]: p for p in (doc.get("app") or {}).get("permissions") or ()
                 if p.get("dangerous")}
    named = {p["name"]: p for p in pol.get("declared_permissions") or ()}
    purposed = {d["pi_type"] for d in pol.get("declared_pi") or () if d.get("purpose")}
    flagged = {(e.get("summary") or {}).get("permission")
               for f in doc.get("findings") or () if f.get("rule") == "PRIV-POL-0007"
               for e in f.get("evidence") or () if isinstance(e, dict)}
    rows = []
    for name in sorted(set(requested) | set(named)):
        p, n = requested.get(name), named.get(name)
        pis = list((p or {}).get("pi_types") or ())
        status = ("purpose" if n and n.get("purpose") else
                  "via_pi" if pis[:1] and pis[0] in purposed else
                  "named" if n else "absent")
        rows.append({"name": name, "requested": p is not None, "pi_types": pis,
                     "status": status, "quote": (n or {}).get("quote", ""),
                     "flagged": name in flagged})
    rows.sort(key=lambda r: (not r["flagged"], not r["requested"], r["name"]))
    return rows


def vendor_label(sdk: dict[str, Any], lang: str) -> str:
    """An SDK's vendor in ``lang`` as the result names it (``vendor_names``: the catalogue's
    vendor, in Chinese for zh, or the owner of the package namespace), else the catalogue's
    vendor as written, else ""."""
    names = sdk.get("vendor_names")
    if isinstance(names, dict) and (names.get(lang) or names.get("en")):
        return str(names.get(lang) or names.get("en"))
    return str(sdk.get("vendor") or "")


def pi_label(pi: str, lang: str, doc: dict[str, Any] | None = None) -> str:
    """A PI type's display name in ``lang`` as the result document names it
    (``pi_type_names``), or its id (`appaudit report` completes documents written before
    results carried the names: :mod:`scanner.report.legacy`)."""
    names = (doc or {}).get("pi_type_names") or {}
    return (names.get(pi) or {}).get(lang) or pi


def notice_label(f: dict[str, Any], lang: str, doc: dict[str, Any] | None = None) -> str:
    """A finding's notice problem category in ``lang`` ("" when it has none): the Chinese
    term as the notices print it, or its English name from the result's
    ``notice_category_names`` (the Chinese term when the result has none)."""
    term = f.get("notice_category") or ""
    if lang == "zh" or not term:
        return str(term)
    names = (doc or {}).get("notice_category_names") or {}
    return (names.get(f.get("notice_category_id") or "") or {}).get("en") or str(term)


def rectification_list(doc: dict[str, Any], lang: str) -> list[dict]:
    """What the operator must change: one row per distinct remediation text, most severe
    first, with the notice category and the findings it answers (ids, titles)."""
    rows: dict[tuple, dict] = {}
    for f in sorted_findings(doc):
        text = pick(f.get("remediation"), lang)
        if not text:
            continue
        key = (f["rule"], text)
        row = rows.setdefault(key, {"rule": f["rule"], "remediation": text,
                                    "severity": f["severity"],
                                    "notice_category": notice_label(f, lang, doc),
                                    "findings": []})
        row["findings"].append({"id": f["id"], "title": pick(f.get("title"), lang),
                                "severity": f["severity"]})
    return sorted(rows.values(), key=lambda r: (sev_rank(r["severity"]), r["rule"],
                                                r["remediation"]))


def ranking_verdict(r: dict[str, Any]) -> str:
    """Catalog key of a ranking comparison's conclusion: steering, differs beyond the noise,
    cannot tell (no control capture shows the list, so the noise is unknown) or within the
    noise. Without a control "within the noise" would claim a noise that was never measured."""
    if r.get("steering"):
        return "steering_" + str(r["steering"])
    if r.get("beyond_noise"):
        return "rank_differs"
    if r.get("control_kendall_tau") is None and not r.get("control_pair"):
        return "rank_cannot_tell_no_control"
    return "rank_within_noise"


def term_verdict(t: dict[str, Any]) -> str:
    """Catalog key of a deal-term comparison's conclusion (as :func:`ranking_verdict`)."""
    if t.get("discrimination"):
        return "term_discrimination"
    if t.get("control_noise") is None:
        return "term_cannot_tell_no_control"
    return "term_discrimination_no"


def measured_noise(c: dict[str, Any]) -> bool:
    """Whether a comparison had a control capture (else "beyond noise" counts are only
    differences: the noise is unknown)."""
    return c.get("control_noise") is not None or c.get("control_kendall_tau") is not None


def fmt_time(value: Any) -> str:
    """Unix seconds → ``YYYY-MM-DD HH:MM:SS.mmm UTC``; strings pass through."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            t = _dt.datetime.fromtimestamp(value, _dt.UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d} UTC"
    return "" if value is None else str(value)


def split_caller(caller: str) -> tuple[str, str]:
    """``Lcom/a/B;->m(I)V`` → (``com.a.B``, ``m(I)V``)."""
    cls, _, method = caller.partition("->")
    return dalvik_class(cls), method


def skipped_text(s: dict[str, Any], lang: str) -> str:
    """A ``skipped[]`` item (what was not analysed, and why) in ``lang``: from its messages
    (``what_msg``, ``reason_msg``) when the result has them, else its English text."""
    from scanner.messages import render, text_of

    what = text_of(s.get("what_msg") or s.get("what") or "", lang)
    why = text_of(s.get("reason_msg") or s.get("reason") or "", lang)
    return render("skip_item", {"what": what, "reason": why}, lang)


def readable_method(method: str) -> str:
    """``m(I)V`` → ``m()``: a method as people read it (the exact signature stays in
    result.json and in the report cell's title); other text unchanged."""
    name, paren, _ = str(method or "").partition("(")
    return f"{name}()" if paren else str(method or "")


def readable_caller(caller: str) -> str:
    """``Lcom/a/B;->m(I)V`` → ``com.a.B.m()`` (the class in full: its package names the
    code's owner); other text unchanged."""
    cls, arrow, method = str(caller or "").partition("->")
    if not arrow:
        return dalvik_class(cls)
    return f"{dalvik_class(cls)}.{readable_method(method)}"


def dalvik_class(name: str) -> str:
    """``Lcom/a/B;`` → ``com.a.B`` (other strings unchanged)."""
    if name.startswith("L") and name.endswith(";"):
        return name[1:-1].replace("/", ".")
    return name


def profile_names(doc: dict[str, Any]) -> list[str]:
    """Names of the pricing profiles (``profiles[]`` holds names or objects with ``name``),
    in document order; captures that appear only in item prices are appended."""
    names: list[str] = []
    for p in doc.get("profiles") or ():
        name = p.get("name") if isinstance(p, dict) else p
        if isinstance(name, str) and name not in names:
            names.append(name)
    for it in doc.get("items") or ():
        for name in it.get("prices") or {}:
            if name not in names:
                names.append(name)
    return names


def profile_roles(doc: dict[str, Any]) -> dict[str, str]:
    """Profile name → role (baseline, treatment, control) when the document says so."""
    roles = {}
    for p in doc.get("profiles") or ():
        if isinstance(p, dict) and isinstance(p.get("name"), str) and p.get("role"):
            roles[p["name"]] = str(p["role"])
    return roles


def control_of(doc: dict[str, Any]) -> dict[str, str]:
    """Control capture name → the profile it repeats (``profiles[]{name, role: control,
    profile}``)."""
    out = {}
    for p in doc.get("profiles") or ():
        if (isinstance(p, dict) and p.get("role") == "control"
                and isinstance(p.get("name"), str) and isinstance(p.get("profile"), str)):
            out[p["name"]] = p["profile"]
    return out
