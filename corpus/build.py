#!/usr/bin/env python3
"""Build the project's fixture APKs from the smali + manifest sources in corpus/apps/.

Contract:
    python corpus/build.py            build every corpus/apps/<name>/ into corpus/apk/<name>.apk
    python corpus/build.py NAME...    build only the named apps
    python corpus/build.py --check    rebuild into a temporary folder and compare byte for byte
                                      with the committed APKs; exit 1 and name the stale ones

Each app folder holds AndroidManifest.xml, smali/ (-> classes.dex), optional smali_classes2/,
smali_classes3/ ... (-> classes2.dex, classes3.dex ...), optional res/ and assets/, and an
optional native_libs.txt listing zip entry paths (``lib/<abi>/libfoo.so``, one a line, ``#``
comments) that the build fills with a tiny deterministic ELF shared-object header for the
ABI (no code: only the names matter to the scanner), stored uncompressed, and an optional
payloads.txt for what packers and plugin SDKs put into an APK, one ``PATH KIND`` a line:
``elf`` (an ELF header, for a .so outside lib/, e.g. a packer's assets/libjiagu.so),
``noise:N`` (N deterministic pseudo-random bytes: an encrypted payload), ``dex:FOLDER`` (the
app folder's FOLDER of smali assembled into a dex at PATH) or ``jar:FOLDER`` (the same dex
as classes.dex inside a jar at PATH). Apps may sit one folder deeper (corpus/apps/packed/NAME
-> corpus/apk/packed/NAME.apk).

Steps per app: `smali assemble` each smali folder; `aapt package` the manifest, res/ and assets/
against Debian's framework-res.apk; rewrite the zip with fixed timestamps and the dex files
added; `zipalign -p 4`; `apksigner sign` with the public test key in corpus/keys/ (v1+v2+v3, no
v4 .idsig). The toolchain comes from Debian packages (apt-get install libsmali-java aapt zipalign
apksigner android-framework-res default-jre-headless); tests use the committed APKs and never need
it. Library-free: stdlib only. Raises BuildError (a RuntimeError) when a tool is missing or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
APPS = CORPUS / "apps"
APK_DIR = CORPUS / "apk"
KEYSTORE = CORPUS / "keys" / "fixture-test.jks"
# Public test key: the password is published on purpose. Never use it for anything real.
KEYSTORE_PASS = "fixture-test"
KEY_ALIAS = "fixture"
FRAMEWORK_RES = Path("/usr/share/android-framework-res/framework-res.apk")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
TOOLS = ("smali", "aapt", "zipalign", "apksigner")


class BuildError(RuntimeError):
    """A fixture could not be built (missing tool, failing tool, bad source layout)."""


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")


def check_toolchain() -> None:
    """Raise BuildError naming the first missing tool."""
    for tool in TOOLS:
        if shutil.which(tool) is None:
            raise BuildError(f"missing tool {tool!r}: apt-get install libsmali-java aapt "
                             "zipalign apksigner android-framework-res default-jre-headless")
    if not FRAMEWORK_RES.is_file():
        raise BuildError(f"missing {FRAMEWORK_RES}: apt-get install android-framework-res")


def _min_sdk(manifest: Path) -> int:
    m = re.search(r'android:minSdkVersion="(\d+)"', manifest.read_text(encoding="utf-8"))
    return int(m.group(1)) if m else 21


def _dex_sources(app: Path) -> list[tuple[str, Path]]:
    """(dex file name, smali folder) pairs in dex order."""
    out: list[tuple[str, Path]] = []
    if (app / "smali").is_dir():
        out.append(("classes.dex", app / "smali"))
    n = 2
    while (app / f"smali_classes{n}").is_dir():
        out.append((f"classes{n}.dex", app / f"smali_classes{n}"))
        n += 1
    if not out:
        raise BuildError(f"{app.name}: no smali/ folder")
    return out


# ABI folder -> (ELF class 1=32/2=64-bit, e_machine)
ELF_ABIS = {"armeabi-v7a": (1, 40), "arm64-v8a": (2, 183), "x86": (1, 3), "x86_64": (2, 62),
            "armeabi": (1, 40)}


def elf_stub(abi: str) -> bytes:
    """A bare ELF header (ET_DYN, little-endian) for an Android ABI; nothing else."""
    if abi not in ELF_ABIS:
        raise BuildError(f"unknown ABI folder {abi!r}: one of {sorted(ELF_ABIS)}")
    cls, machine = ELF_ABIS[abi]
    ident = b"\x7fELF" + bytes([cls, 1, 1, 0]) + bytes(8)
    if cls == 1:
        return ident + struct.pack("<HHIIIIIHHHHHH", 3, machine, 1, 0, 0, 0, 0, 52, 0, 0,
                                   40, 0, 0)
    return ident + struct.pack("<HHIQQQIHHHHHH", 3, machine, 1, 0, 0, 0, 0, 64, 0, 0, 64,
                               0, 0)


def _native_libs(app: Path) -> list[tuple[str, bytes]]:
    """(zip entry, ELF stub) for each line of the app's native_libs.txt."""
    listing = app / "native_libs.txt"
    if not listing.is_file():
        return []
    out = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        parts = entry.split("/")
        if len(parts) < 3 or parts[0] != "lib" or not entry.endswith(".so"):
            raise BuildError(f"{app.name}: native_libs.txt: {entry!r} is not lib/<abi>/...so")
        out.append((entry, elf_stub(parts[1])))
    return out


