"""Runtime evidence items: what a hook log shows the app did on a real phone.

Each item aggregates the events of one kind with the same subject, so a log of millions of
reads gives a bounded result: ``count`` events, first at ``ts``, last at ``last_ts``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuntimeCall:
    """A mapped API called at run time (``runtime_calls[]``)."""

    ts: float
    api: str
    pi_type: str
    sdk: str | None
    before_consent: bool | None
    background: bool | None
    count: int = 1
    last_ts: float | None = None
    caller: str | None = None  # innermost stack frame outside the framework
    source: str | None = None  # which log file
    #: the api-map arguments of the first such call, for APIs whose meaning depends on them
    #: (a location provider, an intent, a sensor type); None for the others
    args: dict | None = None
    #: "low" when the arguments needed to decide were not logged (the entry's own PI type
    #: is kept); None for APIs judged by name alone
    confidence: str | None = None
    #: why these arguments give this PI type (the api-map condition's reason)
    reason_text: dict | None = None


@dataclass(frozen=True)
class RuntimeExcluded:
    """A mapped API called at run time that read no PI, judged with the api-map's argument
    conditions and limits like a call site in the code (``runtime_excluded[]``): a query of
    the app's own package, an accelerometer, the advertising-ID service not bound..."""

    ts: float
    api: str
    pi_type: str  # what the API reads when it does read PI
    reason: str | None  # arguments_no_pi | no_pi_on_supported_versions | None (skipped)
    reason_text: dict | None
    args: dict
    sdk: str | None
    count: int = 1
    last_ts: float | None = None
    caller: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class PermissionRequest:
    """A runtime permission prompt (``permission_requests[]``)."""

    ts: float
    permissions: tuple[str, ...]
    result: dict
    before_consent: bool | None
    after_denial: bool
    sdk: str | None = None
    caller: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class AppStart:
    """The app starting itself without the user (self) or starting another app (associated)
    (``app_starts[]``)."""

    ts: float
    kind: str  # self | associated
    via: str
    target: str | None
    sdk: str | None
    count: int = 1
    caller: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class ReadSent:
    """A runtime read of a PI type followed, within ``read_sent_window_seconds``
    (rulesets/runtime.yaml), by a captured transmission of the same PI type: one evidence
    chain read -> sent (``read_sent[]``). The read is the last one of that code owner before
    the transmission; ``same_sdk``: the SDK that read it owns the receiving host."""

    pi_type: str
    read_ts: float
    read_api: str
    read_sdk: str | None
    read_caller: str | None
    sent_ts: float
    flow: str
    host: str
    sent_sdk: str | None
    seconds: float
    same_sdk: bool


@dataclass(frozen=True)
class RuntimeSummary:
    """What the runtime analysis read and the consent moment its before-consent checks used
    (``runtime{}``): the capture's ``consent`` can differ when both are given."""

    events: int
    malformed: int
    consent_at: float | None
    consent_source: str | None  # option | log (the log's consent event) | None
