"""Vendor names of SDKs for people (rulesets/sdk-vendors.yaml): the Chinese name of a vendor
the catalogues name in English, and the owner of a Java package namespace for catalogue entries
that name no vendor (the Exodus list has none).

The scan puts the result into ``sdks[].vendor_names{zh, en}`` so reports render the vendor
from the result alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml


@dataclass(frozen=True)
class VendorNames:
    """(package prefix, zh, en) longest prefix first, and English name → Chinese name."""

    prefixes: tuple[tuple[str, str, str], ...] = ()
    names: dict[str, str] = field(default_factory=dict)

    def for_sdk(self, vendor: str | None, packages: Iterable[str] = ()) -> dict[str, str] | None:
        """``{zh, en}`` of an SDK's vendor: the catalogue's (its Chinese name when listed,
        else the name itself), else the owner of a package namespace it was found in, else
        None."""
        if vendor:
            return {"zh": self.names.get(vendor, vendor), "en": vendor}
        packages = tuple(str(p) for p in packages)
        for prefix, zh, en in self.prefixes:
            if any(p.startswith(prefix) for p in packages):
                return {"zh": zh, "en": en}
        return None


def load_vendor_names(folder: Path) -> VendorNames:
    """Read sdk-vendors.yaml of a rulesets folder (empty when the folder has none)."""
    path = folder / "sdk-vendors.yaml"
    if not path.is_file():
        return VendorNames()
    doc: Any = read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_top_not_mapping", where=str(path), got=type(doc).__name__)
    rows = []
    for n, v in enumerate(doc.get("vendors") or ()):
        if not isinstance(v, dict) or not v.get("prefix") or not v.get("en"):
            raise RulesetError("err_rs_needs", where=f"{path}: vendors[{n}]",
                               keys=["prefix", "en"])
        rows.append((str(v["prefix"]), str(v.get("zh") or v["en"]), str(v["en"])))
    names = doc.get("names") or {}
    if not isinstance(names, dict):
        raise RulesetError("err_rs_vendor_names", where=f"{path}: names")
    return VendorNames(tuple(sorted(rows, key=lambda r: (-len(r[0]), r[0]))),
                       {str(k): str(v) for k, v in names.items()})
