"""What the app's privacy policy declares (result.json ``policy``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyInfo:
    """result.json ``policy``."""

    found: bool
    source: str | None
    sha256: str | None
    declared_pi: tuple[dict, ...] = ()
    declared_sdks: tuple[dict, ...] = ()
    declared_permissions: tuple[dict, ...] = ()
    elements: dict | None = None
    chars: int = 0
    #: False when nothing is concluded from what the text leaves out (a short in-APK stub)
    judged: bool = True
    not_judged_reason: str | None = None
    #: PI types the policy says are not collected ({pi_type, quote})
    denied_pi: tuple[dict, ...] = ()
    #: the SDKs the policy lists in tables or "名称：值" lists ({name, vendor, purpose,
    #: pi_types, link, from, quote, sdk})
    sdk_list: tuple[dict, ...] = ()
    #: who runs the app, as the policy says ({name, quote, emails, phones}); None if not found
    operator: dict | None = None
    #: why nothing is concluded (judged false): "stub" (a short policy in the APK) or
    #: "not_a_policy" (no policy words: a wrong file or a wrongly read encoding)
    not_judged_kind: str | None = None
