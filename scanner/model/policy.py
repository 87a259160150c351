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
