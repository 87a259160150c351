"""Flat tables of a result document (pandas DataFrames) for the CSV and XLSX formats.

``tables(doc, lang)`` returns name → DataFrame in a fixed order: findings, evidence
(one row per evidence locator), api_uses, transmissions, sdks (joined with the API
uses and transmissions attributed to each SDK), inputs, and for pricing results
items and comparisons, plus rankings, terms and term_comparisons when the result has
them. Rows are sorted deterministically; lists are joined with ``;``; bilingual texts
are given in ``lang``. Empty sections still get their header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported only when a table is made: scans never pay for it
    import pandas as pd

from scanner.report.view import notice_label, pick, profile_names, sdk_rows, sorted_findings

FINDING_COLS = ["id", "rule", "severity", "confidence", "status", "title", "pi_types",
                "legal_basis", "n_evidence", "description", "remediation", "notice_category"]
EVIDENCE_COLS = ["finding", "rule", "fact", "kind", "dex", "class", "method", "offset", "api",
                 "flow", "time", "host", "url", "where", "key", "excerpt", "file", "element",
                 "name", "entry", "profile", "item", "price", "source", "path"]
API_COLS = ["pi_type", "api", "caller", "sdk", "reachable", "reflective", "access", "dex",
            "offset", "permissions"]
TX_COLS = ["time", "flow", "host", "url", "method", "pi_type", "encoding", "where", "key",
           "party", "sdk", "before_consent", "cleartext", "confidence", "matched", "excerpt",
           "source"]
SDK_COLS = ["id", "name", "name_zh", "vendor", "country", "version", "categories", "packages",
            "hosts", "pi_types_read", "n_api_uses", "pi_types_sent", "n_transmissions",
            "native_libs", "evidence_kinds", "confidence", "manifest_components", "meta_data",
            "permissions", "files", "code_hosts"]
INPUT_COLS = ["kind", "path", "bytes", "sha256", "sm3"]
COMPARISON_COLS = ["baseline", "treatment", "n_items", "n_higher", "n_lower", "median_rel_diff",
                   "max_rel_diff", "p_value", "ci_low", "ci_high", "control_noise", "direction",
                   "discrimination"]
RANKING_COLS = ["list", "baseline", "treatment", "n_items", "kendall_tau", "rbo",
                "control_kendall_tau", "control_noise", "n_items_beyond_noise",
                "displacement_p", "price_rank_rho", "price_rank_p", "movers_price_p", "steering",
                "beyond_noise", "personalisation_off", "items_beyond_noise"]
TERM_COMPARISON_COLS = ["term", "kind", "baseline", "treatment", "n_items", "n_worse",
                        "n_better", "median_diff_beyond_noise", "p_value", "excess_p",
                        "control_noise", "direction", "discrimination", "personalisation_off",
                        "items_beyond_noise"]


def _join(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


def _frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([{c: _join(r.get(c)) for c in cols} for r in rows], columns=cols,
                        dtype=object)


def tables(doc: dict[str, Any], lang: str = "zh") -> dict[str, pd.DataFrame]:
    """Every table of the document, name → DataFrame, in display order."""
    findings = sorted_findings(doc)
    f_rows, e_rows = [], []
    for f in findings:
        f_rows.append({
            **f, "title": pick(f.get("title"), lang), "description": pick(f.get("description"),
                                                                          lang),
            "remediation": pick(f.get("remediation"), lang),
            "notice_category": notice_label(f, lang, doc),
            "legal_basis": [f"{pick(lb.get('instrument'), lang)} {pick(lb.get('article'), lang)}"
                            for lb in f.get("legal_basis") or ()],
            "n_evidence": len(f.get("evidence") or ()),
        })
        e_rows.extend({**loc, "finding": f["id"], "rule": f["rule"], "fact": ev["fact"]}
                      for ev in f.get("evidence") or () for loc in ev.get("locators") or ())
    api = sorted(doc.get("api_uses") or (),
                 key=lambda u: (u["pi_type"], u["api"], u["caller"], u["dex"], u["offset"]))
    tx = sorted(doc.get("transmissions") or (),
                key=lambda t: (t.get("time") is None, t.get("time") or 0, t["flow"],
                               t["pi_type"], t["where"], t.get("key") or ""))
    out = {
        "findings": _frame(f_rows, FINDING_COLS),
        "evidence": _frame(e_rows, EVIDENCE_COLS),
        "api_uses": _frame(api, API_COLS),
        "transmissions": _frame(tx, TX_COLS),
        "sdks": _frame(sdk_rows(doc), SDK_COLS),
        "inputs": _frame(list(doc.get("inputs") or ()), INPUT_COLS),
    }
    if "items" in doc or "comparisons" in doc:
        profiles = profile_names(doc)
        items = [{"item": it["item"], **{p: (it.get("prices") or {}).get(p) for p in profiles}}
                 for it in sorted(doc.get("items") or (), key=lambda it: it["item"])]
        out["items"] = _frame(items, ["item", *profiles])
        out["comparisons"] = _frame(list(doc.get("comparisons") or ()), COMPARISON_COLS)
    if doc.get("rankings"):
        out["rankings"] = _frame(list(doc["rankings"]), RANKING_COLS)
    if doc.get("terms"):
        cols = sorted({c for t in doc["terms"] for c in (t.get("values") or {})},
                      key=lambda c: (c not in profile_names(doc), profile_names(doc).index(c)
                                     if c in profile_names(doc) else 0, c))
        rows = [{"item": t["item"], "term": t["term"], "kind": t.get("kind"),
                 **{c: (t.get("values") or {}).get(c) for c in cols},
                 "beyond_noise": t.get("beyond_noise")}
                for t in sorted(doc["terms"], key=lambda t: (t["term"], t["item"]))]
        out["terms"] = _frame(rows, ["item", "term", "kind", *cols, "beyond_noise"])
        out["term_comparisons"] = _frame(list(doc.get("term_comparisons") or ()),
                                         TERM_COMPARISON_COLS)
    return out
