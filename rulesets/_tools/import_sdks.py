#!/usr/bin/env python3
"""Regenerate the imported SDK signature files in rulesets/sdks/ from public signature lists.

Maintainer script, not part of the installed package; scans never run it and never fetch
anything. It reads local copies of the lists (default: ../shared/corpus/signatures beside
the repository checkout) and writes:

* ``rulesets/sdks/exodus.json`` -- every tracker of the Exodus Privacy list (ETIP/API
  format, as copied in AuroraStore's ``exodus_trackers.json``), precedence 50.
* ``rulesets/sdks/android_libraries.json`` -- the libraries of MuntashirAkon's
  android-libraries list that Exodus does not already cover, precedence 10. Pure
  development libraries get category ``development`` and ``tracker: false``.

Conversion rules (facts are kept, wording is ours):

* An Exodus code signature is a regex searched in class names where ``.`` is in practice a
  package separator; plain dotted names become package prefixes with a trailing dot (a
  prefix matches on whole name segments, see scanner/sdk/catalog.py). A signature that
  starts with ``.`` (a bare class name) becomes a ``code_regex``.
* android-libraries code signatures are slash paths (``/com/umeng/analytics``) and become
  dotted prefixes the same way; fragments that cannot occur in a class name are dropped.
* Network signatures that are escaped host names become host suffixes (matched on a dot
  boundary); anything else stays a ``network_regex`` that must match the whole host,
  optionally preceded by subdomains.
* android-libraries prefixes equal to an Exodus prefix, or equal to/under a prefix of the
  hand-curated ``china.yaml``, are dropped (those SDKs are already described better); an
  entry left without code prefixes is dropped.

Native libraries (``native_signature`` exact file names, ``native_regex`` full-match
regexes) come from LibChecker's ``native_lib`` rules and android-libraries' ``solib``
signatures, attached after the four files above are built (see :func:`attach_native`):

* LibChecker rows are grouped by label; a label goes to the curated entry named in
  ``LIBCHECKER_NATIVE_CURATED`` or whose name/name_zh equals it (nothing is written then:
  curated native names are listed by hand in ``china.yaml``), else to the Exodus,
  android-libraries or LibChecker entry of that name, else to a new ``lc_`` entry.
* android-libraries ``solib`` alternations are split into exact names and regexes; a
  library goes to its own android-libraries entry, else to the Exodus entry of its
  ``exodus_id``, else to the entry that already owns one of its exact names, else to a
  new ``lib_`` entry.
* A name or regex already listed by a higher-precedence file is dropped (curated 100 >
  exodus 50 > libchecker 20 > android-libraries 10), as are names too generic to identify
  anything (``GENERIC_NATIVE``) and LibChecker names that are not ``*.so`` files. An
  entry that receives native signatures from another list gets ``+libchecker`` /
  ``+android-libraries`` appended to its source name.

Usage: python rulesets/_tools/import_sdks.py [--signatures DIR] [--out DIR] [--check]
(``--check`` exits 1 if the generated files differ from the ones on disk).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SIGNATURES = REPO / ".." / "shared" / "corpus" / "signatures"
DEFAULT_OUT = REPO / "rulesets" / "sdks"
RETRIEVED = "2026-11-30"

EXODUS_CATEGORIES = {
    "Analytics": "analytics",
    "Advertisement": "advertising",
    "Crash reporting": "crash_reporting",
    "Identification": "identification",
    "Location": "maps_location",
    "Profiling": "profiling",
}

# android-libraries "type" -> (category, tracker unless anti-features say so)
LIB_TYPES = {
    "Advertisement": ("advertising", True),
    "Mobile Analytics": ("analytics", True),
    "Map": ("maps_location", False),
    "Payment": ("payment", False),
    "Social Network": ("social_login", False),
    "App Market": ("app_market", False),
    "Utility": ("development", False),
    "UI Component": ("development", False),
    "Development Aid": ("development", False),
    "Development Framework": ("development", False),
    "Game Engine": ("development", False),
}
TRACKING_FEATURES = {"Tracking", "Ads"}

_SEGMENTS = re.compile(r"[A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+)*")
_ESCAPED_HOST = re.compile(r"(?:[a-z0-9-]+(?:\\\.|\.))*[a-z0-9-]+", re.IGNORECASE)
_HOST_CHARS = re.compile(r"[a-z0-9.-]+")


def slug(text: str) -> str:
    """snake_case ASCII slug of a display name or id."""
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s or "sdk"


def _unique_id(base: str, taken: set[str]) -> str:
    ident = base
    n = 2
    while ident in taken:
        ident = f"{base}_{n}"
        n += 1
    taken.add(ident)
    return ident


def convert_code(parts: list[str]) -> tuple[list[str], list[str]]:
    """Exodus-style dotted signatures -> (prefixes, regexes)."""
    prefixes: list[str] = []
    regexes: list[str] = []
    for raw in parts:
        p = raw.strip()
        if len(p) < 3:
            continue
        if p.startswith("."):
            name = p.strip(".")
            if _SEGMENTS.fullmatch(name):
                regexes.append(r"(?:^|[.$])" + re.escape(name) + r"(?:$|[.$])")
            continue
        body = p.rstrip(".")
        if _SEGMENTS.fullmatch(body):
            prefix = body + "."
            if prefix not in prefixes:
                prefixes.append(prefix)
        # anything else (e.g. '-' in a name) cannot occur in a class name: drop it
    return prefixes, regexes


def convert_hosts(signature: str) -> tuple[list[str], list[str]]:
    """Exodus/android-libraries network regex alternation -> (host suffixes, host regexes)."""
    hosts: list[str] = []
    regexes: list[str] = []
    for raw in signature.split("|"):
        p = raw.strip()
        if not p:
            continue
        for lead in (".*\\.", "\\.", ".*"):
            if p.startswith(lead):
                p = p[len(lead):]
                break
        p = p.replace("\\-", "-")
        if p.startswith(".") and _HOST_CHARS.fullmatch(p[1:].replace("\\.", ".")):
            p = p[1:]
        if "/" in p or ":" in p:
            continue  # a URL path or port, not a host: cannot be matched on hosts
        bare = p.replace("\\.", ".").rstrip(".")
        if _HOST_CHARS.fullmatch(bare) and (p.endswith(".") or "." not in bare):
            # 'vendor' or 'vendor\.' means a host label followed by any domain
            rx = r"(?:.+\.)?" + re.escape(bare) + r"\..+"
            if rx not in regexes:
                regexes.append(rx)
            continue
        if _ESCAPED_HOST.fullmatch(p):
            host = p.replace("\\.", ".").lower()
            # an unescaped '.' in a host regex is meant as a dot in every list we import
            if host not in hosts:
                hosts.append(host)
            continue
        try:
            re.compile(p)
        except re.error:
            continue
        rx = r"(?:.+\.)?(?:" + p + ")"
        if rx not in regexes:
            regexes.append(rx)
    return hosts, regexes


def import_exodus(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    trackers = data[0] if isinstance(data, list) else data.get("trackers", data)
    taken: set[str] = set()
    sdks = []
    for key in sorted(trackers, key=int):
        t = trackers[key]
        prefixes, code_rx = convert_code(t.get("code_signature", "").split("|"))
        hosts, host_rx = convert_hosts(t.get("network_signature", ""))
        if not (prefixes or code_rx or hosts or host_rx):
            continue
        cats = [EXODUS_CATEGORIES[c] for c in t.get("categories", []) if c in EXODUS_CATEGORIES]
        entry: dict[str, Any] = {
            "id": _unique_id("exodus_" + slug(t["name"]), taken),
            "name": t["name"],
            "categories": sorted(set(cats)) or ["unclassified"],
        }
        if prefixes:
            entry["code_signature"] = prefixes
        if code_rx:
            entry["code_regex"] = code_rx
        if hosts:
            entry["network_signature"] = hosts
        if host_rx:
            entry["network_regex"] = host_rx
        entry["exodus_id"] = int(t.get("id", key))
        entry["source"] = {
            "name": "exodus",
            "url": f"https://reports.exodus-privacy.eu.org/trackers/{int(t.get('id', key))}/",
        }
        if t.get("website"):
            entry["website"] = t["website"]
        sdks.append(entry)
    return {
        "version": 1,
        "precedence": 50,
        "source": {
            "name": "Exodus Privacy tracker list (ETIP), copy in whyorean/AuroraStore "
            "exodus_trackers.json",
            "url": "https://reports.exodus-privacy.eu.org/api/trackers",
            "license": "GPL-3.0-or-later (AuroraStore repository); tracker signatures are "
            "Exodus Privacy data",
            "retrieved": RETRIEVED,
        },
        "sdks": sdks,
    }


def _under(prefix: str, claimed: set[str]) -> bool:
    """True when prefix equals or lies under one of the claimed prefixes."""
    parts = prefix.rstrip(".").split(".")
    return any(".".join(parts[:i]) + "." in claimed for i in range(1, len(parts) + 1))


# '/wxapi/' marks the package WeChat requires the *app* to create (<app>.wxapi.WXEntryActivity)
APP_OWNED_PACKAGES = {"wxapi."}


def _plausible_root(prefix: str) -> bool:
    """False for fragments that android-libraries searches anywhere in a path (bare class
    names such as 'BannerActivity', app-owned package names): as package roots they would
    mean something else."""
    return prefix not in APP_OWNED_PACKAGES and not prefix[:1].isupper()


def _lib_category(lib: dict[str, Any]) -> tuple[str, bool]:
    """(category, tracker) of an android-libraries entry: its type, upgraded when its
    anti-features say it tracks."""
    category, tracker = LIB_TYPES.get(lib.get("type", ""), ("development", False))
    features = set(lib.get("anti_features") or [])
    if features & TRACKING_FEATURES:
        tracker = True
        if category == "development":
            category = "advertising" if "Ads" in features else "utility"
    return category, tracker


def import_android_libraries(
    path: Path, exodus_prefixes: set[str], curated_prefixes: set[str], exodus_ids: set[int],
    index: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """android-libraries entries Exodus does not cover; ``index`` (if given) receives
    android-libraries id -> generated entry."""
    libs = json.loads(path.read_text(encoding="utf-8"))
    taken: set[str] = set()
    seen_prefixes: set[str] = set()
    sdks = []
    for lib in sorted(libs, key=lambda x: x["id"]):
        ex = lib.get("exodus_id")
        if ex is not None and int(ex) in exodus_ids:
            continue
        sig = lib.get("signatures") or {}
        code = sig.get("code") or ""
        if not code:
            continue
        dotted = []
        for part in code.split("|"):
            part = part.strip()
            if not part.startswith("/"):
                continue
            dotted.append(part.strip("/").replace("/", "."))
        prefixes, _ = convert_code(dotted)
        kept = [
            p
            for p in prefixes
            if p not in exodus_prefixes and p not in seen_prefixes
            and not _under(p, curated_prefixes) and _plausible_root(p)
        ]
        if not kept:
            continue
        seen_prefixes.update(kept)
        hosts, host_rx = convert_hosts(sig.get("network") or "")
        category, tracker = _lib_category(lib)
        entry: dict[str, Any] = {
            "id": _unique_id("lib_" + slug(lib["id"]), taken),
            "name": lib.get("label") or lib["id"],
            "categories": [category],
        }
        if not tracker:
            entry["tracker"] = False
        entry["code_signature"] = kept
        if hosts:
            entry["network_signature"] = hosts
        if host_rx:
            entry["network_regex"] = host_rx
        entry["source"] = {
            "name": "android-libraries",
            "url": "https://github.com/MuntashirAkon/android-libraries",
        }
        if lib.get("website"):
            entry["website"] = lib["website"]
        sdks.append(entry)
        if index is not None:
            index[lib["id"]] = entry
    return {
        "version": 1,
        "precedence": 10,
        "source": {
            "name": "MuntashirAkon/android-libraries (libs.json)",
            "url": "https://github.com/MuntashirAkon/android-libraries",
            "license": "AGPL-3.0 (repository COPYING); library signatures are facts",
            "retrieved": RETRIEVED,
        },
        "sdks": sdks,
    }


LIBCHECKER_KINDS = {"activity", "service", "receiver", "provider", "package_prefix"}
# LibChecker has no categories; derive one from words in its (mostly Chinese) labels
LIBCHECKER_CATEGORY_WORDS = [
    ("push", ("推送", "push")),
    ("advertising", ("广告", "ads", " ad ", "ad sdk", "推广", "联盟")),
    ("analytics", ("统计", "分析", "analytics", "datafinder")),
    ("maps_location", ("地图", "定位", "map", "location")),
    ("payment", ("支付", "pay", "银行", "米大师")),
    ("social_login", ("登录", "帐号", "账号", "认证", "oauth", "login", "account")),
    ("social_share", ("分享", "share")),
    ("risk_control", ("安全", "风控", "验证码", "防水墙", "sofire", "人脸", "实人")),
    ("customer_service", ("客服", "im sdk", "通信", "云信")),
    ("crash_reporting", ("crash", "崩溃", "bugly")),
    ("development", ("jetpack", "support library", "kotlin", "flutter", "react native",
                     "multidex", "plugin", "插件", "glide", "okhttp", "retrofit")),
]


def _libchecker_category(label: str) -> str:
    low = f" {label.lower()} "
    for category, words in LIBCHECKER_CATEGORY_WORDS:
        if any(w in low for w in words):
            return category
    return "unclassified"


def _common_package(names: list[str]) -> str | None:
    """Longest common dotted package of component class names (at least 3 segments)."""
    parts = [n.split(".")[:-1] if n.count(".") >= 1 else [] for n in names]
    common: list[str] = []
    for segs in zip(*parts, strict=False):
        if len(set(segs)) != 1:
            break
        common.append(segs[0])
    if len(common) < 3:
        return None
    return ".".join(common) + "."


def _parent_of_claimed(prefix: str, claimed: set[str]) -> bool:
    """True when a more specific claimed prefix lies under ``prefix`` (a vendor namespace)."""
    return any(c != prefix and c.startswith(prefix) for c in claimed)


def _libchecker_entry(label: str, row: dict[str, str], first_signature: str,
                      taken: set[str]) -> dict[str, Any]:
    """A new catalogue entry for a LibChecker label (id, names, vendor, category, tracker)."""
    category = _libchecker_category(label)
    entry: dict[str, Any] = {
        "id": _unique_id("lc_" + slug(label if label.isascii() else
                                      f"{row['team']} {first_signature}"), taken),
        "name": label,
    }
    if not label.isascii():
        entry["name_zh"] = label
    if row["team"]:
        entry["vendor"] = row["team"]
    entry["categories"] = [category]
    if category in ("development", "unclassified"):
        entry["tracker"] = False  # LibChecker lists libraries, not trackers, by default
    return entry


def _libchecker_source(row: dict[str, str]) -> dict[str, str]:
    return {"name": "libchecker",
            "url": row["url"] or "https://github.com/LibChecker/LibChecker-Rules"}


def import_libchecker(path: Path, claimed: set[str], known_names: set[str]) -> dict[str, Any]:
    """LibChecker component/package rules -> one entry per label not yet covered.

    A label is skipped when an SDK of that name already exists; a prefix is dropped when
    it equals or lies under a claimed prefix, or when claimed prefixes lie under it (it
    would be a whole vendor namespace such as ``com.google.android.``).
    """
    import csv

    by_label: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["match_kind"] not in LIBCHECKER_KINDS:
                continue
            pattern = row["pattern"].strip()
            if row["is_regex"] == "1":
                if not pattern.endswith(".(.*)"):
                    continue
                pattern = pattern[: -len("(.*)")]
                prefix = pattern if _SEGMENTS.fullmatch(pattern.rstrip(".")) else None
                names = []
            elif row["match_kind"] == "package_prefix":
                prefix = pattern.rstrip(".") + "." if _SEGMENTS.fullmatch(pattern) else None
                names = []
            else:
                prefix = None
                names = [pattern] if _SEGMENTS.fullmatch(pattern) else []
            slot = by_label.setdefault(row["label"], {"prefixes": set(), "names": [], "row": row})
            if prefix:
                slot["prefixes"].add(prefix)
            slot["names"].extend(names)
            if row["team"] and not slot["row"]["team"]:
                slot["row"] = row
    taken: set[str] = set()
    sdks = []
    for label in sorted(by_label):
        if label.lower() in known_names:
            continue
        slot = by_label[label]
        prefixes = set(slot["prefixes"])
        if slot["names"]:
            common = _common_package(slot["names"])
            if common:
                prefixes.add(common)
        kept = sorted(
            p for p in prefixes
            if not _under(p, claimed) and not _parent_of_claimed(p, claimed)
        )
        if not kept:
            continue
        entry = _libchecker_entry(label, slot["row"], kept[0], taken)
        entry["code_signature"] = kept
        entry["source"] = _libchecker_source(slot["row"])
        sdks.append(entry)
    return {
        "version": 1,
        "precedence": 20,
        "source": {
            "name": "LibChecker/LibChecker-Rules (flattened rules CSV)",
            "url": "https://github.com/LibChecker/LibChecker-Rules",
            "license": "Apache-2.0",
            "retrieved": RETRIEVED,
        },
        "sdks": sdks,
    }


# LibChecker native_lib labels -> curated china.yaml id (whose native_signature lists them)
LIBCHECKER_NATIVE_CURATED = {
    "MSA SDK": "msa_oaid", "Bugly": "tencent_bugly", "极光推送": "jiguang_core",
    "极光认证 SDK": "jverification", "个推": "getui", "腾讯移动分析": "tencent_mta",
    "腾讯灯塔 SDK": "tencent_beacon", "Qimei SDK": "tencent_qimei",
    "腾讯地图 SDK": "tencent_map", "信鸽推送": "tencent_tpns", "腾讯移动推送": "tencent_tpns",
    "腾讯云通信 SDK": "tencent_im", "米大师": "tencent_midas",
    "腾讯云短视频 SDK": "tencent_liteav", "腾讯云直播 SDK": "tencent_liteav",
    "腾讯云实时音视频 SDK": "tencent_liteav", "TRTC SDK": "tencent_liteav",
    "MMKV": "tencent_mmkv", "Pangle SDK": "pangle", "高德地图 SDK": "amap_maps",
    "高德 SDK": "amap_location", "百度地图 SDK": "baidu_map", "百度云推送": "baidu_push",
    "Sofire": "baidu_sofire", "阿里聚安全": "alibaba_security_guard",
    "实人认证 SDK": "alibaba_real_identity", "金融级实人认证 SDK": "alibaba_real_identity",
    "阿里云号码认证 SDK": "aliyun_phone_auth", "号码认证服务": "aliyun_phone_auth",
    "mPaaS": "alipay_mpaas", "百川 SDK": "alibaba_baichuan", "U-App SDK": "umeng_analytics",
    "网易易盾": "netease_yidun", "网易云信": "netease_nim", "数美 SDK": "shumei",
    "同盾设备指纹": "tongdun", "数字联盟可信 ID SDK": "shuzilm", "闪验 SDK": "shanyan",
    "智齿客服 SDK": "sobot", "融云 IM": "rongcloud", "融云 IM SDK": "rongcloud",
    "环信 IM": "easemob", "讯飞 SDK": "iflytek", "Agora RTC SDK": "agora",
    "微博 SDK": "weibo_sdk", "银联 SDK": "unionpay",
}
# names that many unrelated apps use for their own code, and the NDK's C++ runtimes (part
# of the toolchain, not a third party): evidence of nothing
GENERIC_NATIVE = {"libutility.so", "libmain.so", "libapp.so", "libengine.so", "libstub.so",
                  "libcompatible.so", "libexec.so", "libdu.so", "libcore.so", "libnative.so",
                  "libc++_shared.so", "libgnustl_shared.so", "libstlport_shared.so"}
_NATIVE_NAME = re.compile(r"[A-Za-z0-9_+\-][A-Za-z0-9_.+\-]*\.so")
_ESCAPED_NATIVE = re.compile(r"(?:[A-Za-z0-9_\-]|\\\.|\\\+)+\\\.so")


def _split_top(alternation: str) -> list[str]:
    """Split a regex on the ``|`` that are not inside parentheses or brackets."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(alternation):
        ch = alternation[i]
        if ch == "\\" and i + 1 < len(alternation):
            cur += alternation[i:i + 2]
            i += 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def convert_solib(signature: str) -> tuple[list[str], list[str]]:
    """android-libraries ``solib`` regex alternation -> (exact file names, full-match regexes)."""
    names: list[str] = []
    regexes: list[str] = []
    for part in _split_top(signature):
        if _ESCAPED_NATIVE.fullmatch(part):
            name = part.replace("\\.", ".").replace("\\+", "+")
            if _NATIVE_NAME.fullmatch(name) and name not in names:
                names.append(name)
            continue
        try:
            re.compile(part)
        except re.error:
            continue
        if part not in regexes:
            regexes.append(part)
    return names, regexes


