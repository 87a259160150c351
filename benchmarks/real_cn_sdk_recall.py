#!/usr/bin/env python3
"""Benchmark: recall of Chinese SDK families on the real Chinese builds of the shared corpus.

Contract: reads ``../shared/corpus/apks/real-cn`` (``--corpus`` to point elsewhere): every APK
and ``sdk_packages.tsv``, the curator's inventory of what each build visibly contains (three-
segment class-name prefixes with class counts, native libraries, payloads). The inventory says
what is there, not which SDK it is; the table ``FAMILIES`` below does that, by hand: each
prefix row of the inventory is labelled with the SDK family it belongs to and the catalogue ids
that name that family, or as the app's own code, a development library, a packer's stub or a
foreign SDK (not counted). The labels were made from the MANIFEST descriptions, the class
names under each prefix (read with ``scanner.ingest.dex.DexIndex``) and the vendors' docs;
they are not taken from the scanner's output.

Each APK is scanned in-process with the shipped rulesets (``scanner.engine.run``, no report
formats). A family counts as found when the result's ``sdks[]`` holds one of its ids; the
table shows that SDK's evidence kinds and confidence. It also checks that every real-cn build
scans without error, that the packed build is recognised (``app.packer``) and that no SDK
reported as a tracker is a development library (category ``development`` alone, or one of
``DEV_LIBRARIES``). Native libraries of the inventory are checked too: each must be in the
evidence of its family's SDK.

Usage: python benchmarks/real_cn_sdk_recall.py [--corpus DIR] [--json OUT]
Prints a Markdown table and a summary; exit status 0 when every family is found, no build
fails and no development library is a tracker, 1 otherwise, 2 when the corpus is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scanner.engine import ScanRequest, run  # noqa: E402
from scanner.rules.loader import load_rules  # noqa: E402

# (APK file name prefix, inventory prefix) -> family; a prefix maps all rows under it.
# family: (label, catalogue ids that name it) or a non-SDK marker string.
APP, DEV, PACKER, FOREIGN, UNKNOWN = "app code", "development library", "packer stub", \
    "foreign SDK", "unidentified"
FAMILIES: dict[str, dict[str, object]] = {
    "jpush__jpush-hbuilder-demo": {
        "io.dcloud": ("DCloud HTML5+ runtime", {"dcloud_runtime"}),
        "com.dcloud": ("DCloud HTML5+ runtime", {"dcloud_runtime"}),
        "cn.jpush": ("JPush", {"jpush"}),
        "com.tencent.open": ("QQ Connect", {"qq_connect"}),
        "com.tencent.connect": ("QQ Connect", {"qq_connect"}),
        "com.tencent.tauth": ("QQ Connect", {"qq_connect"}),
        "com.iflytek": ("iFlytek speech", {"iflytek"}),
    },
    "gzu-liyujiang__Android_CN_OAID": {
        # com.github.gzuliyujiang.fallback is the demo app; .oaid the library
        "com.github.gzuliyujiang": ("Android_CN_OAID", {"android_cn_oaid"}),
        "repeackage": ("Android_CN_OAID", {"android_cn_oaid"}),
        "com.huawei": ("Huawei ads identifier (HMS)", {"huawei_ads"}),
        "com.hihonor.ads": ("Honor ads identifier", {"honor_ads_identifier"}),
    },
    "jpush__jbox": {
        "cn.jpush": ("JPush", {"jpush"}),
        "com.jiguang.jbox": APP,
    },
    "sensorsdata__sa-sdk-android": {
        "com.sensorsdata": ("Sensors Data analytics", {"sensors_data"}),
    },
    "getActivity__AndroidProject": {
        "com.umeng.socialize": ("Umeng Share", {"umeng_share"}),
        "com.umeng.qq": ("Umeng Share", {"umeng_share", "umeng_analytics"}),
        "com.umeng.weixin": ("Umeng Share", {"umeng_share", "umeng_analytics"}),
        "com.umeng.social": ("Umeng Share", {"umeng_share", "umeng_analytics"}),
        "com.umeng": ("Umeng analytics (common SDK)", {"umeng_analytics"}),
        "com.tencent.bugly": ("Tencent Bugly", {"tencent_bugly"}),
        "com.tencent.connect": ("QQ Connect", {"qq_connect"}),
        "com.tencent.tauth": ("QQ Connect", {"qq_connect"}),
    },
    "amap-demo__android-switch-map": {
        "com.amap.api": ("AMap 3D map", {"amap_maps"}),
        "com.autonavi": ("AMap 3D map", {"amap_maps"}),
        "com.loc": ("AMap location", {"amap_location"}),
        "com.google.firebase": FOREIGN,
    },
    "huanyi0723__XGPush": {
        "com.tencent.android": ("Tencent XG push (TPNS)", {"tencent_tpns"}),
        "com.tencent.mid": ("Tencent MID / MTA", {"tencent_mta"}),
        "com.qq.taf": ("Tencent TAF/JCE", {"tencent_jce"}),
        "com.qq.jce": ("Tencent TAF/JCE", {"tencent_jce"}),
        "com.jg": UNKNOWN,  # six obfuscated classes; no documented owner
    },
    "MobClub__ShareSDK-for-Android": {
        "cn.sharesdk.demo": APP,
        "cn.sharesdk": ("MobTech ShareSDK", {"mob_sharesdk"}),
        "com.mob": ("MobTech common SDK", {"mob_core"}),
        "com.bytedance.sdk": ("Douyin open SDK", {"douyin_opensdk"}),
        "com.sina": ("Weibo SDK", {"weibo_sdk"}),
        "com.alibaba.fastjson": DEV,
    },
    "yidun__quickpass-android-demo": {
        "com.netease.nis": ("NetEase Yidun QuickPass", {"netease_yidun"}),
        "com.cmic.sso": ("China Mobile number authentication", {"cmic_auth"}),
        "cm.pass.sdk": ("China Mobile number authentication", {"cmic_auth"}),
        "com.sdk.cp": ("China Unicom number authentication", {"cucc_auth"}),
        "cn.com.chinatelecom": ("China Telecom authentication", {"ctcc_auth"}),
        "nis.netease.com": APP,  # nis.netease.com.quickpassdemo: the demo app
    },
    "HuangChinChieh__StartWang": {
        "com.baidu": ("Baidu push", {"baidu_push"}),
        "com.google.firebase": FOREIGN,
    },
    "jaxlifu__pay": {
        "com.alipay": ("Alipay SDK", {"alipay", "alipay_mpaas"}),
        "com.ta.utdid2": ("Alibaba UTDID", {"alibaba_utdid"}),
        "com.ut.device": ("Alibaba UTDID", {"alibaba_utdid"}),
        "com.tencent.mm": ("WeChat open SDK (pay)", {"wechat_opensdk"}),
    },
    "li-yu__FakeWeather": {
        "com.baidu": ("Baidu location", {"baidu_location"}),
    },
    "WenPingkk__bugly-tinkerDemo": {
        "com.tencent.tinker": ("Tencent Tinker hotfix", {"tencent_tinker"}),
        "com.tencent.bugly": ("Tencent Bugly", {"tencent_bugly"}),
    },
    "Deali-Axy__MinimalPoem": {
        "com.tencent.legu": PACKER,
        "com.tencent.StubShell": PACKER,
        "com.tencent.bugly": ("Tencent Bugly", {"tencent_bugly"}),
    },
    "Emtemf__Bmobdemo": {
        "cn.bmob": ("Bmob BaaS", {"bmob"}),
    },
}
#: native libraries of the inventory -> the family they belong to (same labels)
NATIVE = {
    "libjpush210.so": "JPush", "libjpush219.so": "JPush", "libBugly.so": "Tencent Bugly",
    "libgdinamapv4sdk752.so": "AMap 3D map", "libgdinamapv4sdk752ex.so": "AMap 3D map",
    "libtpnsSecurity.so": "Tencent XG push (TPNS)", "libtpnsWatchdog.so": "Tencent XG push (TPNS)",
    "libCtaApiWYLib.so": "China Telecom authentication", "libbdpush_V3_4.so": "Baidu push",
    "liblocSDK7.so": "Baidu location", "libbmob.so": "Bmob BaaS",
    "libshella-2.9.0.2.so": PACKER, "libshellx-2.9.0.2.so": PACKER,
}
PACKED = {"Deali-Axy__MinimalPoem": "tencent_legu"}
#: development libraries present in these builds that must never be reported as trackers
DEV_LIBRARIES = {"lib_fastjson", "tencent_tinker", "tencent_jce", "dcloud_runtime",
                 "android_cn_oaid", "custom_activity_on_crash"}


def family_of(apk: str, prefix: str):
    for key, table in FAMILIES.items():
        if apk.startswith(key):
            best = max((p for p in table if prefix == p or prefix.startswith(p + ".")),
                       key=len, default=None)
            return table.get(best) if best else None
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path,
                    default=REPO.parent / "shared" / "corpus" / "apks" / "real-cn")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    tsv = args.corpus / "sdk_packages.tsv"
    if not tsv.is_file():
        print(f"no inventory at {tsv}", file=sys.stderr)
        return 2
    rows = list(csv.DictReader(tsv.open(encoding="utf-8"), delimiter="\t"))
    rules = load_rules()
    expected: dict[str, dict[str, tuple[set[str], list[str]]]] = defaultdict(dict)
    unlabelled = []
    for r in rows:
        apk = r["file"]
        if r["kind"] == "dex_class_prefix":
            fam = family_of(apk, r["name"])
            if fam is None:
                unlabelled.append((apk, r["name"]))
            elif isinstance(fam, tuple):
                label, ids = fam
                entry = expected[apk].setdefault(label, (set(ids), []))
                entry[1].append(f"{r['name']} ({r['count']})")
    natives = [(r["file"], r["name"]) for r in rows if r["kind"] == "native_lib"]
    apks = sorted({r["file"] for r in rows})
    report = []
    native_report: list[tuple[str, str, str | None, list[str]]] = []
    weaker: list[tuple[str, str, str, tuple[str, ...], bool]] = []
    failures = []
    found_n = total_n = 0
    for apk in apks:
        t0 = time.perf_counter()
        try:
            result = run(ScanRequest(apk=args.corpus / apk), rules)
        except Exception as e:  # a real-cn build that fails to scan is a failure of its own
            failures.append(f"{apk}: {type(e).__name__}: {e}")
            continue
        seconds = time.perf_counter() - t0
        sdks = {s.id: s for s in result.sdks}
        weaker.extend((apk, s.id, s.confidence, s.evidence_kinds, s.tracker)
                      for s in result.sdks if s.confidence in ("medium", "low"))
        for apk_, lib in natives:
            label = NATIVE.get(lib)
            if apk_ != apk or label == PACKER:
                continue
            ids = expected[apk].get(label, (set(), []))[0] if label else set()
            owners = sorted(i for i in ids & set(sdks)
                            if any(p.endswith("/" + lib) for p in
                                   sdks[i].evidence.get("native_libs", ())))
            native_report.append((apk, lib, label, owners))
        for label, (ids, prefixes) in sorted(expected[apk].items()):
            hit = sorted(ids & set(sdks))
            total_n += 1
            found_n += bool(hit)
            report.append({
                "apk": apk, "family": label, "prefixes": prefixes, "expected": sorted(ids),
                "found": [{"id": i, "kinds": list(sdks[i].evidence_kinds),
                           "confidence": sdks[i].confidence, "tracker": sdks[i].tracker}
                          for i in hit],
                "seconds": round(seconds, 2),
            })
        failures.extend(f"{apk}: development library {s.id} reported as a tracker"
                        for s in result.sdks if s.tracker and (
                            set(s.categories) == {"development"} or s.id in DEV_LIBRARIES))
        want = next((v for k, v in PACKED.items() if apk.startswith(k)), None)
        got = result.app.packer["id"] if result.app and result.app.packer else None
        if want != got:
            failures.append(f"{apk}: packer {got!r}, expected {want!r}")
        if want and not result.partial:
            failures.append(f"{apk}: packed build not partial")
    print("| build | SDK family | inventory prefixes (classes) | found as | evidence kinds "
          "| confidence |")
    print("|---|---|---|---|---|---|")
    for e in report:
        found = ", ".join(f["id"] for f in e["found"]) or "**missing**"
        kinds = "; ".join(", ".join(f["kinds"]) for f in e["found"])
        conf = ", ".join(str(f["confidence"]) for f in e["found"])
        shown = ", ".join(e["prefixes"][:3])
        if len(e["prefixes"]) > 3:
            shown += f", … (+{len(e['prefixes']) - 3})"
        print(f"| {e['apk'].split('__')[1]} | {e['family']} | {shown} | "
              f"{found} | {kinds} | {conf} |")
    print()
    print("| build | native library | family | attributed to |")
    print("|---|---|---|---|")
    for apk, lib, label, owners in native_report:
        print(f"| {apk.split('__')[1]} | {lib} | {label} | {', '.join(owners) or '**no**'} |")
    native_ok = sum(bool(o) for *_, o in native_report)
    print()
    print("SDKs without code or native evidence (declared in the manifest/files, or only a host "
          "string):")
    print()
    print("| build | SDK | confidence | evidence kinds | tracker |")
    print("|---|---|---|---|---|")
    for apk, sid, conf, kinds, tracker in weaker:
        print(f"| {apk.split('__')[1]} | {sid} | {conf} | {', '.join(kinds)} | {tracker} |")
    print()
    print(f"native libraries attributed: {native_ok}/{len(native_report)}")
    print(f"families found: {found_n}/{total_n} ({100 * found_n / max(total_n, 1):.1f} %); "
          f"builds: {len(apks)}, failures: {len(failures)}")
    for f in failures:
        print("FAIL", f)
    if unlabelled:
        print("unlabelled inventory rows:", unlabelled)
    if args.json:
        args.json.write_text(json.dumps({"families": report, "failures": failures,
                                         "found": found_n, "total": total_n}, indent=1))
    return 0 if found_n == total_n and not failures and not unlabelled else 1


if __name__ == "__main__":
    sys.exit(main())
