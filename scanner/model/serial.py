"""Conversion of the frozen model types to JSON-ready values, with stable ordering."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

#: dataclass type -> names of its fields to write (declaration order, ``__json_omit__`` left
#: out), or None for a type that is not a dataclass; filled on first sight of each type (a
#: scan result has tens of thousands of values of a few dozen types)
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(cls: type) -> tuple[str, ...] | None:
    if dataclasses.is_dataclass(cls):
        omit = getattr(cls, "__json_omit__", ())
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in omit)
    else:
        names = None
    _FIELDS[cls] = names
    return names


def to_jsonable(value: Any) -> Any:
    """Dataclasses become dicts (fields in declaration order), tuples lists, enums values.

    A dataclass may define ``__json_omit__`` (a set of field names, on the class) to leave
    fields out, e.g. internal caches.
    """
    cls = type(value)
    if cls is str or cls is int or cls is bool or cls is float or value is None:
        return value
    names = _FIELDS[cls] if cls in _FIELDS else _fields_of(cls)
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    return value
