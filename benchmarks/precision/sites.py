"""The labelled precision set's APKs, how their call sites are keyed, and a dump of each
site's calling code for the person who labels it.

    python benchmarks/precision/sites.py dump [APK...] > /tmp/sites.txt

``dump`` runs ``appaudit scan`` on every APK (default: :data:`APKS` of the shared corpus),
then prints, per distinct calling method, the androguard disassembly of that method with
every reported site marked ``>>``, the site keys it covers (the same bytecode in several
APKs is printed once, listing all keys: such sites share one reading), and each APK's
min/target SDK and declared permissions. Nothing here decides a verdict: labels.tsv is
written by a person reading this output.

A site's key is ``sha256 dex caller api offset``: the APK's SHA-256, the dex entry, the
calling method (``Lcls;->name(params)ret``), the API descriptor as result.json reports it
and ``offset`` (result.json's byte offset of the instruction in that dex). None of these
depend on how the scanner judges the site, so the key survives changes to the engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# ../shared/corpus beside the checkout; APPAUDIT_SHARED names another place (a worktree).
CORPUS = Path(os.environ.get("APPAUDIT_SHARED", REPO.parent / "shared")) / "corpus" / "apks"

# The real apps of the shared corpus (issue 13): the four named ones and the androguard
# test APKs that contain real application code. APKs that report no api_use are listed
# too: they count for nothing in precision but their absence of sites is part of the set.
APKS = (
    "insecurebankv2/InsecureBankv2.apk",
    "exodus-core/blooddonation.apk",
    "droidbench/EmulatorDetection/PlayStore2.apk",
    "sdk-vendor-demos/branch_testbed.apk",
    "androguard/a2dp.Vol_137.apk",
    "androguard/app-prod-debug.apk",
    "androguard/com.test.intent_filter.apk",
    "androguard/com.teleca.jamendo_35.apk",
    "androguard/com.politedroid_4.apk",
    "androguard/TestActivity.apk",
    "androguard/TC-debug.apk",
    "androguard/Test-debug.apk",
    "androguard/duplicate.permisssions_9999999.apk",
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def site_key(apk_sha: str, use: dict) -> tuple[str, str, str, str, int]:
    return (apk_sha, use["dex"], use["caller"], use["api"], int(use["offset"]))


def scan(apk: Path, out: Path, category: str | None = None) -> dict:
    """result.json of ``appaudit scan APK [--category C]`` run from this checkout."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "scanner", "scan", str(apk), "--out", str(out),
           "--format", "json"]
    if category:
        cmd += ["--category", category]
    r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"scan of {apk} exited {r.returncode}: {r.stderr[-500:]}")
    return json.loads((out / "result.json").read_text("utf-8"))


def _methods(apk: Path):
    """{(dex name, class, name+descriptor): EncodedMethod} for every method with code."""
    import zipfile

    from loguru import logger

    logger.remove()
    from androguard.core.dex import DEX

    out = {}
    with zipfile.ZipFile(apk) as z:
        for n in z.namelist():
            if "/" in n or not (n.startswith("classes") and n.endswith(".dex")):
                continue
            for m in DEX(z.read(n)).get_encoded_methods():
                if m.get_code() is None:
                    continue
                sig = m.get_name() + str(m.get_descriptor()).replace(" ", "")
                out.setdefault((n, str(m.get_class_name()), sig), m)
    return out


def disassemble(m) -> list[tuple[int, int, str]]:
    """(dex offset, offset in method, text) of every instruction of ``m``."""
    base = m.get_code().get_off() + 16
    rows, pos = [], 0
    for ins in m.get_instructions():
        rows.append((base + pos, pos, f"{ins.get_name()} {ins.get_output()}"))
        pos += ins.get_length()
    return rows


def dump(apks: list[Path], out=sys.stdout) -> None:
    groups: dict[tuple, dict] = {}
    for apk in apks:
        with tempfile.TemporaryDirectory() as tmp:
            res = scan(apk, Path(tmp) / "o")
        sha = sha256(apk)
        app = res.get("app") or {}
        perms = sorted(p["name"].rsplit(".", 1)[-1] for p in app.get("permissions", []))
        print(f"# APP {apk.name} sha256={sha} package={app.get('package')} "
              f"min_sdk={app.get('min_sdk')} target_sdk={app.get('target_sdk')} "
              f"uses={len(res.get('api_uses', []))}\n#   permissions: {' '.join(perms)}",
              file=out)
        if not res.get("api_uses"):
            continue
        methods = _methods(apk)
        for u in res["api_uses"]:
            cls, _, sig = u["caller"].partition("->")
            m = methods.get((u["dex"], cls, sig))
            code = disassemble(m) if m is not None else []
            h = hashlib.sha1("\n".join(t for _a, _r, t in code).encode()).hexdigest()[:12]
            g = groups.setdefault((u["caller"], h), {"code": code, "sites": []})
            rel = next((r for a, r, _t in code if a == int(u["offset"])), None)
            g["sites"].append((apk.name, u, rel, sha))
    for (caller, h), g in sorted(groups.items(), key=lambda kv: kv[0]):
        print(f"\n=== {caller}  [code {h}]", file=out)
        marks = {rel for _n, _u, rel, _s in g["sites"]}
        for name, u, rel, sha in g["sites"]:
            print(f"  SITE {name} {sha[:12]} {u['dex']} off={u['offset']} rel={rel} "
                  f"{u['pi_type']} {u['api']} access={u.get('access')} sdk={u.get('sdk')} "
                  f"reach={u.get('reachable')}", file=out)
        code = g["code"]
        idx = [i for i, (_a, r, _t) in enumerate(code) if r in marks]
        if len(code) <= 50:
            keep = range(len(code))
        else:
            keep = sorted({j for i in idx for j in range(max(0, i - 22), min(len(code), i + 10))})
        last = -1
        for i in keep:
            if i != last + 1:
                print("      ...", file=out)
            _a, r, t = code[i]
            print(f"  {'>>' if r in marks else '  '} {r:5d} {t[:220]}", file=out)
            last = i


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "dump":
        print(__doc__, file=sys.stderr)
        return 2
    apks = [Path(a) for a in argv[1:]] or [CORPUS / a for a in APKS]
    dump(apks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
