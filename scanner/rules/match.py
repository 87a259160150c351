"""Evaluating a rule's conditions over facts and grouping the matches into findings.

Conditions are Sigma-style ``field|modifier: value`` maps; all keys of a map
must hold. ``where`` must hold, at least one map of ``any`` and none of ``none``.
A missing attribute is ``None``. Dotted field names reach into nested maps.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.model.facts import Fact


def _holds(value: Any, mod: str, expected: Any) -> bool:
    if mod in ("", "eq"):
        return value == expected
    if mod == "ne":
        return value != expected
    if mod == "in":
        return value in (expected or ())
    if mod == "not_in":
        return value not in (expected or ())
    if mod == "exists":
        return (value is not None) == bool(expected)
    if mod == "contains":
        if isinstance(value, (list, tuple, set, frozenset)):
            return expected in value
        return isinstance(value, str) and str(expected) in value
    if mod == "startswith":
        return isinstance(value, str) and value.startswith(str(expected))
    if mod == "endswith":
        return isinstance(value, str) and value.endswith(str(expected))
    if mod == "re":
        return isinstance(value, str) and re.search(str(expected), value) is not None
    if value is None or isinstance(value, bool):
        return False
    try:
        if mod == "gt":
            return value > expected
        if mod == "gte":
            return value >= expected
        if mod == "lt":
            return value < expected
        if mod == "lte":
            return value <= expected
    except TypeError:
        return False
    raise ValueError(f"unknown modifier {mod!r}")


def where_holds(fact: Fact, where: Mapping[str, Any] | None) -> bool:
    """Whether every condition of one condition map holds for the fact."""
    for key, expected in (where or {}).items():
        field, _, mod = key.partition("|")
        if not _holds(fact.get(field), mod, expected):
            return False
    return True


def fact_matches(match: Mapping[str, Any], fact: Fact) -> bool:
    """Whether a rule's ``match`` block selects this fact."""
    if fact.kind != match["fact"]:
        return False
    if not where_holds(fact, match.get("where")):
        return False
    any_ = match.get("any")
    if any_ and not any(where_holds(fact, w) for w in any_):
        return False
    none = match.get("none")
    return not (none and any(where_holds(fact, w) for w in none))


def group_facts(facts: Iterable[Fact], group_by: Iterable[str]) -> list[tuple[dict, list[Fact]]]:
    """Group matched facts by the values of ``group_by`` fields, in first-seen order."""
    keys = list(group_by)
    groups: dict[tuple, tuple[dict, list[Fact]]] = {}
    for fact in facts:
        subject = {k: fact.get(k) for k in keys}
        marker = tuple(repr(subject[k]) for k in keys)
        groups.setdefault(marker, (subject, []))[1].append(fact)
    return list(groups.values())


def finding_id(rule_id: str, subject: Mapping[str, Any]) -> str:
    """Stable finding id: the rule id plus a short hash of the group's subject."""
    text = "|".join(f"{k}={subject[k]!r}" for k in sorted(subject))
    return f"{rule_id}#{hashlib.sha256(text.encode()).hexdigest()[:8]}"
