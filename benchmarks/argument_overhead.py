"""Share of a whole scan spent recovering argument values at call sites.

Contract: ``python benchmarks/argument_overhead.py [--repeat N] APK...`` runs the whole
``appaudit scan`` pipeline (every detector, rules, result.json and the HTML report) in this
process, N times per APK, and prints per APK the median CPU time of the scan and of the
argument recovery inside it (``scanner.ingest.dex.values.ArgumentValues`` through the code
detector: intra-procedural values, and since issue 13's inter-procedural step the callers'
values, return summaries and the callers index; the forward walk of a returned collection's
use, ``scanner.ingest.dex.uses``), and their ratio. CPU time
(``time.process_time``) is used because the machine is shared; interpreter start-up and
imports are not in the scan figure (they are in the wall-clock figures of
static_vs_androguard.py), so the ratio here is an upper bound of the
share in a real `appaudit scan` process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.cli.common import write_outputs  # noqa: E402
from scanner.detectors import code  # noqa: E402
from scanner.engine import ScanRequest, run  # noqa: E402
from scanner.report.json import result_document  # noqa: E402

_spent = [0.0]


def _timed(fn):
    def wrapper(*a, **k):
        t = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            _spent[0] += time.process_time() - t
    return wrapper


code._Sites.registers = _timed(code._Sites.registers)
code._Sites.alternatives = _timed(code._Sites.alternatives)
code._Sites.prepare = _timed(code._Sites.prepare)
code._Sites.one_entry_only = _timed(code._Sites.one_entry_only)


def one(apk: Path) -> tuple[float, float]:
    _spent[0] = 0.0
    t = time.process_time()
    with tempfile.TemporaryDirectory() as out:
        result = run(ScanRequest(apk=apk, command="scan"))
        write_outputs(result_document(result), Path(out), ["json", "html"], "zh")
    return time.process_time() - t, _spent[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("apks", nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"{'APK':32} {'scan CPU s':>10} {'args CPU s':>10} {'share':>7}")
    for apk in args.apks:
        one(apk)  # warm caches (rulesets, catalogue), as a batch worker has them
        runs = [one(apk) for _ in range(args.repeat)]
        scan = statistics.median(r[0] for r in runs)
        spent = statistics.median(r[1] for r in runs)
        print(f"{apk.name[:32]:32} {scan:10.3f} {spent:10.3f} {spent / scan:7.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
