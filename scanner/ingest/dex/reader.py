"""Bounds-checked reader for one dex file held in memory.

Contract: ``DexFile(name, data)`` parses the header and the fixed-size id tables
(string_ids, type_ids, proto_ids, field_ids, method_ids, class_defs) into numpy arrays
without decoding strings; strings are MUTF-8-decoded on first use. Class data (encoded
methods and their code items) is parsed on first use by :meth:`DexFile.methods`.
Instruction starts of all code items are found by :meth:`DexFile.instructions`.

Hostile input: every offset, size and index is checked against the buffer. A damaged
header or id table raises :class:`DexFormatError`; damage local to a class, a method
or a string is recorded in ``DexFile.damage`` (the result is then partial) and the
damaged item is skipped. Work is linear in the buffer size: every walk advances at
least one unit, shared items (type lists) are decoded once, a class_data item is read
for one class only, and the instruction walk over (possibly overlapping) code items is
capped at four times the file's code units.
"""

from __future__ import annotations

import bisect
import logging
import re
import struct
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from scanner.ingest.dex import opcodes
from scanner.ingest.dex.arrays import (
    bounds,
    last_at_or_before,
    positions_union,
    unique,
    unique_first,
)
from scanner.ingest.dex.errors import DexFormatError
from scanner.messages import english, msg, record
from scanner.model.damage import DamageLog

log = logging.getLogger(__name__)

NO_INDEX = 0xFFFFFFFF
HEADER_SIZE = 0x70
_MAGICS = {b"dex\n%03d\x00" % v for v in range(35, 40)}
# When this many methods or fewer are still being walked in lockstep, the rest is
# walked in plain Python: a numpy round costs a few calls (~8 µs) whatever its width, the
# Python walk ~0.35 µs per instruction (on the 30 MB-dex benchmark APK, 256 -> 16 methods:
# 135 -> 80 ms)
_LOCKSTEP_MIN = 16
_MAX_PROBLEMS = 200
#: the part of the app named by damage of its dex files (a skipped part of the result)
CODE = "code"
#: opcodes.LENGTH as a bytes.translate table (every length is below 256)
_LENGTH_BYTES = opcodes.LENGTH.astype(np.uint8).tobytes()
#: Fewest strings decoded together by DexFile.cache_ascii_strings (below, one at a time).
_BULK_MIN = 64


class _Truncated(Exception):
    """Internal: a variable-length item runs past the end of the buffer (a catalog key of
    what and its parameters)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def message(self) -> dict[str, Any]:
        return msg(self.key, **self.params)


def read_uleb128(data: bytes, pos: int) -> tuple[int, int]:
    """Decode an unsigned LEB128 (at most 5 bytes) at ``pos``; return (value, next pos)."""
    result = 0
    shift = 0
    end = len(data)
    for _ in range(5):
        if pos >= end:
            raise _Truncated("dex_uleb_past_end", at=f"{pos:#x}")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & 0xFFFFFFFF, pos
        shift += 7
    return result & 0xFFFFFFFF, pos


def decode_mutf8(raw: bytes) -> str:
    """Decode Modified UTF-8 (``C0 80`` for NUL, surrogate pairs as two 3-byte units)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    fixed = raw.replace(b"\xc0\x80", b"\x00")
    try:
        s = fixed.decode("utf-8", "surrogatepass")
        return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    except UnicodeError:
        return fixed.decode("utf-8", "replace")


class MethodDef(NamedTuple):
    """One method defined by a class_def of this dex (``code_off`` 0 = no code).

    A NamedTuple rather than a dataclass: tens of thousands are made per dex.
    """

    method_idx: int
    access_flags: int
    class_def: int
    code_off: int
    insn_start: int  # word index of the first code unit, -1 without code
    insn_end: int  # word index one past the last code unit, -1 without code


