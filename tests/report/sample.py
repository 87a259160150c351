"""Hand-built results for the report and bundle tests.

Every value here is written by hand (not produced by the scanner), so tests can
check that formats show exactly these values.
"""

from __future__ import annotations

from scanner.knowledge import load_knowledge, notice_category_names, pi_type_names
from scanner.model.evidence import Component, Flags, InputFile, Permission, Signer
from scanner.model.findings import Citation, EvidenceItem, Finding, Severity, Text
from scanner.model.locator import Locator
from scanner.model.result import (
    ApiUse,
    AppInfo,
    CategoryInfo,
    ScanResult,
    SdkUse,
    ToolInfo,
    Transmission,
)
from scanner.report.json import result_document

SHA_A = "a" * 64
SHA_B = "b" * 64
UMENG_CALLER = "Lcom/umeng/analytics/pro/bk;->a(Landroid/content/Context;)Ljava/lang/String;"
IMEI_API = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
PIPL = Citation(
    cite="PIPL-6",
    instrument=Text("中华人民共和国个人信息保护法", "Personal Information Protection Law"),
    article=Text("第六条", "Art. 6"), summary=Text("最小必要", "Minimum necessity"))
RULES_164 = Citation(
    cite="MIIT-164", instrument=Text("工信部164号文", "MIIT Notice 164"),
    article=Text("第二条", "Art. 2"), summary=Text("违规收集", "Unlawful collection"))


def sample_result() -> ScanResult:
    """A scan with one of everything: app, SDK, API use, transmission, three findings."""
    code_loc = Locator("code", dex="classes.dex", **{"class": "Lcom/umeng/analytics/pro/bk;"},
                       method="a(Landroid/content/Context;)Ljava/lang/String;", offset=0x1F4,
                       api=IMEI_API)
    flow_loc = Locator("flow", flow="f-0001", time=1700000000.5, host="alog.umeng.com",
                       url="http://alog.umeng.com/app_logs?imei=861234567890123",
                       where="query", key="imei", excerpt="imei=861234567890123")
    man_loc = Locator("manifest", file="AndroidManifest.xml", element="service",
                      name="com.example.news.SyncService")
    findings = (
        Finding(
            id="PRIV-CODE-0001:device_id", rule="PRIV-CODE-0001", severity=Severity.HIGH,
            confidence="high", status="open",
            title=Text("超范围读取设备识别码", "Device ID read beyond necessary scope"),
            description=Text("新闻类应用不需要设备识别码。",
                             "A news app does not need the device ID."),
            pi_types=("device_id",), legal_basis=(PIPL,),
            evidence=(EvidenceItem("code.pi_access", {"api": IMEI_API, "pi_type": "device_id",
                                                      "sdk": "umeng"}, (code_loc,)),),
            subject={"pi_type": "device_id"},
            remediation=Text("删除读取调用。", "Remove the call.")),
        Finding(
            id="PRIV-NET-0005:device_id", rule="PRIV-NET-0005", severity=Severity.MEDIUM,
            confidence="high", status="open",
            title=Text("明文传输个人信息", "Personal information sent in cleartext"),
            description=Text("设备识别码以明文 HTTP 发送。",
                             "The device ID is sent over plain HTTP."),
            pi_types=("device_id",), legal_basis=(PIPL,),
            evidence=(EvidenceItem("traffic.transmission", {
                "host": "alog.umeng.com", "pi_type": "device_id", "encoding": "plain",
                "party": "third", "sdk": "umeng"}, (flow_loc,)),),
            subject={"host": "alog.umeng.com"}),
        Finding(
            id="PRIV-MAN-0001:SyncService", rule="PRIV-MAN-0001", severity=Severity.LOW,
            confidence="medium", status="open",
            title=Text("导出组件未受保护", "Exported component without permission"),
            description=Text("服务可被任意应用调用。", "Any app can start the service."),
            pi_types=(), legal_basis=(RULES_164,),
            evidence=(EvidenceItem("apk.component", {"name": "com.example.news.SyncService",
                                                     "type": "service"}, (man_loc,)),),
            subject={"name": "com.example.news.SyncService"}),
    )
    return ScanResult(
        tool=ToolInfo("appaudit", "9.9.9", "2099.01", SHA_A),
        command="scan",
        inputs=(InputFile("apk", "news.apk", 1234, SHA_B, "c" * 64),),
        app=AppInfo(
            package="com.example.news", label="示例新闻", version_name="1.2", version_code="12",
            min_sdk=21, target_sdk=30, category="news",
            permissions=(Permission("android.permission.READ_PHONE_STATE", True,
                                    ("device_id", "imsi"), True),),
            components=(Component("com.example.news.SyncService", "service", True, "explicit"),),
            flags=Flags(debuggable=False, allow_backup=True, uses_cleartext_traffic=True),
            signers=(Signer("d" * 64, "CN=Example", schemes=("v2",)),)),
        category=CategoryInfo(id="news", known=True, zh="新闻资讯类", en="News",
                              necessary_pi=("phone_number",)),
        sdks=(SdkUse("umeng", "Umeng Analytics", "Umeng", ("analytics",),
                     {"packages": ["com.umeng.analytics"], "hosts": ["alog.umeng.com"]},
                     name_zh="友盟统计"),),
        api_uses=(ApiUse(IMEI_API, "device_id", UMENG_CALLER, "umeng", True, False,
                         "classes.dex", 0x1F4,
                         permissions=("android.permission.READ_PHONE_STATE",)),),
        transmissions=(Transmission(
            "f-0001", 1700000000.5, "alog.umeng.com",
            "http://alog.umeng.com/app_logs?imei=861234567890123", "device_id", "plain", "query",
            "third", "umeng", True, True, key="imei", excerpt="imei=861234567890123"),),
        findings=findings,
        started="2026-01-01T00:00:00+00:00", finished="2026-01-01T00:00:05+00:00",
        options={"category": "news"},
        # the names a scan puts into its result (engine.py), from the shipped rulesets
        pi_type_names=pi_type_names(load_knowledge()),
        notice_category_names=notice_category_names(load_knowledge()),
    )


