"""The runtime timeline of the HTML report: one SVG picture (no script) of a hook log's
story: the consent moment, the reads of each code owner (an SDK or the app), permission
prompts and starts, on one time axis.

Rendering only: everything drawn is in the document (``runtime_calls[]`` with first/last
time and count, ``permission_requests[]``, ``app_starts[]``, ``consent.at``). Lanes: prompts,
starts, then one per code owner ordered by its first read (at most MAX_OWNERS; the rest share
one lane). A read aggregate is a bar from its first to its last time, red before consent,
blue after, grey when the log had no consent moment; hovering shows the details (SVG
``<title>``). Output is deterministic for the same document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from scanner.report.view import fmt_time

WIDTH = 960
LEFT = 250  # label column
RIGHT = 24
PAD = 10  # inside the plot area, so marks at either end are whole
TOP = 34
LANE = 26
MAX_OWNERS = 12
MAX_MARKS = 400  # marks drawn per lane kind (the tables list everything)
BEFORE, AFTER, UNKNOWN = "#c0392b", "#2e86c1", "#95a5a6"


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _span(seconds: float) -> float:
    """A tick step giving 4-8 ticks over ``seconds``."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400,
                 21600, 43200, 86400):
        if seconds / step <= 8:
            return float(step)
    return 86400.0 * max(1, int(seconds / 86400 / 8) + 1)


def _width(text: str) -> int:
    """Approximate width in pixels at 11 px (CJK full width, others about half)."""
    return sum(11 if ord(ch) > 0x2E80 else 6 for ch in text)


def _fit(text: str, pixels: int) -> str:
    if _width(text) <= pixels:
        return text
    while text and _width(text + "…") > pixels:
        text = text[:-1]
    return text + "…"


def _tick_label(seconds: float, m: dict) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"+{int(seconds // 3600)} {m['rt_tl_h']}"
    if seconds >= 60 and seconds % 60 == 0:
        return f"+{int(seconds // 60)} {m['rt_tl_min']}"
    return f"+{seconds:g} {m['rt_tl_s']}"


