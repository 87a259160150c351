"""Assemble a large multidex APK (about 30 MB of dex) from the shared corpus's distinct dex
files, for the large-app row of benchmarks/static_vs_androguard.py.

    python benchmarks/make_large_apk.py                      # -> $TMPDIR/appaudit-large-30mb.apk
    python benchmarks/make_large_apk.py --target-mb 30 -o /tmp/large.apk

Nothing is committed: the APK is rebuilt from ../shared/corpus on demand (deterministic:
the same corpus gives the same bytes).

How it is built:

* base: InsecureBankv2.apk's entries except its dex files and META-INF/ (its binary
  AndroidManifest.xml, resources.arsc and res/ keep the APK a valid, parseable app; the
  old v1 signature would no longer match, so it is dropped and the APK is **unsigned**:
  the scanner and androguard both read unsigned APKs, a device would not install it);
* dex: InsecureBankv2's classes.dex as classes.dex, then every other distinct dex file of
  the corpus (deduplicated by SHA-256; top-level ``classes*.dex`` of every APK), largest
  first (ties by corpus path), as classes2.dex, classes3.dex, ... until the total reaches
  ``--target-mb`` (decimal MB). Classes defined in several of them (shared libraries) stay
  duplicated, as in real multidex merges gone wrong; both readers keep the first definition.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("APPAUDIT_SHARED", REPO.parent / "shared")) / "corpus" / "apks"
BASE = "insecurebankv2/InsecureBankv2.apk"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "appaudit-large-30mb.apk"


def _dex_entries(apk: Path) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(apk) as z:
            return [(n, z.read(n)) for n in z.namelist()
                    if "/" not in n and n.startswith("classes") and n.endswith(".dex")]
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return []


def distinct_dex(corpus: Path) -> list[tuple[int, str, bytes]]:
    """(size, 'path!entry', bytes) of every distinct dex of the corpus, largest first."""
    seen: dict[str, tuple[int, str, bytes]] = {}
    for apk in sorted(corpus.rglob("*.apk")):
        for name, data in _dex_entries(apk):
            if not data.startswith(b"dex\n"):
                continue
            h = hashlib.sha256(data).hexdigest()
            seen.setdefault(h, (len(data), f"{apk.relative_to(corpus)}!{name}", data))
    return sorted(seen.values(), key=lambda t: (-t[0], t[1]))


def build(out: Path, target_mb: float = 30.0, corpus: Path = CORPUS) -> dict:
    base = corpus / BASE
    if not base.is_file():
        raise SystemExit(f"{base} not found (is the shared corpus at {corpus}?)")
    base_dex = dict(_dex_entries(base))["classes.dex"]
    chosen = [(len(base_dex), f"{BASE}!classes.dex", base_dex)]
    base_hash = hashlib.sha256(base_dex).hexdigest()
    total = len(base_dex)
    for size, origin, data in distinct_dex(corpus):
        if total >= target_mb * 1e6:
            break
        if hashlib.sha256(data).hexdigest() == base_hash:
            continue
        chosen.append((size, origin, data))
        total += size
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            n = info.filename
            if n.startswith("META-INF/") or ("/" not in n and n.startswith("classes")
                                            and n.endswith(".dex")):
                continue
            dst.writestr(info, src.read(n))
        for i, (_size, _origin, data) in enumerate(chosen):
            name = "classes.dex" if i == 0 else f"classes{i + 1}.dex"
            zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)
    tmp.replace(out)
    return {"apk": str(out), "dex_files": len(chosen), "dex_bytes": total,
            "apk_bytes": out.stat().st_size, "sources": [o for _s, o, _d in chosen]}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--target-mb", type=float, default=30.0,
                    help="stop adding dex files once this many MB of dex (default 30)")
    args = ap.parse_args(argv)
    info = build(args.out, args.target_mb)
    print(f"{info['apk']}: {info['dex_files']} dex files, {info['dex_bytes'] / 1e6:.2f} MB of "
          f"dex, {info['apk_bytes'] / 1e6:.2f} MB APK")
    for i, o in enumerate(info["sources"]):
        print(f"  {'classes.dex' if i == 0 else f'classes{i + 1}.dex':<14} {o}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
