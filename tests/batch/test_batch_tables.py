"""scanner.batch.tables: prevalence and hit counts over hand-made rows; exports."""

from __future__ import annotations

import openpyxl
import pandas as pd

from scanner.batch.tables import (
    apk_table,
    export,
    parse_export,
    pi_table,
    rule_table,
    sdk_table,
    status_table,
)


def _row(sha, status="ok", sdks=(), rules=None, pi=(), over=(), high=0):
    return {"sha256": sha, "status": status, "error": None if status == "ok" else "boom",
            "paths": [f"/x/{sha}.apk"], "package": f"p.{sha}" if status == "ok" else None,
            "label": None, "version_name": None, "version_code": None, "category": None,
            "sdk_count": len(sdks) if status == "ok" else None,
            "sdks": [[s, s.upper()] for s in sdks] if status == "ok" else None,
            "pi_types": list(pi) if status == "ok" else None,
            "pi_count": len(pi) if status == "ok" else None,
            "over_scope_pi": list(over) if status == "ok" else None,
            "over_scope_count": len(over) if status == "ok" else None,
            "findings": sum((rules or {}).values()) if status == "ok" else None,
            "critical": 0, "high": high, "medium": 0, "low": 0, "info": 0,
            "rules": rules or {}, "partial": False, "seconds": 1.0, "peak_rss_kb": 100}


ROWS = [
    _row("a", sdks=["jpush", "umeng"], rules={"R1": 2, "R2": 1}, pi=["imsi"], over=["imsi"]),
    _row("b", sdks=["jpush"], rules={"R1": 1}, pi=["imsi", "contacts"]),
    _row("c", status="timeout"),
]


def test_tables():
    sdks = sdk_table(ROWS)
    assert sdks[["sdk", "apps"]].values.tolist() == [["jpush", 2], ["umeng", 1]]
    assert sdks["share"].tolist() == [1.0, 0.5]
    assert rule_table(ROWS).values.tolist() == [["R1", 2, 3], ["R2", 1, 1]]
    assert pi_table(ROWS).values.tolist() == [["imsi", 2, 1], ["contacts", 1, 0]]
    assert status_table(ROWS).values.tolist() == [["ok", 2], ["timeout", 1]]
    apks = apk_table(ROWS)
    assert len(apks) == 3
    a = apks[apks["sha256"] == "a"].iloc[0]
    assert a["sdks"] == "jpush, umeng" and a["over_scope_count"] == 1
    assert pd.isna(apks[apks["sha256"] == "c"].iloc[0]["sdk_count"])


def test_export_all_formats(tmp_path):
    assert parse_export("csv, xlsx") == ["csv", "xlsx"]
    written = export(ROWS, ["csv", "parquet", "xlsx"], tmp_path / "audit")
    names = sorted(p.name for p in written)
    assert "audit.xlsx" in names and "audit.sdks.csv" in names
    assert "audit.apks.parquet" in names
    assert pd.read_parquet(tmp_path / "audit.rules.parquet").values.tolist() == \
        [["R1", 2, 3], ["R2", 1, 1]]
    assert pd.read_csv(tmp_path / "audit.sdks.csv")["sdk"].tolist() == ["jpush", "umeng"]
    wb = openpyxl.load_workbook(tmp_path / "audit.xlsx")
    assert wb.sheetnames == ["apks", "sdks", "rules", "pi_types", "status"]
    assert wb["apks"].max_row == 4


def test_parse_export_refuses_unknown():
    import pytest

    from scanner.errors import UsageError

    with pytest.raises(UsageError):
        parse_export("csv,pdf")
