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

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS,
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
