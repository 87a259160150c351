"""Summary tables of a batch database (pandas) and their export to CSV, Parquet and XLSX.

Contract:
    apk_table(rows)   one row per APK: sha256, paths, status, error, package, label,
                      version_name, version_code, category, sdk_count, sdks, pi_types,
                      pi_count, over_scope_count, over_scope_pi, findings, critical, high,
                      medium, low, info, partial, seconds, peak_rss_kb
                      (list columns joined with ", " so every format can hold them)
    sdk_table(rows)   SDK prevalence: sdk, name, apps, share (of APKs scanned ok), sorted
    rule_table(rows)  per rule: rule, apps (APKs with a hit), hits (findings in all)
    pi_table(rows)    per PI type: pi_type, apps_in_code, apps_over_scope
    status_table(rows) per status: status, apks
    export(store_path, formats, prefix) -> list[Path]
        csv: <prefix>.<table>.csv per table; parquet: <prefix>.<table>.parquet per table;
        xlsx: one workbook <prefix>.xlsx with a sheet per table.
        CSV and XLSX text cells that a spreadsheet would evaluate as a formula (APK file
        names, packages, labels...) are neutralised (:mod:`scanner.report.cells`).
``rows`` is ``Store.rows()``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from scanner.batch.status import BatchStatus
from scanner.batch.summary import SEVERITIES
from scanner.errors import UsageError
from scanner.report.cells import safe_frame

EXPORT_FORMATS = ("csv", "parquet", "xlsx")
APK_COLUMNS = ["sha256", "paths", "status", "error", "package", "label", "version_name",
               "version_code", "category", "sdk_count", "sdks", "pi_types", "pi_count",
               "over_scope_count", "over_scope_pi", "findings", *SEVERITIES, "partial",
               "seconds", "peak_rss_kb"]
_INT_COLUMNS = ["sdk_count", "pi_count", "over_scope_count", "findings", *SEVERITIES]


def _ok(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] == BatchStatus.OK]


def apk_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per APK (see module docstring)."""
    recs = []
    for r in rows:
        d = {c: r.get(c) for c in APK_COLUMNS}
        d["paths"] = ", ".join(r.get("paths") or ())
        d["sdks"] = ", ".join(s[0] for s in r.get("sdks") or ())
        d["pi_types"] = ", ".join(r.get("pi_types") or ())
        d["over_scope_pi"] = ", ".join(r.get("over_scope_pi") or ())
        recs.append(d)
    df = pd.DataFrame.from_records(recs, columns=APK_COLUMNS)
    for c in _INT_COLUMNS:
        df[c] = df[c].astype("Int64")
    df["peak_rss_kb"] = df["peak_rss_kb"].astype("Int64")
    df["partial"] = df["partial"].astype("boolean")
    return df.sort_values(["status", "package", "sha256"], na_position="last",
                          ignore_index=True)


def sdk_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """How many APKs contain each SDK."""
    ok = _ok(rows)
    apps: Counter = Counter()
    names: dict[str, str] = {}
    for r in ok:
        for sid, name in r.get("sdks") or ():
            apps[sid] += 1
            names.setdefault(sid, name)
    df = pd.DataFrame({"sdk": list(apps), "name": [names[s] for s in apps],
                       "apps": [apps[s] for s in apps]}, columns=["sdk", "name", "apps"])
    df["apps"] = df["apps"].astype("int64")
    df["share"] = df["apps"] / len(ok) if ok else 0.0
    return df.sort_values(["apps", "sdk"], ascending=[False, True], ignore_index=True)


def rule_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Hits per rule over all APKs."""
    apps: Counter = Counter()
    hits: Counter = Counter()
    for r in _ok(rows):
        for rule, n in (r.get("rules") or {}).items():
            apps[rule] += 1
            hits[rule] += n
    df = pd.DataFrame({"rule": list(apps), "apps": [apps[k] for k in apps],
                       "hits": [hits[k] for k in apps]}, columns=["rule", "apps", "hits"])
    df[["apps", "hits"]] = df[["apps", "hits"]].astype("int64")
    return df.sort_values(["hits", "rule"], ascending=[False, True], ignore_index=True)


def pi_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per PI type: APKs whose code accesses it, APKs with an over-scope finding for it."""
    code: Counter = Counter()
    over: Counter = Counter()
    for r in _ok(rows):
        code.update(set(r.get("pi_types") or ()))
        over.update(set(r.get("over_scope_pi") or ()))
    keys = sorted(set(code) | set(over))
    df = pd.DataFrame({"pi_type": keys, "apps_in_code": [code[k] for k in keys],
                       "apps_over_scope": [over[k] for k in keys]},
                      columns=["pi_type", "apps_in_code", "apps_over_scope"])
    df[["apps_in_code", "apps_over_scope"]] = \
        df[["apps_in_code", "apps_over_scope"]].astype("int64")
    return df.sort_values(["apps_over_scope", "apps_in_code", "pi_type"],
                          ascending=[False, False, True], ignore_index=True)


def status_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """APKs per outcome status."""
    c = Counter(r["status"] for r in rows)
    return pd.DataFrame({"status": sorted(c), "apks": [c[k] for k in sorted(c)]},
                        columns=["status", "apks"]).astype({"apks": "int64"})


def tables(rows: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Every summary table by name."""
    return {"apks": apk_table(rows), "sdks": sdk_table(rows), "rules": rule_table(rows),
            "pi_types": pi_table(rows), "status": status_table(rows)}


def parse_export(value: str | None) -> list[str]:
    """``csv,xlsx`` → ["csv", "xlsx"], refusing unknown names."""
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    bad = [n for n in names if n not in EXPORT_FORMATS]
    if bad:
        raise UsageError("err_unknown_formats", bad=bad, known=list(EXPORT_FORMATS))
    return names


def export(rows: list[dict[str, Any]], formats: Iterable[str], prefix: Path) -> list[Path]:
    """Write the tables in each format next to ``prefix`` (see module docstring)."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    tabs = tables(rows)
    written = []
    for fmt in formats:
        if fmt == "xlsx":
            path = prefix.with_name(prefix.name + ".xlsx")
            with pd.ExcelWriter(path, engine="openpyxl") as xw:
                for name, df in tabs.items():
                    safe_frame(df).to_excel(xw, sheet_name=name, index=False)
            written.append(path)
            continue
        for name, df in tabs.items():
            path = prefix.with_name(f"{prefix.name}.{name}.{fmt}")
            if fmt == "csv":
                safe_frame(df, for_csv=True).to_csv(path, index=False, encoding="utf-8")
            elif fmt == "parquet":
                df.to_parquet(path, index=False)
            else:
                raise UsageError("err_unknown_formats", bad=[fmt], known=list(EXPORT_FORMATS))
            written.append(path)
    return written