def sample_doc() -> dict:
    """The result.json document of :func:`sample_result`."""
    return result_document(sample_result())


def pricing_doc() -> dict:
    """A pricing result: two profiles, three items, one comparison."""
    result = ScanResult(
        tool=ToolInfo("appaudit", "9.9.9", "2099.01", SHA_A), command="pricing",
        inputs=(InputFile("flows", "new.mitm", 10, SHA_B, "c" * 64),
                InputFile("flows", "loyal.mitm", 11, "e" * 64, "f" * 64)),
        started="2026-01-01T00:00:00+00:00", finished="2026-01-01T00:00:05+00:00",
        extra={
            "profiles": ["new", "loyal"],
            "items": [
                {"item": "hotel-001", "prices": {"new": 100.0, "loyal": 110.0}},
                {"item": "hotel-002", "prices": {"new": 200.0, "loyal": 230.0}},
                {"item": "hotel-003", "prices": {"new": 50.0, "loyal": 50.0}},
            ],
            "comparisons": [{
                "baseline": "new", "treatment": "loyal", "n_items": 3, "n_higher": 2,
                "n_lower": 0, "median_rel_diff": 0.10, "max_rel_diff": 0.15, "p_value": 0.25,
                "ci_low": 0.0, "ci_high": 0.15, "control_noise": 0.0, "direction": "higher",
                "discrimination": False}],
        })
    return result_document(result)


def pricing_doc_objects() -> dict:
    """A pricing result in the richer shape: profile objects with roles, a repeat capture
    of the baseline (control), per-item ``rel_diff`` and ``beyond_noise``."""
    doc = pricing_doc()
    doc["profiles"] = [{"name": "new", "role": "baseline"},
                       {"name": "loyal", "role": "treatment"},
                       {"name": "new-control", "role": "control", "profile": "new"}]
    controls = {"hotel-001": 100.0, "hotel-002": 190.0, "hotel-003": 50.0}
    for it in doc["items"]:
        it["prices"]["new-control"] = controls[it["item"]]
        base = it["prices"]["new"]
        it["rel_diff"] = {"loyal": (it["prices"]["loyal"] - base) / base,
                          "new-control": (controls[it["item"]] - base) / base}
        it["beyond_noise"] = ["loyal"] if it["item"] == "hotel-002" else []
    return doc
