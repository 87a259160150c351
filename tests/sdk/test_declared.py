"""SDK evidence beyond class names: manifest components, meta-data, permissions, files and
hosts in code strings (scanner.sdk.declared), and the strength each kind gives an SDK.

Expected attributions come from the vendors' integration guides cited in
rulesets/sdks/china.yaml (UMENG_APPKEY, JPUSH_APPKEY, <package>.permission.JPUSH_MESSAGE,
<package>.wxapi.WXEntryActivity, assets/ShareSDK.xml) and from the hand-written ground truth
of the corpus/apps/sdk_evidence/declared fixture.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.errors import RulesetError
from scanner.model.result import evidence_strength
from scanner.sdk.catalog import default_catalog
from scanner.sdk.declared import declared_evidence, resolve_shared, string_hosts, url_host
from scanner.sdk.loader import parse_entry
from tests.conftest import FIXTURE_APKS, FIXTURE_APPS


def test_manifest_meta_data_permissions_and_files():
    got = declared_evidence(
        default_catalog(),
        components=["cn.jpush.android.service.PushService", "com.example.wxapi.WXEntryActivity",
                    "com.example.MainActivity"],
        meta_data=[("UMENG_APPKEY", "k1"), ("BaiduMobAd_STAT_ID", "s"), ("MY_KEY", "x"),
                   ("com.amap.api.v2.apikey", None)],
        permissions=["com.example.permission.JPUSH_MESSAGE", "android.permission.INTERNET",
                     "com.example.permission.JPUSH_MESSAGE_X"],
        entry_names=["assets/ShareSDK.xml", "assets/other.xml", "res/raw/ShareSDK.xml"],
    )
    assert got["jpush"] == {"manifest_components": ["cn.jpush.android.service.PushService"],
                            "permissions": ["com.example.permission.JPUSH_MESSAGE"]}
    assert got["wechat_opensdk"] == {"manifest_components": ["com.example.wxapi.WXEntryActivity"]}
    assert got["umeng_analytics"] == {"meta_data": ["UMENG_APPKEY=k1"]}
    assert got["baidu_mtj"] == {"meta_data": ["BaiduMobAd_STAT_ID=s"]}  # a "BaiduMobAd_*" prefix
    # one key for AMap's map and location SDKs: only corroborating (see resolve_shared)
    assert got["amap_maps"] == {"shared_meta_data": ["com.amap.api.v2.apikey"]}
    assert got["amap_location"] == {"shared_meta_data": ["com.amap.api.v2.apikey"]}
    assert got["mob_sharesdk"] == {"files": ["assets/ShareSDK.xml"]}
    assert not any("MY_KEY" in str(v) or "MainActivity" in str(v) for v in got.values())


def test_shared_key_goes_to_the_sdk_with_other_evidence_else_to_all():
    key = "com.baidu.lbsapi.API_KEY=k"
    ev = {"baidu_location": {"shared_meta_data": [key]}, "baidu_map": {"shared_meta_data": [key]}}
    resolve_shared(ev, found={"baidu_location"})  # location SDK code present, no map code
    assert ev == {"baidu_location": {"meta_data": [key]}}
    ev = {"baidu_location": {"shared_meta_data": [key]}, "baidu_map": {"shared_meta_data": [key]}}
    resolve_shared(ev, found=set())  # the key is the only trace: both keep it
    assert ev == {"baidu_location": {"meta_data": [key]}, "baidu_map": {"meta_data": [key]}}


def test_string_hosts_only_curated_vendor_endpoints():
    got = string_hosts(default_catalog(), [
        "https://android.bugly.qq.com/rqd/async", "https://www.google.com/",
        "http://www.qq.com/", "not a url", "https://ulogs.umeng.com/unify_logs"])
    assert got == {"tencent_bugly": {"code_hosts": ["android.bugly.qq.com"]},
                   "umeng_analytics": {"code_hosts": ["ulogs.umeng.com"]}}
    assert url_host("https://A.Example.com:8080/x") == "a.example.com"
    assert url_host("https://localhost/") is None


@pytest.mark.parametrize("evidence,kinds,confidence", [
    ({"packages": ["com.umeng."], "code_hosts": ["ulogs.umeng.com"]}, ("code", "code_string_host"),
     "high"),
    ({"native_libs": ["lib/x86/libBugly.so"]}, ("native_lib",), "high"),
    ({"hosts": ["ulogs.umeng.com"]}, ("traffic",), "high"),
    ({"meta_data": ["UMENG_APPKEY=k"], "code_hosts": ["a.umeng.com"]},
     ("meta_data", "code_string_host"), "medium"),
    ({"code_hosts": ["android.bugly.qq.com"]}, ("code_string_host",), "low"),
    ({}, (), None),
])
def test_evidence_strength(evidence, kinds, confidence):
    assert evidence_strength(evidence) == (kinds, confidence)


@pytest.mark.parametrize("key,value,msg", [
    ("meta_data", ["BAD KEY"], "meta-data name"),
    ("permission_signature", ["a..b"], "permission name"),
    ("file_signature", ["../x"], "zip path"),
    ("file_signature", ["lib/arm64-v8a/"], "zip path"),
    ("component_regex", ["("], "does not compile"),
])
def test_loader_rejects_bad_declared_signatures(key, value, msg):
    entry = {"id": "x", "name": "X", "categories": ["analytics"], "code_signature": ["com.x."],
             "source": "s", key: value}
    with pytest.raises(RulesetError, match=msg):
        parse_entry(entry, "t", 0, "t.yaml")


def test_declared_fixture_matches_its_ground_truth(tmp_path):
    truth = json.loads((FIXTURE_APPS / "sdk_evidence" / "declared" / "groundtruth.json")
                       .read_text("utf-8"))["sdks"]
    res = CliRunner().invoke(cli, ["scan", str(FIXTURE_APKS / "sdk_evidence" / "declared.apk"),
                                   "--out", str(tmp_path), "--format", "json,html,csv"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "result.json").read_text("utf-8"))
    got = {s["id"]: s for s in doc["sdks"]}
    assert set(got) == set(truth)
    for sid, want in truth.items():
        assert got[sid]["evidence_kinds"] == want["kinds"], sid
        assert got[sid]["confidence"] == want["confidence"], sid
    meta = got["umeng_analytics"]["evidence"]["meta_data"]
    assert "UMENG_APPKEY=0123456789abcdef01234567" in meta
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "仅凭代码中残留的主机名字符串" in html and "android.bugly.qq.com" in html
