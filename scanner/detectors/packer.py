"""Packed (加固) builds: the packer's stub recognised from rulesets/packers.yaml.

A packed APK's dex is a stub; the app's own code is encrypted inside the APK and decrypted at
run time, so static code analysis sees the stub and the unencrypted libraries only. This
detector yields one ``apk.packer`` fact (the best-supported packer and its evidence) and a
:class:`Skipped` record, which makes the result partial with the reason. Detectors that
would conclude from the absence of something (no privacy-policy URL in the code, permission
not used, an SDK alone using a permission) read the ``apk.packer`` fact through
:func:`is_packed` and say "cannot tell" instead.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.knowledge.packers import PackerMatch, load_loaders, load_packers, match_packers
from scanner.messages import msg, record
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import Skipped


def is_packed(ctx: ScanContext) -> bool:
    """Whether an earlier detector found the build packed."""
    return next(ctx.facts("apk.packer"), None) is not None


def code_incomplete(ctx: ScanContext) -> bool:
    """Whether part of the app's code is hidden from static analysis: a packed build, or a
    code payload that could not be analysed (encrypted, over a bound, unreadable). Absence
    (no policy URL, permission unused, only an SDK uses it) cannot then be told."""
    if is_packed(ctx):
        return True
    return ctx.apk is not None and any(p.status in UNANALYSED for p in ctx.apk.payloads)


def _class_finder(index):
    """find_class for match_packers over a DexIndex (descriptor-sorted class list)."""
    if index is None:
        return lambda _: None
    names = index.class_names()

    def find(entry: str) -> str | None:
        if not entry.endswith("."):
            desc = "L" + entry.replace(".", "/") + ";"
            return entry if index.has_class(desc) else None
        prefix = "L" + entry.replace(".", "/")
        i = bisect.bisect_left(names, prefix)
        if i < len(names) and names[i].startswith(prefix):
            return names[i][1:-1].replace("/", ".")
        return None

    return find


def packer_info(m: PackerMatch) -> dict:
    """The ``app.packer`` object of result.json for a match."""
    p = m.packer
    return {"id": p.id, "name": p.name, "name_zh": p.name_zh, "vendor": p.vendor,
            "evidence": [{"kind": k, "value": v} for k, v in m.evidence]}


#: payload states whose code was not analysed (the result is then partial)
UNANALYSED = {  # status → catalog key of why
    "encrypted": "skip_payload_encrypted",
    "too_large": "skip_payload_too_large",
    "unreadable": "skip_payload_unreadable",
    "skipped": "skip_payload_skipped",
}


class PackerDetector(Detector):
    """Yields an ``apk.packer`` fact and a :class:`Skipped` record for a packed build, a
    ``code.dynamic_loading`` fact for calls that load code at run time, and a
    :class:`Skipped` record for each code payload that could not be analysed."""

    name = "packer"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        index = ctx.dex_index
        yield from self._packer(ctx, ev, index)
        for p in ev.payloads:
            if p.status in UNANALYSED:
                bits = msg("skip_entropy", bits=p.entropy) if p.entropy is not None else ""
                yield Skipped(*record(msg("part_payload"), msg(
                    "skip_payload", path=p.path, status=msg(UNANALYSED[p.status]), bits=bits)))
        if index is not None:
            yield from _dynamic_loading(index, load_loaders(ctx.knowledge.folder))

    @staticmethod
    def _packer(ctx: ScanContext, ev, index) -> Iterable[Item]:
        matches = match_packers(ev.entry_names, ev.application_class, _class_finder(index),
                                load_packers(ctx.knowledge.folder))
        if not matches:
            return
        best = matches[0]
        info = packer_info(best)
        info["kinds"] = sorted({k for k, _ in best.evidence})
        info["also"] = [m.packer.id for m in matches[1:]]
        locators = []
        for kind, value in best.evidence[:10]:
            if kind == "application_class":
                locators.append(Locator("manifest", file="AndroidManifest.xml",
                                        element="application", name=value))
            elif kind == "stub_class":
                info_ = index.class_info("L" + value.replace(".", "/") + ";")
                locators.append(Locator("zip", entry=info_.dex if info_ else "classes.dex",
                                        **{"class": value}))
            else:
                locators.append(Locator("zip", entry=value))
        yield Fact("apk.packer", info, tuple(locators))
        p = best.packer
        yield Skipped(*record(msg("part_code"), msg(
            "skip_packed", packer={"zh": p.name_zh or p.name, "en": p.name})))


MAX_LOADING_SITES = 50


def _dynamic_loading(index, loaders: tuple[str, ...]) -> Iterable[Item]:
    """One ``code.dynamic_loading`` fact listing the call sites of the loader APIs."""
    sites = sorted(index.find_calls(set(loaders)), key=lambda s: (s.dex, s.offset))
    if not sites:
        return
    calls = [{"api": s.callee, "caller": f"{s.caller_class}->{s.caller_method}",
              "dex": s.dex, "offset": s.offset} for s in sites[:MAX_LOADING_SITES]]
    yield Fact("code.dynamic_loading", {"calls": calls, "count": len(sites)},
               tuple(Locator("code", dex=c["dex"], **{"class": c["caller"].split("->")[0]},
                             method=c["caller"].split("->", 1)[1], offset=c["offset"],
                             api=c["api"]) for c in calls[:20]))
