"""The detector interface: hooks that read evidence and yield facts and result items.

A detector implements only the hooks it needs, as mitmproxy addons do:
``apk(ctx)`` runs when an APK was ingested, ``traffic(ctx)`` when flows were.
Each hook yields :class:`~scanner.model.facts.Fact` objects and/or result
items (:class:`ApiUse`, :class:`SdkUse`, :class:`Transmission`, :class:`Skipped`);
the engine sorts them into the result. Detectors run in ``ALL_DETECTORS``
order and may read what earlier ones yielded through ``ctx.collected``.
Detectors give no verdicts: that is the rules' job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.knowledge import Knowledge
from scanner.model.evidence import ApkEvidence
from scanner.model.facts import Fact
from scanner.model.result import ApiUse, SdkUse, Skipped, Transmission

Item = Fact | ApiUse | SdkUse | Transmission | Skipped


@dataclass
class ScanContext:
    """What detectors may read: the evidence, the knowledge, the options, earlier output.

    ``cache`` holds expensive shared structures built lazily by one detector and
    reused by another (e.g. the DEX index).
    """

    knowledge: Knowledge
    apk: ApkEvidence | None = None
    category: str | None = None
    traffic: Any = None  # scanner.model.traffic evidence, when flows were given
    options: dict[str, Any] = field(default_factory=dict)
    collected: list[Item] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    def of_type(self, cls: type) -> Iterator[Any]:
        """Items of one type yielded so far."""
        return (x for x in self.collected if isinstance(x, cls))

    def facts(self, kind: str) -> Iterator[Fact]:
        """Facts of one kind yielded so far."""
        return (x for x in self.collected if isinstance(x, Fact) and x.kind == kind)


class Detector:
    """Base class; subclasses override the hooks they need and set ``name``."""

    name = "detector"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook for an ingested APK."""
        return ()

    def traffic(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook for ingested flows."""
        return ()

    def finish(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook after every detector's ``apk``/``traffic`` ran: for joins across inputs."""
        return ()
