"""The HTML report: one self-contained file (inline CSS, images as data: URIs, no external
requests, no scripts), Chinese by default or English, laid out to print on A4.

Texts come from the message catalogs in reports/i18n/ (zh.yaml is the fallback); the
layout from reports/templates/report.html.j2. Sections: cover (app identity, icon or a
placeholder, input hashes, tool and ruleset versions, scan time), summary (severity
counts, PI collected vs necessary, SDKs with what each reads and sends), findings grouped
by legal basis with their evidence inline, pricing (item table and relative-difference
plot) when present, and appendix tables.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2
from markupsafe import Markup, escape

from scanner.names import readable_member
from scanner.report.environment import environment
from scanner.report.i18n import messages
from scanner.report.interface import ReportFormat
from scanner.report.plot import pricing_plot, ranking_plot, relative_differences
from scanner.report.timeline import runtime_timeline
from scanner.report.view import (
    SEVERITY_ORDER,
    dalvik_class,
    effective_uses,
    finding_key,
    leak_view,
    measured_noise,
    notice_label,
    pi_label,
    pi_rows,
    pick,
    policy_view,
    profile_names,
    profile_roles,
    ranking_verdict,
    readable_method,
    rectification_list,
    ruled_out_uses,
    sdk_rows,
    sev_rank,
    skipped_text,
    sorted_findings,
    split_caller,
    term_verdict,
    vendor_label,
)

MAX_EVIDENCE_ROWS = 50
MAX_TABLE_ROWS = 1000

__all__ = ["SEVERITY_ORDER", "HtmlFormat", "group_by_basis", "messages", "pick"]


@functools.cache
def _template() -> jinja2.Template:
    from scanner.report.precompile import load

    return load(environment())


def group_by_basis(findings: list[dict], lang: str) -> list[dict]:
    """Findings grouped by their first legal basis (instrument and article), most severe
    group first; inside a group most severe first."""
    groups: dict[str, dict] = {}
    for f in findings:
        lb = (f.get("legal_basis") or [{}])[0]
        key = lb.get("cite") or "—"
        g = groups.setdefault(key, {
            "cite": key, "instrument": pick(lb.get("instrument"), lang) or "—",
            "article": pick(lb.get("article"), lang), "summary": pick(lb.get("summary"), lang),
            "findings": []})
        g["findings"].append(f)
    for g in groups.values():
        g["findings"].sort(key=finding_key)
    return sorted(groups.values(),
                  key=lambda g: (min(sev_rank(f["severity"]) for f in g["findings"]),
                                 g["instrument"], g["article"]))


def highlight(text: Any, needle: Any) -> Markup:
    """``text`` escaped, with the first occurrence of ``needle`` in <mark>; a needle that is
    not in the text is appended, marked."""
    text, needle = str(text or ""), str(needle or "")
    if not needle:
        return escape(text)
    at = text.find(needle)
    if at < 0:
        sep = Markup(" ") if text else Markup("")
        return escape(text) + sep + Markup("<mark>%s</mark>") % needle
    return (escape(text[:at]) + Markup("<mark>%s</mark>") % needle
            + escape(text[at + len(needle):]))


def evidence_view(f: dict[str, Any], lang: str = "zh") -> dict[str, list[dict]]:
    """A finding's evidence as rows per locator kind (code, flow, manifest, pricing, other)."""
    out: dict[str, list[dict]] = {"code": [], "flow": [], "manifest": [], "pricing": [],
                                  "text": [], "other": []}
    for ev in f.get("evidence") or ():
        s = ev.get("summary") or {}
        locs = ev.get("locators") or [{}]
        if any(_is_text(loc) for loc in locs):  # strings read in the APK: the fact once
            out["other"].append({"fact": ev.get("fact"), "where": "", "where_exact": "",
                                 "detail": _summary_text(s, lang=lang),
                                 "detail_exact": _summary_text(s, exact=True)})
        for loc in locs:
            kind = loc.get("kind")
            if _is_text(loc):
                out["text"].append({"file": loc.get("entry") or loc.get("dex"),
                                    "text": loc.get("text")})
            elif kind == "code":
                out["code"].append({
                    "class": dalvik_class(str(loc.get("class", ""))),
                    "signature": f"{loc.get('class', '')}->{loc.get('method', '')}",
                    "method": loc.get("method", ""), "api": loc.get("api") or s.get("api"),
                    "dex": loc.get("dex"), "offset": loc.get("offset"), "sdk": s.get("sdk"),
                    "pi_type": s.get("pi_type"), "reachable": s.get("reachable")})
            elif kind == "flow":
                out["flow"].append({
                    "time": loc.get("time"), "host": loc.get("host"), "flow": loc.get("flow"),
                    "pi_type": s.get("pi_type"), "encoding": s.get("encoding"),
                    "where": loc.get("where"), "key": loc.get("key"),
                    "url": loc.get("url"), "excerpt": loc.get("excerpt"),
                    "party": s.get("party"), "sdk": s.get("sdk")})
            elif kind == "manifest":
                out["manifest"].append({"file": loc.get("file", "AndroidManifest.xml"),
                                        "element": loc.get("element"), "name": loc.get("name"),
                                        "detail": _summary_text(s, lang=lang),
                                        "detail_exact": _summary_text(s, exact=True)})
            elif kind == "pricing":
                out["pricing"].append({
                    "profile": loc.get("profile"), "item": loc.get("item"),
                    "price": loc.get("price"), "flow": loc.get("flow"), "path": loc.get("path"),
                    "time": loc.get("time"), "source": loc.get("source")})
            else:
                out["other"].append({"fact": ev.get("fact"), "where": _loc_text(loc),
                                     "where_exact": _loc_text(loc, exact=True),
                                     "detail": _summary_text(s, lang=lang),
                                     "detail_exact": _summary_text(s, exact=True)})
    return out