def noise(path: str, size: int) -> bytes:
    """``size`` pseudo-random bytes, the same for the same path (SHA-256 in counter mode)."""
    out = bytearray()
    n = 0
    while len(out) < size:
        out += hashlib.sha256(f"{path}#{n}".encode()).digest()
        n += 1
    return bytes(out[:size])


def _payloads(app: Path, tmp: Path, api: int) -> list[tuple[str, bytes]]:
    """(zip entry, bytes) for each line of the app's payloads.txt."""
    listing = app / "payloads.txt"
    if not listing.is_file():
        return []
    out = []
    for n, line in enumerate(listing.read_text(encoding="utf-8").splitlines()):
        spec = line.split("#", 1)[0].split()
        if not spec:
            continue
        if len(spec) != 2:
            raise BuildError(f"{app.name}: payloads.txt line {n + 1}: want PATH KIND")
        path, kind = spec
        if kind == "elf":
            parts = path.split("/")
            abi = parts[1] if parts[0] == "lib" and len(parts) > 2 else "armeabi-v7a"
            out.append((path, elf_stub(abi if abi in ELF_ABIS else "armeabi-v7a")))
        elif kind.startswith("noise:"):
            out.append((path, noise(path, int(kind[6:]))))
        elif kind.startswith(("dex:", "jar:")):
            src = app / kind[4:]
            if not src.is_dir():
                raise BuildError(f"{app.name}: payloads.txt: no folder {kind[4:]!r}")
            dex = tmp / f"payload{n}.dex"
            _run(["smali", "assemble", "--api", str(api), "-j", "1", "-o", str(dex), str(src)])
            data = dex.read_bytes()
            if kind.startswith("jar:"):
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w") as jar:
                    info = zipfile.ZipInfo("classes.dex", date_time=FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    jar.writestr(info, data, compresslevel=9)
                data = buf.getvalue()
            out.append((path, data))
        else:
            raise BuildError(f"{app.name}: payloads.txt: unknown kind {kind!r}")
    return out


def build_app(app: Path, out_apk: Path) -> Path:
    """Build one app folder into a signed APK at out_apk and return out_apk."""
    manifest = app / "AndroidManifest.xml"
    if not manifest.is_file():
        raise BuildError(f"{app.name}: no AndroidManifest.xml")
    api = _min_sdk(manifest)
    with tempfile.TemporaryDirectory(prefix=f"fixture-{app.name}-") as tmp_s:
        tmp = Path(tmp_s)
        dexes: list[tuple[str, Path]] = []
        for dex_name, src in _dex_sources(app):
            dex_path = tmp / dex_name
            _run(["smali", "assemble", "--api", str(api), "-j", "1", "-o", str(dex_path),
                  str(src)])
            dexes.append((dex_name, dex_path))
        res_apk = tmp / "res.apk"
        cmd = ["aapt", "package", "-f", "-M", str(manifest), "-I", str(FRAMEWORK_RES),
               "-F", str(res_apk)]
        if (app / "res").is_dir():
            cmd += ["-S", str(app / "res")]
        if (app / "assets").is_dir():
            cmd += ["-A", str(app / "assets")]
        _run(cmd)
        unsigned = tmp / "unsigned.apk"
        _rezip(res_apk, dexes, unsigned, _native_libs(app) + _payloads(app, tmp, api))
        aligned = tmp / "aligned.apk"
        _run(["zipalign", "-f", "-p", "4", str(unsigned), str(aligned)])
        signed = tmp / "signed.apk"
        _run(["apksigner", "sign", "--ks", str(KEYSTORE), "--ks-pass", f"pass:{KEYSTORE_PASS}",
              "--key-pass", f"pass:{KEYSTORE_PASS}", "--ks-key-alias", KEY_ALIAS,
              "--v4-signing-enabled", "false", "--out", str(signed), str(aligned)])
        out_apk.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(signed, out_apk)
    return out_apk


def _rezip(res_apk: Path, dexes: list[tuple[str, Path]], dest: Path,
           natives: list[tuple[str, bytes]] = ()) -> None:
    """Copy aapt's entries, then the dex files, then the native libraries (stored), with
    fixed timestamps and attributes."""
    with zipfile.ZipFile(res_apk) as src, zipfile.ZipFile(dest, "w") as out:
        entries = [(i.filename, i.compress_type, src.read(i)) for i in src.infolist()]
        entries += [(name, zipfile.ZIP_DEFLATED, path.read_bytes()) for name, path in dexes]
        entries += [(name, zipfile.ZIP_STORED, data) for name, data in natives]
        for name, ctype, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = ctype
            info.create_system = 0
            info.external_attr = 0
            out.writestr(info, data, compresslevel=9 if ctype == zipfile.ZIP_DEFLATED else None)


def app_names() -> list[str]:
    """Every app folder: corpus/apps/NAME, and one level deeper (packed/NAME)."""
    names = [p.relative_to(APPS).as_posix() for p in APPS.iterdir()
             if (p / "AndroidManifest.xml").is_file()]
    names += [p.relative_to(APPS).as_posix() for g in APPS.iterdir() if g.is_dir()
              and not (g / "AndroidManifest.xml").exists() for p in g.iterdir()
              if (p / "AndroidManifest.xml").is_file()]
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="apps to build (default: all)")
    ap.add_argument("--check", action="store_true",
                    help="verify committed APKs equal a fresh build")
    args = ap.parse_args(argv)
    names = args.names or app_names()
    try:
        check_toolchain()
        if args.check:
            stale = []
            with tempfile.TemporaryDirectory(prefix="fixture-check-") as tmp:
                for name in names:
                    fresh = build_app(APPS / name, Path(tmp) / f"{name}.apk")
                    committed = APK_DIR / f"{name}.apk"
                    if not committed.is_file() or committed.read_bytes() != fresh.read_bytes():
                        stale.append(name)
            if stale:
                print("stale or missing APKs: " + ", ".join(stale), file=sys.stderr)
                return 1
            print(f"{len(names)} APKs up to date")
            return 0
        for name in names:
            out = build_app(APPS / name, APK_DIR / f"{name}.apk")
            print(f"built {out.relative_to(CORPUS.parent)} ({out.stat().st_size} bytes)")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
