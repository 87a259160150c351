"""scanner.batch.summary: the per-APK columns of a hand-built result document."""

from __future__ import annotations

from scanner.batch.summary import summary_row


def _finding(rule, severity, pi=()):
    return {"rule": rule, "severity": severity, "pi_types": list(pi)}


def test_summary_row_counts():
    doc = {
        "app": {"package": "p.q", "label": "L", "version_name": "1", "version_code": "7",
                "target_sdk": 30},
        "category": {"id": "news", "known": True},
        "sdks": [{"id": "jpush", "name": "JPush"}, {"id": "alipay", "name": "Alipay SDK"}],
        "api_uses": [{"pi_type": "imsi"}, {"pi_type": "device_id"}, {"pi_type": "imsi"}],
        "findings": [_finding("PRIV-CODE-0001", "high", ["imsi"]),
                     _finding("PRIV-CODE-0001", "high", ["device_id"]),
                     _finding("PRIV-NET-0001", "high", ["imsi"]),
                     _finding("PRIV-MAN-0002", "medium"), _finding("PRIV-MAN-0004", "low")],
        "skipped": [{"what": "code", "reason": "x"}], "partial": True,
    }
    row = summary_row(doc)
    assert row["package"] == "p.q" and row["category"] == "news" and row["target_sdk"] == 30
    assert row["sdks"] == [["alipay", "Alipay SDK"], ["jpush", "JPush"]]
    assert row["sdk_count"] == 2
    assert row["pi_types"] == ["device_id", "imsi"] and row["pi_count"] == 2
    assert row["over_scope_pi"] == ["device_id", "imsi"] and row["over_scope_count"] == 2
    assert (row["findings"], row["critical"], row["high"], row["medium"], row["low"],
            row["info"]) == (5, 0, 3, 1, 1, 0)
    assert row["rules"] == {"PRIV-CODE-0001": 2, "PRIV-MAN-0002": 1, "PRIV-MAN-0004": 1,
                           "PRIV-NET-0001": 1}
    assert row["partial"] is True and row["skipped"] == 1


def test_summary_row_unknown_category_and_empty():
    row = summary_row({"app": None, "category": {"id": None, "known": False}})
    assert row["category"] is None and row["package"] is None
    assert row["findings"] == 0 and row["sdks"] == [] and row["rules"] == {}