def _is_text(loc: dict[str, Any]) -> bool:
    """A string read in the APK: of a dex file's string table, or of a resource or asset."""
    return loc.get("kind") == "string" or (loc.get("kind") == "zip" and "text" in loc)


_SKIP_SUMMARY = ("caller", "category", "category_known", "target_sdk", "min_sdk")


def _summary_text(s: dict[str, Any], exact: bool = False, lang: str | None = None) -> str:
    """Every informative attribute of a fact, ``key=value``, in the fact's order; Dalvik
    descriptors as people read them (``exact``: as stored, for the cell's title). With
    ``lang``, a field kept in both languages (``name_zh``/``name_en``) only in that one."""
    other = {"zh": "_en", "en": "_zh"}.get(lang or "")
    return " ".join(f"{k}={_val(v, exact)}" for k, v in s.items()
                    if k not in _SKIP_SUMMARY and v not in (None, "", [], {})
                    and not (other and k.endswith(other)))


def _val(v: Any, exact: bool = False) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(_val(x, exact) for x in v)
    if isinstance(v, bool):
        return str(v).lower()
    return str(v) if exact else _readable(str(v))


def _readable(text: str) -> str:
    """A Dalvik member (``Lcom/a/B;->m(I)V``), class (``Lcom/a/B;``) or method (``m(I)V``)
    as people read it; other text unchanged."""
    if "->" in text:
        return readable_member(text)
    if re.fullmatch(r"\[*L[\w/$]+;", text):
        return dalvik_class(text.lstrip("["))
    if re.fullmatch(r"[\w$<>]+\([^)]*\)\S+", text):
        return readable_method(text)
    return text


def _loc_text(loc: dict[str, Any], exact: bool = False) -> str:
    return " ".join(f"{k}={_val(v, exact)}" for k, v in loc.items() if k != "kind")


RECHECK_SECTIONS = ("fixed", "remaining", "new", "not_rechecked")


def recheck_sections(m: dict[str, str]) -> list[tuple[str, str, str]]:
    """(key in diff, heading, explanation) of the re-check lists, in report order."""
    return [(k, m[f"recheck_{k}_h"], m[f"recheck_{k}_note"]) for k in RECHECK_SECTIONS]


def render_recheck(doc: dict[str, Any], lang: str) -> str:
    """The re-check report (整改复检) of an ``appaudit diff`` result."""
    m = messages(lang)
    d = doc["diff"]
    sections = [s for s in recheck_sections(m) if s[0] != "not_rechecked" or d.get(s[0])]
    return environment().get_template("recheck.html.j2").render(
        doc=doc, d={**d, "not_rechecked": d.get("not_rechecked") or []}, lang=lang, m=m,
        old=d["versions"]["old"], new=d["versions"]["new"], sections=sections,
        pick=lambda v: pick(v, lang), pi=lambda p: pi_label(p, lang, doc),
        notice=lambda e: notice_label(e, lang, doc))


MAX_RANK_PLOTS = 8


def _rank_plots(doc: dict[str, Any], m: dict[str, str]) -> list[tuple[dict, str]]:
    """(rankings[] entry, rank-vs-rank plot) for the first comparisons of each list."""
    out = []
    for r in (doc.get("rankings") or ())[:MAX_RANK_PLOTS]:
        uri = ranking_plot(doc, r, xlabel=m["rank_axis"].format(p=r.get("baseline")),
                           ylabel=m["rank_axis"].format(p=r.get("treatment")),
                           noise_label=m["rank_noise_label"], price_label=m["price"])
        if uri:
            out.append((r, uri))
    return out