def _libchecker_native(path: Path) -> dict[str, dict[str, Any]]:
    """LibChecker native_lib rows grouped by label: {label: {names, regexes, row}}."""
    import csv

    out: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["match_kind"] != "native_lib":
                continue
            slot = out.setdefault(row["label"], {"names": [], "regexes": [], "row": row})
            pattern = row["pattern"].strip()
            if row["is_regex"] == "1":
                try:
                    re.compile(pattern)
                except re.error:
                    continue
                slot["regexes"].append(pattern)
            elif _NATIVE_NAME.fullmatch(pattern):
                slot["names"].append(pattern)
            if row["team"] and not slot["row"]["team"]:
                slot["row"] = row
    return out


_NATIVE_KEYS_BEFORE = ("version_hint", "exodus_id", "source", "website")


def _add_native(entry: dict[str, Any], names: list[str], regexes: list[str],
                source: str) -> bool:
    """Add native signatures to an entry (keys placed before its exodus_id/source), and
    name the list they came from in its source. False when nothing was new."""
    new_names = [n for n in names if n not in entry.get("native_signature", [])]
    new_rx = [r for r in regexes if r not in entry.get("native_regex", [])]
    if not (new_names or new_rx):
        return False
    head = {k: v for k, v in entry.items() if k not in _NATIVE_KEYS_BEFORE
            and k not in ("native_signature", "native_regex")}
    tail = {k: entry[k] for k in _NATIVE_KEYS_BEFORE if k in entry}
    natives = sorted({*entry.get("native_signature", []), *new_names})
    rxs = sorted({*entry.get("native_regex", []), *new_rx})
    entry.clear()
    entry.update(head)
    if natives:
        entry["native_signature"] = natives
    if rxs:
        entry["native_regex"] = rxs
    entry.update(tail)
    src = entry.get("source")
    if isinstance(src, dict) and source not in src["name"].split("+"):
        src["name"] = f"{src['name']}+{source}"
    return True


