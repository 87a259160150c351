"""Error raised when a dex file cannot be read at all."""

from __future__ import annotations

from scanner.errors import InputError


class DexFormatError(InputError):
    """A dex buffer is not a readable dex file (bad magic, header or table bounds).

    Damage confined to single classes or methods does not raise; it is recorded in
    ``DexIndex.damage`` and sets ``DexIndex.partial``.
    """
