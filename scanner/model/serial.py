"""Conversion of the frozen model types to JSON-ready values, with stable ordering."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Dataclasses become dicts (fields in declaration order), tuples lists, enums values.

    A dataclass may define ``__json_omit__`` (a set of field names) to leave
    fields out, e.g. internal caches.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        omit = getattr(value, "__json_omit__", ())
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in omit
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    return value
