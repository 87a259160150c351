"""The shipped rulesets/sdks data: size, required ids, well-known SDK classes and hosts.

Expected attributions are facts about the SDKs (their documented package names and
endpoints), and the APK check uses the corpus' labelled inventory.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"

SDK_DIR = REPO / "rulesets" / "sdks"

# id -> a class-name prefix it must carry (ids other developers' fixtures rely on)
REQUIRED = {
    "umeng_analytics": "com.umeng.analytics.",
    "tencent_gdt": "com.qq.e.",
    "jpush": "cn.jpush.android.",
    "getui": "com.igexin.",
    "sensors_data": "com.sensorsdata.analytics.android.sdk.",
    "alipay": "com.alipay.sdk.",
}


def test_catalogue_size_and_identity(shipped):
    assert len(shipped) >= 400
    assert shipped.version == 1
    assert re.fullmatch(r"[0-9a-f]{64}", shipped.sha256)
    assert set(shipped.files) >= {"china.yaml", "exodus.json"}


def test_ids_unique_across_files():
    ids = []
    for path in SDK_DIR.glob("*.yaml"):
        ids += [e["id"] for e in yaml.safe_load(path.read_text(encoding="utf-8"))["sdks"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("sdk_id", "prefix"), sorted(REQUIRED.items()))
def test_required_ids_present_with_prefix(shipped, sdk_id, prefix):
    sig = shipped.get(sdk_id)
    assert sig is not None
    assert prefix in sig.code_prefixes
    descriptor = "L" + prefix.replace(".", "/") + "Foo;"
    assert shipped.sdk_for_class(descriptor).id == sdk_id


@pytest.mark.parametrize(
    ("descriptor", "sdk_id"),
    [
        ("Lcom/umeng/analytics/MobclickAgent;", "umeng_analytics"),
        ("Lcom/umeng/commonsdk/UMConfigure;", "umeng_analytics"),
        ("Lcom/umeng/message/PushAgent;", "umeng_push"),
        ("Lcom/umeng/socialize/UMShareAPI;", "umeng_share"),
        ("Lcom/qq/e/ads/banner2/UnifiedBannerView;", "tencent_gdt"),
        ("Lcn/jpush/android/api/JPushInterface;", "jpush"),
        ("Lcom/igexin/sdk/PushManager;", "getui"),
        ("Lcom/tencent/bugly/crashreport/CrashReport;", "tencent_bugly"),
        ("Lcom/bytedance/sdk/openadsdk/TTAdSdk;", "pangle"),
        ("Lcom/kwad/sdk/api/KsAdSDK;", "kuaishou_ad"),
        ("Lcom/baidu/mobads/sdk/api/BDAdConfig;", "baidu_mobads"),
        ("Lcom/baidu/location/LocationClient;", "baidu_location"),
        ("Lcom/amap/api/location/AMapLocationClient;", "amap_location"),
        ("Lcom/amap/api/maps/MapView;", "amap_maps"),
        ("Lcom/tencent/map/geolocation/TencentLocationManager;", "tencent_location"),
        ("Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;", "wechat_opensdk"),
        ("Lcom/tencent/tauth/Tencent;", "qq_connect"),
        ("Lcom/sina/weibo/sdk/WbSdk;", "weibo_sdk"),
        ("Lcom/alipay/sdk/app/PayTask;", "alipay"),
        ("Lcom/bun/miitmdid/core/MdidSdkHelper;", "msa_oaid"),
        ("Lcom/bun/supplier/IIdentifierListener;", "msa_oaid"),
        ("Lcom/xiaomi/mipush/sdk/MiPushClient;", "xiaomi_push"),
        ("Lcom/huawei/hms/push/HmsMessageService;", "huawei_push"),
        ("Lcom/heytap/msp/push/HeytapPushManager;", "oppo_push"),
        ("Lcom/vivo/push/PushClient;", "vivo_push"),
        ("Lcom/meizu/cloud/pushsdk/PushManager;", "meizu_push"),
        ("Lcom/hihonor/push/sdk/HonorPushClient;", "honor_push"),
        ("Lcom/growingio/android/sdk/collection/GrowingIO;", "growingio"),
        ("Lcom/tendcloud/tenddata/TCAgent;", "talkingdata"),
        ("Lcom/tencent/smtt/sdk/QbSdk;", "tencent_x5"),
        ("Lcom/tencent/stat/StatService;", "tencent_mta"),
        ("Lcom/ishumei/smantifraud/SmAntiFraud;", "shumei"),
        ("Lcn/tongdun/android/shell/FMAgent;", "tongdun"),
        ("Lcn/sharesdk/framework/ShareSDK;", "mob_sharesdk"),
        ("Lcom/iflytek/cloud/SpeechUtility;", "iflytek"),
        ("Lcom/unionpay/UPPayAssistEx;", "unionpay"),
        ("Lcom/sobot/chat/SobotApi;", "sobot"),
        ("Lcom/mbridge/msdk/MBridgeSDK;", "mintegral"),
        ("Lcom/sigmob/windad/WindAds;", "sigmob"),
        # obfuscated classes inside kept packages
        ("Lcom/umeng/a/b;", "umeng_analytics"),
        ("Lcom/qq/e/comm/a/b/c;", "tencent_gdt"),
        ("Lcn/jpush/android/d/e;", "jpush"),
        ("Lcom/igexin/c/a/b/d;", "getui"),
    ],
)
def test_well_known_classes(shipped, descriptor, sdk_id):
    assert shipped.sdk_for_class(descriptor).id == sdk_id


@pytest.mark.parametrize(
    ("host", "sdk_id"),
    [
        ("alog.umeng.com", "umeng_analytics"),
        ("umeng.com", "umeng_analytics"),
        ("msg.umeng.com", "umeng_push"),
        ("bugly.qq.com", "tencent_bugly"),
        ("mi.gdt.qq.com", "tencent_gdt"),
        ("api-access.pangolin-sdk-toutiao.com", "pangle"),
        ("apilocate.amap.com", "amap_location"),
        ("restapi.amap.com", "amap_maps"),
        ("sdk.open.talk.igexin.com", "getui"),
        ("tsis.jpush.cn", "jiguang_core"),
        ("fp-it.fengkongcloud.com", "shumei"),
    ],
)
def test_well_known_hosts(shipped, host, sdk_id):
    assert shipped.sdk_for_host(host).id == sdk_id


@pytest.mark.parametrize(
    ("host", "not_sdk"),
    [
        ("notumeng.com", "umeng_analytics"),
        ("umeng.com.evil.example", "umeng_analytics"),
        ("xgdt.qq.com", "tencent_gdt"),
        ("gdt.qq.com.cn", "tencent_gdt"),
        ("nobugly.qq.com", "tencent_bugly"),
    ],
)
def test_hosts_not_matched_across_label_boundaries(shipped, host, not_sdk):
    owner = shipped.sdk_for_host(host)
    assert owner is None or owner.id != not_sdk


def test_company_level_hosts_fall_back_to_the_owner(shipped):
    # X-Ray maps whole company domains; SDK-specific hosts still win (longer suffix)
    owner = shipped.sdk_for_host("www.qq.com")
    assert owner is not None and owner.vendor == "Tencent" and not owner.code_prefixes
    assert owner.categories == ("host_owner",) and not owner.tracker
    assert shipped.sdk_for_host("mi.gdt.qq.com").id == "tencent_gdt"
    assert shipped.sdk_for_host("example.invalid") is None


def test_development_libraries_are_not_trackers(shipped):
    for sig in shipped:
        if set(sig.categories) == {"development"}:
            assert not sig.tracker, sig.id
    okhttp = shipped.sdk_for_class("Lokhttp3/OkHttpClient;")
    assert okhttp is not None and not okhttp.tracker
    gson = shipped.sdk_for_class("Lcom/google/gson/Gson;")
    assert gson is not None and not gson.tracker


def test_every_exodus_tracker_is_represented(shipped):
    doc = json.loads((SDK_DIR / "exodus.json").read_text(encoding="utf-8"))
    exodus_ids = {e["exodus_id"] for e in doc["sdks"]}
    covered = {x for sig in shipped for x in sig.exodus_ids}
    assert exodus_ids <= covered
    # a curated replacement covers the code prefixes of the Exodus entry it replaces, except
    # where Exodus' prefix names a whole vendor namespace (documented in the README)
    deliberately_narrowed = {("exodus_pangle", "com.bytedance.")}
    for entry in doc["sdks"]:
        if entry["id"] in shipped.superseded:
            for prefix in entry.get("code_signature", []):
                if (entry["id"], prefix) in deliberately_narrowed:
                    continue
                owner = shipped.sdk_for_class("L" + prefix.replace(".", "/") + "X;")
                assert owner is not None and entry["exodus_id"] in owner.exodus_ids, (
                    entry["id"], prefix)


def test_chinese_entries_are_complete(shipped):
    doc = yaml.safe_load((SDK_DIR / "china.yaml").read_text(encoding="utf-8"))
    assert len(doc["sdks"]) >= 90
    for e in doc["sdks"]:
        assert e.get("name_zh") and e.get("vendor") and e.get("country"), e["id"]
        assert e.get("code_signature"), e["id"]
        assert shipped.get(e["id"]) is not None


@pytest.mark.corpus
def test_import_script_reproduces_generated_files():
    sigs = CORPUS / "signatures"
    if not sigs.is_dir():
        pytest.skip("shared corpus absent")
    proc = subprocess.run(
        [sys.executable, str(REPO / "rulesets" / "_tools" / "import_sdks.py"), "--check",
         "--signatures", str(sigs)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr


def _apk_classes(apk: Path) -> list[str]:
    with zipfile.ZipFile(apk) as z:
        blobs = [(n, z.read(n)) for n in z.namelist() if re.fullmatch(r"classes\d*\.dex", n)]
    try:
        from scanner.ingest.dex import DexIndex
    except ImportError:
        pytest.importorskip("androguard")
        from androguard.core.dex import DEX  # noqa: TID251 - test-only fallback reader
        from loguru import logger

        logger.remove()
        return [n for _, b in blobs for n in DEX(b).get_classes_names()]
    return DexIndex.from_dex_files(blobs).class_names()


@pytest.mark.corpus
@pytest.mark.slow
def test_labelled_inventory_trackers_found(shipped):
    inventory = CORPUS / "groundtruth" / "real_apps_sdk_inventory.csv"
    if not inventory.exists():
        pytest.skip("shared corpus absent")
    rows = list(csv.DictReader(io.StringIO(inventory.read_text(encoding="utf-8"))))
    labelled = [r for r in rows if r["exodus_trackers_curator_scan"]]
    assert labelled
    names = {sig.id: sig.name for sig in shipped}
    for row in labelled:
        want = set(row["exodus_trackers_curator_scan"].split(";"))
        found = {names[m.id] for m in shipped.match_classes(_apk_classes(CORPUS / row["apk"]))}
        assert want <= found, (row["apk"], want - found)


def test_active_exodus_prefixes_keep_their_tracker(shipped):
    """A class directly under an Exodus prefix maps to a catalogue entry of that tracker."""
    for sig in shipped:
        if sig.file != "exodus.json":
            continue
        for prefix in sig.code_prefixes:
            owner = shipped.sdk_for_class("L" + prefix.replace(".", "/") + "Zz;")
            assert owner is not None and set(sig.exodus_ids) & set(owner.exodus_ids), (
                sig.id, prefix, owner and owner.id)
