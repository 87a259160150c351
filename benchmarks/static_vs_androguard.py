"""Wall time and peak memory: androguard AnalyzeAPK + xref query vs DexIndex + Reachability
(vs the whole ``appaudit scan`` process), each run in a fresh subprocess.

Usage (from the repository root)::

    python benchmarks/static_vs_androguard.py                 # largest corpus APKs
    python benchmarks/static_vs_androguard.py --top 4 --no-scan
    python benchmarks/static_vs_androguard.py --apk some.apk --json out.json
    python benchmarks/static_vs_androguard.py --large --top 0 --repeat 1   # the 30 MB-dex APK

Per APK, three child processes (wall time measured by the parent from spawn to exit,
so interpreter start-up and imports count; peak RSS = ``ru_maxrss`` of that child from
``os.wait4``):

(a) ``androguard``: ``AnalyzeAPK`` then, for every API of the list, the callers via
    ``MethodAnalysis.get_xref_from()``.
(b) ``ours``: read the dex entries from the zip, ``DexIndex.from_dex_files``,
    ``find_calls`` for the same APIs, then ``Reachability.check_site`` for every site.
    The manifest's component classes (the entry points) are read by the parent with
    androguard beforehand and passed in a file with the API list, since manifest
    parsing belongs to the APK ingest; column (c) includes it.
(c) ``scan``: ``python -m scanner scan APK --out TMP --format json,html`` (the CLI's
    default formats; ``--scan-format`` changes it; skipped with --no-scan or when the CLI
    is missing): the whole product scan.

Each cell is the median of ``--repeat`` runs (default 3; ``--stat best`` for the fastest).
The runs are made in rounds (androguard, ours, scan, then again), so that a machine whose
speed drifts over minutes slows every column alike; the time ratio of each round is printed
too, with their median.

``--large`` adds a row for the multidex APK of about 30 MB of dex that
benchmarks/make_large_apk.py assembles from the corpus's distinct dex files (built into the
temp directory when missing; AnalyzeAPK needs about 100 s and 2.6 GiB on it). ``--top 0``
with ``--large`` benchmarks only that APK (and the ALWAYS ones unless ``--no-always``).

The API list is rulesets/api-map.yaml's ``apis`` when present, else the built-in list of
tests/ingest/dex/sensitive_apis.py. The shared corpus is ../shared/corpus (beside the
checkout); APKs are ranked by total dex size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus" / "apks"
ALWAYS = ("InsecureBankv2.apk", "blooddonation.apk", "branch_testbed.apk")


# ------------------------------------------------------------------ children
def _dex_entries(apk: str) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(apk) as z:
        return [
            (n, z.read(n))
            for n in z.namelist()
            if "/" not in n and n.startswith("classes") and n.endswith(".dex")
        ]


def _apis() -> tuple[str, ...]:
    sys.path.insert(0, str(REPO))
    from tests.ingest.dex.sensitive_apis import load_api_list

    return load_api_list(REPO)[0]


def child_androguard(apk: str, apis: tuple[str, ...]) -> dict:
    from loguru import logger

    logger.remove()
    from androguard.misc import AnalyzeAPK

    _a, _d, dx = AnalyzeAPK(apk)
    sites = 0
    for api in apis:
        cls, _, sig = api.partition("->")
        ca = dx.get_class_analysis(cls)
        if ca is None:
            continue
        for ma in ca.get_methods():
            if f"{ma.name}{ma.descriptor}".replace(" ", "") == sig:
                sites += len(ma.get_xref_from())
    return {"sites": sites}


def child_ours(apk: str, apis: tuple[str, ...], entries: list[str]) -> dict:
    sys.path.insert(0, str(REPO))
    from scanner.callgraph import Reachability
    from scanner.ingest.dex import DexIndex

    t0 = time.perf_counter()
    idx = DexIndex.from_dex_files(_dex_entries(apk))
    sites = idx.find_calls(apis)
    t1 = time.perf_counter()
    reach = Reachability(idx, entries)
    verdicts = {"true": 0, "false": 0, "unknown": 0}
    for s in sites:
        r = reach.check_site(s).reachable
        verdicts["unknown" if r is None else str(r).lower()] += 1
    t2 = time.perf_counter()
    return {
        "sites": len(sites),
        "index_s": round(t1 - t0, 3),
        "reach_s": round(t2 - t1, 3),
        **verdicts,
        "partial": idx.partial,
    }


def _child_main(argv: list[str]) -> int:
    mode, apk, inputs = argv[0], argv[1], json.loads(Path(argv[2]).read_text("utf-8"))
    apis = tuple(inputs["apis"])
    if mode == "androguard":
        out = child_androguard(apk, apis)
    else:
        out = child_ours(apk, apis, inputs["entries"])
    print(json.dumps(out))
    return 0


# ------------------------------------------------------------------ parent
def _pick(runs: list[dict], stat: str = "median") -> dict:
    """The median (or best: lowest wall time) of several runs of one command; peak memory
    is taken from the same run."""
    runs = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(runs[0] if stat == "best" else runs[(len(runs) - 1) // 2])
    if len(runs) > 1:
        chosen["wall_all"] = [r["wall_s"] for r in runs]
    return chosen


def _rounds(cmds: dict[str, list[str]], cwd: Path, repeat: int) -> dict[str, list[dict]]:
    """``repeat`` rounds, each running every command once in turn (androguard, ours, scan):
    a machine whose speed drifts over minutes slows all columns of a round alike, so the
    ratios of one round compare runs made under the same conditions."""
    out: dict[str, list[dict]] = {k: [] for k in cmds}
    for _ in range(max(1, repeat)):
        for key, cmd in cmds.items():
            out[key].append(_measure_once(cmd, cwd))
    return out


def _measure_once(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd``; wall seconds, peak RSS (MiB) of that child, its last stdout line."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _pid, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode("utf-8", "replace").strip().splitlines()
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    res = {"wall_s": round(wall, 3), "rss_mib": round(ru.ru_maxrss / 1024, 1), "rc": p.returncode,
           "cpu_s": round(ru.ru_utime + ru.ru_stime, 3)}
    if lines:
        try:
            res.update(json.loads(lines[-1]))
        except json.JSONDecodeError:
            pass
    if p.returncode not in (0, 1):  # scan exits 1 when findings reach --fail-on
        res["stderr"] = tail
    return res


def _components(apk: Path) -> list[str]:
    from loguru import logger

    logger.remove()
    from androguard.core.apk import APK

    a = APK(str(apk))
    names = set(a.get_activities()) | set(a.get_services())
    names |= set(a.get_receivers()) | set(a.get_providers())
    app = a.get_attribute_value("application", "name")
    if app:
        names.add(app)
    pkg = a.get_package() or ""
    out = []
    for n in sorted(names):
        if n.startswith("."):
            n = pkg + n
        elif "." not in n:
            n = f"{pkg}.{n}"
        out.append("L" + n.replace(".", "/") + ";")
    return out


def _dex_size(apk: Path) -> int:
    try:
        with zipfile.ZipFile(apk) as z:
            return sum(
                i.file_size
                for i in z.infolist()
                if "/" not in i.filename
                and i.filename.startswith("classes")
                and i.filename.endswith(".dex")
            )
    except (zipfile.BadZipFile, OSError):
        return 0


def pick_apks(top: int, always: bool = True) -> list[Path]:
    """The ``top`` APKs with the most dex bytes, plus the ALWAYS ones."""
    every = sorted(CORPUS.rglob("*.apk"))
    sized = sorted(((s, p) for p in every if (s := _dex_size(p)) > 0), reverse=True)
    chosen = [p for _s, p in sized[:top]]
    if always:
        chosen += [p for _s, p in sized if p.name in ALWAYS and p not in chosen]
    return chosen


def large_apk() -> Path:
    """The ~30 MB-dex APK of benchmarks/make_large_apk.py, built when missing."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_large_apk

    out = make_large_apk.DEFAULT_OUT
    if not out.is_file():
        info = make_large_apk.build(out)
        print(f"built {out}: {info['dex_files']} dex files, {info['dex_bytes'] / 1e6:.1f} MB",
              file=sys.stderr)
    return out