def runtime_timeline(doc: dict[str, Any], m: dict, sdk_name: Callable[[str], str],
                     pi: Callable[[str], str]) -> Markup | None:
    """The SVG picture, or None when the document has no runtime items."""
    calls = [c for c in doc.get("runtime_calls") or () if _num(c.get("ts"))]
    prompts = [p for p in doc.get("permission_requests") or () if _num(p.get("ts"))]
    starts = [s for s in doc.get("app_starts") or () if _num(s.get("ts"))]
    if not (calls or prompts or starts):
        return None
    # the moment the runtime items were judged against (runtime{}), else the result's
    summary = doc.get("runtime") if isinstance(doc.get("runtime"), dict) else {}
    consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
    consent_at = summary.get("consent_at") if _num(summary.get("consent_at")) else \
        consent.get("at") if _num(consent.get("at")) else None
    times = [c["ts"] for c in calls] + [c["last_ts"] for c in calls if _num(c.get("last_ts"))]
    times += [p["ts"] for p in prompts] + [s["ts"] for s in starts]
    if consent_at is not None:
        times.append(consent_at)
    t0, t1 = min(times), max(times)
    length = max(t1 - t0, 1e-3)
    step = _span(length)
    plot_w = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return round(LEFT + PAD + (t - t0) / length * (plot_w - 2 * PAD), 1)

    owners: list[str] = []
    for c in sorted(calls, key=lambda c: c["ts"]):
        key = c.get("sdk") or ""
        if key not in owners:
            owners.append(key)
    other = len(owners) > MAX_OWNERS
    lane_of = {o: (i if i < MAX_OWNERS - 1 or not other else MAX_OWNERS - 1)
               for i, o in enumerate(owners)}
    lanes = [m["rt_tl_prompts"], m["rt_tl_starts"]]
    for o in owners[:MAX_OWNERS if not other else MAX_OWNERS - 1]:
        pis = sorted({c["pi_type"] for c in calls if (c.get("sdk") or "") == o})
        name = sdk_name(o) if o else m["rt_app"]
        lanes.append(f"{name}: {', '.join(pi(p) for p in pis)}")
    if other:
        lanes.append(m["rt_tl_other"])
    height = TOP + LANE * len(lanes) + 74
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="Noto Sans CJK SC, Noto Sans CJK JP, WenQuanYi Zen Hei, sans-serif" '
        f'font-size="11">',
        f'<title>{escape(m["rt_timeline"])}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#fff"/>']
    for i, label in enumerate(lanes):
        y = TOP + i * LANE
        fill = "#f7f9fa" if i % 2 == 0 else "#ffffff"
        out.append(f'<rect x="{LEFT}" y="{y}" width="{plot_w}" height="{LANE}" '
                   f'fill="{fill}"/>')
        text = _fit(label, LEFT - 12)
        out.append(f'<text x="{LEFT - 6}" y="{y + 17}" text-anchor="end">'
                   f'<title>{escape(label)}</title>{escape(text)}</text>')
    bottom = TOP + LANE * len(lanes)
    k = 0
    while k * step <= length + 1e-9:
        tx = x(t0 + k * step)
        out.append(f'<line x1="{tx}" y1="{TOP}" x2="{tx}" y2="{bottom + 4}" '
                   f'stroke="#d5dbdb" stroke-width="1"/>')
        out.append(f'<text x="{tx}" y="{bottom + 16}" text-anchor="middle" fill="#555">'
                   f'{escape(_tick_label(k * step, m))}</text>')
        k += 1
    # reads
    for c in sorted(calls, key=lambda c: (c["ts"], c.get("api", "")))[:MAX_MARKS * 4]:
        lane = 2 + lane_of[c.get("sdk") or ""]
        y = TOP + lane * LANE + 6
        last = c["last_ts"] if _num(c.get("last_ts")) else c["ts"]
        x0, x1 = x(c["ts"]), x(last)
        color = UNKNOWN if c.get("before_consent") is None else (
            BEFORE if c["before_consent"] else AFTER)
        tip = (f"{pi(c['pi_type'])} × {c.get('count', 1)} · {fmt_time(c['ts'])}"
               + (f" – {fmt_time(last)}" if last != c["ts"] else "")
               + f" · {c.get('api', '')}")
        out.append(f'<rect x="{x0}" y="{y}" width="{max(round(x1 - x0, 1), 3)}" '
                   f'height="14" rx="2" fill="{color}" fill-opacity="0.85">'
                   f'<title>{escape(tip)}</title></rect>')
    # prompts: a triangle; a denial outlined in red
    for p in prompts[:MAX_MARKS]:
        px, y = x(p["ts"]), TOP + 4
        denied = "denied" in (p.get("result") or {}).values()
        tip = (f"{', '.join(p.get('permissions') or ())} · {fmt_time(p['ts'])}"
               + (f" · {m['rt_denied']}" if denied else ""))
        out.append(f'<path d="M{px - 6},{y + 17} L{px},{y + 3} L{px + 6},{y + 17} Z" '
                   f'fill="{"#fff" if denied else "#7d3c98"}" stroke="'
                   f'{BEFORE if denied else "#7d3c98"}" stroke-width="1.5">'
                   f'<title>{escape(tip)}</title></path>')
    # starts: a diamond; self orange, associated purple
    for s in starts[:MAX_MARKS]:
        sx, y = x(s["ts"]), TOP + LANE + 13
        color = "#e67e22" if s.get("kind") == "self" else "#6c3483"
        tip = (f"{m.get('rt_kind_' + str(s.get('kind')), s.get('kind'))} · {s.get('via', '')}"
               f" {s.get('target') or ''} · {fmt_time(s['ts'])}")
        out.append(f'<path d="M{sx},{y - 8} L{sx + 7},{y} L{sx},{y + 8} L{sx - 7},{y} Z" '
                   f'fill="{color}"><title>{escape(tip)}</title></path>')
    if consent_at is not None:
        cx = x(consent_at)
        out.append(f'<line x1="{cx}" y1="{TOP - 14}" x2="{cx}" y2="{bottom}" '
                   f'stroke="#1e8449" stroke-width="2" stroke-dasharray="5,3"/>')
        out.append(f'<text x="{cx + 4}" y="{TOP - 4}" fill="#1e8449" font-weight="bold">'
                   f'{escape(m["rt_tl_consent"])}</text>')
    # legend and origin
    ly = bottom + 38
    legend = [(BEFORE, m["rt_tl_before"]), (AFTER, m["rt_tl_after"]),
              (UNKNOWN, m["rt_tl_unknown"])]
    lx = LEFT
    for color, text in legend:
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="14" height="10" fill="{color}"/>')
        out.append(f'<text x="{lx + 18}" y="{ly}">{escape(text)}</text>')
        lx += 36 + _width(text)
    out.append(f'<text x="{WIDTH - RIGHT}" y="{ly + 18}" text-anchor="end" fill="#555">'
               f'{escape(m["rt_tl_origin"].format(t=fmt_time(t0)))}</text>')
    out.append("</svg>")
    return Markup("".join(out))
