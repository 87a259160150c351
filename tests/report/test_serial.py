"""scanner.model.serial.to_jsonable: what each kind of value becomes (expected values
written by hand from the function's contract, not copied from its output)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scanner.model.evidence import DexFile
from scanner.model.serial import to_jsonable


class Level(enum.Enum):
    HIGH = "high"


class Small(enum.IntEnum):
    ONE = 1


@dataclass(frozen=True)
class Inner:
    flag: bool
    level: Level


@dataclass(frozen=True)
class Outer:
    name: str
    items: tuple[Inner, ...]
    tags: frozenset[str]
    extra: dict
    nothing: None = None
    ratio: float = 0.5
    small: Small = Small.ONE


@dataclass(frozen=True)
class Cached:
    __json_omit__ = frozenset({"cache"})
    keep: int
    cache: bytes


def test_dataclasses_enums_sets_and_mappings():
    value = Outer("a", (Inner(True, Level.HIGH), Inner(False, Level.HIGH)),
                  frozenset({"z", "b"}), {1: (Level.HIGH,), "k": {"x"}})
    assert to_jsonable(value) == {
        "name": "a",
        "items": [{"flag": True, "level": "high"}, {"flag": False, "level": "high"}],
        "tags": ["b", "z"],
        "extra": {"1": ["high"], "k": ["x"]},
        "nothing": None, "ratio": 0.5, "small": 1,
    }
    # booleans stay booleans, not 1/0 (a field typed int may hold one)
    assert to_jsonable(Inner(True, Level.HIGH))["flag"] is True


def test_omitted_fields_and_types_as_values():
    assert to_jsonable(Cached(3, b"big")) == {"keep": 3}
    assert to_jsonable([Cached(1, b""), Cached(2, b"")]) == [{"keep": 1}, {"keep": 2}]
    # a dataclass *type* is a plain value, not a record to expand
    assert to_jsonable(Outer) is Outer
    # the model's own omissions: a dex file's bytes never reach result.json
    assert to_jsonable(DexFile(name="classes.dex", size=3, data=b"dex")) == {
        "name": "classes.dex", "size": 3}
