"""Names people read for the ids and descriptors the scanner keeps.

* :func:`readable_member`: a Dalvik member reference as a developer writes it:
  ``Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;`` →
  ``TelephonyManager.getDeviceId()``; a field ``Landroid/os/Build;->SERIAL:Ljava/lang/String;`` →
  ``Build.SERIAL``; nested classes keep their outer class (``Settings.Secure.getString()``).
* :func:`vocabulary`: display names of ids from rulesets/vocabulary.yaml (flat: id → {zh, en}).
"""

from __future__ import annotations

import functools
import re

_MEMBER = re.compile(r"^L(?P<cls>[^;]+);->(?P<name>[^(:]+)(?P<rest>[(:].*)?$")


def is_field(descriptor: str) -> bool:
    """Whether a Dalvik member reference names a field (``->NAME:Type``)."""
    m = _MEMBER.match(descriptor or "")
    return bool(m and (m.group("rest") or "").startswith(":"))


def readable_member(descriptor: str) -> str:
    """``Cls.method()`` / ``Cls.FIELD`` for a Dalvik member reference; other text unchanged."""
    m = _MEMBER.match(descriptor or "")
    if not m:
        return descriptor
    simple = m.group("cls").rsplit("/", 1)[-1].replace("$", ".")
    name = m.group("name")
    if is_field(descriptor):
        return f"{simple}.{name}"
    return f"{simple}.{name}()"


@functools.cache
def vocabulary() -> dict[str, dict[str, str]]:
    """id → {zh, en} over every group of rulesets/vocabulary.yaml ({} when unreadable)."""
    from scanner.errors import RulesetError
    from scanner.knowledge import read_yaml
    from scanner.paths import rulesets_dir

    try:
        doc = read_yaml(rulesets_dir() / "vocabulary.yaml") or {}
    except (OSError, RulesetError):
        return {}
    out: dict[str, dict[str, str]] = {}
    for group in doc.values():
        if isinstance(group, dict):
            for k, v in group.items():
                if isinstance(v, dict):
                    out[str(k)] = {"zh": str(v.get("zh", k)), "en": str(v.get("en", k))}
    return out