def _has_scan_cli() -> bool:
    r = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "--help"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    return r.returncode == 0


def _byte_compile() -> None:
    """Byte-compile the scanner package, as ``pip install`` does for an installed package and
    as Python does on a package's first import, so that the scan column measures the steady
    state. Under ``PYTHONDONTWRITEBYTECODE`` (set on some machines) the package would otherwise
    be compiled from source by every scan, about 0.2 CPU s of each; androguard, as an installed
    package, already has its byte code."""
    import compileall

    ok = compileall.compile_dir(str(REPO / "scanner"), quiet=1)
    print(f"scanner package byte-compiled{'' if ok else ' (with errors)'}", file=sys.stderr)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--top", type=int, default=8, help="largest N corpus APKs (default 8)")
    ap.add_argument("--apk", action="append", type=Path, help="benchmark these APKs instead")
    ap.add_argument("--no-scan", action="store_true", help="skip the whole-scan column")
    ap.add_argument("--large", action="store_true",
                    help="add the ~30 MB-dex APK of benchmarks/make_large_apk.py")
    ap.add_argument("--no-always", action="store_true",
                    help="do not add InsecureBankv2, blooddonation and branch_testbed")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    ap.add_argument("--stat", choices=("median", "best"), default="median",
                    help="which of the runs is reported (default median)")
    ap.add_argument("--scan-format", default="json,html",
                    help="--format of the scan column (default json,html: the CLI default)")
    args = ap.parse_args(argv)
    apks = args.apk or pick_apks(args.top, not args.no_always)
    if args.large:
        apks = [*apks, large_apk()]
    if not apks:
        print(f"no APKs (is {CORPUS} present?)", file=sys.stderr)
        return 2
    scan = not args.no_scan and _has_scan_cli()
    if scan:
        _byte_compile()
    apis = list(_apis())
    me = str(Path(__file__).resolve())
    rows = []
    for apk in apks:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = Path(tmp) / "inputs.json"
            inputs.write_text(json.dumps({"apis": apis, "entries": _components(apk)}), "utf-8")
            row = {"apk": apk.name, "dex_mb": round(_dex_size(apk) / 1e6, 2)}
            cmds = {
                "androguard": [sys.executable, me, "--child", "androguard", str(apk),
                               str(inputs)],
                "ours": [sys.executable, me, "--child", "ours", str(apk), str(inputs)],
            }
            if scan:
                cmds["scan"] = [sys.executable, "-m", "scanner", "scan", str(apk), "--out",
                                str(Path(tmp) / "out"), "--format", args.scan_format]
            runs = _rounds(cmds, REPO, args.repeat)
            for key, each in runs.items():
                row[key] = _pick(each, args.stat)
            # (the ratio of each round: its runs were made one right after the other)
            for key in ("ours", "scan") if scan else ("ours",):
                row[key]["round_ratios"] = [
                    round(o["wall_s"] / a["wall_s"], 4)
                    for o, a in zip(runs[key], runs["androguard"], strict=True)]
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(f"{args.stat} of {args.repeat} run(s); scan column: appaudit scan --format "
          f"{args.scan_format}")
    _print_table(rows, scan)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), "utf-8")
    return 0


