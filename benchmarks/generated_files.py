"""Do the committed generated files pay? CPU time with and without them, fresh processes.

Contract: ``python benchmarks/generated_files.py [--repeat N] [--apk APK]`` prints, as the
median of N fresh interpreters each (CPU seconds of the process, user + system, so that a
busy machine moves the figures less than wall time would):

* ``rules+sdks load``: loading every rule and SDK catalogue with the validation stamps and
  pre-parsed YAML of ``rulesets/_validated.json`` trusted, and with neither;
* ``template load``: the HTML report template from ``scanner/report/_report_template.py``
  and compiled from ``reports/templates/report.html.j2``;
* ``scan``: ``python -m scanner scan APK --format json`` (default: the privacy_heavy fixture)
  against the shipped rulesets and against a copy of them without ``_validated.json``.

A batch campaign loads the rules once per warm server (scanner.batch.warm) and forks every
scan from it, and writes no HTML, so neither file changes its per-APK cost there; they pay
on single scans (``appaudit scan``/``report``) and on the fresh-interpreter fallback of a
batch (``python -m scanner.batch.child``, one interpreter per APK).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

LOAD = """
import sys, time
import scanner.preparsed as preparsed
from scanner.paths import rulesets_dir
from scanner.rules.loader import load_rules_from
from scanner.sdk.loader import catalogue_files, load_files
use = sys.argv[1] == "with"
if not use:
    preparsed.yaml_cache = lambda folder: {}
t = time.process_time()
load_rules_from(rulesets_dir(), trust=use)
load_files(catalogue_files(rulesets_dir() / "sdks"), trust=use)
print(time.process_time() - t)
"""

TEMPLATE = """
import sys, time
from scanner.report import precompile
from scanner.report.environment import environment
env = environment()
t = time.process_time()
precompile.load(env) if sys.argv[1] == "with" else env.get_template(precompile.TEMPLATE)
print(time.process_time() - t)
"""


def _child(code: str, arg: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code, arg], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip())


def _scan(apk: Path, rulesets: Path) -> float:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, PYTHONPATH=str(REPO), APPAUDIT_RULESETS_DIR=str(rulesets))
        subprocess.run([sys.executable, "-m", "scanner", "scan", str(apk), "--out", out,
                        "--format", "json"], env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--apk", type=Path, default=REPO / "corpus" / "apk" / "privacy_heavy.apk")
    a = ap.parse_args()

    def med(fn, *args) -> float:
        return statistics.median(fn(*args) for _ in range(a.repeat))

    print(f"median of {a.repeat} fresh processes, CPU seconds")
    for name, code in (("rules+sdks load", LOAD), ("template load", TEMPLATE)):
        w, wo = med(_child, code, "with"), med(_child, code, "without")
        print(f"{name:<16} with {w:.3f}  without {wo:.3f}  saves {wo - w:.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "rulesets"
        shutil.copytree(REPO / "rulesets", bare)
        (bare / "_validated.json").unlink()
        w, wo = med(_scan, a.apk, REPO / "rulesets"), med(_scan, a.apk, bare)
        print(f"{'scan ' + a.apk.name:<16} with {w:.3f}  without {wo:.3f}  saves {wo - w:.3f} "
              f"({(wo - w) / wo:.0%})")


if __name__ == "__main__":
    main()
