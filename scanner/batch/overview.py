"""The batch overview: one self-contained HTML page (Chinese by default) over a batch database.

Contract:
    render_overview(rows, lang="zh", title=None) -> str
        ``rows`` is ``Store.rows()``. The page holds the status counts, three charts
        (findings by severity, the most common SDKs, the PI types most often collected beyond
        the app type's necessary scope), the per-APK table and the rule table. Charts are drawn
        with matplotlib's Agg backend and embedded as PNG data URIs: no script, no network,
        no external file. Every text comes from the message catalogs (reports/i18n/) and ids
        are shown by their names (PI types, categories, SDKs, statuses, severities). Chart
        labels are in ``lang`` when a CJK font is installed, else in English with a note
        saying what to install. Over-scope collection is judged only for apps with a known
        category; the others are said to be not judged, never counted as "0".
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from scanner.batch.status import BatchStatus
from scanner.batch.summary import SEVERITIES
from scanner.batch.tables import apk_table, pi_table, rule_table, sdk_table, status_table
from scanner.errors import RulesetError
from scanner.messages import text_of
from scanner.report.json import NOTICE

#: Column names of the overview tables: keys of the message catalogs (reports/i18n/).
COLUMN_KEYS = {"package": "package", "label": "label", "version_name": "version",
               "category": "category", "sdk_count": "ov_sdk_count", "pi_count": "ov_pi_count",
               "over_scope_count": "ov_over_scope_count", "findings": "ov_findings",
               "status": "ov_status_col", "error": "ov_error", "rule": "ov_rule",
               "apps": "ov_apps", "hits": "ov_hits", "apks": "ov_apps", "sdk": "sdk",
               "pi_type": "pi_type", "critical": "sev_critical", "high": "sev_high",
               "medium": "sev_medium", "low": "sev_low", "info": "sev_info"}


SEVERITY_COLORS = {"critical": "#7b1fa2", "high": "#d32f2f", "medium": "#f57c00",
                   "low": "#fbc02d", "info": "#90a4ae"}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _barh(labels: list[str], values: list[int], color: str | list[str], xlabel: str,
          lang: str = "en") -> str:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    from scanner.report.fonts import cjk_font

    font = cjk_font() if lang == "zh" else None
    if font:
        matplotlib.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
        matplotlib.rcParams["font.family"] = "sans-serif"
    fig = Figure(figsize=(6, 0.35 * max(3, len(labels)) + 0.8))
    ax = fig.subplots()
    ax.barh(labels[::-1], values[::-1], color=color[::-1] if isinstance(color, list) else color)
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def _table(df, cols: list[str], names: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(names.get(c, c))}</th>" for c in cols)
    body = []
    for rec in df[cols].itertuples(index=False):
        cells = []
        for v in rec:
            text = "" if v is None or (not isinstance(v, str) and _isna(v)) else str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _isna(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _labels(lang: str) -> dict:
    """Display names for the ids a batch table holds: PI types, categories, SDKs, statuses."""
    from scanner.report.i18n import messages
    from scanner.report.view import pi_label

    m = messages(lang)
    try:
        from scanner.knowledge import load_knowledge, pi_type_names

        kb = load_knowledge()
        cats = {c.id: (c.zh if lang == "zh" else c.en) for c in kb.categories.values()}
        names = {"pi_type_names": pi_type_names(kb)}
    except RulesetError:  # the overview still renders, with category and PI type ids
        cats, names = {}, {}
    return {"m": m, "pi": lambda p: pi_label(p, lang, names), "cat": lambda c: cats.get(c, c)}


def render_overview(rows: list[dict[str, Any]], lang: str = "zh", title: str | None = None,
                    top: int = 15) -> str:
    """The overview page as HTML text (see module docstring)."""
    from scanner.report.fonts import INSTALL_HINT, cjk_font

    lab = _labels(lang)
    m = lab["m"]
    cols = {c: m.get(k, c) for c, k in COLUMN_KEYS.items()}
    # chart labels in the page language when a CJK font can draw them, else in English
    chart_lang = lang if lang != "zh" or cjk_font() else "en"
    cm = _labels(chart_lang) if chart_lang != lang else lab
    ok = [r for r in rows if r["status"] == BatchStatus.OK]
    sev = {s: sum(int(r.get(s) or 0) for r in ok) for s in SEVERITIES}
    judged = [r for r in ok if r.get("category") is not None]
    sections = []
    if chart_lang != lang:
        hint = m["ov_font_missing"].format(hint=INSTALL_HINT)
        sections.append(f"<p class=\"notice\">{html.escape(hint)}</p>")
    st = status_table(rows)
    st["status"] = [m.get(f"status_{v}", v) for v in st["status"]]
    sections.append(f"<h2>{m['ov_status']}</h2>"
                    f"<p>{m['ov_apk_count']}{m['colon']}{len(rows)} · {m['ov_ok']}{m['colon']}"
                    f"{len(ok)} · {m['ov_errors']}{m['colon']}{len(rows) - len(ok)}</p>"
                    + _table(st, ["status", "apks"], cols))
    over_apps = sum(1 for r in judged if r.get("over_scope_count"))
    sections.append("<p>" + html.escape(
        m["ov_over_scope_none_judged"] if ok and not judged else
        m["ov_over_scope_line"].format(n=over_apps, judged=len(judged),
                                       unjudged=len(ok) - len(judged))) + "</p>")
    charts = []
    if any(sev.values()):
        charts.append((m["ov_severity"], _barh(
            [cm["m"][f"sev_{s}"] for s in SEVERITIES], [sev[s] for s in SEVERITIES],
            [SEVERITY_COLORS[s] for s in SEVERITIES], cm["m"]["ov_findings"], chart_lang)))
    sdks = sdk_table(rows).head(top)
    if len(sdks):
        charts.append((m["ov_sdks"], _barh(
            [_sdk_name(i, n, chart_lang) for i, n in zip(sdks["sdk"], sdks["name"],
                                                         strict=True)],
            sdks["apps"].tolist(), "#1976d2", cm["m"]["ov_apps"], chart_lang)))
    pis = pi_table(rows)
    pis = pis[pis["apps_over_scope"] > 0].head(top)
    if len(pis):
        charts.append((m["ov_over"], _barh([cm["pi"](p) for p in pis["pi_type"]],
                                           pis["apps_over_scope"].tolist(), "#c62828",
                                           cm["m"]["ov_apps"], chart_lang)))
    for heading, uri in charts:
        sections.append(f"<h2>{html.escape(heading)}</h2><img alt=\"{html.escape(heading)}\" "
                        f"src=\"{uri}\">")
    for heading, key in ((m["ov_severity"], "severity"), (m["ov_sdks"], "sdks"),
                         (m["ov_over"], "over")):
        if not any(h == heading for h, _ in charts):
            text = (m["ov_over_scope_none_judged"] if key == "over" and ok and not judged
                    else m["ov_none"])
            sections.append(f"<h2>{html.escape(heading)}</h2><p class=\"none\" "
                            f"data-chart=\"{key}\">{html.escape(text)}</p>")
    apks = apk_table(rows)
    apks["status"] = [m.get(f"status_{v}", v) for v in apks["status"]]
    apks["category"] = [lab["cat"](c) if isinstance(c, str) else None for c in apks["category"]]
    apks["over_scope_count"] = [
        m["ov_not_judged"] if r.get("status") == "ok" and r.get("category") is None else v
        for r, v in zip(_by_sha(rows, apks), apks["over_scope_count"], strict=True)]
    # the error as a message in the report's language; a row stored before messages had
    # ids (error_msg NULL) shows its text as stored
    apks["error"] = [text_of(r.get("error_msg"), lang) if r.get("error_msg") else v
                     for r, v in zip(_by_sha(rows, apks), apks["error"], strict=True)]
    sections.append(f"<h2>{m['ov_apks']}</h2>" + _table(
        apks, ["package", "label", "version_name", "category", "sdk_count", "pi_count",
               "over_scope_count", "findings", *SEVERITIES, "status", "error"], cols))
    rules = rule_table(rows)
    sections.append(f"<h2>{m['ov_rules']}</h2>" + (_table(rules, ["rule", "apps", "hits"], cols)
                                                     if len(rules) else f"<p>{m['ov_none']}</p>"))
    page_title = html.escape(title or m["ov_title"])
    style = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;"
             "color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}"
             "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}"
             "th{background:#f0f0f0;word-break:keep-all;white-space:nowrap}"
             "img{max-width:100%}.notice{color:#666;font-size:12px}")
    return (f"<!DOCTYPE html>\n<html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head>"
            f"<meta charset=\"utf-8\"><title>{page_title}</title><style>{style}</style>"
            f"</head><body><h1>{page_title}</h1>{''.join(sections)}"
            f"<p class=\"notice\">{html.escape(NOTICE[lang])}</p></body></html>\n")


def _sdk_name(sdk_id: str, name: str, lang: str) -> str:
    """An SDK's name in ``lang``: its Chinese name from the catalogue in Chinese (the rows
    store the English name)."""
    if lang != "zh":
        return name
    from scanner.sdk.catalog import default_catalog

    sig = default_catalog().get(sdk_id)
    return (getattr(sig, "name_zh", None) or name) if sig is not None else name


def _by_sha(rows: list[dict[str, Any]], df) -> list[dict[str, Any]]:
    """The rows in the order of a table sorted from them (by sha256)."""
    by = {r["sha256"]: r for r in rows}
    return [by.get(sha, {}) for sha in df["sha256"]]
