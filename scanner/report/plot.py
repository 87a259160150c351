"""The pricing plot of the HTML report: per-item relative price differences per profile.

For each comparison (baseline → treatment) the relative difference of every item priced
under both profiles, (treatment − baseline) / baseline, is drawn as a dot (spread
horizontally in a fixed pattern, no randomness) over a box plot, with the zero line.
Rendering only: the numbers are the document's prices. Output is a PNG as a ``data:`` URI,
byte-identical for the same document (no timestamps in the PNG metadata).
"""

from __future__ import annotations

import base64
import io
from typing import Any

from scanner.report.view import control_of

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def relative_differences(doc: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, float]]]]:
    """(reference, profile, [(item, relative difference)]), items sorted: each comparison's
    treatment against its baseline, then each control capture against the profile it
    repeats (its spread is the noise). The item's own ``rel_diff[treatment]`` (relative to
    the baseline) is used when present; otherwise (profile − reference) / reference."""
    out = []
    items = sorted(doc.get("items") or (), key=lambda it: str(it.get("item")))
    pairs = [(str(c.get("baseline")), str(c.get("treatment")), True)
             for c in doc.get("comparisons") or ()]
    pairs += [(own, name, False) for name, own in control_of(doc).items()]
    for base, treat, use_given in pairs:
        diffs = []
        for it in items:
            prices = it.get("prices") or {}
            given = (it.get("rel_diff") or {}).get(treat) if use_given else None
            b, t = prices.get(base), prices.get(treat)
            if _num(given) and _num(b) and _num(t):
                diffs.append((str(it["item"]), float(given)))
            elif _num(b) and _num(t) and b > 0:
                diffs.append((str(it["item"]), (t - b) / b))
        out.append((base, treat, diffs))
    return out


def pricing_plot(doc: dict[str, Any], title: str = "", ylabel: str = "") -> str | None:
    """The plot as a ``data:image/png;base64,…`` URI, or None when nothing can be drawn."""
    series = [s for s in relative_differences(doc) if s[2]]
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from scanner.report.fonts import cjk_font

    fonts = [f for f in (cjk_font(),) if f] + FONTS
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": fonts,
                                "axes.unicode_minus": False, "svg.hashsalt": "appaudit"}):
        fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(series) + 2), 3.6), dpi=110)
        try:
            values = [[d * 100 for _, d in s[2]] for s in series]
            ax.boxplot(values, positions=range(1, len(series) + 1), widths=0.5,
                       showfliers=False, medianprops={"color": "#c0392b"})
            for k, vals in enumerate(values, start=1):
                n = len(vals)
                xs = [k + (((i * 7) % 11) / 10 - 0.5) * 0.35 for i in range(n)]
                ax.scatter(xs, vals, s=14, color="#1f618d", alpha=0.7, zorder=3)
            ax.axhline(0, color="#566573", linewidth=0.8)
            ax.set_xticks(range(1, len(series) + 1))
            ax.set_xticklabels([f"{t}\nvs {b}" for b, t, _ in series])
            ax.set_ylabel(ylabel or "relative difference (%)")
            if title:
                ax.set_title(title, fontsize=10)
            ax.grid(axis="y", linestyle=":", linewidth=0.6)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": None})
        finally:
            plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def ranking_plot(doc: dict[str, Any], ranking: dict[str, Any], xlabel: str = "",
                 ylabel: str = "", noise_label: str = "", price_label: str = "") -> str | None:
    """Rank-vs-rank plot of one ``rankings[]`` entry as a PNG ``data:`` URI (None: nothing).

    Each item shown by both profiles is a dot at (rank for the baseline, rank for the
    treatment), 1 = top, coloured by its price; items moved beyond the noise are ringed in
    red. Grey crosses are the control pair's own ranks (profile vs its second capture): how
    far identical captures scatter from the diagonal. Rendering only: the ranks are the
    document's ``ranked_lists[].orders``.
    """
    lst = next((x for x in doc.get("ranked_lists") or () if x.get("list") == ranking.get("list")),
               None)
    if lst is None:
        return None
    orders = lst.get("orders") or {}
    base, treat = orders.get(ranking.get("baseline")), orders.get(ranking.get("treatment"))
    if not base or not treat:
        return None

    def ranks(order: list, keep: set) -> dict[str, int]:
        out: dict[str, int] = {}
        for it in order:
            if it in keep and it not in out:
                out[it] = len(out) + 1
        return out

    common = set(base) & set(treat)
    rb, rt = ranks(base, common), ranks(treat, common)
    if len(rb) < 2:
        return None
    pair = ranking.get("control_pair") or []
    ctrl = None
    if len(pair) == 2 and orders.get(pair[0]) and orders.get(pair[1]):
        cc = set(orders[pair[0]]) & set(orders[pair[1]])
        ctrl = (ranks(orders[pair[0]], cc), ranks(orders[pair[1]], cc))
    prices = lst.get("prices") or {}
    beyond = set(ranking.get("items_beyond_noise") or ())
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS,
                                "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(4.6, 4.2), dpi=110)
        try:
            n = max(len(rb), 2)
            ax.plot([1, n], [1, n], color="#566573", linewidth=0.8, zorder=1)
            if ctrl is not None:
                keys = sorted(ctrl[0])
                ax.scatter([ctrl[0][k] for k in keys], [ctrl[1][k] for k in keys], marker="x",
                           s=16, color="#aab7b8", zorder=2,
                           label=noise_label or f"{pair[1]} vs {pair[0]}")
            keys = sorted(rb)
            vals = [prices.get(k) for k in keys]
            priced = [v for v in vals if _num(v)]
            colour = ([(v if _num(v) else min(priced)) for v in vals] if priced else "#1f618d")
            sc = ax.scatter([rb[k] for k in keys], [rt[k] for k in keys], c=colour,
                            s=22, zorder=3, **({"cmap": "viridis"} if priced else {}))
            hit = [k for k in keys if k in beyond]
            if hit:
                ax.scatter([rb[k] for k in hit], [rt[k] for k in hit], s=70,
                           facecolors="none", edgecolors="#c0392b", linewidths=1.2, zorder=4)
            if priced:
                cb = fig.colorbar(sc, ax=ax, fraction=0.046, pad=0.03)
                cb.set_label(price_label or "price", fontsize=8)
                cb.ax.tick_params(labelsize=7)
            ax.set_xlim(0, n + 1)
            ax.set_ylim(n + 1, 0)  # rank 1 at the top
            ax.set_xlabel(xlabel or f"rank for {ranking.get('baseline')}", fontsize=9)
            ax.set_ylabel(ylabel or f"rank for {ranking.get('treatment')}", fontsize=9)
            ax.tick_params(labelsize=8)
            if ctrl is not None:
                ax.legend(loc="lower left", fontsize=7, frameon=False)
            ax.grid(linestyle=":", linewidth=0.5)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": None})
        finally:
            plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
