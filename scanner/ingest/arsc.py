"""A small, bounds-checked reader of resources.arsc that resolves only the ids asked for.

:class:`ApkReader` needs three values from the resource table: the application label,
the launcher icon's file paths and sometimes the version name. androguard's
``ARSCParser`` parses every chunk and then analyses every entry before answering one
lookup; this reader walks the chunk headers instead (the table's global string pool,
the package chunks, the type chunks of the wanted type id, the one wanted entry in each
of them) and decodes only the strings a value needs.

:meth:`ResourceTable.resolve` returns ``(config, value)`` pairs with androguard's
``get_resolved_res_configs`` semantics, which ``ApkReader`` has always used:

* one pair per configuration that holds the entry, in table order; two configurations
  that androguard's ``ARSCResTableConfig`` deems equal (its equality ignores the locale
  script and variant) keep the first one's position and the last one's value;
* a reference is followed into every configuration of its target (not only those
  matching the referring configuration), a reference to itself or to 0 gives nothing;
* a plain value is formatted as androguard's ``format_value`` does (strings from the
  global pool, ``#AARRGGBB`` colours, decimal integers, ...).

Where androguard misreads the format this reader follows Android (``LoadedArsc``):
sparse type chunks (``FLAG_SPARSE``) are looked up by entry index, the value of a
compact entry (``FLAG_COMPACT``) has the type its flags give, a simple entry's value
sits ``entry.size`` bytes after the entry, entry offsets start after the type chunk's
declared header, ``TYPE_NULL`` and complex (bag) entries give no value and
``TYPE_DYNAMIC_REFERENCE`` is followed like a reference.

:meth:`ResourceTable.strings_containing` and :meth:`ResourceTable.keys_containing` (and
:func:`xml_strings_containing` for a compiled XML file) return the strings of the global
pool, of the packages' key pools (resource entry names) or of an XML file's pool that hold
a given substring: the pool's raw bytes are searched first and only the strings around a
byte match are decoded (scanner.ingest.app_text).

Hostile input: every read is bounds-checked against the chunk it belongs to and the
buffer; a table whose header is unusable raises :class:`ResourceTableError` at
construction; a lookup raises it for a malformed string, a reference cycle, a chain
deeper than :data:`MAX_DEPTH` or more work than :data:`MAX_WORK`; anything else that
does not fit (an entry outside its chunk, a missing type) is "no value". Work is linear
in the buffer size (the chunk walk, capped by :data:`MAX_CHUNKS`) plus at most
:data:`MAX_WORK` steps per lookup, and no allocation is larger than the strings decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from scanner.errors import InputError
from scanner.messages import msg

RES_STRING_POOL_TYPE = 0x0001
RES_TABLE_TYPE = 0x0002
RES_XML_TYPE = 0x0003
RES_TABLE_PACKAGE_TYPE = 0x0200
RES_TABLE_TYPE_TYPE = 0x0201

TYPE_FLAG_SPARSE = 0x01
TYPE_FLAG_OFFSET16 = 0x02
ENTRY_FLAG_COMPLEX = 0x0001
ENTRY_FLAG_COMPACT = 0x0008
NO_ENTRY16 = 0xFFFF
NO_ENTRY32 = 0xFFFFFFFF
UTF8_FLAG = 0x100

TYPE_NULL = 0x00
TYPE_REFERENCE = 0x01
TYPE_ATTRIBUTE = 0x02
TYPE_STRING = 0x03
TYPE_FLOAT = 0x04
TYPE_DIMENSION = 0x05
TYPE_FRACTION = 0x06
TYPE_DYNAMIC_REFERENCE = 0x07
TYPE_FIRST_INT = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12
TYPE_FIRST_COLOR_INT = 0x1C
TYPE_LAST_INT = 0x1F

PACKAGE_HEADER_MIN = 284  # ResTable_package without typeIdOffset, as LoadedArsc requires
TYPE_HEADER_MIN = 24  # ResTable_type up to and including config.size
POOL_HEADER_MIN = 28  # ResStringPool_header
CONFIG_FIELDS = 52  # ResTable_config up to and including screenConfig2

MAX_DEPTH = 20  # reference chain length (AssetManager2 gives up after 20 as well)
MAX_WORK = 1 << 16  # entries looked at + values copied per resolve() call
MAX_CHUNKS = 1 << 18  # chunks in one table or package; real ones have a few thousand

_DIMENSION_UNITS = ("px", "dip", "sp", "pt", "in", "mm")
_FRACTION_UNITS = ("%", "%p")
_RADIX = (0.00390625, 3.051758e-005, 1.192093e-007, 4.656613e-010)

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_CHUNK = struct.Struct("<HHI")
_ENTRY = struct.Struct("<HHI")  # size (or key), flags, key (or compact data)
_VALUE = struct.Struct("<HBBI")  # size, res0, dataType, data
_TYPE = struct.Struct("<BBHII")  # id, flags, reserved, entryCount, entriesStart
_CONFIG = struct.Struct("<IIIIIIIII4s8sI")
_POOL = struct.Struct("<IIIII")  # stringCount, styleCount, flags, stringsStart, stylesStart


class ResourceTableError(InputError):
    """resources.arsc is unusable, or one lookup in it is (bad string, cycle, too much work)."""


@dataclass(frozen=True, slots=True)
class ResConfig:
    """A ``ResTable_config``: the configuration a value applies to (the fields ApkReader uses).

    ``key`` is the tuple androguard's ``ARSCResTableConfig`` compares and hashes.
    """

    imsi: int = 0
    locale: int = 0
    screen_type: int = 0
    input: int = 0
    screen_size: int = 0
    version: int = 0
    screen_config: int = 0
    screen_size_dp: int = 0
    locale_script: bytes = b"\x00" * 4
    locale_variant: bytes = b"\x00" * 8
    screen_config2: int = 0

    @property
    def key(self) -> tuple[int, ...]:
        return (self.imsi, self.locale, self.screen_type, self.input, self.screen_size,
                self.version, self.screen_config, self.screen_size_dp, self.screen_config2)

    @property
    def default_locale(self) -> bool:
        """No language and no region: the configuration a device falls back to."""
        return self.locale == 0

    @property
    def language(self) -> str:
        return _unpack_locale_part(self.locale & 0xFFFF, ord("a"))

    @property
    def country(self) -> str:
        return _unpack_locale_part(self.locale >> 16, ord("0"))

    @property
    def density(self) -> int:
        return self.screen_type >> 16


def _unpack_locale_part(two: int, base: int) -> str:
    lo, hi = two & 0xFF, two >> 8
    if lo & 0x80:  # packed three-letter code
        return "".join(chr(c + base) for c in (hi & 0x1F, ((hi & 0xE0) >> 5) + ((lo & 0x03) << 3),
                                                (lo & 0x7C) >> 2))
    return "".join(chr(c) for c in (lo, hi) if c)


class _StringPool:
    """The table's global string pool; strings are decoded on demand."""

    def __init__(self, buf: bytes, start: int, header_size: int, end: int) -> None:
        self.buf = buf
        self.problem: Any = ""  # a message (scanner.messages) when the pool is malformed
        self.count = 0
        self.utf8 = False
        self.data_start = self.data_end = self.index_at = 0
        if header_size < POOL_HEADER_MIN:
            self.problem = msg("arsc_pool_header", n=header_size)
            return
        count, styles, flags, strings_start, styles_start = _POOL.unpack_from(buf, start + 8)
        self.utf8 = bool(flags & UTF8_FLAG)
        self.index_at = start + header_size
        self.count = min(count, (end - self.index_at) // 4)  # only the offsets inside the chunk
        self.data_start = start + strings_start
        data_end = start + styles_start if styles and styles_start else end
        self.data_end = min(data_end, end)
        if count and not self.index_at <= self.data_start <= self.data_end:
            self.problem = msg("arsc_pool_outside")

    def get(self, idx: int) -> str:
        """String ``idx``; "" for an index past the pool (as androguard); error if malformed."""
        if self.problem:
            raise ResourceTableError("err_arsc", detail=self.problem)
        if not 0 <= idx < self.count:
            return ""
        buf, end = self.buf, self.data_end
        pos = self.data_start + _U32.unpack_from(buf, self.index_at + 4 * idx)[0]
        if self.utf8:
            _, pos = self._len8(pos)  # length in UTF-16 units, not needed
            n, pos = self._len8(pos)
            if pos + n >= end or buf[pos + n] != 0:
                raise ResourceTableError("err_arsc", detail=msg("arsc_string_overruns", idx=idx))
            return buf[pos:pos + n].decode("utf-8", "replace")
        if pos + 2 > end:
            raise ResourceTableError("err_arsc", detail=msg("arsc_string_past", idx=idx))
        n = _U16.unpack_from(buf, pos)[0]
        pos += 2
        if n & 0x8000:
            if pos + 2 > end:
                raise ResourceTableError("err_arsc", detail=msg("arsc_string_past", idx=idx))
            n = ((n & 0x7FFF) << 16) | _U16.unpack_from(buf, pos)[0]
            pos += 2
        stop = pos + 2 * n
        if stop + 2 > end or buf[stop] or buf[stop + 1]:
            raise ResourceTableError("err_arsc", detail=msg("arsc_string_overruns", idx=idx))
        return buf[pos:stop].decode("utf-16-le", "replace")

    def _len8(self, pos: int) -> tuple[int, int]:
        if pos >= self.data_end:
            raise ResourceTableError("err_arsc", detail=msg("arsc_string_past", idx="?"))
        n = self.buf[pos]
        if n & 0x80:
            if pos + 1 >= self.data_end:
                raise ResourceTableError("err_arsc", detail=msg("arsc_string_past", idx="?"))
            return ((n & 0x7F) << 8) | self.buf[pos + 1], pos + 2
        return n, pos + 1


MAX_POOL_HITS = 2000  # strings one search returns from one pool


def _needle_forms(needles: tuple[str, ...], utf8: bool) -> list[bytes]:
    """How the needles are stored in a pool (UTF-8 or UTF-16LE); empty needles dropped."""
    enc = "utf-8" if utf8 else "utf-16-le"
    return [n.encode(enc) for n in needles if n]


def pool_strings_containing(pool: _StringPool, needles: tuple[str, ...]) -> list[str]:
    """Strings of ``pool`` containing one of ``needles`` (at most :data:`MAX_POOL_HITS`).

    The pool's raw string data is searched for the needles' encoded bytes first; only the
    strings around a byte match are decoded, so a pool without any needle costs one byte
    search per needle. A malformed string near a match is skipped (it raises only when
    every match is malformed: :class:`ResourceTableError`)."""
    if pool.problem or pool.count <= 0 or pool.index_at + 4 * pool.count > len(pool.buf):
        return []
    buf, lo, hi = pool.buf, pool.data_start, pool.data_end
    starts: np.ndarray | None = None
    order: np.ndarray | None = None
    wanted: set[int] = set()
    for form in _needle_forms(needles, pool.utf8):
        at = buf.find(form, lo, hi)
        while at >= 0 and len(wanted) < MAX_POOL_HITS:
            if starts is None:
                raw = np.frombuffer(buf, dtype="<u4", count=pool.count, offset=pool.index_at)
                order = np.argsort(raw, kind="stable")
                starts = (raw[order].astype(np.int64) + lo)
            k = int(np.searchsorted(starts, at, side="right")) - 1
            if k >= 0:
                wanted.add(int(order[k]))
            at = buf.find(form, at + 1, hi)
    out: list[str] = []
    bad = 0
    for idx in sorted(wanted):
        try:
            text = pool.get(idx)
        except ResourceTableError:
            bad += 1
            continue
        if any(n and n in text for n in needles):
            out.append(text)
    if bad and not out:
        raise ResourceTableError("err_arsc", detail=msg("arsc_all_malformed"))
    return out


def xml_strings_containing(data: bytes, needles: tuple[str, ...]) -> list[str]:
    """Strings of a compiled (binary) XML file's string pool that contain a needle: element
    and attribute names, attribute values written as text (``android:key``, literal
    ``android:title``) and text nodes. [] when the file is not binary XML or has no pool;
    :class:`ResourceTableError` when its pool is unusable."""
    buf = bytes(data)
    if len(buf) < 8 + POOL_HEADER_MIN:
        return []
    kind, hsize, size = _CHUNK.unpack_from(buf, 0)
    if kind != RES_XML_TYPE or not 8 <= hsize <= len(buf) - 8:
        return []
    end = min(size, len(buf))
    pkind, phsize, psize = _CHUNK.unpack_from(buf, hsize)
    if (pkind != RES_STRING_POOL_TYPE or not POOL_HEADER_MIN <= phsize <= psize
            or hsize + psize > end):
        return []
    pool = _StringPool(buf, hsize, phsize, hsize + psize)
    if pool.problem:
        raise ResourceTableError("err_binary_xml", detail=pool.problem)
    return pool_strings_containing(pool, needles)


_COMPLEX = -1  # pseudo data type of a bag entry


class ResourceTable:
    """The parts of one resources.arsc needed to resolve a few resource ids."""

    def __init__(self, data: bytes) -> None:
        buf = bytes(data)
        if len(buf) < 12:
            raise ResourceTableError("err_arsc", detail=msg("arsc_too_short", n=len(buf)))
        kind, header_size, size = _CHUNK.unpack_from(buf, 0)
        if kind != RES_TABLE_TYPE:
            raise ResourceTableError("err_arsc", detail=msg("arsc_chunk_type",
                                                                  kind=f"0x{kind:04x}"))
        if size > len(buf):
            raise ResourceTableError("err_arsc", detail=msg("arsc_truncated", size=size,
                                                                  n=len(buf)))
        if not 12 <= header_size <= size:
            raise ResourceTableError("err_arsc", detail=msg("arsc_header", n=header_size,
                                                                  size=size))
        self._buf = buf
        self._pool: _StringPool | None = None
        self._packages: dict[int, list[tuple[int, int]]] = {}
        self._types: dict[int, dict[int, list[tuple[int, int, int]]]] = {}
        self._memo: dict[int, tuple[tuple[ResConfig, str], ...]] = {}
        self._configs: dict[bytes, ResConfig] = {}
        self._package_chunks: list[tuple[int, int, int]] = []
        for kind, start, hsize, end in self._chunks(header_size, size):
            if kind == RES_STRING_POOL_TYPE and self._pool is None:
                self._pool = _StringPool(buf, start, hsize, end)
            elif kind == RES_TABLE_PACKAGE_TYPE and hsize >= PACKAGE_HEADER_MIN:
                pkg_id = _U32.unpack_from(buf, start + 8)[0]
                self._packages.setdefault(pkg_id, []).append((start + hsize, end))
                self._package_chunks.append((start, hsize, end))

    # ----------------------------------------------------------------- text search
    def strings_containing(self, needles: tuple[str, ...]) -> list[str]:
        """Values in the global string pool (every string resource, in every language, and
        file paths) that contain one of ``needles``; see :func:`pool_strings_containing`."""
        if self._pool is None:
            return []
        return pool_strings_containing(self._pool, needles)

    def keys_containing(self, needles: tuple[str, ...]) -> list[str]:
        """Resource entry names (``R.string.personalized_recommend``'s last part) of every
        package's key pool that contain one of ``needles``."""
        out: list[str] = []
        buf = self._buf
        for start, _hsize, end in self._package_chunks:
            key_at = _U32.unpack_from(buf, start + 8 + 4 + 256 + 8)[0]  # keyStrings
            at = start + key_at
            if not key_at or at + 8 > end:
                continue
            kind, phsize, psize = _CHUNK.unpack_from(buf, at)
            if (kind != RES_STRING_POOL_TYPE or not POOL_HEADER_MIN <= phsize <= psize
                    or at + psize > end):
                continue
            pool = _StringPool(buf, at, phsize, at + psize)
            if not pool.problem:
                out.extend(pool_strings_containing(pool, needles))
        return out

    # ----------------------------------------------------------------- lookups
    def resolve(self, rid: int) -> list[tuple[ResConfig, str]]:
        """Every ``(config, value)`` of resource ``rid``, references followed (see module doc).

        An id that is not in the table gives ``[]``; :class:`ResourceTableError` when the
        value cannot be read (malformed string, reference cycle, too deep, too much work).
        """
        if not 0 < rid <= 0xFFFFFFFF:
            return []
        return list(self._resolve(rid, (), [MAX_WORK]))

    def _resolve(self, rid: int, stack: tuple[int, ...],
                 budget: list[int]) -> tuple[tuple[ResConfig, str], ...]:
        done = self._memo.get(rid)
        if done is not None:
            self._spend(budget, len(done))
            return done
        if rid in stack:
            raise ResourceTableError("err_arsc", detail=msg("arsc_cycle", rid=f"0x{rid:08x}"))
        if len(stack) >= MAX_DEPTH:
            raise ResourceTableError("err_arsc", detail=msg("arsc_deep", max=MAX_DEPTH,
                                                                  rid=f"0x{rid:08x}"))
        out: list[tuple[ResConfig, str]] = []
        for config, dtype, data in self._entries(rid, budget):
            if dtype in (TYPE_REFERENCE, TYPE_DYNAMIC_REFERENCE):
                if data and data != rid:
                    out.extend(self._resolve(data, (*stack, rid), budget))
            elif dtype not in (_COMPLEX, TYPE_NULL):
                out.append((config, self._format(dtype, data)))
                self._spend(budget, 1)
        result = tuple(out)
        self._memo[rid] = result
        return result

    @staticmethod
    def _spend(budget: list[int], n: int) -> None:
        budget[0] -= n
        if budget[0] < 0:
            raise ResourceTableError("err_arsc", detail=msg("arsc_work", max=MAX_WORK))

    def _entries(self, rid: int, budget: list[int]) -> list[tuple[ResConfig, int, int]]:
        """``(config, data type, data)`` of each configuration holding ``rid``, deduplicated."""
        by_key: dict[tuple[int, ...], tuple[ResConfig, int, int]] = {}
        index = rid & 0xFFFF
        for chunk in self._type_chunks(rid >> 24, (rid >> 16) & 0xFF):
            self._spend(budget, 1)
            found = self._entry(chunk, index)
            if found is not None:
                key = found[0].key
                first = by_key.get(key)
                # androguard keys its dict by config: first position and config, last value
                by_key[key] = found if first is None else (first[0], found[1], found[2])
        return list(by_key.values())

    def _type_chunks(self, pkg_id: int, type_id: int) -> list[tuple[int, int, int]]:
        types = self._types.get(pkg_id)
        if types is None:
            types = {}
            buf = self._buf
            for first, end in self._packages.get(pkg_id, ()):
                for kind, start, hsize, cend in self._chunks(first, end):
                    if kind == RES_TABLE_TYPE_TYPE and hsize >= TYPE_HEADER_MIN:
                        types.setdefault(buf[start + 8], []).append((start, hsize, cend))
            self._types[pkg_id] = types
        return types.get(type_id, [])

    def _entry(self, chunk: tuple[int, int, int],
               index: int) -> tuple[ResConfig, int, int] | None:
        """The entry ``index`` of one type chunk, or None when absent or out of bounds."""
        buf = self._buf
        start, hsize, end = chunk
        _, flags, _, count, entries_start = _TYPE.unpack_from(buf, start + 8)
        offsets = start + hsize
        base = start + entries_start
        if not offsets <= base <= end:
            return None
        if flags & TYPE_FLAG_SPARSE:  # (u16 index, u16 offset / 4) pairs sorted by index
            lo, hi = 0, min(count, (end - offsets) // 4)
            while lo < hi:
                mid = (lo + hi) // 2
                if _U16.unpack_from(buf, offsets + 4 * mid)[0] < index:
                    lo = mid + 1
                else:
                    hi = mid
            if lo >= min(count, (end - offsets) // 4):
                return None
            idx, off = struct.unpack_from("<HH", buf, offsets + 4 * lo)
            if idx != index:
                return None
            off *= 4
        elif flags & TYPE_FLAG_OFFSET16:
            if index >= count or offsets + 2 * index + 2 > end:
                return None
            off = _U16.unpack_from(buf, offsets + 2 * index)[0]
            if off == NO_ENTRY16:
                return None
            off *= 4
        else:
            if index >= count or offsets + 4 * index + 4 > end:
                return None
            off = _U32.unpack_from(buf, offsets + 4 * index)[0]
            if off == NO_ENTRY32:
                return None
        pos = base + off
        if off & 3 or pos + 8 > end:
            return None
        size, eflags, data = _ENTRY.unpack_from(buf, pos)
        config = self._config(start + 20, hsize - 20)
        if eflags & ENTRY_FLAG_COMPACT:
            return config, eflags >> 8, data
        if eflags & ENTRY_FLAG_COMPLEX:
            return config, _COMPLEX, 0
        if size < 8 or pos + size + 8 > end:
            return None
        _, _, dtype, data = _VALUE.unpack_from(buf, pos + size)
        return config, dtype, data

    def _config(self, at: int, room: int) -> ResConfig:
        """The ResTable_config at ``at``: its declared size, within the header, zero-filled."""
        size = _U32.unpack_from(self._buf, at)[0]
        raw = self._buf[at:at + max(0, min(size, room, CONFIG_FIELDS))]
        config = self._configs.get(raw)
        if config is None:
            fields = _CONFIG.unpack(raw.ljust(CONFIG_FIELDS, b"\x00"))
            config = ResConfig(*fields[1:])
            self._configs[raw] = config
        return config

    def _chunks(self, pos: int, end: int):
        """(type, start, header size, end) of the chunks in [pos, end); stops at a bad one."""
        buf = self._buf
        n = 0
        while pos + 8 <= end:
            kind, hsize, size = _CHUNK.unpack_from(buf, pos)
            if hsize < 8 or size < hsize or pos + size > end:
                return
            n += 1
            if n > MAX_CHUNKS:
                raise ResourceTableError("err_arsc", detail=msg("arsc_chunks", max=MAX_CHUNKS))
            yield kind, pos, hsize, pos + size
            pos += size

    # ----------------------------------------------------------------- values
    def _format(self, dtype: int, data: int) -> str:
        """A plain value as androguard's ``format_value`` writes it."""
        if dtype == TYPE_STRING:
            if self._pool is None:
                raise ResourceTableError("err_arsc", detail=msg("arsc_no_pool"))
            return self._pool.get(data)
        if dtype == TYPE_ATTRIBUTE:
            return "?{}{:08X}".format("android:" if data >> 24 == 1 else "", data)
        if dtype == TYPE_FLOAT:
            return f"{struct.unpack('<f', _U32.pack(data))[0]:f}"
        if dtype == TYPE_INT_HEX:
            return f"0x{data:08X}"
        if dtype == TYPE_INT_BOOLEAN:
            return "false" if data == 0 else "true"
        if dtype == TYPE_DIMENSION and (data & 0xF) < len(_DIMENSION_UNITS):
            return f"{_complex(data):f}{_DIMENSION_UNITS[data & 0xF]}"
        if dtype == TYPE_FRACTION and (data & 0xF) < len(_FRACTION_UNITS):
            return f"{_complex(data) * 100:f}{_FRACTION_UNITS[data & 0xF]}"
        if TYPE_FIRST_COLOR_INT <= dtype <= TYPE_LAST_INT:
            return f"#{data:08X}"
        if TYPE_FIRST_INT <= dtype <= TYPE_LAST_INT:
            return str(data - (1 << 32) if data > 0x7FFFFFFF else data)
        return f"<0x{data:X}, type 0x{dtype:02X}>"


def _complex(data: int) -> float:
    return float(data & 0xFFFFFF00) * _RADIX[(data >> 4) & 3]
