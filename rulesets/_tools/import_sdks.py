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


def import_android_libraries(
    path: Path, exodus_prefixes: set[str], curated_prefixes: set[str], exodus_ids: set[int]
) -> dict[str, Any]:
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
        category, tracker = LIB_TYPES.get(lib.get("type", ""), ("development", False))
        features = set(lib.get("anti_features") or [])
        if features & TRACKING_FEATURES:
            tracker = True
            if category == "development":
                category = "advertising" if "Ads" in features else "utility"
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
        row = slot["row"]
        category = _libchecker_category(label)
        entry: dict[str, Any] = {
            "id": _unique_id("lc_" + slug(label if label.isascii() else
                                          f"{row['team']} {kept[0]}"), taken),
            "name": label,
        }
        if not label.isascii():
            entry["name_zh"] = label
        if row["team"]:
            entry["vendor"] = row["team"]
        entry["categories"] = [category]
        if category in ("development", "unclassified"):
            entry["tracker"] = False  # LibChecker lists libraries, not trackers, by default
        entry["code_signature"] = kept
        entry["source"] = {
            "name": "libchecker",
            "url": row["url"] or "https://github.com/LibChecker/LibChecker-Rules",
        }
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
    libs = import_android_libraries(
        args.signatures / "android_libraries_libs.json", exodus_prefixes, curated_prefixes,
        exodus_ids,
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
