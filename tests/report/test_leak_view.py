"""The report's leak section: leaks grouped by PI type, sink kind and whose code, exact
(high-confidence) groups apart from inexact ones; absent when the analysis did not run."""

from __future__ import annotations

from scanner.report.html import HtmlFormat
from scanner.report.view import leak_view
from tests.report.sample import sample_doc


def _leak(pi, kind, conf, origin="app", sdk=None):
    return {"source": {"api": "Landroid/telephony/TelephonyManager;->getDeviceId()"
                              "Ljava/lang/String;", "pi_type": pi, "caller": "La/B;->c()V"},
            "sink": {"api": "Landroid/telephony/SmsManager;->sendTextMessage(Ljava/lang/String;"
                            "Ljava/lang/String;Ljava/lang/String;Landroid/app/PendingIntent;"
                            "Landroid/app/PendingIntent;)V", "kind": kind, "caller": "La/C;->d()V"},
            "path": ["La/B;->c()V", "La/C;->d()V"], "sdk": sdk, "origin": origin,
            "confidence": conf, "exact": conf == "high"}


def test_groups_and_counts():
    doc = {"leak_analysis": {"partial": False, "reason": None, "sources": 2, "methods": 5},
           "leaks": [_leak("device_id", "sms", "high"), _leak("device_id", "sms", "high"),
                     _leak("device_id", "sms", "low"), _leak("android_id", "log", "high")]}
    v = leak_view(doc)
    # hand count: two exact device_id→sms leaks form one group of 2, one exact android_id→log,
    # the inexact device_id→sms is a group of its own among the inexact ones
    assert [(g["pi_type"], g["kind"], g["n"]) for g in v["high"]] == [
        ("device_id", "sms", 2), ("android_id", "log", 1)]
    assert [(g["pi_type"], g["kind"], g["n"]) for g in v["low"]] == [("device_id", "sms", 1)]
    assert (v["n_high"], v["n_low"]) == (3, 1)
    assert leak_view({}) is None
    ext = _leak("device_id", "file", "high")
    ext["sink"]["external"] = True
    v = leak_view({"leak_analysis": doc["leak_analysis"], "leaks": [ext]})
    assert [g["kind"] for g in v["high"]] == ["file_external"]


def test_section_in_both_languages():
    doc = sample_doc()
    doc["leak_analysis"] = {"partial": True, "reason": "method analyses cap of 2000 reached",
                            "sources": 1, "methods": 3}
    doc["leaks"] = [_leak("device_id", "sms", "high"), _leak("device_id", "log", "low")]
    zh = HtmlFormat().render(doc, "zh").decode()
    en = HtmlFormat().render(doc, "en").decode()
    assert 'id="leaks"' in zh and "确定的数据流" in zh and "短信" in zh
    assert "分析在工作量上限处停止" in zh
    assert "TelephonyManager.getDeviceId()" in zh and "SmsManager.sendTextMessage(" in zh
    assert "Exact flows" in en and "work cap" in en
    doc.pop("leak_analysis")
    doc.pop("leaks")
    assert 'id="leaks"' not in HtmlFormat().render(doc, "zh").decode()
