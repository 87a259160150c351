"""Shape and cross-reference checks for the knowledge data in rulesets/.

Loads the YAML with PyYAML directly (not through scanner.knowledge) so that a
loader bug cannot hide a data bug. Expected values come from the instruments
themselves: the 26 PI ids of spec/PRODUCT.md, the 39 types with 13 needing no
PI (2021 necessary-PI rules, reference §1), the dangerous permissions of the
Android 14 (API 34) platform manifest, and PIPL Art. 28's sensitive categories.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULESETS = ROOT / "rulesets"

# spec/PRODUCT.md, "Personal-information types".
PRODUCT_PI_IDS = {
    "device_id", "imsi", "iccid", "android_id", "oaid", "ad_id", "mac_address", "serial",
    "wifi_info", "phone_number", "precise_location", "coarse_location", "contacts", "call_log",
    "sms", "calendar", "installed_apps", "clipboard", "camera", "microphone", "accounts",
    "photos_media", "body_sensors", "id_card_number", "bank_card_number", "real_name",
}

# Android 14 (API 34) platform permissions with protectionLevel "dangerous"
# (AOSP frameworks/base/core/res/AndroidManifest.xml; Manifest.permission reference).
ANDROID14_DANGEROUS = {
    "android.permission.ACCEPT_HANDOVER", "android.permission.ACCESS_BACKGROUND_LOCATION",
    "android.permission.ACCESS_COARSE_LOCATION", "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.ACCESS_MEDIA_LOCATION", "android.permission.ACTIVITY_RECOGNITION",
    "android.permission.ANSWER_PHONE_CALLS", "android.permission.BLUETOOTH_ADVERTISE",
    "android.permission.BLUETOOTH_CONNECT", "android.permission.BLUETOOTH_SCAN",
    "android.permission.BODY_SENSORS", "android.permission.BODY_SENSORS_BACKGROUND",
    "android.permission.CALL_PHONE", "android.permission.CAMERA",
    "android.permission.GET_ACCOUNTS", "android.permission.NEARBY_WIFI_DEVICES",
    "android.permission.POST_NOTIFICATIONS", "android.permission.PROCESS_OUTGOING_CALLS",
    "android.permission.READ_CALENDAR", "android.permission.READ_CALL_LOG",
    "android.permission.READ_CONTACTS", "android.permission.READ_EXTERNAL_STORAGE",
    "android.permission.READ_MEDIA_AUDIO", "android.permission.READ_MEDIA_IMAGES",
    "android.permission.READ_MEDIA_VIDEO", "android.permission.READ_MEDIA_VISUAL_USER_SELECTED",
    "android.permission.READ_PHONE_NUMBERS", "android.permission.READ_PHONE_STATE",
    "android.permission.READ_SMS", "android.permission.RECEIVE_MMS",
    "android.permission.RECEIVE_SMS", "android.permission.RECEIVE_WAP_PUSH",
    "android.permission.RECORD_AUDIO", "android.permission.SEND_SMS",
    "android.permission.USE_SIP", "android.permission.UWB_RANGING",
    "android.permission.WRITE_CALENDAR", "android.permission.WRITE_CALL_LOG",
    "android.permission.WRITE_CONTACTS", "android.permission.WRITE_EXTERNAL_STORAGE",
    "com.android.voicemail.permission.ADD_VOICEMAIL",
    # Hidden from the SDK (@hide) but dangerous in the platform manifest.
    "android.permission.READ_CELL_BROADCASTS",
}

# Brief-named privacy-relevant non-runtime permissions that must be present.
REQUIRED_OTHER_PERMISSIONS = {
    "android.permission.QUERY_ALL_PACKAGES", "android.permission.SYSTEM_ALERT_WINDOW",
    "android.permission.PACKAGE_USAGE_STATS", "android.permission.READ_PRIVILEGED_PHONE_STATE",
    "android.permission.MANAGE_EXTERNAL_STORAGE", "android.permission.REQUEST_INSTALL_PACKAGES",
    "android.permission.ACCESS_WIFI_STATE", "android.permission.ACCESS_NETWORK_STATE",
    "android.permission.BLUETOOTH", "android.permission.CHANGE_WIFI_STATE",
    "com.google.android.gms.permission.AD_ID", "android.permission.WRITE_SETTINGS",
    "android.permission.BIND_ACCESSIBILITY_SERVICE", "android.permission.INTERNET",
    "android.permission.RECEIVE_BOOT_COMPLETED",
}

# PIPL Art. 28 names financial accounts, movement tracks, specific identity and medical
# health as sensitive; these PI ids fall squarely in those categories.
PIPL28_SENSITIVE = {"precise_location", "id_card_number", "bank_card_number", "body_sensors"}

VERIFIED_VALUES = (True, False, "partial")

_IDENT = r"[A-Za-z_$][\w$]*"
_CLASS = rf"L{_IDENT}(?:/{_IDENT})*;"
_TYPE = rf"\[*(?:[ZBSCIJFD]|{_CLASS})"
METHOD_RE = re.compile(rf"^{_CLASS}->(?:<init>|<clinit>|{_IDENT})\((?:{_TYPE})*\)(?:V|{_TYPE})$")
FIELD_RE = re.compile(rf"^{_CLASS}->{_IDENT}:{_TYPE}$")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
PERMISSION_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+$")


def _load(rel: str) -> dict:
    with open(RULESETS / rel, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    assert isinstance(doc, dict), rel
    return doc


@pytest.fixture(scope="module")
def pi_doc() -> dict:
    return _load("pi-types.yaml")


@pytest.fixture(scope="module")
def perm_doc() -> dict:
    return _load("permissions.yaml")


@pytest.fixture(scope="module")
def api_doc() -> dict:
    return _load("api-map.yaml")


@pytest.fixture(scope="module")
def cat_doc() -> dict:
    return _load("app-categories.yaml")


@pytest.fixture(scope="module")
def cit_doc() -> dict:
    return _load("_catalog/citations.yaml")


def _bilingual(obj: object) -> bool:
    return (isinstance(obj, dict) and isinstance(obj.get("zh"), str) and obj["zh"].strip() != ""
            and isinstance(obj.get("en"), str) and obj["en"].strip() != "")


# ------------------------------------------------------------------ descriptor validators


@pytest.mark.parametrize("good", [
    "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
    "Landroid/media/AudioRecord;-><init>(IIIII)V",
    "Ljava/net/NetworkInterface;->getHardwareAddress()[B",
    "Landroid/app/ActivityManager;->getRecentTasks(II)Ljava/util/List;",
])
def test_method_regex_accepts_valid(good: str) -> None:
    assert METHOD_RE.match(good)


@pytest.mark.parametrize("bad", [
    "android.telephony.TelephonyManager.getDeviceId()",
    "Landroid/telephony/TelephonyManager->getDeviceId()Ljava/lang/String;",
    "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String",
    "Landroid/telephony/TelephonyManager;->getDeviceId(V)Ljava/lang/String;",
    "Landroid/telephony/TelephonyManager;->getDeviceId(int)Ljava/lang/String;",
    "Landroid/telephony/TelephonyManager;->getDeviceId()",
    "Landroid/telephony/TelephonyManager;->get Device()V",
])
def test_method_regex_rejects_invalid(bad: str) -> None:
    assert not METHOD_RE.match(bad)


def test_field_regex() -> None:
    assert FIELD_RE.match("Landroid/os/Build;->SERIAL:Ljava/lang/String;")
    assert not FIELD_RE.match("Landroid/os/Build;->SERIAL:V")
    assert not FIELD_RE.match("Landroid/os/Build;->SERIAL()Ljava/lang/String;")


# ------------------------------------------------------------------ PI types


def test_pi_types_match_product_list(pi_doc: dict) -> None:
    assert pi_doc.get("version") == 1
    assert set(pi_doc["pi_types"]) == PRODUCT_PI_IDS


def test_pi_type_entries(pi_doc: dict, cit_doc: dict) -> None:
    citations = set(cit_doc["citations"])
    for pid, info in pi_doc["pi_types"].items():
        assert _bilingual(info), pid
        assert isinstance(info.get("group"), str) and SNAKE_RE.match(info["group"]), pid
        assert isinstance(info.get("sensitive"), bool), pid
        if info["sensitive"]:
            assert info.get("basis"), f"{pid}: sensitive without a named basis"
        for cite in info.get("basis") or ():
            assert cite in citations, f"{pid}: basis {cite!r} not in citations.yaml"


def test_pipl28_sensitive_types(pi_doc: dict) -> None:
    for pid in PIPL28_SENSITIVE:
        assert pi_doc["pi_types"][pid]["sensitive"] is True, pid
        assert "PIPL-Art28" in pi_doc["pi_types"][pid]["basis"], pid
    # Plain device identifiers are personal but not sensitive information.
    for pid in ("device_id", "android_id", "oaid", "ad_id", "mac_address"):
        assert pi_doc["pi_types"][pid]["sensitive"] is False, pid


# ------------------------------------------------------------------ permissions


def test_permission_entries(perm_doc: dict) -> None:
    assert perm_doc.get("version") == 1
    assert perm_doc.get("source")
    perms = perm_doc["permissions"]
    assert 60 <= len(perms) <= 90
    for name, p in perms.items():
        assert PERMISSION_RE.match(name), name
        assert p["protection"] in {"dangerous", "normal", "signature", "special"}, name
        assert isinstance(p["dangerous"], bool), name
        if p["protection"] == "dangerous":
            assert p["dangerous"] is True, name
        if p["dangerous"]:
            assert p["protection"] in {"dangerous", "special"}, name
        if p["protection"] == "special" and p["dangerous"]:
            assert p["pi_types"], f"{name}: special access marked dangerous without PI"
        assert isinstance(p.get("group"), str) and p["group"], name
        assert isinstance(p["pi_types"], list), name
        assert set(p["pi_types"]) <= PRODUCT_PI_IDS, name
        assert isinstance(p.get("zh"), str) and p["zh"], name
        assert isinstance(p.get("en"), str) and p["en"], name
        if "added_api" in p:
            assert isinstance(p["added_api"], int) and 1 <= p["added_api"] <= 34, name
        if "verified" in p:
            assert p["verified"] in VERIFIED_VALUES, name


def test_all_android14_dangerous_permissions_present(perm_doc: dict) -> None:
    perms = perm_doc["permissions"]
    missing = ANDROID14_DANGEROUS - set(perms)
    assert not missing, sorted(missing)
    for name in ANDROID14_DANGEROUS:
        assert perms[name]["protection"] == "dangerous", name
    extra_dangerous = {n for n, p in perms.items() if p["protection"] == "dangerous"}
    assert extra_dangerous == ANDROID14_DANGEROUS


def test_required_other_permissions_present(perm_doc: dict) -> None:
    perms = perm_doc["permissions"]
    assert not REQUIRED_OTHER_PERMISSIONS - set(perms)
    assert perms["android.permission.INTERNET"]["pi_types"] == []
    assert perms["android.permission.INTERNET"]["protection"] == "normal"
    assert perms["android.permission.PACKAGE_USAGE_STATS"]["dangerous"] is True
    assert "installed_apps" in perms["android.permission.QUERY_ALL_PACKAGES"]["pi_types"]
    # READ_CLIPBOARD is not an Android permission; it must not be invented.
    assert "android.permission.READ_CLIPBOARD" not in perms


def _aosp_permission_tables() -> dict[int, dict] | None:
    spec = importlib.util.find_spec("androguard")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "core" / "api_specific_resources" / "aosp_permissions"
    tables = {}
    for path in folder.glob("permissions_*.json"):
        level = int(path.stem.split("_")[1])
        tables[level] = json.loads(path.read_text(encoding="utf-8"))["permissions"]
    return tables or None


def test_protection_levels_match_aosp(perm_doc: dict) -> None:
    """Cross-check against the AOSP manifest data that androguard ships (API 4..34)."""
    tables = _aosp_permission_tables()
    if tables is None or 34 not in tables:
        pytest.skip("androguard's AOSP permission tables are not installed")
    latest = tables[34]
    checked = 0
    for name, p in perm_doc["permissions"].items():
        if name not in latest:
            assert not name.startswith("android.permission."), f"{name} not in AOSP API 34"
            continue
        flags = set(latest[name]["protectionLevel"].split("|"))
        if "dangerous" in flags:
            expected = "dangerous"
        elif "appop" in flags and "signature" in flags:
            expected = "special"
        elif "signature" in flags:
            expected = "signature"
        else:
            expected = "normal"
        assert p["protection"] == expected, f"{name}: {p['protection']} vs AOSP {flags}"
        if "added_api" in p:
            later = [lvl for lvl in tables if lvl >= p["added_api"]]
            assert all(name in tables[lvl] for lvl in later), f"{name}: added_api too early"
        checked += 1
    assert checked >= 70


# ------------------------------------------------------------------ API map


def _changes_ok(changes: object) -> bool:
    if changes is None:
        return True
    return isinstance(changes, list) and all(
        isinstance(c, dict) and isinstance(c.get("api_level"), int) and _bilingual(c)
        for c in changes)


def test_api_map_shape(api_doc: dict, perm_doc: dict) -> None:
    assert api_doc.get("version") == 1
    assert api_doc.get("source")
    perms = set(perm_doc["permissions"])
    apis = api_doc["apis"]
    assert len(apis) >= 80
    descriptors = [e["api"] for e in apis]
    assert len(descriptors) == len(set(descriptors)), "duplicate api descriptors"
    for e in apis:
        assert METHOD_RE.match(e["api"]), e["api"]
        assert e["pi_type"] in PRODUCT_PI_IDS, e["api"]
        assert isinstance(e["permissions"], list), e["api"]
        assert set(e["permissions"]) <= perms, e["api"]
        assert _changes_ok(e.get("changes")), e["api"]
        assert isinstance(e.get("source"), str) and e["source"], e["api"]
        if "verified" in e:
            assert e["verified"] in VERIFIED_VALUES, e["api"]
    for section in ("fields", "fields_uri"):
        assert api_doc[section], section
        for e in api_doc[section]:
            assert FIELD_RE.match(e["field"]), e["field"]
            assert e["pi_type"] in PRODUCT_PI_IDS, e["field"]
            assert set(e["permissions"]) <= perms, e["field"]
            assert _changes_ok(e.get("changes")), e["field"]
            assert e.get("source"), e["field"]
    for e in api_doc["strings"]:
        assert isinstance(e["value"], str) and e["value"], e
        assert e["match"] in {"exact", "prefix"}, e["value"]
        assert e["pi_type"] in PRODUCT_PI_IDS, e["value"]
        assert e["with_api"] and all(METHOD_RE.match(a) for a in e["with_api"]), e["value"]
        assert set(e["permissions"]) <= perms, e["value"]
        assert e.get("source"), e["value"]
    assert api_doc["uri_sinks"]
    for s in api_doc["uri_sinks"]:
        assert isinstance(s, str) and METHOD_RE.match(s), s


def test_api_map_expected_entries(api_doc: dict) -> None:
    by_api = {e["api"]: e for e in api_doc["apis"]}
    imei = by_api["Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"]
    assert imei["pi_type"] == "device_id"
    assert imei["permissions"] == ["android.permission.READ_PHONE_STATE"]
    assert any(c["api_level"] == 29 for c in imei["changes"])
    for overload in ("getDeviceId(I)", "getImei()", "getImei(I)", "getMeid()", "getMeid(I)"):
        assert f"Landroid/telephony/TelephonyManager;->{overload}Ljava/lang/String;" in by_api
    clip = by_api["Landroid/content/ClipboardManager;->getPrimaryClip()Landroid/content/ClipData;"]
    assert clip["pi_type"] == "clipboard" and clip["permissions"] == []
    fields = {e["field"]: e for e in api_doc["fields"]}
    assert fields["Landroid/os/Build;->SERIAL:Ljava/lang/String;"]["pi_type"] == "serial"
    strings = {e["value"]: e for e in api_doc["strings"]}
    assert strings["android_id"]["match"] == "exact"
    assert strings["content://sms"]["match"] == "prefix"
    assert strings["content://sms"]["permissions"] == ["android.permission.READ_SMS"]
    uris = {e["field"]: e["pi_type"] for e in api_doc["fields_uri"]}
    assert uris["Landroid/provider/ContactsContract$Contacts;->CONTENT_URI:Landroid/net/Uri;"] \
        == "contacts"
    assert ("Landroid/content/ContentResolver;->query(Landroid/net/Uri;[Ljava/lang/String;"
            "Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;)Landroid/database/Cursor;"
            in api_doc["uri_sinks"])


def test_reflective_names_point_at_listed_apis(api_doc: dict) -> None:
    listed = {e["api"] for e in api_doc["apis"]}
    assert api_doc["reflective_names"]
    for r in api_doc["reflective_names"]:
        assert r["api"] in listed, r
        cls, rest = r["api"].split(";->", 1)
        assert cls[1:].replace("/", ".") == r["class"], r
        assert rest.split("(", 1)[0] == r["name"], r


# ------------------------------------------------------------------ app categories


def test_categories_official_list(cat_doc: dict) -> None:
    assert cat_doc.get("version") == 1
    inst = cat_doc["instrument"]
    assert _bilingual(inst) and inst["cite"] == "Necessary-PI-2021-Art5"
    assert str(inst["issued"]) == "2021-03-12" and str(inst["effective"]) == "2021-05-01"
    cats = cat_doc["categories"]
    assert [c["number"] for c in cats] == list(range(1, 40))
    ids = [c["id"] for c in cats]
    assert len(set(ids)) == 39
    assert all(SNAKE_RE.match(i) for i in ids)
    by_number = {c["number"]: c for c in cats}
    # Ids the brief fixes, at their official positions (reference §1).
    fixed = ((1, "map_navigation", "地图导航类"), (2, "ride_hailing", "网络约车类"),
             (3, "instant_messaging", "即时通信类"), (6, "online_shopping", "网上购物类"),
             (7, "food_delivery", "餐饮外卖类"), (30, "news", "新闻资讯类"),
             (38, "utilities", "实用工具类"), (39, "performance_ticketing", "演出票务类"))
    for number, cid, zh in fixed:
        assert by_number[number]["id"] == cid
        assert by_number[number]["zh"] == zh


def test_categories_entries(cat_doc: dict) -> None:
    for c in cat_doc["categories"]:
        cid = c["id"]
        assert _bilingual(c) and _bilingual(c["basic_service"]), cid
        assert set(c["necessary_pi"]) <= PRODUCT_PI_IDS, cid
        text = c["necessary_pi_text"]
        assert text["zh"] and len(text["zh"]) == len(text["en"]), cid
        assert isinstance(c["no_pi_needed"], bool), cid
        assert c["no_pi_needed"] == (c["necessary_pi"] == []), cid
        assert c["verified"] in VERIFIED_VALUES, cid
        assert c.get("source"), cid
        if "precise_location" in c["necessary_pi"]:
            assert "coarse_location" in c["necessary_pi"], cid
        if c["verified"] is not True:
            assert c.get("notes"), f"{cid}: unverified row without a note saying why"


def test_thirteen_types_need_no_pi(cat_doc: dict) -> None:
    no_pi = [c["number"] for c in cat_doc["categories"] if c["no_pi_needed"]]
    assert len(no_pi) == 13
    # 女性健康类 (21) and 网络直播类..实用工具类 (27–38), per reference §1.
    assert no_pi == [21, *range(27, 39)]
    assert cat_doc["instrument"]["counts"] == {"types": 39, "no_pi_needed": 13}


def test_category_markers_follow_check(cat_doc: dict) -> None:
    # Markers as re-checked on 2026-11-30 against stored reprints of the final 2021 text:
    # true only where two independent sources agree with every field of the row.
    by_number = {c["number"]: c for c in cat_doc["categories"]}
    true_rows = [*range(1, 8), 18]
    false_rows = [*range(12, 18), 20, *range(22, 27), 39]
    assert [n for n, c in by_number.items() if c["verified"] is True] == true_rows
    assert [n for n, c in by_number.items() if c["verified"] is False] == false_rows
    assert all(c["verified"] == "partial" for n, c in by_number.items()
               if n not in true_rows and n not in false_rows)
    for n in true_rows:
        assert "2026-11-30" in by_number[n]["source"], n
    # 求职招聘类: the rules name the function 求职招聘信息交换 (新京报 report, 2021-03-22).
    assert by_number[11]["basic_service"]["zh"] == "求职招聘信息交换"


# ------------------------------------------------------------------ citations


REQUIRED_CITATIONS = [
    *(f"PIPL-Art{n}" for n in (5, 6, 10, 13, 14, 16, 17, 23, 24, 25, 28, 29, 38, 51, 55, 66)),
    "CSL-Art41", "CSL-Art42", "ECL-Art18", "ALGO-Rec-Art17", "ALGO-Rec-Art21",
    "Pricing-Rules-2022-Art19", "Pricing-Rules-2022-Art20", "NDSR-2024-Art22", "NDSR-2024-Art46",
    "Necessary-PI-2021-Art3", "Necessary-PI-2021-Art4", "Necessary-PI-2021-Art5",
    "MIIT-2023-Notice", "TC260-GBT41391-2022-AnnexA", "TC260-GBT41391-2022-6-5",
]
# 认定方法: six criteria with 4+4+9+6+3+5 = 31 items (reference §2).
APP_RULES_ITEMS = {1: 4, 2: 4, 3: 9, 4: 6, 5: 3, 6: 5}


def test_citation_entries(cit_doc: dict) -> None:
    assert cit_doc.get("version") == 1
    for key, c in cit_doc["citations"].items():
        assert re.match(r"^[A-Za-z][A-Za-z0-9-]*$", key), key
        for part in ("instrument", "article", "summary"):
            assert _bilingual(c.get(part)), f"{key}: {part}"
        assert "effective" in c, key
        assert c["effective"] is None or isinstance(c["effective"], dt.date), key
        assert c["verified"] in VERIFIED_VALUES, key
        if "url" in c:
            assert c["url"].startswith(("http://", "https://")), key


def test_required_citations_present(cit_doc: dict) -> None:
    cits = cit_doc["citations"]
    missing = [k for k in REQUIRED_CITATIONS if k not in cits]
    assert not missing, missing
    items = [k for k in cits if re.match(r"^App-Rules-2019-\d-\d$", k)]
    assert len(items) == 31
    for cat, count in APP_RULES_ITEMS.items():
        assert f"App-Rules-2019-{cat}" in cits
        for i in range(1, count + 1):
            assert f"App-Rules-2019-{cat}-{i}" in cits


def test_citations_cited_by_knowledge_exist(cat_doc: dict, cit_doc: dict) -> None:
    assert cat_doc["instrument"]["cite"] in cit_doc["citations"]