def attach_native(signatures: Path, curated: dict[str, Any], exodus: dict[str, Any],
                  libs: dict[str, Any], libchecker: dict[str, Any],
                  lib_entries: dict[str, dict[str, Any]]) -> None:
    """Attach LibChecker native_lib rules and android-libraries solib signatures to the
    entries of the generated documents (in place); see the module doc for the rules."""
    cur_names: dict[str, str] = {}
    for e in curated["sdks"]:
        cur_names[e["name"].lower()] = e["id"]
        if e.get("name_zh"):
            cur_names[e["name_zh"].lower()] = e["id"]
    claimed = {n for e in curated["sdks"] for n in e.get("native_signature", [])}
    claimed_rx = {r for e in curated["sdks"] for r in e.get("native_regex", [])}
    curated_exodus = {x for e in curated["sdks"]
                      for x in (e["exodus_id"] if isinstance(e.get("exodus_id"), list)
                                else [e["exodus_id"]] if "exodus_id" in e else [])}
    by_name: dict[str, dict[str, Any]] = {}
    for doc in (libchecker, libs, exodus):  # later wins: exodus over libs over libchecker
        for e in doc["sdks"]:
            by_name[e["name"].lower()] = e
    owner: dict[str, dict[str, Any]] = {}  # native name -> generated entry holding it

    def give(entry: dict[str, Any], names: list[str], rxs: list[str], source: str) -> None:
        names = [n for n in names if n not in claimed and n not in GENERIC_NATIVE]
        rxs = [r for r in rxs if r not in claimed_rx]
        if _add_native(entry, names, rxs, source):
            claimed.update(names)
            claimed_rx.update(rxs)
            for n in names:
                owner.setdefault(n, entry)

    # 1. LibChecker (precedence 20 over android-libraries' 10)
    taken = {e["id"] for e in libchecker["sdks"]}
    for label, slot in sorted(_libchecker_native(signatures / "libchecker_rules.csv").items()):
        if label in LIBCHECKER_NATIVE_CURATED or label.lower() in cur_names:
            continue  # curated: listed by hand in china.yaml
        entry = by_name.get(label.lower())
        if entry is not None and entry.get("exodus_id") in curated_exodus:
            continue
        if entry is None:
            first = (slot["names"] or slot["regexes"])[0]
            entry = _libchecker_entry(label, slot["row"], first, taken)
            entry["source"] = _libchecker_source(slot["row"])
            before = len(claimed) + len(claimed_rx)
            give(entry, slot["names"], slot["regexes"], "libchecker")
            if len(claimed) + len(claimed_rx) > before:
                libchecker["sdks"].append(entry)
                by_name[label.lower()] = entry
            continue
        give(entry, slot["names"], slot["regexes"], "libchecker")

    # 2. android-libraries solib
    exodus_by_id = {e["exodus_id"]: e for e in exodus["sdks"]}
    taken = {e["id"] for e in libs["sdks"]}
    raw = json.loads((signatures / "android_libraries_libs.json").read_text(encoding="utf-8"))
    for lib in sorted(raw, key=lambda x: x["id"]):
        solib = (lib.get("signatures") or {}).get("solib")
        if not solib:
            continue
        names, rxs = convert_solib(solib)
        ex = lib.get("exodus_id")
        entry = lib_entries.get(lib["id"])
        if entry is None and ex is not None:
            if int(ex) in curated_exodus:
                continue
            entry = exodus_by_id.get(int(ex))
        if entry is None:
            if any(n in claimed and n not in owner for n in names):
                continue  # a curated entry owns it
            entry = next((owner[n] for n in names if n in owner), None)
        if entry is None:
            if (lib.get("label") or lib["id"]).lower() in cur_names:
                continue
            category, tracker = _lib_category(lib)
            entry = {"id": _unique_id("lib_" + slug(lib["id"]), taken),
                     "name": lib.get("label") or lib["id"], "categories": [category]}
            if not tracker:
                entry["tracker"] = False
            entry["source"] = {"name": "android-libraries",
                               "url": "https://github.com/MuntashirAkon/android-libraries"}
            if lib.get("website"):
                entry["website"] = lib["website"]
            before = len(claimed) + len(claimed_rx)
            give(entry, names, rxs, "android-libraries")
            if len(claimed) + len(claimed_rx) > before:
                libs["sdks"].append(entry)
            continue
        give(entry, names, rxs, "android-libraries")


