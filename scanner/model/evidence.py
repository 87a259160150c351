"""Evidence: what an input file says, read faithfully, with where it was read.

Evidence carries no verdicts and no legal wording. Each item that can be cited
in a finding has a locator (see :mod:`scanner.model.locator`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.model.damage import Damage
from scanner.model.locator import Locator


@dataclass(frozen=True)
class InputFile:
    """One input file, identified by its digests (result.json ``inputs[]``)."""

    kind: str  # apk | flows | har | device_facts | ...
    path: str  # as given on the command line
    bytes: int
    sha256: str
    sm3: str
    #: the absolute path when it was read (``path`` may be relative to a folder the case
    #: file does not record); ``sha256`` confirms a file found there later is the same
    abs_path: str | None = None

    def __post_init__(self) -> None:
        if self.abs_path is None and self.path:
            import os

            object.__setattr__(self, "abs_path", os.path.abspath(self.path))


@dataclass(frozen=True)
class Permission:
    """A ``<uses-permission>`` of the manifest, enriched with permission knowledge."""

    name: str
    dangerous: bool
    pi_types: tuple[str, ...] = ()
    used: bool | None = None  # None until code analysis has run
    max_sdk: int | None = None
    protection: str | None = None


@dataclass(frozen=True)
class IntentFilter:
    """The actions, categories and data schemes of one intent filter."""

    actions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Component:
    """An activity, activity-alias, service, receiver or provider."""

    name: str
    type: str
    exported: bool
    exported_reason: str  # explicit | intent-filter | provider-default | default
    permission: str | None = None
    read_permission: str | None = None
    write_permission: str | None = None
    grant_uri_permissions: bool = False
    enabled: bool = True
    intent_filters: tuple[IntentFilter, ...] = ()
    authorities: str | None = None


@dataclass(frozen=True)
class Flags:
    """Application-level flags of the manifest."""

    debuggable: bool = False
    allow_backup: bool = True
    uses_cleartext_traffic: bool | None = None  # None: attribute absent (platform default applies)
    cleartext_default: bool = True  # what the platform does for this targetSdk when absent
    network_security_config: bool = False
    test_only: bool = False


@dataclass(frozen=True)
class DomainConfig:
    """One domain-config of a network security config, with inherited values applied."""

    domains: tuple[str, ...]
    cleartext: bool | None  # cleartextTrafficPermitted (None: not set here or above)
    user_ca: bool  # user CAs among its trust anchors (own or inherited)


@dataclass(frozen=True)
class NetworkConfig:
    """The network security config the manifest names (scanner.ingest.netconfig)."""

    file: str
    base_cleartext: bool | None = None  # base-config cleartextTrafficPermitted, if set
    base_user_ca: bool = False  # base-config trust anchors include src="user"
    domains: tuple[DomainConfig, ...] = ()
    debug_user_ca: bool = False  # debug-overrides trust user CAs (debuggable builds only)
    problem: str | None = None  # why it could not be read (None: read)


@dataclass(frozen=True)
class Signer:
    """One signing certificate and the signature schemes that carry it."""

    sha256: str
    subject: str
    issuer: str = ""
    schemes: tuple[str, ...] = ()
    sha1: str = ""
    not_before: str = ""
    not_after: str = ""


@dataclass(frozen=True)
class ZipAnomaly:
    """An irregularity of the APK container (traversal names, duplicates, odd entries)."""

    kind: str
    entry: str
    detail: str


@dataclass(frozen=True)
class DexFile:
    """A dex file of the APK, with its bytes (kept out of JSON output)."""

    name: str
    size: int
    data: bytes = field(repr=False, compare=False, default=b"")

    __json_omit__ = frozenset({"data"})


@dataclass(frozen=True)
class TextFile:
    """A file of the APK whose strings people read: ``arsc`` (resources.arsc), ``xml``
    (compiled XML of res/xml, res/layout, res/menu), ``asset`` (a text asset) or ``raw`` (a
    text file of res/raw); its bytes
    are kept out of JSON output and searched by :mod:`scanner.ingest.app_text`."""

    name: str
    kind: str
    size: int
    data: bytes = field(repr=False, compare=False, default=b"")

    __json_omit__ = frozenset({"data"})


@dataclass(frozen=True)
class Payload:
    """A code payload inside the APK besides classes*.dex (scanner.ingest.payloads).

    ``kind``: dex, jar, apk or zip (by name or content); ``status``: indexed (its dex files,
    named in ``dex``, are analysed like classes*.dex), encrypted (unreadable, high byte
    ``entropy``), not_code, no_code (an archive without classes*.dex), unreadable,
    too_large or skipped (over a bound, not read).
    """

    path: str
    size: int
    kind: str
    status: str
    dex: tuple[str, ...] = ()
    entropy: float | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ApkEvidence:
    """Everything read from one APK container and its manifest."""

    input: InputFile
    package: str
    label: str | None
    version_name: str | None
    version_code: str | None
    min_sdk: int | None
    target_sdk: int | None
    permissions: tuple[Permission, ...]
    declared_permissions: tuple[tuple[str, str], ...]  # (name, protectionLevel)
    components: tuple[Component, ...]
    application_class: str | None
    flags: Flags
    signers: tuple[Signer, ...]
    dex_files: tuple[DexFile, ...]
    entry_names: tuple[str, ...]
    anomalies: tuple[ZipAnomaly, ...] = ()
    #: partial damage met while reading the container (scanner.model.damage): reported as
    #: skipped parts; not anomalies of the app, which are facts for the rules
    damage: tuple[Damage, ...] = ()
    manifest_locator: Locator | None = None
    icon_png: bytes | None = field(default=None, repr=False, compare=False)
    privacy_policy_assets: tuple[str, ...] = ()
    #: (entry name, bytes) of the policy assets that are text or HTML (a few, size-capped)
    privacy_policy_documents: tuple[tuple[str, bytes], ...] = ()
    #: <meta-data> of the application and its components: (android:name, android:value or
    #: android:resource, None when neither), in manifest order, bounded (see ingest.apk)
    meta_data: tuple[tuple[str, str | None], ...] = ()
    #: dex/jar payloads besides classes*.dex (their readable dex files are in dex_files too)
    payloads: tuple[Payload, ...] = ()
    #: files whose strings people read (resources.arsc, compiled XML, text assets), bounded by
    #: limits.MAX_TEXT_*; ``text_complete`` is False when a bound left some unread
    text_files: tuple[TextFile, ...] = ()
    text_complete: bool = True
    #: the network security config named by the manifest (None: none named)
    network_config: NetworkConfig | None = None

    __json_omit__ = frozenset({"icon_png", "dex_files", "text_files"})
