"""Facts: what detectors conclude from evidence, in neutral terms, for rules to match.

A fact has a dotted ``kind`` (``apk.component``, ``code.pi_access``,
``traffic.transmission``...), flat attributes that rules test, and the
locators of the evidence behind it. Facts carry no verdict: "IMEI read by
Umeng in reachable code" is a fact; "over-scope collection" is a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from scanner.model.locator import Locator


@dataclass(frozen=True)
class Fact:
    """One fact with its attributes and evidence."""

    kind: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[Locator, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "attrs", MappingProxyType(dict(self.attrs)))

    def get(self, key: str, default: Any = None) -> Any:
        """Attribute value, with dotted keys reaching into nested mappings."""
        cur: Any = self.attrs
        for part in key.split("."):
            if isinstance(cur, Mapping) and part in cur:
                cur = cur[part]
            else:
                return default
        return cur


def make_fact(kind: str, evidence: Iterable[Locator] = (), **attrs: Any) -> Fact:
    """Shorthand used by detectors and tests."""
    return Fact(kind, attrs, tuple(evidence))
