"""The scan result: the one type every output format renders (result.json's shape).

Field names follow the product contract (spec/PRODUCT.md); they are extended,
never renamed. ``SCHEMA_VERSION`` versions result.json separately from the
package, as the JSON Schema in reports/schema/ does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.model.damage import Damage
from scanner.model.evidence import Component, Flags, InputFile, Payload, Permission, Signer
from scanner.model.findings import Finding

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class ToolInfo:
    """Which tool and which rulesets produced the result."""

    name: str
    version: str
    ruleset_version: str
    ruleset_sha256: str


@dataclass(frozen=True)
class AppInfo:
    """The app section of result.json."""

    package: str
    label: str | None
    version_name: str | None
    version_code: str | None
    min_sdk: int | None
    target_sdk: int | None
    category: str | None
    permissions: tuple[Permission, ...]
    components: tuple[Component, ...]
    flags: Flags
    signers: tuple[Signer, ...]
    application_class: str | None = None
    icon: str | None = None  # data: URI of the launcher icon, when the APK has a bitmap one
    #: the packer (加固) whose stub the build is, {id, name, name_zh, vendor, evidence[]
    #: {kind, value}}; None when the build is not recognised as packed
    packer: dict[str, Any] | None = None
    #: code payloads besides classes*.dex (assets/ dex and jar files, packer payloads)
    payloads: tuple[Payload, ...] = ()
    #: call sites that load code at run time ({api, caller, dex, offset}; at most 50)
    dynamic_loading: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class CategoryInfo:
    """The declared app category, its necessary PI, and a suggestion when undeclared."""

    id: str | None
    known: bool
    zh: str | None = None
    en: str | None = None
    necessary_pi: tuple[str, ...] = ()
    necessary_pi_text: tuple[str, ...] = ()  # as the rules list it (zh)
    necessary_pi_text_en: tuple[str, ...] = ()  # its English gloss, item for item
    suggested: tuple[dict[str, Any], ...] = ()
    #: whether the category's row was checked against the regulation's text: True,
    #: "partial" or False (rulesets/app-categories.yaml); None when no category is declared
    verified: bool | str | None = None


@dataclass(frozen=True)
class SdkUse:
    """A third-party SDK found in the code or on the wire."""

    id: str
    name: str
    vendor: str
    categories: tuple[str, ...]
    evidence: dict[str, Any]
    name_zh: str | None = None
    country: str | None = None
    version: str | None = None
    tracker: bool = True  # False for development libraries (support libraries, okhttp...)
    #: which kinds of evidence support the SDK (see :data:`EVIDENCE_KINDS`) and how strongly:
    #: high (code, native library or traffic), medium (declared in the manifest or shipped
    #: files only), low (only a leftover host string in the code)
    evidence_kinds: tuple[str, ...] = ()
    confidence: str | None = None
    #: the vendor as people read it, {zh, en}: the catalogue's vendor (its Chinese name in
    #: zh) or the owner of the package namespace the SDK was found in; None when unknown
    vendor_names: dict[str, str] | None = None


#: SdkUse evidence key -> evidence kind, strongest first
EVIDENCE_KINDS = {
    "packages": "code", "native_libs": "native_lib", "hosts": "traffic",
    "manifest_components": "manifest_component", "meta_data": "meta_data",
    "permissions": "permission", "files": "file", "code_hosts": "code_string_host",
}
_HIGH = frozenset({"code", "native_lib", "traffic"})


def evidence_strength(evidence: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """(evidence kinds, confidence) of an SDK's evidence map."""
    kinds = tuple(k for key, k in EVIDENCE_KINDS.items() if evidence.get(key))
    if not kinds:
        return (), None
    if _HIGH & set(kinds):
        return kinds, "high"
    return kinds, "low" if kinds == ("code_string_host",) else "medium"


@dataclass(frozen=True)
class ApiUse:
    """One call site (or field read / PI-selecting string) of a sensitive API."""

    api: str
    pi_type: str
    caller: str
    sdk: str | None
    reachable: bool | None
    reflective: bool
    dex: str
    offset: int
    access: str = "invoke"  # invoke | field | string | reflection
    permissions: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    #: argument values recovered at the call site (a key is missing when unknown)
    args: dict[str, Any] = field(default_factory=dict)
    origin: str = "app"  # app | sdk | library
    #: False when the call cannot yield the PI (then ``not_effective_reason`` says why)
    effective: bool = True
    not_effective_reason: str | None = None
    #: the reason in the rulesets' words, when arguments decided ({zh, en})
    reason_text: dict[str, str] | None = None
    confidence: str = "high"  # high | low (arguments unknown, or tied by a heuristic)
    #: Android API levels on which the read yields the PI for this app ({min, max|null})
    api_levels: dict[str, int | None] | None = None