class DexFile:
    """Parsed tables of one dex buffer; see the module docstring for the contract."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.data = bytes(data)
        #: damage local to a class, method or string (scanner.model.damage), bounded
        more = msg("skip_dex_more", dex=name)
        self.damage = DamageLog(_MAX_PROBLEMS, more=english(more), more_msg=more)
        self._string_cache: dict[int, str] = {}
        self._type_names: dict[int, str] = {}
        self._parse_header()

    # ------------------------------------------------------------------ header
    def _fail(self, key: str, /, **params: Any) -> DexFormatError:
        return DexFormatError("err_dex_format", dex=self.name, detail=msg(key, **params))

    def problem(self, key: str, /, **params: Any) -> None:
        """Record damage that makes the result partial (bounded): the catalog key of what is
        wrong (``dex_…``) and its parameters."""
        self.damage.add(*record(msg("part_code"), msg(
            "skip_dex_partly", dex=self.name, detail=msg(key, **params))))

    def _u4(self, off: int) -> int:
        return int.from_bytes(self.data[off : off + 4], "little")

    def _table(self, size_off: int, item: int, what: str, dtype: np.dtype) -> np.ndarray:
        size = self._u4(size_off)
        off = self._u4(size_off + 4)
        n = len(self.data)
        if size == 0:
            return np.zeros(0, dtype=dtype)
        if off < HEADER_SIZE or off + size * item > n or size > n // item:
            raise self._fail("dex_table_outside", table=what, n=size, at=f"{off:#x}")
        return np.frombuffer(self.data, dtype=dtype, count=size, offset=off)

    def _parse_header(self) -> None:
        d = self.data
        if len(d) < HEADER_SIZE:
            raise self._fail("dex_too_short", n=len(d))
        if d[:8] not in _MAGICS:
            raise self._fail("dex_bad_magic", magic=repr(d[:8]))
        if self._u4(40) != 0x12345678:
            raise self._fail("dex_endian")
        file_size = self._u4(32)
        if file_size > len(d):
            raise self._fail("dex_file_size", size=file_size, n=len(d))
        if file_size < len(d):
            # Trailing bytes are harmless; offsets are still checked against the buffer.
            self.problem("dex_trailing", n=len(d) - file_size)
        self.string_offs = self._table(56, 4, "string_ids", np.dtype("<u4"))
        self.type_desc = self._table(64, 4, "type_ids", np.dtype("<u4"))
        self.protos = self._table(
            72, 12, "proto_ids", np.dtype([("shorty", "<u4"), ("ret", "<u4"), ("params", "<u4")])
        )
        self.fields = self._table(
            80, 8, "field_ids", np.dtype([("cls", "<u2"), ("type", "<u2"), ("name", "<u4")])
        )
        self.method_ids = self._table(
            88, 8, "method_ids", np.dtype([("cls", "<u2"), ("proto", "<u2"), ("name", "<u4")])
        )
        self.class_defs = self._table(
            96,
            32,
            "class_defs",
            np.dtype(
                [
                    ("cls", "<u4"),
                    ("flags", "<u4"),
                    ("sup", "<u4"),
                    ("ifaces", "<u4"),
                    ("src", "<u4"),
                    ("annot", "<u4"),
                    ("data", "<u4"),
                    ("static", "<u4"),
                ]
            ),
        )
        ns, nt, np_ = len(self.string_offs), len(self.type_desc), len(self.protos)
        checks = [
            ("type_ids descriptor", self.type_desc, ns),
            ("proto_ids shorty", self.protos["shorty"], ns),
            ("proto_ids return type", self.protos["ret"], nt),
            ("field_ids class", self.fields["cls"], nt),
            ("field_ids type", self.fields["type"], nt),
            ("field_ids name", self.fields["name"], ns),
            ("method_ids class", self.method_ids["cls"], nt),
            ("method_ids proto", self.method_ids["proto"], np_),
            ("method_ids name", self.method_ids["name"], ns),
            ("class_defs class", self.class_defs["cls"], nt),
        ]
        for what, arr, limit in checks:
            if arr.size and int(arr.max()) >= limit:
                raise self._fail("dex_index_range", table=what)
        sup = self.class_defs["sup"]
        if sup.size and bool(np.any((sup != NO_INDEX) & (sup >= nt))):
            raise self._fail("dex_index_range", table="class_defs superclass")
        if self.string_offs.size and int(self.string_offs.max()) >= len(d):
            raise self._fail("dex_string_data_outside")
        self.words = np.frombuffer(d, dtype="<u2", count=len(d) // 2)

    # ----------------------------------------------------------------- strings
    def string(self, idx: int) -> str:
        """The string with index ``idx`` (empty string + problem if damaged)."""
        s = self._string_cache.get(idx)
        if s is not None:
            return s
        if not 0 <= idx < len(self.string_offs):
            self.problem("dex_string_index", idx=idx)
            return ""
        off = int(self.string_offs[idx])
        data = self.data
        utf16_len = data[off] if off < len(data) else 0x80
        if utf16_len < 0x80:  # a one-byte length (most strings): read_uleb128 inlined
            pos = off + 1
        else:
            try:
                utf16_len, pos = read_uleb128(data, off)
            except _Truncated:
                self.problem("dex_string_truncated", idx=idx)
                return ""
        end = data.find(b"\x00", pos, pos + 3 * utf16_len + 1)
        if end < 0:
            self.problem("dex_string_unterminated", idx=idx)
            end = min(len(data), pos + 3 * utf16_len)
        try:  # plain UTF-8 (most strings); decode_mutf8 tries this first too
            s = data[pos:end].decode("utf-8")
        except UnicodeDecodeError:
            s = decode_mutf8(data[pos:end])
        self._string_cache[idx] = s
        return s

    def find_string(self, value: str) -> int:
        """Index of ``value`` in the (sorted) string table, or -1 (memoised)."""
        hit = self._string_index.get(value)
        if hit is None:
            lo = self._string_lower_bound(value)
            hit = lo if lo < len(self.string_offs) and self.string(lo) == value else -1
            self._string_index[value] = hit
        return hit

    @cached_property
    def _string_index(self) -> dict[str, int]:
        return {}

    def _string_lower_bound(self, value: str) -> int:
        return bisect.bisect_left(_StringSeq(self), value)

    def strings_containing(self, needles: Sequence[str], limit: int = 2000) -> list[int]:
        """Indices of strings containing one of ``needles`` (at most ``limit``), sorted.

        The string data region (from the first string's offset to the end of the last) is
        scanned once for any needle's UTF-8 bytes (the same bytes as MUTF-8 for characters of
        the Basic Multilingual Plane other than U+0000); a byte match is mapped to the string
        whose data holds it, which is decoded and checked.
        """
        forms = sorted({n.encode("utf-8") for n in needles if n and "\x00" not in n},
                       key=len, reverse=True)
        if not forms or not len(self.string_offs):
            return []
        data = self.data
        order = np.argsort(self.string_offs, kind="stable")
        starts = self.string_offs[order].astype(np.int64)
        lo = int(starts[0])
        last = data.find(b"\x00", int(starts[-1]))
        hi = len(data) if last < 0 else last + 1
        pattern = re.compile(b"|".join(re.escape(f) for f in forms))
        wanted: set[int] = set()
        first = sorted({f[0] for f in forms})
        if first[0] >= 0x80:
            # needles that all begin with a non-ASCII byte (CJK phrases): the strings holding
            # such a byte are found with one table lookup over the region, and only they are
            # searched (a regex scan of the whole region goes byte by byte in its charset
            # test; most dex string data is ASCII)
            region = np.frombuffer(data, dtype=np.uint8, count=hi - lo, offset=lo)
            lead = np.zeros(256, dtype=bool)
            lead[first] = True
            at = np.flatnonzero(lead[region]) + lo
            ks = unique(np.searchsorted(starts, at, side="right") - 1)
            ends = np.append(starts[1:], hi)
            for k in ks[ks >= 0].tolist():
                if pattern.search(data, int(starts[k]), int(ends[k])):
                    wanted.add(int(order[k]))
                    if len(wanted) >= limit:
                        break
        else:
            for m in pattern.finditer(data, lo, hi):
                k = int(np.searchsorted(starts, m.start(), side="right")) - 1
                if k >= 0:
                    wanted.add(int(order[k]))
                    if len(wanted) >= limit:
                        break
        return sorted(i for i in wanted if any(n and n in self.string(i) for n in needles))

    def strings_with_prefix(self, prefix: str) -> range:
        """Indices of strings starting with ``prefix`` (string_ids are sorted)."""
        lo = self._string_lower_bound(prefix)
        hi = lo
        n = len(self.string_offs)
        # Linear extension keeps this exact even if the table is not perfectly sorted
        # by Python's ordering (UTF-16 vs code point order differ above U+FFFF).
        while hi < n and self.string(hi).startswith(prefix):
            hi += 1
        return range(lo, hi)

    def type_name(self, idx: int) -> str:
        """Descriptor of type ``idx`` (e.g. ``Ljava/lang/String;``), decoded once."""
        s = self._type_names.get(idx)
        if s is None:
            if not 0 <= idx < len(self.type_desc):
                self.problem("dex_type_index", idx=idx)
                return ""
            s = self._type_names[idx] = self.string(int(self.type_desc[idx]))
        return s

    def type_names(self, types: Iterable[int] | np.ndarray) -> list[str]:
        """``[self.type_name(t) for t in types]``, the descriptors not decoded yet read
        together: the plain ASCII ones by :meth:`cache_ascii_strings`, the others in one
        loop with their string offsets taken together (a numpy scalar per read cost more
        than the decoding), those :meth:`string` decodes without a problem (a one-byte
        length, terminated, UTF-8) decoded there as it does it, any other one by
        :meth:`string` itself."""
        types = types.tolist() if isinstance(types, np.ndarray) else list(types)
        names = self._type_names
        nt = len(self.type_desc)
        todo = list(dict.fromkeys(types))  # first occurrences, in order
        if names:
            todo = [t for t in todo if t not in names]
        if todo and (min(todo) < 0 or max(todo) >= nt):
            todo = [t for t in todo if 0 <= t < nt]
        if todo:
            cache, data = self._string_cache, self.data
            # below len(string_offs) (checked)
            at = self.type_desc.take(np.fromiter(todo, dtype=np.int64, count=len(todo)))
            if at.size >= _BULK_MIN:
                self._cache_ascii(at.astype(np.int64))
            sidx = at.tolist()
            got = list(map(cache.get, sidx))
            if None in got:
                offs = self.string_offs.take(at).tolist()
                for k, s in enumerate(got):
                    if s is not None:
                        continue
                    idx, off = sidx[k], offs[k]
                    if off < len(data) and data[off] < 0x80:
                        end = data.find(b"\x00", off + 1, off + 2 + 3 * data[off])
                        if end >= 0:
                            try:
                                s = cache[idx] = data[off + 1 : end].decode("utf-8")
                            except UnicodeDecodeError:
                                pass
                    got[k] = s if s is not None else self.string(idx)
            names.update(zip(todo, got, strict=True))
        try:
            return list(map(names.__getitem__, types))
        except KeyError:  # a type out of range: type_name records it, once per occurrence
            return [names[t] if t in names else self.type_name(t) for t in types]

    def cache_ascii_strings(self, indices: Sequence[int]) -> tuple[list[int], list[str]]:
        """Decode, into the string cache, those of the strings ``indices`` that
        :meth:`string` decodes without a problem from ASCII bytes: a one-byte length, as
        many bytes below 0x80 and none 0, then the terminator (see _cache_ascii); returns
        them (their indices, their texts)."""
        idx = np.fromiter(indices, dtype=np.int64, count=len(indices))
        return self._cache_ascii(idx[(idx >= 0) & (idx < len(self.string_offs))])

    def _cache_ascii(self, idx: np.ndarray) -> tuple[list[int], list[str]]:
        """cache_ascii_strings of string indices in range (int64), all at once: their
        bytes gathered with numpy, checked, and decoded as one text split at the
        terminators (a few hundred instructions a string against several thousand one
        at a time); the others are left to :meth:`string`. A string cached already is
        decoded to the same text again. Records no problem; returns the strings decoded
        (their indices, their texts)."""
        if not idx.size:
            return [], []
        raw = np.frombuffer(self.data, dtype=np.uint8)
        offs = self.string_offs.take(idx).astype(np.int64)
        size = raw.take(np.minimum(offs, raw.size - 1)).astype(np.int64)
        sel = np.flatnonzero((offs < raw.size) & (size < 0x80) & (offs + 1 + size < raw.size))
        if not sel.size:
            return [], []
        length = size.take(sel) + 1  # the bytes and the terminator
        start = np.cumsum(length) - length
        at = np.repeat(offs.take(sel) + 1 - start, length) + np.arange(int(length.sum()))
        text = raw.take(at)
        # each string's only byte that is 0 or above 0x7F must be its terminator
        odd = ((text == 0) | (text >= 0x80)).astype(np.int32)
        good = (np.add.reduceat(odd, start) == 1) & (text.take(start + length - 1) == 0)
        if not good.any():
            return [], []
        if not good.all():
            text = text[np.repeat(good, length)]
        strings = text.tobytes().decode("ascii").split("\x00")
        strings.pop()  # after the last terminator
        keys = idx.take(sel[good]).tolist()
        self._string_cache.update(zip(keys, strings, strict=True))
        return keys, strings

    def find_type(self, descriptor: str) -> int:
        """Index of the type with this descriptor, or -1 (memoised)."""
        hit = self._type_index.get(descriptor)
        if hit is None:
            hit = self._type_index[descriptor] = self._find_type(descriptor)
        return hit

    @cached_property
    def _type_index(self) -> dict[str, int]:
        return {}

    def _find_type(self, descriptor: str) -> int:
        s = self.find_string(descriptor)
        if s < 0:
            return -1
        i = bounds(self.type_desc, s)[0]  # the key in the table's dtype: no cast
        if i < len(self.type_desc) and int(self.type_desc[i]) == s:
            return i
        hits = np.nonzero(self.type_desc == s)[0]  # unsorted (damaged) table
        return int(hits[0]) if hits.size else -1

    def type_list(self, off: int) -> tuple[int, ...]:
        """Type indices of the type_list at ``off`` (0 = empty); cached per offset, since
        many protos and classes share one list (a hostile file can share a huge one)."""
        if off == 0:
            return ()
        hit = self._type_lists.get(off)
        if hit is None:
            hit = self._type_lists[off] = self._read_type_list(off)
        return hit

    @cached_property
    def _type_lists(self) -> dict[int, tuple[int, ...]]:
        return {}

    def _read_type_list(self, off: int) -> tuple[int, ...]:
        if off % 4 or off + 4 > len(self.data):
            self.problem("dex_type_list_offset", off=f"{off:#x}")
            return ()
        size = self._u4(off)
        if off + 4 + 2 * size > len(self.data):
            self.problem("dex_type_list_truncated", off=f"{off:#x}")
            return ()
        # struct, not a numpy view: most lists hold a few items (a proto's parameters)
        items = struct.unpack_from(f"<{size}H", self.data, off + 4)
        if size and max(items) >= len(self.type_desc):
            self.problem("dex_type_list_index", off=f"{off:#x}")
            return ()
        return items

    @cached_property
    def _proto_strings(self) -> dict[int, str]:
        return {}

    def proto_string(self, idx: int) -> str:
        """``(params)ret`` of proto ``idx``."""
        cache = self._proto_strings
        s = cache.get(idx)
        if s is None:
            params_off, ret = self._proto_columns
            params = "".join(map(self.type_name, self.type_list(params_off[idx])))
            s = f"({params}){self.type_name(ret[idx])}"
            cache[idx] = s
        return s

    @cached_property
    def _proto_columns(self) -> tuple[memoryview, memoryview]:
        """(parameter-list offset, return type) of each proto_ids entry: memoryviews, whose
        cells are Python ints without a record or a numpy scalar per read."""
        return tuple(memoryview(np.ascontiguousarray(self.protos[k], dtype=np.int64))
                     for k in ("params", "ret"))

    def method_name(self, midx: int) -> str:
        """``name(params)ret`` of method_ids entry ``midx`` (decoded once)."""
        s = self._method_names.get(midx)
        if s is None:
            names, protos, _cls = self._method_id_columns
            s = self._method_names[midx] = (self.string(int(names[midx]))
                                             + self.proto_string(int(protos[midx])))
        return s

    @cached_property
    def _method_names(self) -> dict[int, str]:
        return {}

    @cached_property
    def _method_id_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(name, proto, class) columns of method_ids (views: one field lookup each)."""
        m = self.method_ids
        return m["name"], m["proto"], m["cls"]

    def method_descriptor(self, midx: int) -> str:
        """``Lcls;->name(params)ret`` of method_ids entry ``midx``."""
        cls = self.type_name(int(self._method_id_columns[2][midx]))
        return f"{cls}->{self.method_name(midx)}"

    def field_descriptor(self, fidx: int) -> str:
        """``Lcls;->name:Ltype;`` of field_ids entry ``fidx``."""
        f = self.fields[fidx]
        cls = self.type_name(int(f["cls"]))
        return f"{cls}->{self.string(int(f['name']))}:{self.type_name(int(f['type']))}"

    def find_methods(self, descriptor: str) -> list[int]:
        """method_ids indices whose descriptor equals ``descriptor``."""
        try:
            cls, rest = descriptor.split("->", 1)
            name, paren, proto = rest.partition("(")
        except ValueError:
            return []
        if not paren:
            return []
        t = self.find_type(cls)
        n = self.find_string(name)
        if t < 0 or n < 0:
            return []
        m = self.method_ids
        cand = self.methods_named(n)
        cand = cand[m["cls"][cand] == t]
        want = "(" + proto
        return [i for i in cand.tolist() if self.proto_string(int(m["proto"][i])) == want]

    @cached_property
    def _methods_by_name(self) -> tuple[np.ndarray, np.ndarray]:
        return _by_name(self.method_ids)

    def methods_named(self, name: int) -> np.ndarray:
        """method_ids indices whose name is string ``name``, ascending."""
        return _named(self._methods_by_name, name)

    def find_fields(self, descriptor: str) -> list[int]:
        """field_ids indices whose descriptor equals ``descriptor``."""
        cls, sep, rest = descriptor.partition("->")
        name, sep2, typ = rest.partition(":")
        if not sep or not sep2:
            return []
        t, n, ft = self.find_type(cls), self.find_string(name), self.find_type(typ)
        if min(t, n, ft) < 0:
            return []
        f = self.fields
        cand = self.fields_named(n)
        return cand[(f["cls"][cand] == t) & (f["type"][cand] == ft)].tolist()

    @cached_property
    def _fields_by_name(self) -> tuple[np.ndarray, np.ndarray]:
        return _by_name(self.fields)

    def fields_named(self, name: int) -> np.ndarray:
        """field_ids indices whose name is string ``name``, ascending."""
        return _named(self._fields_by_name, name)

    def find_methods_in(self, classes: Iterable[str], sig: str) -> list[int]:
        """method_ids indices of ``C->sig`` for any class C of ``classes``, ascending (the
        union of ``find_methods`` over the classes, in one pass over the table)."""
        name, paren, proto = sig.partition("(")
        n = self.find_string(name)
        if not paren or n < 0:
            return []
        tids = [t for t in (self.find_type(c) for c in classes) if t >= 0]
        if not tids:
            return []
        m = self.method_ids
        sel = m["name"] == n
        sel &= np.isin(m["cls"], tids) if len(tids) > 1 else m["cls"] == tids[0]
        want = "(" + proto
        return [int(i) for i in np.nonzero(sel)[0]
                if self.proto_string(int(m["proto"][i])) == want]

    def find_fields_in(self, classes: Iterable[str], member: str) -> list[int]:
        """field_ids indices of ``C->name:type`` for any class C of ``classes``, ascending
        (the union of ``find_fields`` over the classes, in one pass over the table)."""
        name, sep, typ = member.partition(":")
        n, ft = self.find_string(name), self.find_type(typ)
        if not sep or n < 0 or ft < 0:
            return []
        tids = [t for t in (self.find_type(c) for c in classes) if t >= 0]
        if not tids:
            return []
        f = self.fields
        sel = (f["name"] == n) & (f["type"] == ft)
        sel &= np.isin(f["cls"], tids) if len(tids) > 1 else f["cls"] == tids[0]
        return [int(i) for i in np.nonzero(sel)[0]]

    # ----------------------------------------------------------------- classes
    def class_name(self, cdef: int) -> str:
        """Descriptor of class_def ``cdef``."""
        return self.type_name(int(self.class_defs["cls"][cdef]))

    def superclass(self, cdef: int) -> str | None:
        """Superclass descriptor of class_def ``cdef`` (None for java.lang.Object)."""
        s = int(self.class_defs["sup"][cdef])
        return None if s == NO_INDEX else self.type_name(s)

    def interfaces(self, cdef: int) -> tuple[str, ...]:
        """Interface descriptors directly implemented by class_def ``cdef``."""
        off = int(self.class_defs["ifaces"][cdef])
        hit = self._interface_names.get(off)
        if hit is None:
            hit = self._interface_names[off] = tuple(self.type_name(t) for t in self.type_list(off))
        return hit

    @cached_property
    def _interface_names(self) -> dict[int, tuple[str, ...]]:
        return {}

    def _class_data(self, cdef: int) -> tuple[list[tuple[int, int]], list[MethodDef]]:
        """Static fields [(field_idx, flags)] and methods of class_def ``cdef``."""
        off = int(self.class_defs["data"][cdef])
        if off == 0:
            return [], []
        data = self.data
        statics: list[tuple[int, int]] = []
        methods: list[MethodDef] = []
        nfield, nmeth, nwords = len(self.fields), len(self.method_ids), len(self.words)
        try:
            if off >= len(data):
                raise _Truncated("dex_class_data_outside")
            sizes = []
            pos = off
            for _ in range(4):
                v, pos = read_uleb128(data, pos)
                sizes.append(v)
            # Each encoded item takes at least 2 (fields) or 3 (methods) bytes.
            if (sizes[0] + sizes[1]) * 2 + (sizes[2] + sizes[3]) * 3 > len(data) - pos:
                raise _Truncated("dex_class_data_sizes", sizes=str(sizes))
            for k in range(2):
                idx = 0
                for _ in range(sizes[k]):
                    diff, pos = read_uleb128(data, pos)
                    flags, pos = read_uleb128(data, pos)
                    idx += diff
                    if k == 0:
                        if idx >= nfield:
                            raise _Truncated("dex_field_index", idx=idx)
                        statics.append((idx, flags))
            end = len(data)
            for k in (2, 3):
                idx = 0
                for _ in range(sizes[k]):
                    # single-byte fast path for the common small values
                    if pos + 3 <= end and data[pos] < 0x80 and data[pos + 1] < 0x80:
                        diff, flags = data[pos], data[pos + 1]
                        pos += 2
                    else:
                        diff, pos = read_uleb128(data, pos)
                        flags, pos = read_uleb128(data, pos)
                    b = data[pos] if pos < end else 0x80
                    if b < 0x80:
                        code_off = b
                        pos += 1
                    else:
                        code_off, pos = read_uleb128(data, pos)
                    idx += diff
                    if idx >= nmeth:
                        raise _Truncated("dex_method_index", idx=idx)
                    start = end = -1
                    if code_off:
                        if code_off % 2 or code_off + 16 > len(data):
                            self.problem("dex_code_outside", off=f"{code_off:#x}")
                            code_off = 0
                        else:
                            n_insns = self._u4(code_off + 12)
                            start = (code_off + 16) // 2
                            end = start + n_insns
                            if end > nwords:
                                self.problem("dex_code_truncated", off=f"{code_off:#x}")
                                end = nwords
                    methods.append(MethodDef(idx, flags, cdef, code_off, start, end))
        except _Truncated as e:
            self.problem("dex_class_damaged", cls=self.class_name(cdef), detail=e.message())
        return statics, methods

    @cached_property
    def method_table(self) -> MethodTable:
        """All methods defined in this dex, in class_def order, as parallel arrays.

        A class_data item is read for one class only: compilers never share them, and
        a hostile file pointing thousands of classes at one large item would otherwise
        cost quadratic time. The items are decoded together with numpy
        (:func:`_class_data_arrays`); a class whose item that decoding cannot vouch for
        (not on a LEB128 boundary, over-long LEB128, runs past the decoded region, an
        index out of range) is read by the byte-wise reader, which records the damage.
        """
        offs = self.class_defs["data"].astype(np.int64)
        ncls = len(offs)
        use = offs > 0
        # A class_data item shared by several class_defs is read for the first only.
        if use.any():
            _vals, first = unique_first(offs)
            owner = np.zeros(ncls, dtype=bool)
            owner[first] = True
            for c in np.nonzero(use & ~owner)[0].tolist():
                self.problem("dex_class_data_shared", cls=self.class_name(c),
                             off=f"{int(offs[c]):#x}")
            use &= owner
        fast, parts = _class_data_arrays(self, offs, use)
        slow = np.nonzero(use & ~fast)[0].tolist()
        if slow:
            # Per-class pieces in class_def order: vectorised rows, then byte-wise ones.
            rows = [parts]
            for c in slow:
                ms = self._class_data(c)[1]
                if ms:
                    rows.append(np.array(ms, dtype=np.int64).reshape(-1, 6).T)
            table = np.concatenate(rows, axis=1)
            order = np.argsort(table[2], kind="stable")
            parts = table[:, order]
        return MethodTable(*(np.ascontiguousarray(parts[k]) for k in range(6)))

    @cached_property
    def methods(self) -> _MethodSeq:
        """All methods defined in this dex (a sequence of :class:`MethodDef`)."""
        return _MethodSeq(self.method_table)

    def static_fields(self, cdef: int) -> list[tuple[int, int]]:
        """(field_idx, access_flags) of the static fields of class_def ``cdef``."""
        return self._class_data(cdef)[0]

    def static_values(self, cdef: int, count: int) -> list[object]:
        """First ``count`` encoded static values of ``cdef`` (str, int, None, ...).

        Strings are returned as ``str``; other kinds as ints/floats/booleans/None or
        an opaque placeholder. Values not present in the array are absent.
        """
        off = int(self.class_defs["static"][cdef])
        if off == 0:
            return []
        try:
            size, pos = read_uleb128(self.data, off)
            out: list[object] = []
            for _ in range(min(size, count)):
                val, pos = self._encoded_value(pos, 0)
                out.append(val)
            return out
        except _Truncated as e:
            self.problem("dex_static_values", cls=self.class_name(cdef), detail=e.message())
            return []

    def _encoded_value(self, pos: int, depth: int) -> tuple[object, int]:
        d = self.data
        if pos >= len(d) or depth > 16:
            raise _Truncated("dex_encoded_value", at=f"{pos:#x}")
        head = d[pos]
        pos += 1
        vtype, arg = head & 0x1F, head >> 5
        if vtype == 0x1C:  # array
            n, pos = read_uleb128(d, pos)
            if n > len(d) - pos:
                raise _Truncated("dex_encoded_array_large")
            items = []
            for _ in range(n):
                v, pos = self._encoded_value(pos, depth + 1)
                items.append(v)
            return items, pos
        if vtype == 0x1D:  # annotation
            _, pos = read_uleb128(d, pos)
            n, pos = read_uleb128(d, pos)
            if n > len(d) - pos:
                raise _Truncated("dex_encoded_annotation_large")
            for _ in range(n):
                _, pos = read_uleb128(d, pos)
                _, pos = self._encoded_value(pos, depth + 1)
            return None, pos
        if vtype == 0x1E:
            return None, pos
        if vtype == 0x1F:
            return bool(arg), pos
        size = arg + 1
        if pos + size > len(d):
            raise _Truncated("dex_encoded_value_truncated", at=f"{pos:#x}")
        raw = int.from_bytes(d[pos : pos + size], "little")
        pos += size
        if vtype == 0x17:
            if raw >= len(self.string_offs):
                raise _Truncated(f"string index {raw} out of range")
            return self.string(raw), pos
        if vtype in (0x00, 0x02, 0x04, 0x06):  # signed, sign-extend
            bits = size * 8
            if raw >> (bits - 1):
                raw -= 1 << bits
            return raw, pos
        return raw, pos

    # ------------------------------------------------------------ instructions
    @cached_property
    def instructions(self) -> np.ndarray:
        """Sorted word indices of every real instruction start in every code item.

        Payload pseudo-instructions are stepped over, never reported. An
        instruction that does not fit in its code item is dropped (problem noted).
        int32: a word index of a dex under ``MAX_DEX`` (512 MiB) fits, in half the
        memory (2.2 million instructions on a 30 MB dex).
        """
        t = self.method_table
        with_code = (t.insn_start >= 0) & (t.insn_end > t.insn_start)
        if not with_code.any():
            return np.zeros(0, dtype=np.int32)
        starts, ends = t.insn_start[with_code], t.insn_end[with_code]
        # Shared code items (deduplicated by an optimiser) are walked once.
        starts, first = unique_first(starts)
        ends = ends[first]
        words = self.words
        # Length of the instruction that would start at each code unit, for every unit
        # of every code item at once; consulted only at real instruction boundaries.
        lo, hi = int(starts.min()), int(ends.max())
        region = words[lo:hi]
        # the units' low bytes (little-endian units), mapped through a 256-byte table by
        # bytes.translate: a fraction of the cost of a numpy lookup of every unit
        low_bytes = region.view(np.uint8)[0::2].tobytes()
        lens = np.frombuffer(low_bytes.translate(_LENGTH_BYTES), dtype=np.uint8).astype(np.int32)
        low = np.frombuffer(low_bytes, dtype=np.uint8)
        # payload idents (0x0100, 0x0200, 0x0300): units whose low byte is 0 (nop), rare,
        # then their high byte: two passes over the region instead of five
        pay = np.flatnonzero(low == 0)
        pay = pay[(region[pay] >= 0x100) & (region[pay] <= 0x300)]
        if pay.size:
            lens[pay] = np.minimum(_payload_lengths(words, pay + lo), 1 << 30)
        # The walk is in positions relative to ``lo``, those of ``lens``: no subtraction
        # per step.
        found: list[np.ndarray] = []
        ptr, end = starts - lo, ends - lo
        # Code items may overlap in a hostile file; cap the total walk at a few times the
        # file's code units so that overlapping items cannot make it quadratic.
        budget = 4 * len(words) + 1024
        while ptr.size > _LOCKSTEP_MIN:
            budget -= ptr.size
            if budget < 0:
                break
            found.append(ptr)
            ptr = ptr + lens.take(ptr)
            keep = ptr < end
            ptr, end = ptr[keep], end[keep]
        for p0, e0 in zip(ptr.tolist(), end.tolist(), strict=True):
            if budget < 0:
                self.problem("dex_code_overlap")
                break
            budget -= e0 - p0
            seg = lens[p0:e0].tolist()
            pos, out = p0, []
            while pos < e0:
                out.append(pos)
                pos += seg[pos - p0]
            # struct converts the ints at a fraction of the cost of numpy's conversion
            found.append(np.frombuffer(struct.pack(f"{len(out)}q", *out), dtype=np.int64))
        # sorted; overlapping items deduplicated
        rel = positions_union(found, 0, hi - lo)
        if starts.size > 1 and bool(np.any(ends[:-1] > starts[1:])):
            return self._kept_instructions(rel + lo, lo, lens, starts, ends)
        # Disjoint code items (starts ascend): each position found is in the item that
        # walked to it, the last start at or before it, and each instruction but an item's
        # last ends before the next one starts, inside the item. So only an item's last
        # instruction can be cut by its code end, and payloads (data, not instructions)
        # are the payload idents among the positions.
        item_end = ends - lo
        at = rel.searchsorted(item_end) - 1  # each item's last position (its start's, or after)
        last = rel.take(at)
        cut = last + lens.take(last) > item_end
        truncated = int(np.count_nonzero(cut))
        drop = [at[cut]] if truncated else []
        if pay.size:
            k = np.minimum(rel.searchsorted(pay), rel.size - 1)
            drop.append(k[rel.take(k) == pay])
        if drop:
            rel = np.delete(rel, np.concatenate(drop))
        if truncated:
            self.problem("dex_insns_past_end", n=truncated)
        ins = rel.astype(np.int32)
        ins += lo
        return ins

    def _kept_instructions(self, ins: np.ndarray, lo: int, lens: np.ndarray,
                           starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The positions walked to (``ins``, sorted) without payloads and instructions cut
        by the code end of their item (the last start at or before them; code items may
        overlap in a hostile file)."""
        words = self.words
        owner_end = self._end_of(ins, starts, ends)
        ins_len = lens.take(ins - lo)
        first_unit = words.take(ins)
        pay_at = (first_unit >= 0x100) & (first_unit <= 0x300) & (first_unit & 0xFF == 0)
        fits = ins + ins_len <= owner_end
        truncated = int(np.count_nonzero(~fits))
        ins = ins[fits & ~pay_at].astype(np.int32)
        if truncated:
            self.problem("dex_insns_past_end", n=truncated)
        return ins

    @staticmethod
    def _end_of(pos: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """End (exclusive) of the code item of the last start at or before each position
        (``pos`` and ``starts`` sorted; a position before every start gets the first end).

        The last start is found by :func:`~scanner.ingest.dex.arrays.last_at_or_before`
        (a binary search per code item, not per position: 2.3 million searches on the
        30 MB-dex benchmark APK)."""
        if not len(starts):
            return np.zeros(len(pos), dtype=ends.dtype)
        return ends.take(np.clip(last_at_or_before(pos, starts), 0, None))

    @cached_property
    def code_ranges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sorted insn starts, insn ends, index into ``methods``) of methods with code."""
        t = self.method_table
        idx = np.flatnonzero(t.insn_start >= 0)
        starts, ends = t.insn_start[idx], t.insn_end[idx]
        order = np.argsort(starts, kind="stable")
        return starts[order], ends[order], idx[order]

    def owner_of(self, positions: np.ndarray, ascending: bool = False) -> np.ndarray:
        """Index into ``methods`` of the method containing each word position (-1: none).
        ``ascending``: the positions are in ascending order."""
        starts, ends, midx = self.code_ranges
        if not starts.size:
            return np.full(len(positions), -1, dtype=np.int64)
        if ascending and len(positions) > len(starts):
            k = last_at_or_before(positions, starts)
        else:
            k = np.searchsorted(starts, positions, side="right") - 1
        kc = np.clip(k, 0, None)
        ok = (k >= 0) & (positions < ends.take(kc))
        return np.where(ok, midx.take(kc), -1)

    def insn_positions(self, start: int, end: int) -> np.ndarray:
        """Word positions of the instructions in ``[start, end)`` (a view of
        :attr:`instructions`), e.g. one method's code."""
        ins = self.instructions
        lo, hi = bounds(ins, start, end)
        return ins[lo:hi]

    def sites(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(word positions, opcodes) of real instructions whose opcode is in ``ops``."""
        op = self._opcodes
        # byte comparisons with each run of consecutive opcodes: cheaper than a lookup
        # per instruction in a 256-entry table (or np.isin)
        sel = np.zeros(op.size, dtype=bool)
        for lo, hi in _runs(ops):
            sel |= (op >= lo) & (op <= hi) if hi > lo else op == lo
        # positions, then two takes: a third of the time of two boolean selections
        at = np.flatnonzero(sel)
        return self.instructions.take(at), op.take(at).astype(np.uint16)

    @cached_property
    def _opcodes(self) -> np.ndarray:
        """Opcode of each of :attr:`instructions`, one byte each: read from the code once
        for the four operand groups (2.3 MB on a 30 MB dex)."""
        return (self.words.take(self.instructions) & 0xFF).astype(np.uint8)

    @cached_property
    def _op_arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        return {}

    def operand_sites(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cached (positions, opcodes, index operand, owner method) for an opcode group.

        ``kind`` is one of ``invoke``, ``field``, ``string``, ``new``. The index
        operand is the method/field/string/type index the instruction refers to.
        """
        cache = self._op_arrays
        if kind in cache:
            return cache[kind]
        groups = {
            "invoke": opcodes.INVOKE_OPS,
            "field": opcodes.FIELD_OPS,
            "string": np.array([opcodes.CONST_STRING, opcodes.CONST_STRING_JUMBO], np.uint16),
            "new": np.array([opcodes.NEW_INSTANCE], np.uint16),
        }
        pos, op = self.sites(groups[kind])
        arg = self.words.take(pos + 1).astype(np.int64)
        if kind == "string":
            jumbo = op == opcodes.CONST_STRING_JUMBO
            arg[jumbo] |= self.words[pos[jumbo] + 2].astype(np.int64) << 16
        owner = self.owner_of(pos, ascending=True)  # instructions are in code order
        bad = arg >= self._operand_limit(kind)
        if bad.any():
            self.problem("dex_insn_index", n=int(bad.sum()), kind=msg(f"dex_kind_{kind}"))
            keep = ~bad
            pos, op, arg, owner = pos[keep], op[keep], arg[keep], owner[keep]
        # Every index is now below its table's length: int32, half the memory.
        cache[kind] = (pos, op, arg.astype(np.int32), owner.astype(np.int32))
        return cache[kind]


    def rows_by_operand(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(row starts per index, rows of ``operand_sites(kind)`` ordered by their index
        operand, in row order within one index): the sites of a few methods or fields
        without a pass over all of them. Built once per dex and kind, for the call-site
        index, the call graph and the argument analysis alike."""
        cache = self._operand_rows
        hit = cache.get(kind)
        if hit is None:
            arg = self.operand_sites(kind)[2]
            size = self._operand_limit(kind)
            # a radix sort of 16-bit operands where they fit
            order = np.argsort(arg.astype(np.uint16) if size <= 0x10000 else arg,
                               kind="stable").astype(np.int32)
            ptr = np.zeros(size + 1, dtype=np.int64)
            np.cumsum(np.bincount(arg, minlength=size), out=ptr[1:])
            hit = cache[kind] = (ptr, order)
        return hit

    def rows_with_operands(self, kind: str, ids: Iterable[int]) -> np.ndarray:
        """Rows of ``operand_sites(kind)`` whose index operand is one of ``ids``, ascending
        (through :meth:`rows_by_operand`; ids outside the table are ignored)."""
        ptr, order = self.rows_by_operand(kind)
        parts = [order[ptr[k] : ptr[k + 1]] for k in ids if 0 <= k < len(ptr) - 1]
        if not parts:
            return np.zeros(0, dtype=np.int32)
        return parts[0] if len(parts) == 1 else unique(np.concatenate(parts))

    @cached_property
    def _operand_rows(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {}

    def _operand_limit(self, kind: str) -> int:
        """Length of the table the index operand of ``operand_sites(kind)`` points into."""
        return {
            "invoke": len(self.method_ids),
            "field": len(self.fields),
            "string": len(self.string_offs),
            "new": len(self.type_desc),
        }[kind]


class MethodTable(NamedTuple):
    """The methods of one dex as parallel int64 arrays (see :class:`MethodDef`)."""

    method_idx: np.ndarray
    access_flags: np.ndarray
    class_def: np.ndarray
    code_off: np.ndarray
    insn_start: np.ndarray
    insn_end: np.ndarray


class _MethodSeq:
    """``DexFile.methods``: a read-only sequence of MethodDef over a MethodTable."""

    def __init__(self, table: MethodTable) -> None:
        self.table = table
        # Memoryviews over the table's arrays: indexing gives Python ints like a list
        # does, without a Python int object per cell (about 32 MiB on a 30 MB dex).
        self._cols = [memoryview(np.ascontiguousarray(c, dtype=np.int64)) for c in table]

    def __len__(self) -> int:
        return len(self._cols[0])

    def __getitem__(self, k: int) -> MethodDef:
        c = self._cols
        return MethodDef(c[0][k], c[1][k], c[2][k], c[3][k], c[4][k], c[5][k])

    def __iter__(self):
        return map(MethodDef, *self._cols)


#: Bytes decoded past the last class_data offset (the last item); a longer last item
#: is read byte-wise.
_CLASS_DATA_TAIL = 1 << 16
#: Largest span of class_data decoded at once (64k methods need well under 2 MiB); about
#: 20 bytes of temporary arrays per byte of span.
_CLASS_DATA_MAX = 4 << 20


def _class_data_arrays(dex: DexFile, offs: np.ndarray, use: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Decode the class_data items of the classes ``use`` selects, all at once.

    The bytes from the first to past the last item are split into LEB128 values at
    their terminator bytes (< 0x80). Decoding from a position is deterministic, so an
    item whose first byte starts one of these values is exactly the run of values that
    follows it, provided none of them is longer than 5 bytes (where the byte-wise
    reader stops early). Returns (classes decoded here, 6 x n array of MethodDef
    fields in class_def order).
    """
    ncls = len(offs)
    empty = np.zeros((6, 0), dtype=np.int64)
    fast = np.zeros(ncls, dtype=bool)
    if not use.any():
        return fast, empty
    data, nwords = dex.data, len(dex.words)
    lo = int(offs[use].min())
    hi = min(len(data), int(offs[use].max()) + _CLASS_DATA_TAIL)
    if lo >= hi:
        return fast, empty
    if hi - lo > _CLASS_DATA_MAX:
        return fast, empty  # not a compiler's layout: read byte-wise, bounded memory
    raw = np.frombuffer(data, dtype=np.uint8, count=hi - lo, offset=lo)
    term = np.flatnonzero(raw < 0x80)
    if not term.size:
        return fast, empty
    ustart = np.empty(term.size, dtype=np.int64)
    ustart[0] = 0
    ustart[1:] = term[:-1] + 1
    ulen = term - ustart + 1
    # value = sum of 7-bit groups; groups past the 5th only occur in over-long values,
    # which are excluded below, so their contribution is zeroed to avoid overflow.
    # uint32 arithmetic wraps exactly like the byte-wise reader's final 32-bit mask (the
    # 7-bit groups do not overlap, so their sum is their OR); half the memory of int64.
    body = raw[: term[-1] + 1].astype(np.uint32) & 0x7F
    k = np.arange(body.size, dtype=np.int32) - np.repeat(ustart.astype(np.int32), ulen)
    body = np.where(k < 5, body << np.minimum(7 * k, 28).astype(np.uint32), np.uint32(0))
    vals = np.add.reduceat(body, ustart, dtype=np.uint32).astype(np.int64)
    longs = np.concatenate(([0], np.cumsum(ulen > 5)))  # over-long values before u

    cls = np.nonzero(use)[0]
    rel = offs[cls] - lo
    u = np.searchsorted(ustart, rel)
    ok = (u < ustart.size) & (ustart[np.minimum(u, ustart.size - 1)] == rel)
    ok &= u + 4 <= vals.size
    cls, u = cls[ok], u[ok]
    sizes = vals[u[:, None] + np.arange(4)]
    nfields = sizes[:, 0] + sizes[:, 1]
    nmeth = sizes[:, 2] + sizes[:, 3]
    end = u + 4 + 2 * nfields + 3 * nmeth
    ok = end <= vals.size
    ok[ok] &= longs[end[ok]] == longs[u[ok]]
    cls, u, sizes, nfields, nmeth, end = (a[ok] for a in (cls, u, sizes, nfields, nmeth, end))
    if not cls.size:
        return fast, empty

    # Static field indices must be in range (static_fields() reads them byte-wise).
    nst = sizes[:, 0]
    if nst.sum():
        fcls = np.repeat(np.arange(cls.size), nst)
        fj = np.arange(fcls.size) - np.repeat(np.cumsum(nst) - nst, nst)
        fdiff = vals[np.repeat(u + 4, nst) + 2 * fj]
        fidx = _segment_cumsum(fdiff, np.repeat(np.cumsum(nst) - nst, nst))
        bad_f = np.zeros(cls.size, dtype=bool)
        bad_f[fcls[fidx >= len(dex.fields)]] = True
    else:
        bad_f = np.zeros(cls.size, dtype=bool)

    total = int(nmeth.sum())
    first = np.cumsum(nmeth) - nmeth
    mcls = np.repeat(np.arange(cls.size), nmeth)
    j = np.arange(total) - first[mcls]
    tri = (u + 4 + 2 * nfields)[mcls] + 3 * j
    diff, flags, code = vals[tri], vals[tri + 1], vals[tri + 2]
    # method_idx restarts at each list: direct methods, then virtual methods.
    virtual = j >= sizes[mcls, 2]
    seg_first = first[mcls] + np.where(virtual, sizes[mcls, 2], 0)
    midx = _segment_cumsum(diff, seg_first)
    bad = bad_f
    bad[mcls[midx >= len(dex.method_ids)]] = True

    # Code items: even offset inside the file, insns_size read from the item.
    has = code != 0
    inside = has & (code % 2 == 0) & (code + 16 <= len(data))
    n_insns = np.zeros(total, dtype=np.int64)
    w = (code[inside] + 12) // 2
    n_insns[inside] = dex.words[w].astype(np.int64) | (dex.words[w + 1].astype(np.int64) << 16)
    start = np.where(inside, (code + 16) // 2, -1)
    stop = np.where(inside, start + n_insns, -1)
    outside = has & ~inside
    cut = inside & (stop > nwords)
    if outside.any() or cut.any():
        bad[mcls[outside | cut]] = True  # the byte-wise reader reports these

    keep_c = ~bad
    keep_m = keep_c[mcls]
    fast[cls[keep_c]] = True
    parts = np.stack([midx, flags, cls[mcls], code, start, stop])[:, keep_m]
    return fast, parts


def _runs(values: Iterable[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive integers among ``values``, ascending."""
    out: list[tuple[int, int]] = []
    for v in sorted({int(x) for x in values}):
        if out and out[-1][1] == v - 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _segment_cumsum(x: np.ndarray, seg_first: np.ndarray) -> np.ndarray:
    """Running sums of ``x`` restarting at each segment (``seg_first[i]`` = index of the
    first element of i's segment)."""
    cs = np.cumsum(x)
    return cs - cs[seg_first] + x[seg_first]


def _by_name(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the name string index of each row of a method_ids or field_ids table, sorted; the
    row indices in that order), the rows of one name ascending (a stable sort)."""
    names = np.ascontiguousarray(table["name"])
    # a radix sort of 16-bit indices where they fit (the same stable order)
    small = not names.size or int(names.max()) < 0x10000  # unsigned: never negative
    order = np.argsort(names.astype(np.uint16) if small else names, kind="stable")
    return names[order], order


def _named(by_name: tuple[np.ndarray, np.ndarray], name: int) -> np.ndarray:
    """Row indices whose name is string ``name``, ascending (``by_name`` from _by_name)."""
    keys, order = by_name
    lo, hi = bounds(keys, name, name + 1)
    return order[lo:hi]


def _payload_lengths(words: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Vectorised :func:`opcodes.payload_length` at word positions ``pos`` (payload idents).

    Header fields past the end of the buffer read as 0xFFFF so that a truncated payload
    runs past its code item and is reported as truncated.
    """
    n = len(words)

    def at(k: int) -> np.ndarray:
        q = pos + k
        return np.where(q < n, words[np.minimum(q, n - 1)], 0xFFFF).astype(np.int64)

    ident = words[pos]
    size1 = at(1)
    fill = (at(2) | (at(3) << 16)) * size1
    return np.where(
        ident == opcodes.PACKED_SWITCH_PAYLOAD,
        size1 * 2 + 4,
        np.where(ident == opcodes.SPARSE_SWITCH_PAYLOAD, size1 * 4 + 2, (fill + 1) // 2 + 4),
    )


class _StringSeq:
    """Sequence view of a dex string table for ``bisect`` (decodes on access)."""

    def __init__(self, dex: DexFile) -> None:
        self._dex = dex

    def __len__(self) -> int:
        return len(self._dex.string_offs)

    def __getitem__(self, i: int) -> str:
        return self._dex.string(i)
