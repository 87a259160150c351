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
from scanner.knowledge.packers import PackerMatch, load_packers, match_packers
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import Skipped


def is_packed(ctx: ScanContext) -> bool:
    """Whether an earlier detector found the build packed."""
    return next(ctx.facts("apk.packer"), None) is not None


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


class PackerDetector(Detector):
    """Yields an ``apk.packer`` fact and a :class:`Skipped` record for a packed build."""

    name = "packer"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        if ev is None:
            return
        index = ctx.dex_index
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
        yield Skipped("code", f"应用已加固（{p.name_zh}）：自身代码加密存放、运行时才解密，"
                              "代码结论只覆盖壳代码和未加密代码 / "
                              f"packed with {p.name}: the app's own code "
                              "is encrypted in the APK and decrypted at run time; code results "
                              "cover the packer's stub and unencrypted code only")
