"""The detector interface: hooks that read evidence and yield facts and result items.

A detector implements only the hooks it needs, as mitmproxy addons do:
``apk(ctx)`` runs when an APK was ingested, ``traffic(ctx)`` when flows were.
Each hook yields :class:`~scanner.model.facts.Fact` objects and/or result
items (:class:`ApiUse`, :class:`SdkUse`, :class:`Transmission`, :class:`TrafficLink`,
:class:`Skipped`); the engine sorts them into the result. Detectors run in
``ALL_DETECTORS`` order and may read what earlier ones yielded through
``ctx.collected``. Detectors give no verdicts: that is the rules' job.

Shared evidence is a named, typed member of :class:`ScanContext`, never a
string-keyed side channel: expensive structures (the DEX index) are built
lazily on first use by whichever detector asks first, so no detector depends on
another having run before it to find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError
from scanner.knowledge import Knowledge
from scanner.messages import msg, record
from scanner.model.damage import Damage
from scanner.model.evidence import ApkEvidence
from scanner.model.facts import Fact
from scanner.model.policy import PolicyInfo
from scanner.model.result import (
    ApiUse,
    ConsentMoment,
    Leak,
    LeakAnalysisInfo,
    SdkUse,
    Skipped,
    TrafficLink,
    Transmission,
)
from scanner.model.runtime import (
    AppStart,
    PermissionRequest,
    ReadSent,
    RuntimeCall,
    RuntimeExcluded,
    RuntimeSummary,
)

if TYPE_CHECKING:
    from scanner.callgraph import Reachability
    from scanner.ingest.dex import DexIndex
    from scanner.ingest.policy import PolicyDocument
    from scanner.ingest.runtime_log import RuntimeLog
    from scanner.ingest.traffic import TrafficEvidence
    from scanner.sdk.catalog import SdkCatalog

Item = (Fact | ApiUse | SdkUse | Transmission | TrafficLink | ConsentMoment | Skipped
        | RuntimeCall | RuntimeExcluded | ReadSent | RuntimeSummary | PermissionRequest | AppStart
        | PolicyInfo | Leak | LeakAnalysisInfo)


@dataclass
class ScanContext:
    """What detectors may read: the evidence, the knowledge, the options, earlier output.

    ``dex_index`` (a property) is the APK's DEX index, built on first use; when it
    cannot be built, it is None and ``dex_damage`` (a Damage record) says why.
    """

    knowledge: Knowledge
    apk: ApkEvidence | None = None
    category: str | None = None
    traffic: TrafficEvidence | None = None  # scanner.ingest.traffic, when flows were given
    runtime: RuntimeLog | None = None  # scanner.ingest.runtime_log, when hook logs were given
    policy: list[PolicyDocument] | None = None  # scanner.ingest.policy, --policy files
    options: dict[str, Any] = field(default_factory=dict)
    collected: list[Item] = field(default_factory=list)
    _dex: DexIndex | None = field(default=None, init=False, repr=False)
    _dex_damage: Damage | None = field(default=None, init=False, repr=False)
    _dex_built: bool = field(default=False, init=False, repr=False)
    _reach: Reachability | None = field(default=None, init=False, repr=False)

    @property
    def dex_index(self) -> DexIndex | None:
        """The DEX index of the APK's dex files (built once, on first use); None without an
        APK, when it has no dex files or when they are unreadable (see ``dex_damage``)."""
        if not self._dex_built:
            self._dex_built = True
            self._dex, self._dex_damage = _build_dex_index(self.apk)
        return self._dex

    @property
    def reachability(self) -> Reachability | None:
        """Backward reachability from the manifest's components and Application class over
        the DEX index (built once, on first use, and shared by the detectors that ask
        whether a caller can run); None without a DEX index."""
        if self._reach is None and self.apk is not None and self.dex_index is not None:
            from scanner.callgraph import Reachability

            names = [c.name for c in self.apk.components if c.name]
            if self.apk.application_class:
                names.append(self.apk.application_class)
            self._reach = Reachability(self.dex_index,
                                       ["L" + n.replace(".", "/") + ";" for n in names])
        return self._reach

    @property
    def dex_damage(self) -> Damage | None:
        """Why there is no DEX index, as damage of the ``code`` part (None when there is
        one, or when there is no APK)."""
        _ = self.dex_index
        return self._dex_damage

    @property
    def sdk_catalog(self) -> SdkCatalog:
        """The SDK signature catalogue of the rulesets folder the knowledge came from."""
        from scanner.sdk.catalog import catalog_for

        return catalog_for(self.knowledge.folder)

    def of_type(self, cls: type) -> Iterator[Any]:
        """Items of one type yielded so far."""
        return (x for x in self.collected if isinstance(x, cls))

    def facts(self, kind: str) -> Iterator[Fact]:
        """Facts of one kind yielded so far."""
        return (x for x in self.collected if isinstance(x, Fact) and x.kind == kind)


def _build_dex_index(apk: ApkEvidence | None) -> tuple[DexIndex | None, Damage | None]:
    if apk is None:
        return None, None

    if not apk.dex_files:
        return None, Damage(*record(msg("part_code"), msg("skip_no_dex_files")))
    from scanner.ingest.dex import DexIndex

    try:
        return DexIndex.from_dex_files([(d.name, d.data) for d in apk.dex_files]), None
    except InputError as e:
        return None, Damage(*record(msg("part_code"),
                                    msg("skip_dex_unreadable", detail=e.message())))


class Detector:
    """Base class; subclasses override the hooks they need and set ``name``."""

    name = "detector"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook for an ingested APK."""
        return ()

    def traffic(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook for ingested flows."""
        return ()

    def runtime(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook for runtime hook logs."""
        return ()

    def finish(self, ctx: ScanContext) -> Iterable[Item]:
        """Hook after every detector's ``apk``/``traffic`` ran: for joins across inputs."""
        return ()
