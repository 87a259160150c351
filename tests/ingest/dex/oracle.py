"""Compare DexIndex call sites with androguard's AnalyzeAPK xrefs (the oracle).

Usable from tests and from the command line::

    python tests/ingest/dex/oracle.py [--builtin] APK...   # per-APK call-site recall as JSON
    python tests/ingest/dex/oracle.py --instructions APK...  # every instruction, read, string

Keys compared: (callee descriptor, caller class, caller ``name(params)ret``, byte offset
of the instruction inside the caller's code). Our extra sites (not in androguard's xrefs)
are checked against androguard's own disassembly of the caller: the instruction at that
offset must be an invoke of the callee.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scanner.ingest.dex import DexIndex  # noqa: E402
from tests.ingest.dex.sensitive_apis import load_api_list  # noqa: E402

Key = tuple[str, str, str, int]


def dex_files(apk: Path) -> list[tuple[str, bytes]]:
    """Top-level classes*.dex entries of an APK."""
    with zipfile.ZipFile(apk) as z:
        return [
            (n, z.read(n))
            for n in z.namelist()
            if n.startswith("classes") and n.endswith(".dex") and "/" not in n
        ]


def our_sites(apk: Path, apis: tuple[str, ...]) -> set[Key]:
    """Call sites found by DexIndex, keyed with the offset inside the caller's code."""
    idx = DexIndex.from_dex_files(dex_files(apk))
    out: set[Key] = set()
    names = {d.name: i for i, d in enumerate(idx.dexes)}
    for s in idx.find_calls(apis):
        d = idx.dexes[names[s.dex]]
        owner = int(d.owner_of(__import__("numpy").array([s.offset // 2]))[0])
        start = d.methods[owner].insn_start * 2
        out.add((s.callee, s.caller_class, s.caller_method, s.offset - start))
    return out


def _load_androguard():
    from loguru import logger

    logger.remove()
    from androguard.misc import AnalyzeAPK

    return AnalyzeAPK


def androguard_sites(apk: Path, apis: tuple[str, ...]):
    """(xref call sites, dx) from androguard's full analysis."""
    analyze = _load_androguard()
    _a, _d, dx = analyze(str(apk))
    out: set[Key] = set()
    for api in apis:
        cls, _, sig = api.partition("->")
        ma = _method(dx, cls, sig)
        if ma is None:
            continue
        for caller_cls, caller, off in ma.get_xref_from():
            m = caller.get_method() if hasattr(caller, "get_method") else caller
            desc = str(m.get_descriptor()).replace(" ", "")
            out.add((api, str(caller_cls.name), f"{m.get_name()}{desc}", int(off)))
    return out, dx


def _method(dx, cls: str, sig: str):
    """androguard's MethodAnalysis for ``cls`` + ``name(params)ret`` (its descriptors
    separate parameters with spaces)."""
    ca = dx.get_class_analysis(cls)
    if ca is None:
        return None
    for ma in ca.get_methods():
        if f"{ma.name}{ma.descriptor}".replace(" ", "") == sig:
            return ma
    return None


def verify_extra(dx, key: Key) -> bool:
    """Whether androguard's disassembly has an invoke of key's callee at key's offset."""
    callee, cls, msig, off = key
    ma = _method(dx, cls, msig)
    if ma is None or ma.is_external():
        return False
    pos = 0
    for ins in ma.get_method().get_instructions():
        if pos == off:
            text = ins.get_output().replace(" ", "")
            return ins.get_name().startswith("invoke") and callee.replace(" ", "") in text
        pos += ins.get_length()
    return False


def compare(apk: Path, apis: tuple[str, ...]) -> dict:
    """Recall/precision summary for one APK (counts and the differing keys)."""
    ours = our_sites(apk, apis)
    theirs, dx = androguard_sites(apk, apis)
    missed = sorted(theirs - ours)
    extra = sorted(ours - theirs)
    unverified = [k for k in extra if not verify_extra(dx, k)]
    return {
        "apk": str(apk),
        "oracle": len(theirs),
        "ours": len(ours),
        "found": len(theirs & ours),
        "missed": missed,
        "extra": len(extra),
        "extra_unverified": unverified,
    }


def compare_instructions(apk: Path) -> dict:
    """Instruction starts, field reads and const-strings of every method with code,
    ours vs androguard's disassembly (keys: class, method, offset in the method)."""
    import numpy as np

    idx = DexIndex.from_dex_files(dex_files(apk))
    ours_starts: set[tuple[str, str, int]] = set()
    ours_reads: set[tuple[str, str, int, str]] = set()
    ours_strings: set[tuple[str, str, int, str]] = set()
    for d in idx.dexes:
        ins = d.instructions
        for m in d.methods:
            if m.insn_start < 0:
                continue
            cls, sig = d.class_name(m.class_def), d.method_name(m.method_idx)
            lo, hi = np.searchsorted(ins, [m.insn_start, m.insn_end])
            for p in ins[lo:hi].tolist():
                ours_starts.add((cls, sig, 2 * (p - m.insn_start)))
        for kind, out in (("field", ours_reads), ("string", ours_strings)):
            pos, op, arg, owner = d.operand_sites(kind)
            for p, o, a, w in zip(
                pos.tolist(), op.tolist(), arg.tolist(), owner.tolist(), strict=True
            ):
                if kind == "field" and not (0x52 <= o <= 0x58 or 0x60 <= o <= 0x66):
                    continue
                m = d.methods[w]
                val = d.field_descriptor(a) if kind == "field" else d.string(a)
                key = (d.class_name(m.class_def), d.method_name(m.method_idx))
                out.add((*key, 2 * (p - m.insn_start), val))
    analyze = _load_androguard()
    _a, dvms, dx = analyze(str(apk))
    ag_starts: set[tuple[str, str, int]] = set()
    ag_reads: set[tuple[str, str, int, str]] = set()
    ag_strings: set[tuple[str, str, int, str]] = set()
    seen_methods: set[tuple[str, str]] = set()
    for dvm in dvms:
        for em in dvm.get_encoded_methods():
            if em.get_code() is None:
                continue
            key = (
                str(em.get_class_name()),
                em.get_name() + str(em.get_descriptor()).replace(" ", ""),
            )
            if key in seen_methods:  # a class defined twice: the first definition wins
                continue
            seen_methods.add(key)
            pos = 0
            for ins in em.get_instructions():
                op = ins.get_op_value()
                name = ins.get_name()
                if not name.endswith("-payload") and op not in (0x100, 0x200, 0x300):
                    ag_starts.add((*key, pos))
                if 0x52 <= op <= 0x58 or 0x60 <= op <= 0x66:
                    field = ins.get_output().split(", ")[-1]
                    ag_reads.add((*key, pos, ":".join(field.rsplit(" ", 1))))
                elif op in (0x1A, 0x1B):
                    ag_strings.add((*key, pos, ins.get_raw_string()))
                pos += ins.get_length()
    # Methods of duplicate class definitions exist in ours too; compare only shared methods.
    shared = {k[:2] for k in ag_starts} & {k[:2] for k in ours_starts}

    def only(a, b):
        return sorted(k for k in a - b if k[:2] in shared)

    return {
        "apk": str(apk),
        "methods": len(shared),
        "instructions": len(ag_starts),
        "starts_missed": only(ag_starts, ours_starts)[:20],
        "starts_extra": only(ours_starts, ag_starts)[:20],
        "reads": len(ag_reads),
        "reads_missed": only(ag_reads, ours_reads)[:20],
        "reads_extra": only(ours_reads, ag_reads)[:20],
        "strings": len(ag_strings),
        "strings_missed": only(ag_strings, ours_strings)[:20],
        "strings_extra": only(ours_strings, ag_strings)[:20],
    }


def main(argv: list[str]) -> int:
    apis, _fields = load_api_list(REPO)
    if argv and argv[0] == "--builtin":  # the built-in list even when api-map.yaml exists
        from tests.ingest.dex.sensitive_apis import SENSITIVE_APIS

        apis, argv = SENSITIVE_APIS, argv[1:]
    mode = compare
    if argv and argv[0] == "--instructions":
        argv = argv[1:]
        mode = lambda apk, _apis: compare_instructions(apk)  # noqa: E731
    for a in argv:
        try:
            r = mode(Path(a), apis)
        except Exception as e:  # report and continue: the oracle itself may reject an APK
            r = {"apk": a, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