XRAY_COUNTRY = {"uk": "GB"}


def import_xray(path: Path) -> dict[str, Any]:
    """X-Ray 2017 tracker domains -> network-only entries naming the owning company."""
    companies = json.loads(path.read_text(encoding="utf-8"))
    taken: set[str] = set()
    sdks = []
    for c in sorted(companies, key=lambda x: x["owner_name"].lower()):
        hosts = sorted({d.strip().strip("'\"").lower() for d in c["doms"]} - {""})
        hosts = [h for h in hosts if _HOST_CHARS.fullmatch(h) and "." in h]
        if not hosts:
            continue
        entry: dict[str, Any] = {
            "id": _unique_id("xray_" + slug(c["owner_name"]), taken),
            "name": c["owner_name"],
            "vendor": c.get("root_parent") or c.get("parent") or c["owner_name"],
        }
        cc = (c.get("country") or "").lower()
        if re.fullmatch(r"[a-z]{2}", cc):
            entry["country"] = XRAY_COUNTRY.get(cc, cc.upper())
        # X-Ray lists whole company domains (qq.com, google.com), first-party services
        # included: the entry names the owner of a host, it does not by itself assert a tracker
        entry["categories"] = ["host_owner"]
        entry["tracker"] = False
        entry["network_signature"] = hosts
        entry["source"] = {
            "name": "x-ray",
            "url": "https://github.com/OxfordHCC/tracker-control-android",
        }
        sdks.append(entry)
    return {
        "version": 1,
        "precedence": 5,
        "source": {
            "name": "X-Ray 2017 tracker domain -> company mapping (copy in TrackerControl "
            "xray-blacklist.json)",
            "url": "https://github.com/OxfordHCC/tracker-control-android",
            "license": "GPL-3.0 (TrackerControl repository)",
            "retrieved": RETRIEVED,
        },
        "sdks": sdks,
    }


