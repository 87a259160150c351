"""Evaluating a rule's conditions over facts and grouping the matches into findings.

Conditions are Sigma-style ``field|modifier: value`` maps; all keys of a map
must hold. ``where`` must hold, at least one map of ``any`` and none of ``none``.
A missing attribute is ``None``. Dotted field names reach into nested maps.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from scanner.model.facts import Fact


def _contains(value: Any, expected: Any) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return expected in value
    return isinstance(value, str) and str(expected) in value


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """An order comparison that is false for a missing value, a boolean or mixed types."""
    def holds(value: Any, expected: Any) -> bool:
        if value is None or isinstance(value, bool):
            return False
        try:
            return compare(value, expected)
        except TypeError:
            return False
    return holds


#: Every condition modifier (``field|modifier: value``) and what it means: the one table
#: the matcher evaluates and the rule loader checks rules against. No modifier is ``eq``.
MODIFIERS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda v, e: v == e,
    "ne": lambda v, e: v != e,
    "in": lambda v, e: v in (e or ()),
    "not_in": lambda v, e: v not in (e or ()),
    "gt": _ordered(lambda v, e: v > e),
    "gte": _ordered(lambda v, e: v >= e),
    "lt": _ordered(lambda v, e: v < e),
    "lte": _ordered(lambda v, e: v <= e),
    "contains": _contains,
    "startswith": lambda v, e: isinstance(v, str) and v.startswith(str(e)),
    "endswith": lambda v, e: isinstance(v, str) and v.endswith(str(e)),
    "re": lambda v, e: isinstance(v, str) and re.search(str(e), v) is not None,
    "exists": lambda v, e: (v is not None) == bool(e),
}


def _holds(value: Any, mod: str, expected: Any) -> bool:
    try:
        test = MODIFIERS[mod or "eq"]
    except KeyError:
        raise ValueError(f"unknown modifier {mod!r}") from None
    return test(value, expected)


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
