"""Leak analysis against DroidBench 3.0, ICC-Bench and UBCBench labels, beside FlowDroid.

Usage (from the repository root)::

    python benchmarks/leaks_droidbench.py                  # every labelled APK
    python benchmarks/leaks_droidbench.py --set droidbench --category Aliasing
    python benchmarks/leaks_droidbench.py --json /tmp/leaks.json --min-recall 0.85

Each APK of ../shared/corpus/apks/{droidbench,iccbench,ubcbench} that its ground truth labels
is scanned with this checkout's pipeline (``scanner.engine.run``, in this process, all
detectors and rules) and judged **per APK**: an APK labelled as leaking (DroidBench and
ICC-Bench ``expected_leaks`` > 0, UBCBench ``manual_flows`` > 0) is a true positive when the
scan reports at least one ``leaks[]`` entry and a false negative otherwise; an APK labelled
as not leaking is a false positive when the scan reports one. Recall = TP / (TP + FN),
precision = TP / (TP + FP). Per-flow matching (which source reaches which sink line) is not
scored: the labels give source/sink lines only for 30 of the 142 DroidBench APKs.

**Out of scope** (listed with the reason, excluded from the in-scope totals, still run and
printed): implicit flows (taint through control dependence, by design not followed),
native code, code loaded or rewritten at run time, reflective names computed at run time,
and APKs without a label. The set is fixed here by category/case, not by the outcome.

FlowDroid's published figures are printed beside ours: DroidBench 1.0 (Arzt et al., PLDI
2014: 93 % recall, 86 % precision over its 39 apps); UBCBench's own CSV carries per-APK
FlowDroid/IccTA, Amandroid and DroidSafe results (Pauck et al. 2018 / Qiu et al. 2018),
which are scored here the same per-APK way.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
GROUND = CORPUS / "groundtruth"

FLOWDROID_DROIDBENCH1 = {"recall": 0.93, "precision": 0.86,
                         "source": "Arzt et al., FlowDroid, PLDI 2014 (DroidBench 1.0, 39 apps)"}

#: (set, category or "category/testcase") -> why it is out of scope
OUT_OF_SCOPE: dict[tuple[str, str], str] = {
    ("droidbench", "ImplicitFlows"): "implicit flow (control dependence), not followed by design",
    ("droidbench", "Native"): "the flow runs through native code (.so), not analysed",
    ("droidbench", "DynamicLoading"): "source or sink in code loaded at run time",
    ("droidbench", "SelfModification"): "bytecode rewritten at run time",
    ("droidbench", "Reflection_ICC/OnlyTelephony_Dynamic"):
        "reflective class/method names computed at run time",
    ("droidbench", "Reflection_ICC/OnlyTelephony_Reverse"):
        "reflective class/method names computed at run time (string reversed)",
    ("droidbench", "Reflection_ICC/OnlyTelephony_Substring"):
        "reflective class/method names computed at run time (substring)",
}


def cases(sets: set[str]) -> list[dict]:
    """Every labelled APK: {set, category, case, apk, leak (bool|None), expected}."""
    out: list[dict] = []
    for name, path in (("droidbench", "droidbench/droidbench3_groundtruth.csv"),
                       ("iccbench", "iccbench/iccbench_groundtruth.csv")):
        if name in sets:
            out.extend({"set": name, "category": r["category"], "case": r["testcase"],
                        "apk": CORPUS / r["apk"], "leak": int(r["expected_leaks"] or 0) > 0,
                        "expected": int(r["expected_leaks"] or 0)}
                       for r in csv.DictReader(open(GROUND / path)))
    if "ubcbench" in sets:
        for r in csv.DictReader(open(GROUND / "ubcbench/ubcbench_groundtruth.csv")):
            flows = r["manual_flows"]
            out.append({"set": "ubcbench", "category": r["group"] or "UBCBench",
                        "case": r["testcase"], "apk": CORPUS / r["apk"],
                        "leak": (int(flows) > 0) if flows else None,
                        "expected": int(flows) if flows else None,
                        "tools": {t: _ubc_tool(r, t) for t in
                                  ("flowdroid_iccta", "amandroid", "droidsafe")} if flows else {}})
    return out


def _ubc_tool(r: dict, tool: str) -> bool | None:
    """Whether the tool reported a flow for this APK (per-APK, like ours)."""
    v = r.get(f"{tool}_flows")
    return int(v) > 0 if v not in (None, "") else None


def scope(c: dict) -> str | None:
    """Why a case is out of scope (None: in scope)."""
    if c["leak"] is None:
        return "no label in the ground truth"
    return (OUT_OF_SCOPE.get((c["set"], f"{c['category']}/{c['case']}"))
            or OUT_OF_SCOPE.get((c["set"], c["category"])))


def scan(apk: Path, rules) -> tuple[list[dict], dict, float]:
    from scanner.engine import ScanRequest, run
    from scanner.report.json import result_document

    t0 = time.monotonic()
    res = run(ScanRequest(apk=apk), rules)
    doc = result_document(res)
    return doc.get("leaks") or [], doc.get("leak_analysis") or {}, time.monotonic() - t0


def ratio(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f} %" if b else "    - "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", action="append", choices=("droidbench", "iccbench", "ubcbench"))
    ap.add_argument("--category", action="append", help="only these categories")
    ap.add_argument("--case", action="append", help="only these test cases")
    ap.add_argument("--json", help="write per-APK results here")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every APK")
    ap.add_argument("--min-recall", type=float)
    ap.add_argument("--min-precision", type=float)
    a = ap.parse_args(argv)
    if not GROUND.is_dir():
        print(f"no ground truth at {GROUND}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    from scanner.rules.loader import load_rules

    rules = load_rules()
    todo = cases(set(a.set or ("droidbench", "iccbench", "ubcbench")))
    if a.category:
        todo = [c for c in todo if c["category"] in a.category]
    if a.case:
        todo = [c for c in todo if c["case"] in a.case]
    rows = []
    for c in todo:
        leaks, info, secs = scan(c["apk"], rules)
        why = scope(c)
        verdict = _verdict(c, bool(leaks))
        # what findings rest on: the high-confidence (exact) leaks only
        verdict_high = _verdict(c, any(x.get("confidence") == "high" for x in leaks))
        rows.append({"set": c["set"], "category": c["category"], "case": c["case"],
                     "expected": c["expected"], "found": len(leaks), "verdict": verdict,
                     "verdict_high": verdict_high,
                     "out_of_scope": why, "seconds": round(secs, 2),
                     "partial": bool(info.get("partial")), "tools": c.get("tools", {}),
                     "sinks": sorted({x["sink"]["kind"] for x in leaks})})
        if a.verbose:
            print(f"  {verdict:4} {c['set']:10} {c['category']:28} {c['case']:30} "
                  f"expected {c['expected']!s:>4} found {len(leaks):3}  {secs:5.2f}s"
                  + (f"  [out: {why}]" if why else ""), flush=True)
    report(rows)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1, default=str))
    tp = sum(r["verdict"] == "TP" for r in rows if not r["out_of_scope"])
    fn = sum(r["verdict"] == "FN" for r in rows if not r["out_of_scope"])
    fp = sum(r["verdict"] == "FP" for r in rows if not r["out_of_scope"])
    rec = tp / (tp + fn) if tp + fn else 1.0
    prec = tp / (tp + fp) if tp + fp else 1.0
    bad = (a.min_recall is not None and rec < a.min_recall) or (
        a.min_precision is not None and prec < a.min_precision)
    return 1 if bad else 0


def _verdict(c: dict, got: bool) -> str:
    if c["leak"] is None:
        return "leak" if got else "none"
    return ("TP" if got else "FN") if c["leak"] else ("FP" if got else "TN")


def report(rows: list[dict]) -> None:
    by: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        key = (r["set"], r["category"] + (" (out of scope)" if r["out_of_scope"] else ""))
        by[key][r["verdict"]] += 1
    print(f"{'set':10} {'category':42} {'APKs':>4} {'TP':>3} {'FN':>3} {'FP':>3} {'TN':>3}"
          f" {'recall':>8} {'precision':>9}")
    print("-" * 92)
    for (s, cat), v in sorted(by.items()):
        n = sum(v.values())
        print(f"{s:10} {cat:42} {n:4} {v['TP']:3} {v['FN']:3} {v['FP']:3} {v['TN']:3}"
              f" {ratio(v['TP'], v['TP'] + v['FN']):>8} {ratio(v['TP'], v['TP'] + v['FP']):>9}")
    print("-" * 92)
    for label, sel in (("in scope", lambda r: not r["out_of_scope"]),
                       ("all labelled", lambda r: r["verdict"] in ("TP", "FN", "FP", "TN"))):
        for s in ("droidbench", "iccbench", "ubcbench", None):
            rs = [r for r in rows if sel(r) and (s is None or r["set"] == s)]
            if not rs:
                continue
            tp = sum(r["verdict"] == "TP" for r in rs)
            fn = sum(r["verdict"] == "FN" for r in rs)
            fp = sum(r["verdict"] == "FP" for r in rs)
            tn = sum(r["verdict"] == "TN" for r in rs)
            print(f"{label:13} {s or 'all sets':10} APKs {len(rs):4}  TP {tp:3} FN {fn:3} "
                  f"FP {fp:3} TN {tn:3}  recall {ratio(tp, tp + fn)}  precision "
                  f"{ratio(tp, tp + fp)}")
    rs = [r for r in rows if not r["out_of_scope"]]
    tp = sum(r["verdict_high"] == "TP" for r in rs)
    fn = sum(r["verdict_high"] == "FN" for r in rs)
    fp = sum(r["verdict_high"] == "FP" for r in rs)
    print(f"in scope, high-confidence leaks only (what findings rest on): TP {tp:3} FN {fn:3} "
          f"FP {fp:3}  recall {ratio(tp, tp + fn)}  precision {ratio(tp, tp + fp)}")
    ubc = [r for r in rows if r["set"] == "ubcbench" and r["tools"] and not r["out_of_scope"]]
    if ubc:
        print("UBCBench, same per-APK scoring, from the ground truth's tool columns:")
        for tool in ("flowdroid_iccta", "amandroid", "droidsafe"):
            tp = sum(1 for r in ubc if r["tools"].get(tool) and r["verdict"] in ("TP", "FN"))
            fn = sum(1 for r in ubc if not r["tools"].get(tool) and r["verdict"] in ("TP", "FN"))
            fp = sum(1 for r in ubc if r["tools"].get(tool) and r["verdict"] in ("FP", "TN"))
            print(f"  {tool:16} recall {ratio(tp, tp + fn)}  precision {ratio(tp, tp + fp)}")
    f = FLOWDROID_DROIDBENCH1
    print(f"FlowDroid published: recall {f['recall']:.0%}, precision {f['precision']:.0%} "
          f"({f['source']})")
    out = sorted({(r["category"], r["case"], r["out_of_scope"]) for r in rows
                  if r["out_of_scope"]})
    if out:
        print("out of scope:")
        for cat, case, why in out:
            print(f"  {cat}/{case}: {why}")
    misses = [r for r in rows if not r["out_of_scope"] and r["verdict"] in ("FN", "FP")]
    if misses:
        print("in-scope errors:")
        for r in misses:
            print(f"  {r['verdict']} {r['set']}/{r['category']}/{r['case']}")


if __name__ == "__main__":
    sys.exit(main())
