"""Expand the hand-written readings (judgements.tsv) into one label per call site (labels.tsv).

    python benchmarks/precision/build_labels.py [--results DIR] [--check]

judgements.tsv is what a person wrote while reading the disassembly printed by
``sites.py dump``: one line per calling method (or per site inside it), with the verdict and
the reason. This script runs ``appaudit scan`` on every APK of :data:`sites.APKS` (or reads
``DIR/<apk stem>/result.json``), finds for every reported api_use the one judgement that
covers it, and writes labels.tsv keyed by the stable site key (see sites.py). A site no
judgement covers, or covered ambiguously, is an error: every site must have been read.
Verdicts are never taken from the scanner's output; the scan only lists the sites.

judgements.tsv columns (tab-separated, ``*`` = any):
  caller_prefix  code_hash  rel_offset  apk_name  verdict  actual_pi  error_kind  origin  reason
``caller_prefix`` is matched against result.json's ``caller`` with str.startswith; the most
specific match wins (longest prefix, then a named APK or offset over ``*``).
``code_hash`` is informational (the dump's hash of the caller's disassembly).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sites  # noqa: E402

FIELDS = ("apk_sha256", "apk", "dex", "caller", "api", "offset", "method_offset",
          "claimed_pi", "verdict", "actual_pi", "error_kind", "origin", "reason")


def load_judgements(path: Path) -> list[list[str]]:
    rules = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 9 or f[4] not in ("true", "false"):
            raise SystemExit(f"{path}:{n}: expected 9 tab-separated fields, verdict true|false")
        rules.append(f)
    return rules


def pick(rules, caller: str, apk: str, rel: int | None):
    hits = [r for r in rules if caller.startswith(r[0]) and r[3] in ("*", apk)
            and (r[2] == "*" or (rel is not None and int(r[2]) == rel))]
    if not hits:
        return None
    rank = lambda r: (len(r[0]), r[3] != "*", r[2] != "*")  # noqa: E731
    hits.sort(key=rank, reverse=True)
    if len(hits) > 1 and rank(hits[0]) == rank(hits[1]):
        raise SystemExit(f"ambiguous judgements for {apk} {caller} @{rel}: {hits[:2]}")
    return hits[0]


def build(results: Path | None) -> list[dict]:
    rules = load_judgements(HERE / "judgements.tsv")
    rows, missing = [], []
    for rel_path in sites.APKS:
        apk = sites.CORPUS / rel_path
        if results is not None:
            res = json.loads((results / apk.stem / "result.json").read_text("utf-8"))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                res = sites.scan(apk, Path(tmp) / "o")
        sha = sites.sha256(apk)
        methods = sites._methods(apk) if res.get("api_uses") else {}
        for u in res.get("api_uses", []):
            cls, _, sig = u["caller"].partition("->")
            m = methods.get((u["dex"], cls, sig))
            rel = None
            if m is not None:
                rel = next((r for a, r, _t in sites.disassemble(m) if a == int(u["offset"])),
                           None)
            r = pick(rules, u["caller"], apk.name, rel)
            if r is None:
                missing.append(f"{apk.name} {u['caller']} {u['api']} @{rel}")
                continue
            rows.append({
                "apk_sha256": sha, "apk": apk.name, "dex": u["dex"], "caller": u["caller"],
                "api": u["api"], "offset": int(u["offset"]), "method_offset": rel,
                "claimed_pi": u["pi_type"], "verdict": r[4], "actual_pi": r[5],
                "error_kind": r[6], "origin": r[7], "reason": r[8],
            })
    if missing:
        raise SystemExit("sites without a judgement:\n  " + "\n  ".join(missing))
    return rows


def write(rows: list[dict], path: Path) -> None:
    rows = sorted(rows, key=lambda r: (r["apk"], r["dex"], r["offset"], r["api"]))
    lines = ["\t".join(FIELDS)]
    lines += ["\t".join(str(r[k]) for k in FIELDS) for r in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--results", type=Path, help="read DIR/<apk stem>/result.json, no scan")
    ap.add_argument("--check", action="store_true",
                    help="fail if labels.tsv differs from what judgements.tsv gives")
    args = ap.parse_args(argv)
    rows = build(args.results)
    out = HERE / "labels.tsv"
    if args.check:
        tmp = Path(tempfile.mkdtemp()) / "labels.tsv"
        write(rows, tmp)
        if tmp.read_text("utf-8") != out.read_text("utf-8"):
            print("labels.tsv is not what judgements.tsv gives", file=sys.stderr)
            return 1
        return 0
    write(rows, out)
    print(f"{len(rows)} labelled sites -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
