"""A bounds check of Android binary XML, before androguard's AXML printer sees it.

Contract
--------
:func:`check_axml(raw, label)` walks the chunk headers of a binary XML document (type,
header size, size: eight bytes each, no strings decoded) and raises
:class:`~scanner.ingest.apk.ManifestError`-compatible :class:`AxmlLimitError` (an
InputError) when the element tree nests deeper than ``MAX_XML_DEPTH`` or holds more than
``MAX_XML_ELEMENTS`` elements (:mod:`scanner.limits`). androguard builds the tree
recursively and spends about half a millisecond per element, so a 23 KB manifest nested
100,000 deep took a minute; real manifests nest 5-7 deep and hold at most a few
thousand elements. Anything the walk cannot follow (a chunk size that runs past the end)
stops the walk silently: the parser that follows reports damage in its own words.
Returns ``(elements, max_depth)``.
"""

from __future__ import annotations

import struct

from scanner.errors import InputError
from scanner.limits import MAX_XML_DEPTH, MAX_XML_ELEMENTS

RES_XML_START_ELEMENT = 0x0102
RES_XML_END_ELEMENT = 0x0103


class AxmlLimitError(InputError):
    """The binary XML exceeds a nesting or element-count limit."""


def check_axml(raw: bytes, label: str, max_depth: int = MAX_XML_DEPTH,
               max_elements: int = MAX_XML_ELEMENTS) -> tuple[int, int]:
    """Count elements and nesting of ``raw`` (see module contract)."""
    n = len(raw)
    if n < 8:
        return 0, 0
    _, header, _ = struct.unpack_from("<HHI", raw, 0)
    pos = header if 8 <= header <= n else 8
    depth = deepest = elements = 0
    unpack = struct.Struct("<HHI").unpack_from
    while pos + 8 <= n:
        ctype, _, size = unpack(raw, pos)
        if size < 8 or pos + size > n:
            break
        if ctype == RES_XML_START_ELEMENT:
            elements += 1
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > max_depth:
                    raise AxmlLimitError("err_axml_deep", path=label, max=max_depth)
            if elements > max_elements:
                raise AxmlLimitError("err_axml_elements", path=label, max=max_elements)
        elif ctype == RES_XML_END_ELEMENT:
            depth = max(0, depth - 1)
        pos += size
    return elements, deepest