def _term_columns(doc: dict[str, Any]) -> list[str]:
    """Capture columns that show a value in ``terms[]``, in profile order."""
    seen = {c for t in doc.get("terms") or () for c in (t.get("values") or {})}
    return [p for p in profile_names(doc) if p in seen] + sorted(
        seen - set(profile_names(doc)))


def label(m: dict[str, str], prefix: str, value: Any) -> str:
    """The catalog's label of an id (``prefix + id``), or the id itself when the catalog has
    none (a test renders every known id and fails on a missing label)."""
    if value is None or value == "":
        return ""
    if f"{prefix}{value}" in m:
        return m[f"{prefix}{value}"]
    from scanner.names import vocabulary

    name = vocabulary().get(str(value))
    return name.get(m.get("_lang", "zh"), str(value)) if name else str(value)


def _plot_label(m: dict[str, str], lang: str) -> str:
    """The plot's axis label: Chinese needs a CJK font in matplotlib, else English."""
    from scanner.report.fonts import cjk_font

    if lang == "zh" and cjk_font() is None:
        return messages("en")["pricing_plot_ylabel"]
    return m["pricing_plot_ylabel"]


def necessary_text(cat: dict[str, Any], lang: str) -> str:
    """The declared category's necessary-PI list as the rules word it (zh) or its English
    gloss (``necessary_pi_text_en``; results written before it existed are completed by
    :mod:`scanner.report.legacy`)."""
    if lang != "en":
        return "；".join(cat.get("necessary_pi_text") or ())
    return "; ".join(cat.get("necessary_pi_text_en") or cat.get("necessary_pi_text") or ())


def sdk_namer(doc: dict[str, Any], lang: str):
    """SDK id → its display name in ``lang`` (from ``doc.sdks``; the id when not listed)."""
    names = {}
    for s in doc.get("sdks") or ():
        if isinstance(s, dict) and s.get("id"):
            names[s["id"]] = (s.get("name_zh") or s.get("name")) if lang == "zh" else s.get("name")
    return lambda sid: "" if not sid else (names.get(sid) or sid)


def term_namer(doc: dict[str, Any], lang: str):
    """Deal-term id (delivery_fee) → its name in ``lang`` from the document's term rows."""
    names = {}
    for t in [*(doc.get("term_comparisons") or ()), *(doc.get("terms") or ())]:
        if isinstance(t, dict) and t.get("term") and isinstance(t.get("label"), dict):
            names.setdefault(t["term"], pick(t["label"], lang))
    return lambda tid: names.get(tid) or tid


class HtmlFormat(ReportFormat):
    """Self-contained HTML report for people."""

    name = "html"
    suffix = ".html"

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        if doc.get("diff") is not None:
            return render_recheck(doc, lang).encode("utf-8")
        m = messages(lang)
        findings = sorted_findings(doc)
        pricing = bool(doc.get("items") or doc.get("comparisons") or doc.get("rankings")
                       or doc.get("terms"))
        html = _template().render(
            doc=doc, lang=lang, m=m, pick=lambda v: pick(v, lang),
            pi=lambda p: pi_label(p, lang, doc), severities=SEVERITY_ORDER,
            label=lambda prefix, v: label(m, prefix, v), sdk_name=sdk_namer(doc, lang),
            necessary_text=lambda cat: necessary_text(cat, lang),
            vendor=lambda s: vendor_label(s, lang),
            groups=group_by_basis(findings, lang), evidence=lambda f: evidence_view(f, lang),
            highlight=highlight, split_caller=split_caller,
            sdks=sdk_rows(doc), pis=pi_rows(doc), pricing=pricing,
            uses=effective_uses(doc), ruled_out=ruled_out_uses(doc),
            rel=relative_differences(doc) if pricing else [],
            profiles=profile_names(doc), roles=profile_roles(doc),
            plot=pricing_plot(doc, ylabel=_plot_label(m, lang))
            if pricing else None,
            rank_plots=_rank_plots(doc, m) if pricing else [],
            term_cols=_term_columns(doc),
            term_label=term_namer(doc, lang),
            ranking_verdict=ranking_verdict, term_verdict=term_verdict,
            measured_noise=measured_noise,
            max_rows=MAX_TABLE_ROWS, max_evidence=MAX_EVIDENCE_ROWS,
            notice=lambda f: notice_label(f, lang, doc), rectify=rectification_list(doc, lang),
            sorted_findings=findings,
            timeline=runtime_timeline(doc, m, sdk_namer(doc, lang),
                                      lambda p: pi_label(p, lang, doc)),
            policy=policy_view(doc), leaks=leak_view(doc), readable=readable_member,
            skipped=lambda s: skipped_text(s, lang),
        )
        return html.encode("utf-8")
