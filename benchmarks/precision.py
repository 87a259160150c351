"""Precision and recall of the scanner's call sites and findings against the hand-labelled
set (benchmarks/precision/labels.tsv; how it was built: benchmarks/precision/README.md).

Usage (from the repository root)::

    python benchmarks/precision.py                     # every labelled APK, + AnalyzeAPK recall
    python benchmarks/precision.py --no-oracle         # skip the androguard comparison
    python benchmarks/precision.py --apk PlayStore2.apk --min-precision 0.9
    python benchmarks/precision.py --save-baseline     # record this checkout as the baseline

It runs the real ``appaudit scan`` of this checkout on each APK (with the category of
:data:`CATEGORIES`, so that the category-dependent high findings exist) and reports:

* **precision of effective api_uses** per PI type: among reported api_uses that are
  effective (an api_use without an ``effective`` field counts as effective, so a scanner
  from before that field is measurable), the share whose site is labelled a read of the PI
  type reported (label ``actual_pi`` == reported ``pi_type``). Sites the labels do not
  cover (a newer engine may find more) are counted apart as ``unlabelled`` and do not enter
  the ratio; their number is printed so they get labelled.
* **recall of true reads** per PI type: among labelled true reads (``actual_pi`` not
  ``none``), the share still reported, effective, with that PI type.
* **origin**: where api_uses carry ``origin``, the share whose app / not-app split agrees
  with the label (before that field: ``sdk`` null is taken as the app's own code).
* **findings** per rule, for the findings that rest on call sites (evidence
  ``code.pi_access``): a finding is *true* when every site it cites is labelled a read of
  its PI type, *partly true* when at least one is, *false* when none is; sites without a
  label make it *unknown*. Precision = true / judged. High-severity precision is printed
  on its own line. **Recall of findings**: the (rule, PI type) pairs of the baseline's
  findings that had at least one true read must still be found.
* **contradictions**: a site cited by a PI-read finding and by a "called without the
  permission" finding (PRIV-PERM-0003) at once.
* **AnalyzeAPK recall** (tests/ingest/dex/oracle.py): call sites of the API map found by
  the dex index vs androguard's xrefs; must stay 100 %.

With a recorded baseline (benchmarks/precision/baseline.json) the figures are printed side
by side. ``--min-precision X`` / ``--min-recall X`` exit 1 when the precision of effective
api_uses / the recall of labelled true reads is below X (tests/benchmarks uses them).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "benchmarks" / "precision"
sys.path.insert(0, str(HERE))

import sites  # noqa: E402

LABELS = HERE / "labels.tsv"
BASELINE = HERE / "baseline.json"

# The category an analyst would give each app (for the category-dependent findings):
# the closest type of the 2021 necessary-PI rules, "utilities" (no PI needed) otherwise.
CATEGORIES = {
    "InsecureBankv2.apk": "mobile_banking",  # a (deliberately vulnerable) bank client
    "blooddonation.apk": "map_navigation",  # map of blood-donation places near the user
    "PlayStore2.apk": "utilities",  # DroidBench test app
    "branch_testbed.apk": "utilities",  # SDK test bed
    "a2dp.Vol_137.apk": "utilities",  # Bluetooth volume / car-location tool
    "app-prod-debug.apk": "utilities",  # Bitcoin Core node wrapper
    "com.test.intent_filter.apk": "utilities",
    "com.teleca.jamendo_35.apk": "online_audio_video",  # music streaming
    "com.politedroid_4.apk": "utilities",
    "TestActivity.apk": "utilities",
    "TC-debug.apk": "utilities",
    "Test-debug.apk": "utilities",
    "duplicate.permisssions_9999999.apk": "utilities",
}
READ_FACT = "code.pi_access"
PERM_MISSING_RULE = "PRIV-PERM-0003"


# ------------------------------------------------------------------ labels
def load_labels(path: Path = LABELS) -> dict[tuple, dict]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {(r["apk_sha256"], r["dex"], r["caller"], r["api"], int(r["offset"])): r
            for r in rows}


def _effective(use: dict) -> bool:
    return use.get("effective", True) is not False


def _is_app(use: dict) -> bool:
    if "origin" in use:
        return use["origin"] == "app"
    return use.get("sdk") is None


# ------------------------------------------------------------------ scoring
def score_apk(apk: Path, res: dict, labels: dict[tuple, dict]) -> dict:
    """Per-APK counts (merged later): api_use precision/recall, origin, findings."""
    sha = sites.sha256(apk)
    mine = {k: v for k, v in labels.items() if k[0] == sha}
    out = {
        "apk": apk.name, "reported": 0, "effective": 0,
        "tp": defaultdict(int), "fp": defaultdict(int), "unlabelled": defaultdict(int),
        "true_reads": defaultdict(int), "kept": defaultdict(int), "missed": [],
        "false_kinds": defaultdict(int), "origin_ok": 0, "origin_n": 0,
        "findings": [], "contradictions": 0, "unlabelled_sites": [], "wrong_sites": [],
    }
    reported: dict[tuple, dict] = {}
    for u in res.get("api_uses", []):
        key = sites.site_key(sha, u)
        reported.setdefault(key, u)
        out["reported"] += 1
        if not _effective(u):
            continue
        out["effective"] += 1
        lab = mine.get(key)
        pi = u["pi_type"]
        if lab is None:
            out["unlabelled"][pi] += 1
            out["unlabelled_sites"].append(f"{u['caller']} {u['api']} @{u['offset']}")
            continue
        if lab["actual_pi"] == pi:
            out["tp"][pi] += 1
        else:
            out["fp"][pi] += 1
            out["false_kinds"][lab["error_kind"]] += 1
            out["wrong_sites"].append(
                f"{apk.name} {u['caller']} {u['api']} @{u['offset']} reported {pi}, label "
                f"{lab['actual_pi']} ({lab['error_kind']}: {lab.get('reason', '')})")
        out["origin_n"] += 1
        out["origin_ok"] += (lab["origin"] == "app") == _is_app(u)
    for key, lab in mine.items():
        pi = lab["actual_pi"]
        if pi == "none":
            continue
        out["true_reads"][pi] += 1
        u = reported.get(key)
        if u is not None and _effective(u) and u["pi_type"] == pi:
            out["kept"][pi] += 1
        else:
            out["missed"].append(f"{apk.name} {lab['caller']} {lab['api']} @{key[4]} ({pi})")
    read_sites: set[tuple] = set()
    perm_sites: set[tuple] = set()
    for f in res.get("findings", []):
        reads = [e for e in f.get("evidence", []) if e.get("fact") == READ_FACT]
        locs = [(loc.get("dex"), loc.get("offset")) for e in f.get("evidence", [])
                for loc in e.get("locators", []) if loc.get("kind") == "code"]
        if f["rule"] == PERM_MISSING_RULE:
            perm_sites.update(locs)
        if not reads:
            continue
        read_sites.update(locs)
        verdicts = []
        cited = []
        for e in reads:
            pi = e["summary"].get("pi_type")
            for loc in e.get("locators", []):
                if loc.get("kind") != "code":
                    continue
                caller = f"{loc['class']}->{loc['method']}"
                lab = mine.get((sha, loc["dex"], caller, loc["api"], int(loc["offset"])))
                verdicts.append(None if lab is None else lab["actual_pi"] == pi)
                cited.append(f"{caller} {loc['api']} @{loc['offset']} ({pi}: "
                             + ("unlabelled" if lab is None else
                                f"label {lab['actual_pi']}, {lab['error_kind']}") + ")")
        if any(v is None for v in verdicts):
            verdict = "unknown"
        elif verdicts and all(verdicts):
            verdict = "true"
        elif any(verdicts):
            verdict = "partly"
        else:
            verdict = "false"
        out["findings"].append({"rule": f["rule"], "severity": f["severity"],
                                "pi_types": f.get("pi_types", []), "verdict": verdict,
                                "sites": len(verdicts), "cited": cited})
    out["contradictions"] = len(read_sites & perm_sites)
    return out


def merge(per_apk: list[dict]) -> dict:
    tot: dict = {"tp": defaultdict(int), "fp": defaultdict(int), "unlabelled": defaultdict(int),
                 "true_reads": defaultdict(int), "kept": defaultdict(int),
                 "false_kinds": defaultdict(int), "rules": {}, "missed": [],
                 "unlabelled_sites": [], "wrong_sites": [], "weak_findings": []}
    for k in ("reported", "effective", "origin_ok", "origin_n", "contradictions"):
        tot[k] = sum(a[k] for a in per_apk)
    rules: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    true_pairs: set[tuple] = set()
    for a in per_apk:
        for k in ("tp", "fp", "unlabelled", "true_reads", "kept", "false_kinds"):
            for pi, n in a[k].items():
                tot[k][pi] += n
        tot["missed"] += a["missed"]
        tot["wrong_sites"] += a["wrong_sites"]
        tot["unlabelled_sites"] += [f"{a['apk']} {s}" for s in a["unlabelled_sites"]]
        for f in a["findings"]:
            r = rules[f["rule"]]
            r["severity"] = f["severity"]
            r[f["verdict"]] += 1
            if f["verdict"] != "true":
                tot["weak_findings"].append(
                    f"{a['apk']} {f['rule']} ({f['severity']}) {'/'.join(f['pi_types'])} "
                    f"{f['verdict']}: " + "; ".join(f["cited"]))
            if f["verdict"] in ("true", "partly"):
                for pi in f["pi_types"] or ["-"]:
                    true_pairs.add((a["apk"], f["rule"], pi))
    tot["rules"] = {k: dict(v) for k, v in rules.items()}
    tot["finding_pairs"] = sorted("|".join(p) for p in true_pairs)
    for k in ("tp", "fp", "unlabelled", "true_reads", "kept", "false_kinds"):
        tot[k] = dict(tot[k])
    return tot


# ------------------------------------------------------------------ figures
def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def figures(tot: dict) -> dict:
    """The headline numbers (what baseline.json keeps)."""
    pis = sorted(set(tot["tp"]) | set(tot["fp"]) | set(tot["true_reads"]))
    per_pi = {}
    for pi in pis:
        tp, fp = tot["tp"].get(pi, 0), tot["fp"].get(pi, 0)
        tr, kept = tot["true_reads"].get(pi, 0), tot["kept"].get(pi, 0)
        per_pi[pi] = {"effective": tp + fp, "correct": tp, "precision": _ratio(tp, tp + fp),
                      "true_reads": tr, "kept": kept, "recall": _ratio(kept, tr),
                      "unlabelled": tot["unlabelled"].get(pi, 0)}
    tp, fp = sum(tot["tp"].values()), sum(tot["fp"].values())
    tr, kept = sum(tot["true_reads"].values()), sum(tot["kept"].values())
    rules = {}
    high = {"true": 0, "partly": 0, "false": 0, "unknown": 0}
    for rule, r in sorted(tot["rules"].items()):
        judged = r.get("true", 0) + r.get("partly", 0) + r.get("false", 0)
        rules[rule] = {"severity": r["severity"], "findings": judged + r.get("unknown", 0),
                       "true": r.get("true", 0), "partly": r.get("partly", 0),
                       "false": r.get("false", 0), "unknown": r.get("unknown", 0),
                       "precision": _ratio(r.get("true", 0), judged)}
        if r["severity"] in ("high", "critical"):
            for k in high:
                high[k] += r.get(k, 0)
    hj = high["true"] + high["partly"] + high["false"]
    return {
        "reported": tot["reported"], "effective": tot["effective"],
        "labelled_effective": tp + fp, "correct": tp, "precision": _ratio(tp, tp + fp),
        "unlabelled": sum(tot["unlabelled"].values()),
        "true_reads": tr, "kept": kept, "recall": _ratio(kept, tr),
        "origin_accuracy": _ratio(tot["origin_ok"], tot["origin_n"]),
        "per_pi": per_pi, "rules": rules,
        "high": {**high, "precision": _ratio(high["true"], hj)},
        "false_kinds": tot["false_kinds"], "contradictions": tot["contradictions"],
        "finding_pairs": tot["finding_pairs"],
    }


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def print_report(now: dict, base: dict | None, oracle: dict | None) -> None:
    b = base or {}
    print("api_uses (effective ones scored against the labels)")
    print(f"{'PI type':<18}{'base eff':>9}{'prec':>8}{'recall':>8} | {'now eff':>8}"
          f"{'prec':>8}{'recall':>8}{'unlab':>6}")
    keys = sorted(set(now["per_pi"]) | set(b.get("per_pi", {})))
    for pi in keys:
        n, o = now["per_pi"].get(pi, {}), b.get("per_pi", {}).get(pi, {})
        print(f"{pi:<18}{o.get('effective', '-'):>9}{_pct(o.get('precision')):>8}"
              f"{_pct(o.get('recall')):>8} | {n.get('effective', 0):>8}"
              f"{_pct(n.get('precision')):>8}{_pct(n.get('recall')):>8}"
              f"{n.get('unlabelled', 0):>6}")
    print(f"{'all':<18}{b.get('labelled_effective', '-'):>9}{_pct(b.get('precision')):>8}"
          f"{_pct(b.get('recall')):>8} | {now['labelled_effective']:>8}"
          f"{_pct(now['precision']):>8}{_pct(now['recall']):>8}{now['unlabelled']:>6}")
    print(f"reported api_uses {now['reported']} (effective {now['effective']}); "
          f"true reads kept {now['kept']}/{now['true_reads']}; origin app/not-app agrees "
          f"{_pct(now['origin_accuracy']).strip()}"
          + (f" (baseline {_pct(b.get('origin_accuracy')).strip()})" if b else ""))
    if now["false_kinds"]:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(now["false_kinds"].items(),
                                                       key=lambda kv: -kv[1]))
        print(f"effective but not a read of that type, by kind: {kinds}")
    print()
    print("findings resting on call sites (true = every cited site is a read of its type)")
    print(f"{'rule':<16}{'sev':<8}{'base n':>7}{'prec':>8} | {'now n':>6}{'true':>5}"
          f"{'part':>5}{'false':>6}{'unk':>5}{'prec':>8}")
    for rule in sorted(set(now["rules"]) | set(b.get("rules", {}))):
        n, o = now["rules"].get(rule, {}), b.get("rules", {}).get(rule, {})
        print(f"{rule:<16}{(n or o).get('severity', ''):<8}{o.get('findings', '-'):>7}"
              f"{_pct(o.get('precision')):>8} | {n.get('findings', 0):>6}{n.get('true', 0):>5}"
              f"{n.get('partly', 0):>5}{n.get('false', 0):>6}{n.get('unknown', 0):>5}"
              f"{_pct(n.get('precision')):>8}")
    h, bh = now["high"], b.get("high", {})
    print(f"high-severity findings: precision {_pct(h['precision']).strip()} "
          f"(true {h['true']}, partly {h['partly']}, false {h['false']}, unknown "
          f"{h['unknown']})" + (f"; baseline {_pct(bh.get('precision')).strip()}" if b else ""))
    if b:
        want = set(b.get("finding_pairs", []))
        have = set(now["finding_pairs"])
        print(f"findings recall: {len(want & have)}/{len(want)} of the baseline's "
              "(APK, rule, PI type) findings with a true read are still found")
        for p in sorted(want - have):
            print(f"  lost: {p}")
    print(f"contradictions (a site cited as a read and as called without permission): "
          f"{now['contradictions']}" + (f" (baseline {b.get('contradictions')})" if b else ""))
    if oracle is not None:
        print()
        print(f"call sites vs androguard AnalyzeAPK: {oracle['found']}/{oracle['oracle']} "
              f"found ({_pct(_ratio(oracle['found'], oracle['oracle'])).strip()}), "
              f"{oracle['extra']} extra, {oracle['unverified']} extra not confirmed by "
              f"androguard's disassembly, {oracle['errors']} APK(s) androguard could not read")


# ------------------------------------------------------------------ running
def run_oracle(apks: list[Path]) -> dict:
    sys.path.insert(0, str(REPO))
    from tests.ingest.dex.oracle import compare, load_api_list

    apis, _fields = load_api_list(REPO)
    tot = {"oracle": 0, "found": 0, "extra": 0, "unverified": 0, "errors": 0}
    for apk in apks:
        try:
            r = compare(apk, apis)
        except Exception:  # noqa: BLE001 - androguard itself may reject an APK
            tot["errors"] += 1
            continue
        tot["oracle"] += r["oracle"]
        tot["found"] += r["found"]
        tot["extra"] += r["extra"]
        tot["unverified"] += len(r["extra_unverified"])
    return tot


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--apk", action="append", help="only these labelled APKs (file names)")
    ap.add_argument("--no-oracle", action="store_true", help="skip the AnalyzeAPK comparison")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--save-baseline", action="store_true",
                    help=f"write the figures to {BASELINE.relative_to(REPO)}")
    ap.add_argument("--min-precision", type=float,
                    help="exit 1 if the precision of effective api_uses is below this")
    ap.add_argument("--min-recall", type=float,
                    help="exit 1 if the recall of labelled true reads is below this")
    ap.add_argument("--show", action="store_true",
                    help="list missed true reads, unlabelled effective sites and effective "
                         "sites that are not reads of the type reported")
    args = ap.parse_args(argv)
    apks = [sites.CORPUS / a for a in sites.APKS]
    if args.apk:
        apks = [p for p in apks if p.name in set(args.apk)]
    apks = [p for p in apks if p.is_file()]
    if not apks:
        print(f"no labelled APK found under {sites.CORPUS}", file=sys.stderr)
        return 2
    labels = load_labels()
    per_apk = []
    for apk in apks:
        with tempfile.TemporaryDirectory() as tmp:
            res = sites.scan(apk, Path(tmp) / "o", category=CATEGORIES.get(apk.name))
        per_apk.append(score_apk(apk, res, labels))
    tot = merge(per_apk)
    now = figures(tot)
    base = None
    if BASELINE.is_file() and not args.save_baseline and not args.apk:
        base = json.loads(BASELINE.read_text("utf-8"))
    oracle = None if args.no_oracle else run_oracle(apks)
    if oracle is not None:
        now["oracle"] = oracle
    shas = {sites.sha256(a) for a in apks}
    print(f"{len(apks)} APK(s), {sum(1 for k in labels if k[0] in shas)} labelled sites")
    print_report(now, base, oracle)
    if args.show:
        for s in tot["missed"]:
            print(f"missed true read: {s}")
        for s in tot["unlabelled_sites"]:
            print(f"unlabelled effective site: {s}")
        for s in tot["wrong_sites"]:
            print(f"effective, not a read of that type: {s}")
        for s in tot["weak_findings"]:
            print(f"finding not fully true: {s}")
    if args.json:
        args.json.write_text(json.dumps(now, indent=2, sort_keys=True), "utf-8")
    if args.save_baseline:
        BASELINE.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n", "utf-8")
        print(f"baseline written to {BASELINE}")
    if args.min_precision is not None and (now["precision"] or 0) < args.min_precision:
        print(f"precision {now['precision']} below the floor {args.min_precision}",
              file=sys.stderr)
        return 1
    if args.min_recall is not None and (now["recall"] or 0) < args.min_recall:
        print(f"recall {now['recall']} below the floor {args.min_recall}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