def _print_table(rows: list[dict], scan: bool) -> None:
    head = (
        f"{'APK':<34}{'dex MB':>7} | {'AG s':>6}{'AG MiB':>8}{'sites':>6} | "
        f"{'ours s':>7}{'MiB':>6}{'sites':>6}{'T/F/?':>10} | {'t ratio':>8}{'mem ratio':>10}"
    )
    if scan:
        head += f" | {'scan s':>7}{'MiB':>6}{'t ratio':>8}{'mem ratio':>10}"
    print(head)
    print("-" * len(head))
    for r in rows:
        a, o = r["androguard"], r["ours"]
        tf = f"{o.get('true', '-')}/{o.get('false', '-')}/{o.get('unknown', '-')}"
        line = (
            f"{r['apk'][:33]:<34}{r['dex_mb']:>7.2f} | {a['wall_s']:>6.2f}{a['rss_mib']:>8.0f}"
            f"{a.get('sites', '-'):>6} | {o['wall_s']:>7.2f}{o['rss_mib']:>6.0f}"
            f"{o.get('sites', '-'):>6}{tf:>10} | {o['wall_s'] / a['wall_s']:>8.3f}"
            f"{o['rss_mib'] / a['rss_mib']:>10.3f}"
        )
        if scan:
            s = r["scan"]
            line += (
                f" | {s['wall_s']:>7.2f}{s['rss_mib']:>6.0f}{s['wall_s'] / a['wall_s']:>8.3f}"
                f"{s['rss_mib'] / a['rss_mib']:>10.3f}"
            )
        print(line)
    if rows:
        n = len(rows)
        mean = sum(r["ours"]["wall_s"] / r["androguard"]["wall_s"] for r in rows) / n
        memr = sum(r["ours"]["rss_mib"] / r["androguard"]["rss_mib"] for r in rows) / n
        print(f"mean ratio ours/androguard: time {mean:.3f}, peak memory {memr:.3f}")
        if scan:
            mean = sum(r["scan"]["wall_s"] / r["androguard"]["wall_s"] for r in rows) / n
            memr = sum(r["scan"]["rss_mib"] / r["androguard"]["rss_mib"] for r in rows) / n
            print(f"mean ratio scan/androguard: time {mean:.3f}, peak memory {memr:.3f}")
        for r in rows:
            for key in ("ours", "scan") if scan else ("ours",):
                each = r[key].get("round_ratios") or []
                if len(each) > 1:
                    mid = sorted(each)[(len(each) - 1) // 2]
                    print(f"time ratio {key}/androguard of each round, {r['apk'][:24]}: "
                          + ", ".join(f"{x:.3f}" for x in each) + f" (median {mid:.3f})")
        # CPU seconds (user + sys of the child) move less than wall time on a busy machine.
        print("CPU s (user+sys): " + "; ".join(
            f"{r['apk'][:24]} AG {r['androguard'].get('cpu_s', 0):.2f}"
            f" ours {r['ours'].get('cpu_s', 0):.2f}"
            + (f" scan {r['scan'].get('cpu_s', 0):.2f}" if scan else "") for r in rows))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        raise SystemExit(_child_main(sys.argv[2:]))
    raise SystemExit(main(sys.argv[1:]))
