"""Tests of the committed fixture APKs, their hand-written ground truth and the hostile inputs.

Contract: every test reads only files under corpus/ (the project's own fixtures). Checks that
need the Android toolchain (apksigner, aapt, baksmali, smali) skip when it is not installed; the
rest use the stdlib only. Expected values come from the task's fixture specification (hard-coded
here) or from groundtruth.json, which is checked against the smali sources and, where baksmali
is available, against the disassembled dex of the committed APKs.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
APPS = CORPUS / "apps"
APK_DIR = CORPUS / "apk"

# From the fixture specification: app folder -> (package, dex files in the APK).
EXPECTED = {
    "privacy_heavy": ("com.appaudit.fixture.privacy", ["classes.dex", "classes2.dex"]),
    "clean": ("com.appaudit.fixture.clean", ["classes.dex"]),
    "exported_flags": ("com.appaudit.fixture.exported", ["classes.dex"]),
    "multidex_sdk": ("com.appaudit.fixture.shop",
                     ["classes.dex", "classes2.dex", "classes3.dex"]),
    "china_sdks": ("com.appaudit.fixture.chinasdk", ["classes.dex"]),
    "recheck_v1": ("com.appaudit.fixture.recheck", ["classes.dex"]),
    "recheck_v2": ("com.appaudit.fixture.recheck", ["classes.dex"]),
}
PI_TYPES = {
    "device_id", "imsi", "iccid", "android_id", "oaid", "ad_id", "mac_address", "serial",
    "wifi_info", "phone_number", "precise_location", "coarse_location", "contacts", "call_log",
    "sms", "calendar", "installed_apps", "clipboard", "camera", "microphone", "accounts",
    "photos_media", "body_sensors", "id_card_number", "bank_card_number", "real_name",
}
SDK_IDS = {"umeng_analytics", "tencent_gdt", "jpush", "getui", "sensors_data", "alipay",
           "jiguang_core", "msa_oaid"}
GT_KEYS = {
    "package": str, "label": str, "version_name": str, "version_code": int, "min_sdk": int,
    "target_sdk": int, "permissions": list, "components": list, "flags": dict,
    "signer_sha256": str, "sdks": list, "api_uses": list, "planted": dict,
}
FLAG_KEYS = {"debuggable", "allow_backup", "uses_cleartext_traffic", "network_security_config"}
API_USE_KEYS = {"api", "pi_type", "caller", "sdk", "reachable", "reflective", "dex"}
# Framework classes whose calls the fixtures plant; any reference to one of these in the dex
# that is not listed below as harmless must appear in api_uses.
SENSITIVE_CLASSES = (
    "Landroid/telephony/TelephonyManager;", "Landroid/location/LocationManager;",
    "Landroid/content/ClipboardManager;", "Landroid/net/wifi/WifiInfo;",
    "Landroid/net/wifi/WifiManager;", "Landroid/provider/Settings$Secure;",
    "Landroid/content/ContentResolver;", "Landroid/content/pm/PackageManager;",
    "Landroid/os/Build;", "Lcom/google/android/gms/location/FusedLocationProviderClient;",
)
HARMLESS_REFS = {"Landroid/database/Cursor;->close()V"}

NAMES = sorted(EXPECTED)


def _gt(name: str) -> dict:
    return json.loads((APPS / name / "groundtruth.json").read_text(encoding="utf-8"))


def _load_hostile():
    spec = importlib.util.spec_from_file_location("appaudit_corpus_hostile",
                                                  CORPUS / "hostile.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _smali_methods(text: str) -> dict[str, str]:
    """'Lcls;->name(args)ret' -> body, for one smali file or a concatenation of files."""
    out: dict[str, str] = {}
    for cls_block in re.split(r"(?m)^(?=\.class )", text):
        m = re.match(r"\.class [^\n]*?(L[^;\s]+;)", cls_block)
        if not m:
            continue
        cls = m.group(1)
        for mm in re.finditer(r"(?ms)^\.method [^\n]*?(\S+\([^)\n]*\)\S+)\n(.*?)^\.end method",
                              cls_block):
            out[f"{cls}->{mm.group(1)}"] = mm.group(2)
    return out


def _source_methods(name: str, dex: str) -> dict[str, str]:
    folder = "smali" if dex == "classes.dex" else "smali_" + dex.removesuffix(".dex")
    text = "\n".join(p.read_text(encoding="utf-8")
                     for p in sorted((APPS / name / folder).rglob("*.smali")))
    return _smali_methods(text)


def _references(body: str) -> set[str]:
    """Method and field references made by invoke-*/sget-*/iget-* instructions."""
    refs = set()
    for line in body.splitlines():
        line = line.strip()
        if line.startswith(("invoke-", "sget", "iget")):
            refs.add(line.rsplit(", ", 1)[-1])
    return refs


def _check_api_uses_against(methods_by_dex: dict[str, dict[str, str]], gt: dict) -> None:
    for use in gt["api_uses"]:
        methods = methods_by_dex[use["dex"]]
        assert use["caller"] in methods, f"caller {use['caller']} not in {use['dex']}"
        body = methods[use["caller"]]
        if use["reflective"]:
            cls, meth = use["api"].split(";->")
            cls_name = cls[1:].replace("/", ".")
            meth_name = meth.split("(")[0]
            assert f'"{cls_name}"' in body and f'"{meth_name}"' in body
            assert "Ljava/lang/Class;->getMethod(" in body
            assert "Ljava/lang/reflect/Method;->invoke(" in body
        else:
            assert use["api"] in _references(body), f"{use['api']} not called in {use['caller']}"
    # completeness: every reference to a sensitive framework class is a ground-truth use
    listed = {(u["caller"], u["api"]) for u in gt["api_uses"] if not u["reflective"]}
    for methods in methods_by_dex.values():
        for caller, body in methods.items():
            for ref in _references(body):
                if ref.startswith(SENSITIVE_CLASSES) and ref not in HARMLESS_REFS:
                    assert (caller, ref) in listed, f"unlisted sensitive call {ref} in {caller}"


# ---------------------------------------------------------------- committed APKs


@pytest.mark.parametrize("name", NAMES)
def test_apk_is_zip_with_manifest_and_expected_dex(name):
    apk = APK_DIR / f"{name}.apk"
    assert apk.is_file()
    with zipfile.ZipFile(apk) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert len(names) == len(set(names))
        assert struct_u32(zf.read("AndroidManifest.xml")[:4]) == 0x00080003  # binary XML
        dexes = sorted(n for n in names if re.fullmatch(r"classes\d*\.dex", n))
        assert dexes == EXPECTED[name][1]
        for d in dexes:
            assert zf.read(d)[:4] == b"dex\n"
        assert "resources.arsc" in names
        assert any(n.startswith("META-INF/") and n.endswith(".RSA") for n in names)


def struct_u32(b: bytes) -> int:
    return int.from_bytes(b, "little")


@pytest.mark.parametrize("name", NAMES)
def test_v1_signature_block_holds_the_committed_test_cert(name):
    pem = (CORPUS / "keys" / "fixture-test.x509.pem").read_text(encoding="ascii")
    der = base64.b64decode("".join(ln for ln in pem.splitlines() if "-----" not in ln))
    assert hashlib.sha256(der).hexdigest() == _gt(name)["signer_sha256"]
    with zipfile.ZipFile(APK_DIR / f"{name}.apk") as zf:
        rsa = next(n for n in zf.namelist() if n.startswith("META-INF/") and n.endswith(".RSA"))
        assert der in zf.read(rsa)


@pytest.mark.parametrize("name", NAMES)
def test_signature_verifies_with_apksigner(name):
    if shutil.which("apksigner") is None:
        pytest.skip("apksigner not installed")
    proc = subprocess.run(["apksigner", "verify", "--print-certs", "-v",
                           str(APK_DIR / f"{name}.apk")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Verified using v2 scheme (APK Signature Scheme v2): true" in proc.stdout
    m = re.search(r"certificate SHA-256 digest: ([0-9a-f]{64})", proc.stdout)
    assert m and m.group(1) == _gt(name)["signer_sha256"]


@pytest.mark.parametrize("name", NAMES)
def test_manifest_matches_ground_truth_per_aapt(name):
    if shutil.which("aapt") is None:
        pytest.skip("aapt not installed")
    gt = _gt(name)
    out = subprocess.run(["aapt", "dump", "badging", str(APK_DIR / f"{name}.apk")],
                         capture_output=True, text=True, check=True).stdout
    assert (f"package: name='{gt['package']}' versionCode='{gt['version_code']}' "
            f"versionName='{gt['version_name']}'") in out
    assert f"sdkVersion:'{gt['min_sdk']}'" in out
    assert f"targetSdkVersion:'{gt['target_sdk']}'" in out
    assert f"application-label:'{gt['label']}'" in out
    perms = re.findall(r"^uses-permission: name='([^']+)'", out, re.M)
    assert perms == gt["permissions"]
    tree = subprocess.run(["aapt", "dump", "xmltree", str(APK_DIR / f"{name}.apk"),
                           "AndroidManifest.xml"], capture_output=True, text=True,
                          check=True).stdout
    declared = re.findall(r'E: (activity|service|receiver|provider) .*?\n\s+A: android:name'
                          r'\(0x01010003\)="([^"]+)"', tree)
    pkg = gt["package"]
    names = {(t, (pkg + n) if n.startswith(".") else n) for t, n in declared}
    assert names == {(c["type"], c["name"]) for c in gt["components"]}


def test_build_check_reports_committed_apks_up_to_date():
    if any(shutil.which(t) is None for t in ("smali", "aapt", "zipalign", "apksigner")):
        pytest.skip("Android build toolchain not installed")
    if not Path("/usr/share/android-framework-res/framework-res.apk").is_file():
        pytest.skip("framework-res.apk not installed")
    proc = subprocess.run([sys.executable, str(CORPUS / "build.py"), "--check"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------- ground truth


@pytest.mark.parametrize("name", NAMES)
def test_groundtruth_has_required_keys_and_valid_values(name):
    gt = _gt(name)
    for key, typ in GT_KEYS.items():
        assert isinstance(gt[key], typ), key
    assert "category" in gt and (gt["category"] is None or isinstance(gt["category"], str))
    assert gt["package"] == EXPECTED[name][0]
    assert set(gt["flags"]) == FLAG_KEYS
    assert all(isinstance(v, bool) for v in gt["flags"].values())
    assert re.fullmatch(r"[0-9a-f]{64}", gt["signer_sha256"])
    assert set(gt["sdks"]) <= SDK_IDS
    for comp in gt["components"]:
        assert comp["type"] in {"activity", "service", "receiver", "provider"}
        assert isinstance(comp["exported"], bool)
        assert comp["permission"] is None or isinstance(comp["permission"], str)
        assert "." in comp["name"] and not comp["name"].startswith(".")
    for use in gt["api_uses"]:
        assert set(use) == API_USE_KEYS
        assert use["pi_type"] in PI_TYPES
        assert use["sdk"] is None or use["sdk"] in gt["sdks"]
        assert use["dex"] in EXPECTED[name][1]
        assert re.fullmatch(r"L[^;]+;->[^(:]+(\([^)]*\)\S+|:\S+)", use["api"])
        assert re.fullmatch(r"L[^;]+;->[^(]+\([^)]*\)\S+", use["caller"])


@pytest.mark.parametrize("name", NAMES)
def test_groundtruth_api_uses_match_smali_sources(name):
    gt = _gt(name)
    methods = {dex: _source_methods(name, dex) for dex in EXPECTED[name][1]}
    _check_api_uses_against(methods, gt)


@pytest.mark.parametrize("name", NAMES)
def test_groundtruth_api_uses_match_disassembled_apk(name, tmp_path):
    if shutil.which("baksmali") is None:
        pytest.skip("baksmali not installed")
    gt = _gt(name)
    methods: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(APK_DIR / f"{name}.apk") as zf:
        for dex in EXPECTED[name][1]:
            (tmp_path / dex).write_bytes(zf.read(dex))
            out = tmp_path / (dex + ".out")
            subprocess.run(["baksmali", "disassemble", "-o", str(out), str(tmp_path / dex)],
                           check=True, capture_output=True)
            methods[dex] = _smali_methods("\n".join(
                p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.smali"))))
    _check_api_uses_against(methods, gt)


def test_sdk_callers_live_under_their_sdk_packages():
    for name in NAMES:
        gt = _gt(name)
        prefixes = gt["planted"].get("sdk_packages", {})
        assert set(prefixes) == set(gt["sdks"])
        for use in gt["api_uses"]:
            cls = use["caller"].split(";->")[0][1:] + "/"
            owners = [s for s, pfx in prefixes.items() if any(cls.startswith(p) for p in pfx)]
            assert owners == ([use["sdk"]] if use["sdk"] else [])


def test_privacy_heavy_plants_what_the_spec_asks():
    gt = _gt("privacy_heavy")
    by_api = {u["api"].split(";->")[1].split("(")[0].split(":")[0]: u for u in gt["api_uses"]}
    assert by_api["getLine1Number"]["reachable"] is False
    assert by_api["getImei"]["reflective"] is True
    assert by_api["getMacAddress"]["dex"] == "classes2.dex"
    assert by_api["getMacAddress"]["sdk"] == "jpush"
    assert [u for u in gt["api_uses"] if not u["reachable"]] == [by_api["getLine1Number"]]
    assert "android.permission.READ_SMS" not in gt["permissions"]
    smali = "\n".join(p.read_text(encoding="utf-8")
                      for p in (APPS / "privacy_heavy").rglob("*.smali"))
    assert '"content://sms/inbox"' in smali and '"android_id"' in smali
    assert "http" not in smali
    # Unused is never referenced outside its own file
    others = [p for p in (APPS / "privacy_heavy").rglob("*.smali") if p.name != "Unused.smali"]
    assert not any("Unused;" in p.read_text(encoding="utf-8") for p in others)


def test_clean_ships_privacy_policy():
    with zipfile.ZipFile(APK_DIR / "clean.apk") as zf:
        assert "assets/privacy_policy.html" in zf.namelist()
        assert b"https://example.com/privacy" in zf.read("classes.dex")


# ---------------------------------------------------------------- hostile inputs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    mod = _load_hostile()
    dest = tmp_path_factory.mktemp("hostile")
    # CPU seconds of this process (make_all is pure Python): a bound on work, not on the
    # machine's load
    start = time.process_time()
    files = mod.make_all(dest)
    elapsed = time.process_time() - start
    return mod, files, elapsed


def test_hostile_make_all_is_fast_and_small(hostile):
    mod, files, elapsed = hostile
    assert set(files) == set(mod.HOSTILE)
    assert all(p.is_file() and p.name == f"{n}.apk" for n, p in files.items())
    assert elapsed < 5.0
    assert sum(p.stat().st_size for p in files.values()) < 20 * 1024 * 1024


def test_hostile_files_are_what_they_claim(hostile):
    _, f, _ = hostile
    good = (APK_DIR / "clean.apk").read_bytes()
    assert f["empty"].stat().st_size == 0
    assert not zipfile.is_zipfile(f["not_a_zip"])
    trunc = f["truncated"].read_bytes()
    assert good.startswith(trunc) and len(trunc) == len(good) // 2
    assert not zipfile.is_zipfile(f["truncated"])
    with zipfile.ZipFile(f["no_manifest"]) as zf:
        assert zf.namelist() == ["classes.dex"]
    with zipfile.ZipFile(f["traversal"]) as zf:
        assert {"../../evil.txt", "/abs/evil", "AndroidManifest.xml"} <= set(zf.namelist())
    with zipfile.ZipFile(f["duplicate_manifest"]) as zf:
        dup = [i for i in zf.infolist() if i.filename == "AndroidManifest.xml"]
        assert len(dup) == 2
        assert zf.open(dup[0]).read() != zf.open(dup[1]).read()
    with zipfile.ZipFile(f["corrupt_dex"]) as zf:
        dex = zf.read("classes.dex")
        assert dex[:4] != b"dex\n"
        assert struct_u32(zf.read("AndroidManifest.xml")[:4]) == 0x00080003
    with zipfile.ZipFile(f["corrupt_axml"]) as zf:
        assert struct_u32(zf.read("AndroidManifest.xml")[:4]) != 0x00080003
        assert zf.read("classes.dex")[:4] == b"dex\n"


@pytest.mark.slow
def test_zip_bomb_declares_and_really_inflates_past_2_gib(hostile):
    mod, f, _ = hostile
    assert f["zip_bomb"].stat().st_size < 5 * 1024 * 1024
    with zipfile.ZipFile(f["zip_bomb"]) as zf:
        info = zf.getinfo(mod.BOMB_ENTRY)
        assert info.file_size > 2 * 1024**3
        assert "AndroidManifest.xml" in zf.namelist()
        raw_offset = info.header_offset + 30 + len(info.filename.encode())
    data = f["zip_bomb"].read_bytes()[raw_offset: raw_offset + info.compress_size]
    d = zlib.decompressobj(-15)
    total, crc = 0, 0
    pos = 0
    while pos < len(data):
        piece = d.decompress(data[pos: pos + 65536], 64 * 1024 * 1024)
        pos += 65536
        while True:
            total += len(piece)
            crc = zlib.crc32(piece, crc)
            if not d.unconsumed_tail:
                break
            piece = d.decompress(d.unconsumed_tail, 64 * 1024 * 1024)
    assert d.eof
    assert total == info.file_size > 2 * 1024**3
    assert crc == info.CRC


@pytest.mark.parametrize("name", ["privacy_heavy", "multidex_sdk", "recheck_v1", "recheck_v2"])
def test_reachable_flags_agree_with_an_independent_call_graph(name):
    """Over-approximate reachability with androguard: start from every method of the
    Application class and the manifest components; calling a class's constructor makes all its
    methods reachable (covers Runnable.run and OnClickListener.onClick)."""
    misc = pytest.importorskip("androguard.misc")
    try:
        from loguru import logger

        logger.remove()
    except ImportError:
        pass
    gt = _gt(name)
    _, _, dx = misc.AnalyzeAPK(str(APK_DIR / f"{name}.apk"))
    app_class = {"privacy_heavy": "com.appaudit.fixture.privacy.App",
                 "multidex_sdk": "com.appaudit.fixture.shop.ShopApplication",
                 "recheck_v1": "com.appaudit.fixture.recheck.App",
                 "recheck_v2": "com.appaudit.fixture.recheck.App"}[name]
    entry_classes = [app_class] + [c["name"] for c in gt["components"]]
    todo = []
    for cls in entry_classes:
        ca = dx.get_class_analysis("L" + cls.replace(".", "/") + ";")
        assert ca is not None, cls
        todo.extend(ca.get_methods())
    seen: set[str] = set()
    while todo:
        ma = todo.pop()
        key = f"{ma.class_name}->{ma.name}{ma.descriptor}".replace(" ", "")
        if key in seen:
            continue
        seen.add(key)
        for _, callee, _ in ma.get_xref_to():
            todo.append(callee)
            if callee.name == "<init>" and not callee.is_external():
                todo.extend(dx.get_class_analysis(callee.class_name).get_methods())
    for use in gt["api_uses"]:
        assert (use["caller"] in seen) is use["reachable"], use["caller"]
