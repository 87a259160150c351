"""The batch overview: one self-contained HTML page (Chinese by default) over a batch database.

Contract:
    render_overview(rows, lang="zh", title=None) -> str
        ``rows`` is ``Store.rows()``. The page holds the status counts, three charts
        (findings by severity, the most common SDKs, the PI types most often collected beyond
        the app type's necessary scope), the per-APK table and the rule table. Charts are drawn
        with matplotlib's Agg backend and embedded as PNG data URIs: no script, no network,
        no external file. Chart labels are ids and English axis names (no CJK font is needed);
        the page text around them is in ``lang``.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from scanner.batch.status import BatchStatus
from scanner.batch.summary import SEVERITIES
from scanner.batch.tables import apk_table, pi_table, rule_table, sdk_table, status_table
from scanner.report.json import NOTICE

TEXT = {
    "zh": {
        "title": "批量审计总览", "status": "扫描结果", "severity": "问题严重程度分布",
        "sdks": "最常见的第三方 SDK", "over": "超范围收集最多的个人信息类型",
        "apks": "逐个应用", "rules": "规则命中", "none": "（无数据）",
        "apk_count": "应用数", "ok": "成功", "errors": "失败",
        "col": {"package": "包名", "label": "名称", "version_name": "版本", "category": "类型",
                "sdk_count": "SDK 数", "pi_count": "涉及个人信息类型", "over_scope_count":
                "超范围类型数", "findings": "问题数", "status": "状态", "error": "错误",
                "rule": "规则", "apps": "应用数", "hits": "命中次数", "apks": "应用数"},
    },
    "en": {
        "title": "Batch audit overview", "status": "Scan outcomes",
        "severity": "Findings by severity", "sdks": "Most common third-party SDKs",
        "over": "PI types most often collected beyond the necessary scope",
        "apks": "Per app", "rules": "Rule hits", "none": "(no data)",
        "apk_count": "APKs", "ok": "ok", "errors": "failed",
        "col": {"package": "package", "label": "label", "version_name": "version",
                "category": "category", "sdk_count": "SDKs", "pi_count": "PI types",
                "over_scope_count": "over-scope PI types", "findings": "findings",
                "status": "status", "error": "error", "rule": "rule", "apps": "APKs",
                "hits": "hits", "apks": "APKs"},
    },
}
SEVERITY_COLORS = {"critical": "#7b1fa2", "high": "#d32f2f", "medium": "#f57c00",
                   "low": "#fbc02d", "info": "#90a4ae"}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _barh(labels: list[str], values: list[int], color: str | list[str], xlabel: str) -> str:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

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


def render_overview(rows: list[dict[str, Any]], lang: str = "zh", title: str | None = None,
                    top: int = 15) -> str:
    """The overview page as HTML text (see module docstring)."""
    t = TEXT[lang]
    cols = t["col"]
    ok = [r for r in rows if r["status"] == BatchStatus.OK]
    sev = {s: sum(int(r.get(s) or 0) for r in ok) for s in SEVERITIES}
    sections = []
    st = status_table(rows)
    sections.append(f"<h2>{t['status']}</h2>"
                    f"<p>{t['apk_count']}: {len(rows)} · {t['ok']}: {len(ok)} · "
                    f"{t['errors']}: {len(rows) - len(ok)}</p>"
                    + _table(st, ["status", "apks"], cols))
    charts = []
    if any(sev.values()):
        charts.append((t["severity"], _barh(list(SEVERITIES), [sev[s] for s in SEVERITIES],
                                            [SEVERITY_COLORS[s] for s in SEVERITIES],
                                            "findings")))
    sdks = sdk_table(rows).head(top)
    if len(sdks):
        charts.append((t["sdks"], _barh(sdks["sdk"].tolist(), sdks["apps"].tolist(),
                                        "#1976d2", "APKs")))
    pis = pi_table(rows)
    pis = pis[pis["apps_over_scope"] > 0].head(top)
    if len(pis):
        charts.append((t["over"], _barh(pis["pi_type"].tolist(),
                                        pis["apps_over_scope"].tolist(), "#c62828",
                                        "APKs")))
    for heading, uri in charts:
        sections.append(f"<h2>{html.escape(heading)}</h2><img alt=\"{html.escape(heading)}\" "
                        f"src=\"{uri}\">")
    for heading, key in ((t["severity"], "severity"), (t["sdks"], "sdks"), (t["over"], "over")):
        if not any(h == heading for h, _ in charts):
            sections.append(f"<h2>{html.escape(heading)}</h2><p class=\"none\" "
                            f"data-chart=\"{key}\">{t['none']}</p>")
    apks = apk_table(rows)
    sections.append(f"<h2>{t['apks']}</h2>" + _table(
        apks, ["package", "label", "version_name", "category", "sdk_count", "pi_count",
               "over_scope_count", "findings", *SEVERITIES, "status", "error"], cols))
    rules = rule_table(rows)
    sections.append(f"<h2>{t['rules']}</h2>" + (_table(rules, ["rule", "apps", "hits"], cols)
                                                  if len(rules) else f"<p>{t['none']}</p>"))
    page_title = html.escape(title or t["title"])
    style = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;"
             "color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}"
             "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}"
             "th{background:#f0f0f0}img{max-width:100%}.notice{color:#666;font-size:12px}")
    return (f"<!DOCTYPE html>\n<html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head>"
            f"<meta charset=\"utf-8\"><title>{page_title}</title><style>{style}</style>"
            f"</head><body><h1>{page_title}</h1>{''.join(sections)}"
            f"<p class=\"notice\">{html.escape(NOTICE[lang])}</p></body></html>\n")
