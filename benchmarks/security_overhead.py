"""What the security checks (SEC-*, scanner/detectors/security.py) add to a whole scan.

Contract: ``python benchmarks/security_overhead.py [--repeat N] APK...`` runs, per APK and
repeat, two child processes doing the whole ``appaudit scan`` pipeline in-process (every
detector, the rules, result.json and the HTML report): one with every detector, one without
the security detector. Each child reports its CPU time for the scan (``time.process_time``,
imports excluded), the CPU time spent inside the security detector's ``apk`` hook, and its
peak RSS (``ru_maxrss``); the parent prints the medians and the ratios with / without.
CPU seconds, not wall time, because the machine is shared; the detector's own CPU share is
the figure the with/without difference estimates with less noise.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def child(apk: Path, with_security: bool) -> dict:
    from scanner import detectors
    from scanner.cli.common import write_outputs
    from scanner.detectors.security import SecurityDetector
    from scanner.engine import ScanRequest, run
    from scanner.report.json import result_document

    spent = [0.0]
    original = SecurityDetector.apk

    def timed(self, ctx):
        t = time.process_time()
        out = list(original(self, ctx))
        spent[0] += time.process_time() - t
        return out

    SecurityDetector.apk = timed
    if not with_security:
        detectors.ALL_DETECTORS[:] = [d for d in detectors.ALL_DETECTORS
                                      if d is not SecurityDetector]
    t = time.process_time()
    with tempfile.TemporaryDirectory() as out:
        result = run(ScanRequest(apk=apk, command="scan"))
        write_outputs(result_document(result), Path(out), ["json", "html"], "zh")
    cpu = time.process_time() - t
    sec = sum(1 for f in result.findings if f.rule.startswith("SEC-"))
    return {"cpu": cpu, "security_cpu": spent[0], "findings": sec,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(apk: Path, with_security: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", "with" if with_security else "without",
           str(apk)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("apks", nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=("with", "without"))
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.apks[0], args.child == "with")))
        return 0
    print(f"{'APK':34} {'CPU s with':>10} {'without':>8} {'ratio':>6} {'SEC det s':>9} "
          f"{'share':>6} {'MiB with':>8} {'without':>8} {'SEC':>4}")
    for apk in args.apks:
        w = [run_child(apk, True) for _ in range(args.repeat)]
        wo = [run_child(apk, False) for _ in range(args.repeat)]

        def med(rows, k):
            return statistics.median(r[k] for r in rows)

        cw, cwo = med(w, "cpu"), med(wo, "cpu")
        sd = med(w, "security_cpu")
        print(f"{apk.name[:34]:34} {cw:10.2f} {cwo:8.2f} {cw / cwo:6.3f} {sd:9.3f} "
              f"{sd / cw:6.1%} {med(w, 'rss_mib'):8.0f} {med(wo, 'rss_mib'):8.0f} "
              f"{w[0]['findings']:4d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