@dataclass(frozen=True)
class Transmission:
    """Personal information seen leaving the phone in one request."""

    flow: str
    time: float | None
    host: str
    url: str
    pi_type: str
    encoding: str
    where: str
    party: str
    sdk: str | None
    before_consent: bool | None
    cleartext: bool
    key: str | None = None
    method: str | None = None
    confidence: str = "high"
    matched: str = "device_facts"  # device_facts | pattern
    excerpt: str | None = None
    source: str | None = None  # which input file


@dataclass(frozen=True)
class CallSite:
    """One call site named by a :class:`TrafficLink`."""

    api: str
    caller: str
    dex: str
    offset: int


@dataclass(frozen=True)
class ConsentMoment:
    """The consent moment a traffic analysis used (result.json ``consent``): Unix seconds,
    where it came from (``option``, ``capture_marker`` or None: no before-consent check was
    possible), the moment in the zone it was given in, that zone's UTC offset and where the
    zone came from (``given``, ``tz_option``, ``default`` = Beijing time)."""

    at: float | None
    source: str | None
    at_local: str | None
    utc_offset: str | None
    zone_source: str


@dataclass(frozen=True)
class TrafficLink:
    """An SDK seen sending a PI type on the wire whose code also reads that PI type.

    Listed in result.json as ``traffic_links`` (the engine puts them in ``extra``)."""

    sdk: str
    pi_type: str
    hosts: tuple[str, ...]
    flows: tuple[str, ...]
    call_sites: tuple[CallSite, ...]


@dataclass(frozen=True)
class Leak:
    """A PI value read at a source that may reach a sink call (result.json ``leaks[]``).

    ``source{api, pi_type, caller, dex, offset}``, ``sink{api, kind, caller, dex, offset}``
    (kind: network | log | sms | file | ipc | webview | clipboard), ``path`` the methods the
    value goes through (source method first, sink method last), ``sdk`` and ``origin`` the
    SDK and kind of code (app, sdk, library) that calls the sink, ``confidence`` high, or
    low when the source's own reading is uncertain or the flow is not ``exact``: it went
    through a step the analysis does not tell apart by object, key or call target (an
    instance field read outside its class, a stored preference read by any key, a call
    with several possible targets), so it may not exist."""

    source: dict[str, Any]
    sink: dict[str, Any]
    path: tuple[str, ...]
    sdk: str | None
    confidence: str
    origin: str = "app"
    exact: bool = True


@dataclass(frozen=True)
class LeakAnalysisInfo:
    """How the leak analysis ran (result.json ``leak_analysis``): ``partial`` when a cap
    stopped it (``reason``), the number of sources followed and of methods analysed (no
    timing: results of the same input are identical)."""

    partial: bool
    reason: str | None
    sources: int
    methods: int


@dataclass(frozen=True)
class Skipped:
    """Something that could not be analysed, and why (a partial result is flagged)."""

    what: str  # English (stable: scripts read it)
    reason: str
    #: ``what`` and ``reason`` as messages by catalog key (``{"id", "params"}``,
    #: scanner.messages), which reports render in their language; None when the item was
    #: made from text
    what_msg: Any = field(default=None, compare=False)
    reason_msg: Any = field(default=None, compare=False)

    @classmethod
    def from_damage(cls, damage: Damage) -> Skipped:
        """The result's item for damage a reader recorded (scanner.model.damage)."""
        return cls(damage.part, damage.detail, damage.part_msg, damage.detail_msg)


@dataclass(frozen=True)
class ScanResult:
    """Everything one command found; output formats are pure functions of it."""

    tool: ToolInfo
    command: str
    inputs: tuple[InputFile, ...]
    app: AppInfo | None = None
    category: CategoryInfo | None = None
    sdks: tuple[SdkUse, ...] = ()
    api_uses: tuple[ApiUse, ...] = ()
    transmissions: tuple[Transmission, ...] = ()
    findings: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    started: str = ""
    finished: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    #: display names of the PI type ids ({id: {zh, en}}), so that reports need nothing
    #: but the result to name them
    pi_type_names: dict[str, dict[str, str]] = field(default_factory=dict)
    #: notice problem categories by id: {zh, en} (findings carry ``notice_category_id``)
    notice_category_names: dict[str, dict[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. pricing sections
    schema_version: str = SCHEMA_VERSION

    @property
    def partial(self) -> bool:
        """True when part of an input could not be analysed."""
        return bool(self.skipped)
