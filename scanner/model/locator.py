"""Locators: where a piece of evidence was read, precise enough to check by hand.

A locator is a small frozen mapping; its ``kind`` tells which keys it has:

- ``manifest``: file, element, name
- ``code``: dex, class, method, offset (byte offset of the instruction in the dex), api
- ``flow``: flow (id), time, host, url, where (query|header|cookie|body|path), key, excerpt
- ``zip``: entry (and ``text``: the string read there, for a resource or text asset)
- ``string``: dex, text (a string of a dex file's string table)
- ``pricing``: flow, path (JSON path), profile
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class Locator(Mapping[str, Any]):
    """Immutable, hashable mapping with a ``kind`` key."""

    __slots__ = ("_items", "_hash")

    def __init__(self, kind: str, **fields: Any) -> None:
        items = {"kind": kind}
        items.update({k: v for k, v in fields.items() if v is not None})
        self._items = items
        self._hash = hash(tuple(sorted((k, repr(v)) for k, v in items.items())))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Locator) and self._items == other._items

    def __repr__(self) -> str:
        return f"Locator({self._items!r})"

    def sort_key(self) -> tuple:
        """Deterministic order for reports."""
        return tuple(sorted((k, str(v)) for k, v in self._items.items()))