GENERATED = (
    "GENERATED by rulesets/_tools/import_sdks.py from {src} -- do not edit by hand; "
    "put corrections in china.yaml (higher precedence) or fix the import script."
)


def dump(doc: dict[str, Any], src: str) -> str:
    """JSON, not YAML: these files are machine-made and large, and JSON loads ~15x faster
    (every scan loads the catalogue)."""
    out = {"generated": GENERATED.format(src=src), **doc}
    return json.dumps(out, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signatures", type=Path, default=DEFAULT_SIGNATURES)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)

    curated = yaml.safe_load((args.out / "china.yaml").read_text(encoding="utf-8"))
    curated_prefixes = {p for e in curated["sdks"] for p in e.get("code_signature", [])}

    exodus = import_exodus(args.signatures / "exodus_trackers.json")
    exodus_prefixes = {p for e in exodus["sdks"] for p in e.get("code_signature", [])}
    exodus_ids = {e["exodus_id"] for e in exodus["sdks"]}
    lib_entries: dict[str, dict[str, Any]] = {}
    libs = import_android_libraries(
        args.signatures / "android_libraries_libs.json", exodus_prefixes, curated_prefixes,
        exodus_ids, lib_entries,
    )
    claimed = curated_prefixes | exodus_prefixes | {
        p for e in libs["sdks"] for p in e.get("code_signature", [])
    }
    known_names = {
        e["name"].lower() for doc in (curated, exodus, libs) for e in doc["sdks"]
    } | {e["name_zh"].lower() for e in curated["sdks"] if e.get("name_zh")}
    libchecker = import_libchecker(
        args.signatures / "libchecker_rules.csv", claimed, known_names
    )
    attach_native(args.signatures, curated, exodus, libs, libchecker, lib_entries)
    xray = import_xray(args.signatures / "trackercontrol" / "xray-blacklist.json")
    outputs = {
        "exodus.json": dump(exodus, "exodus_trackers.json"),
        "android_libraries.json": dump(libs, "android_libraries_libs.json"),
        "libchecker.json": dump(libchecker, "libchecker_rules.csv"),
        "xray_hosts.json": dump(xray, "trackercontrol/xray-blacklist.json"),
    }
    status = 0
    for name, text in outputs.items():
        target = args.out / name
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print(f"{target}: out of date", file=sys.stderr)
                status = 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target} ({len(json.loads(text)['sdks'])} SDKs)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
