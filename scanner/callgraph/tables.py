"""Per-dex lookup tables for the reachability search (:mod:`scanner.callgraph.reachability`).

Each table is built on first use from one :class:`DexFile`: method ids grouped by name and
prototype, the invoke sites calling each method id, class-initialisation triggers, string
and type lookups that give the reader's answers without its per-step overhead. A method
of the app is a node, one int: ``dex position << SHIFT | position in DexFile.methods``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from functools import cached_property

import numpy as np

from scanner.ingest.dex import opcodes
from scanner.ingest.dex.arrays import bounds, unique
from scanner.ingest.dex.reader import DexFile, read_uleb128

#: A method is a node ``dex << SHIFT | position in DexFile.methods``: one int is much
#: cheaper to hash and compare than a MethodRef, and the search handles thousands.
SHIFT = 32
LOW = (1 << SHIFT) - 1

#: No callers (shared, never changed).
NO_CALLERS = array("q")

#: Largest number of distinct method names decoded to rule out a name in another dex
#: without a string-table lookup (small secondary dex files).
_NAME_SET_LIMIT = 4000

#: Steps of find_string's binary search taken at once (see DexTables._top_probes).
_TOP_LEVELS = 10


def stable_order(*keys: np.ndarray) -> np.ndarray:
    """Indices that sort by ``keys[0]``, then ``keys[1]`` ..., ties in index order (a
    stable sort). Non-negative integer keys are sorted 16 bits at a time, least
    significant first, so that numpy uses its radix sort."""
    n = keys[0].size
    order = np.arange(n, dtype=np.int64)
    for key in reversed(keys):
        key = np.asarray(key, dtype=np.int64)
        top = int(key.max()) if n else 0
        shift = 0
        while True:
            digit = ((key[order] >> shift) & 0xFFFF).astype(np.uint16)
            order = order[np.argsort(digit, kind="stable")]
            shift += 16
            if top >> shift == 0:
                break
    return order


def _narrow(a: np.ndarray) -> np.ndarray:
    """``a`` as int32 when its values fit (method and type indices, positions in a
    method table, -1): half the memory of the int64 arrays they come in."""
    if a.size and (int(a.min()) < -(2**31) or int(a.max()) >= 2**31):
        return a
    return a.astype(np.int32)


class DexTables:
    """Lookup tables of one dex for the search, each built on first use."""

    def __init__(self, dex: DexFile, position: int, others: bool = False) -> None:
        self.dex = dex
        self.others = others
        self.base = position << SHIFT
        self.methods = dex.methods
        self.id_name = dex.method_ids["name"]
        self.id_proto = dex.method_ids["proto"]
        # Columns read one cell at a time (a memoryview gives a Python int without the
        # cost of a numpy scalar or of a MethodDef per read; no copy when the table is
        # int64 already).
        tab = dex.method_table
        self.method_idx, self.access_flags, self.class_def = (
            memoryview(np.ascontiguousarray(c, dtype=np.int64))
            for c in (tab.method_idx, tab.access_flags, tab.class_def)
        )
        self._names = memoryview(np.ascontiguousarray(self.id_name, dtype=np.int64))
        self._protos = memoryview(np.ascontiguousarray(self.id_proto, dtype=np.int64))
        self.cdef_names: dict[int, str] = {}
        self._type_names: dict[int, str] = {}
        self._callers: dict[int, array] = {}
        self._strings: dict[str, int] = {}
        self._types: dict[str, int] = {}

    def class_name(self, cdef: int) -> str:
        hit = self.cdef_names.get(cdef)
        if hit is None:
            hit = self.cdef_names[cdef] = self.dex.class_name(cdef)
        return hit

    def type_name(self, t: int) -> str:
        hit = self._type_names.get(t)
        if hit is None:
            hit = self._type_names[t] = self.dex.type_name(t)
        return hit

    def name_proto(self, midx: int) -> tuple[int, int]:
        return self._names[midx], self._protos[midx]

    def class_methods(self, cdef: int) -> list[int]:
        """Positions in ``methods`` of class_def ``cdef``'s methods, ascending (the
        order of DexIndex.class_methods)."""
        cd = self.dex.method_table.class_def
        if self._cdef_sorted:
            lo, hi = bounds(cd, cdef, cdef + 1)
            return list(range(lo, hi))
        return np.flatnonzero(cd == cdef).tolist()

    @cached_property
    def _cdef_sorted(self) -> bool:
        c = self.dex.method_table.class_def
        return bool(np.all(c[1:] >= c[:-1]))

    # ------------------------------------------------------- string lookups
    def find_string(self, value: str) -> int:
        """``DexFile.find_string(value)``: the same binary search over the same
        strings (so the same answer, even on a damaged table), with the probed
        strings kept in a list instead of behind two calls each."""
        hit = self._strings.get(value)
        if hit is None:
            probe = self._probe
            text = self._text
            lo, hi = 0, len(probe)
            top = self._top_probes
            if top is not None:  # the first _TOP_LEVELS steps at once
                pos, strings = top
                j = bisect_left(strings, value)
                lo = pos[j - 1] + 1 if j else 0
                hi = pos[j] if j < len(pos) else len(probe)
            while lo < hi:  # bisect.bisect_left, as DexFile._string_lower_bound
                mid = (lo + hi) // 2
                s = probe[mid]
                if s is None:
                    s = probe[mid] = text(mid)
                if s < value:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < len(probe):
                s = probe[lo]
                if s is None:
                    s = probe[lo] = text(lo)
                hit = lo if s == value else -1
            else:
                hit = -1
            self._strings[value] = hit
        return hit

    @cached_property
    def _probe(self) -> list[str | None]:
        return [None] * len(self.dex.string_offs)

    @cached_property
    def _top_probes(self) -> tuple[list[int], list[str]] | None:
        """The positions that find_string's binary search probes in its first
        _TOP_LEVELS steps (whatever the value), ascending, and their strings; None
        unless the strings are intact and ascend strictly. Then each step compares the
        value with a string of that list, and the steps go where ``bisect_left`` on the
        list puts the value: between the probes before and after it."""
        pos: list[int] = []
        todo = [(0, len(self._probe), 0)]
        while todo:
            lo, hi, depth = todo.pop()
            if lo < hi and depth < _TOP_LEVELS:
                mid = (lo + hi) // 2
                pos.append(mid)
                todo += [(lo, mid, depth + 1), (mid + 1, hi, depth + 1)]
        pos.sort()
        probe = self._probe
        # the plain ones decoded together by the reader, as _text decodes them
        plain = dict(zip(*self.dex.cache_ascii_strings(pos), strict=True))
        strings: list[str] = []
        for p in pos:
            s = probe[p]
            if s is None:
                s = plain.get(p)
                if s is None:
                    s = self._text(p, damaged=False)
                if s is None:
                    return None
                probe[p] = s
            if strings and strings[-1] >= s:
                return None
            strings.append(s)
        return pos, strings

    @cached_property
    def _string_offs(self) -> array:
        return array("I", self.dex.string_offs.astype(np.uint32).tobytes())

    def _text(self, idx: int, damaged: bool = True) -> str | None:
        """``DexFile.string(idx)``. A string of fewer than 128 ASCII characters,
        terminated where the reader looks for its end, is its bytes: those are taken
        here, without the reader's per-call overhead and cache (most probes of a search
        are read once). Any other string is the reader's, which records the damage of a
        damaged one; with ``damaged=False``, None instead of a string that is not known
        to be intact (so that no damage is recorded)."""
        data = self.dex.data
        pos = self._string_offs[idx]
        if pos < len(data):
            size = data[pos]
            if size < 0x80:  # a one-byte uleb128 length
                end = data.find(b"\x00", pos + 1, pos + 2 + 3 * size)
                if end >= 0:
                    raw = data[pos + 1 : end]
                    if raw.isascii():
                        return raw.decode("ascii")
                    return self.dex.string(idx)  # intact: read where the reader reads it
            elif not damaged and pos + 5 <= len(data):  # the length is there whole
                size, start = read_uleb128(data, pos)
                if data.find(b"\x00", start, start + 3 * size + 1) >= 0:
                    return self.dex.string(idx)  # intact
        return self.dex.string(idx) if damaged else None

    def find_type(self, descriptor: str) -> int:
        """``DexFile.find_type(descriptor)``: the type whose descriptor string is
        find_string(descriptor) (the first one if the type table repeats it)."""
        hit = self._types.get(descriptor)
        if hit is None:
            by_string = self._type_of_string
            few = self._few_type_names
            if few is not None and descriptor not in few:
                hit = -1  # a type found for descriptor is named descriptor
            elif by_string is None:
                hit = self.dex.find_type(descriptor)
            else:
                s = self.find_string(descriptor)
                hit = -1
                if s >= 0:
                    i = bisect_left(by_string, s)
                    if i < len(by_string) and by_string[i] == s:
                        hit = i
            self._types[descriptor] = hit
        return hit

    @cached_property
    def _type_of_string(self) -> array | None:
        """The type_ids' string indices when strictly increasing (as the format requires),
        where DexFile.find_type's search finds the only match: the type of a string index
        is its position, found by bisection (an array, not a dict: 3 MiB less on a 30
        MB-dex scan)."""
        td = self.dex.type_desc
        if td.size > 1 and not bool(np.all(td[1:] > td[:-1])):
            return None
        return array("q", td.astype(np.int64).tobytes())

    @cached_property
    def _few_type_names(self) -> frozenset[str] | None:
        """Descriptors of all types, in a dex with other dex files to look classes up
        for (each lookup would be a search, and most find nothing: a class is defined
        in one dex and named in few others). In a dex with more than _NAME_SET_LIMIT
        types, only when each descriptor is one the reader has decoded already (the
        classes' own names, read for DexIndex's class table) or an intact string, so
        that no damage is recorded that a lookup would not record; None otherwise."""
        n = len(self.dex.type_desc)
        if not self.others:
            return None
        if n <= _NAME_SET_LIMIT:
            return frozenset(self.dex.type_names(range(n)))
        strings = self.dex.type_desc.tolist()
        cache = self.dex._string_cache
        names = list(map(cache.get, strings))  # the reader's decodes
        if None in names:
            # the plain ones decoded together, the others one at a time
            self.dex.cache_ascii_strings([s for s, x in zip(strings, names, strict=True)
                                         if x is None])
            names = list(map(cache.get, strings))
        if None in names:
            text = self._text
            for k, s in enumerate(strings):
                if names[k] is None:
                    names[k] = text(s, damaged=False)
                    if names[k] is None:
                        return None
        return frozenset(names)

    @cached_property
    def method_names(self) -> frozenset[str] | None:
        """Names of this dex's method_ids, when there are few enough to decode them
        all (None otherwise)."""
        # the name string of each run of name+proto, ascending: the names' first runs
        keys = self._sig_index[0]
        name = keys // (len(self.dex.protos) + 1)
        first = np.ones(name.size, dtype=bool)
        np.not_equal(name[1:], name[:-1], out=first[1:])
        if np.count_nonzero(first) > _NAME_SET_LIMIT:
            return None
        return frozenset(self.dex.string(i) for i in name[first].tolist())

    @cached_property
    def interface_lists(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Interfaces of every class_def as type indices: (row starts per class_def,
        items), read together; None when a list is not one DexFile.type_list reads
        without a problem (then use DexFile.interfaces, which records it)."""
        d = self.dex
        offs = d.class_defs["ifaces"].astype(np.int64)
        n = len(d.data)
        order = stable_order(offs)
        new = np.ones(offs.size, dtype=bool)
        np.not_equal(offs[order][1:], offs[order][:-1], out=new[1:])
        lists = offs[order][new]
        which = np.empty(offs.size, dtype=np.int64)
        which[order] = np.cumsum(new) - 1
        real = lists != 0
        at = lists[real]
        if np.any(at % 4) or np.any(at + 4 > n):
            return None
        raw = np.frombuffer(d.data, dtype=np.uint8)
        size = np.zeros(lists.size, dtype=np.int64)
        size[real] = (
            raw[at].astype(np.int64)
            | raw[at + 1].astype(np.int64) << 8
            | raw[at + 2].astype(np.int64) << 16
            | raw[at + 3].astype(np.int64) << 24
        )
        if np.any(lists[real] + 4 + 2 * size[real] > n) or int(size.sum()) > 4 * n:
            return None
        first = np.cumsum(size) - size
        pos = np.repeat(lists + 4 - 2 * first, size) + 2 * np.arange(int(size.sum()))
        items = raw[pos].astype(np.int64) | raw[pos + 1].astype(np.int64) << 8
        if items.size and int(items.max()) >= len(d.type_desc):
            return None
        count = size[which]
        ptr = np.zeros(offs.size + 1, dtype=np.int64)
        np.cumsum(count, out=ptr[1:])
        gather = np.repeat(first[which] - ptr[:-1], count) + np.arange(int(count.sum()))
        return ptr, items[gather]

    # ------------------------------------------------------ name+proto groups
    @cached_property
    def _sig_index(self) -> tuple[np.ndarray, np.ndarray, array, array, array]:
        """method_ids sorted by (name, proto, class), stable. (keys of name+proto in that
        order, run of each method_id; as lists: the order, the class of each, the first
        position of each run of one name+proto, and the end)."""
        name = self.id_name.astype(np.int64)
        proto = self.id_proto.astype(np.int64)
        cls = self.dex.method_ids["cls"].astype(np.int64)
        order = stable_order(name, proto, cls)
        keys = (name * (len(self.dex.protos) + 1) + proto)[order]
        first = np.ones(keys.size, dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.append(np.flatnonzero(first), keys.size)
        run_of = np.empty(keys.size, dtype=np.int32)  # at most one run per method_id
        run_of[order] = np.cumsum(first) - 1
        # Machine-integer arrays, not lists: a 30 MB-dex scan had 520k int objects here
        # (20 MiB); indexing, slicing and bisect work the same on array("i"). Positions
        # and indices of a method_id table (at most 2**16 rows) fit 32 bits.
        def i32(a: np.ndarray) -> array:
            return array("i", a.astype(np.int32).tobytes())

        return keys, run_of, i32(order), i32(cls[order]), i32(starts)

    def sig_run(self, midx: int) -> int:
        """Run (see _sig_index) of method_id ``midx``'s name and proto."""
        return int(self._sig_index[1][midx])

    def find_sig_run(self, name_idx: int, proto_idx: int) -> int:
        """Run of this name and proto, -1 if no method_id has them."""
        _keys, run_of, order, _cls, _starts = self._sig_index
        keys = self._sig_keys
        k = name_idx * (len(self.dex.protos) + 1) + proto_idx
        i = bisect_left(keys, k)
        if i < len(keys) and keys[i] == k:
            return int(run_of[order[i]])
        return -1

    @cached_property
    def _sig_keys(self) -> array:
        """_sig_index's keys as an array("q"): searched with bisect, no numpy call."""
        return array("q", self._sig_index[0].astype(np.int64).tobytes())

    def select(self, run: int, owners: frozenset[str]) -> list[int]:
        """The method_ids of a name+proto run whose class is ``find_type(c)`` for a
        ``c`` in ``owners``. A type found for ``c`` is named ``c``: either side can be
        walked, owners through find_type or the run's classes by name."""
        _keys, _run_of, order, cls, starts = self._sig_index
        lo, hi = starts[run], starts[run + 1]
        # find_type's answers, looked up here first (no call for a known one)
        known, find_type = self._types.get, self.find_type
        if hi - lo < len(owners):
            type_name = self.type_name
            w = []
            for pos in range(lo, hi):
                t = cls[pos]
                c = type_name(t)
                if c in owners:
                    ft = known(c)
                    if (find_type(c) if ft is None else ft) == t:
                        w.append(order[pos])
            return w
        if hi - lo == 1:  # the method's own method_id, usually
            own = cls[lo]
            for c in owners:
                ft = known(c)
                if (find_type(c) if ft is None else ft) == own:
                    return [order[lo]]
            return []
        w = []
        for c in owners:
            t = known(c)
            if t is None:
                t = find_type(c)
            if t >= 0:
                a = bisect_left(cls, t, lo, hi)
                if a < hi and cls[a] == t:
                    w.extend(order[a : bisect_right(cls, t, a, hi)])
        return w

    # ------------------------------------------------------------- call sites
    @cached_property
    def _invokes(self) -> tuple[np.ndarray, np.ndarray]:
        """(row starts per method_id, invoke owners ordered by called method_id)."""
        owner = self.dex.operand_sites("invoke")[3]
        ptr, order = self.dex.rows_by_operand("invoke")
        return _narrow(ptr), _narrow(owner[order])

    @cached_property
    def _invoke_rows(self) -> tuple[memoryview, memoryview]:
        """_invokes as memoryviews: a cell or a slice without a numpy scalar or array."""
        ptr, owner = self._invokes
        return memoryview(np.ascontiguousarray(ptr)), memoryview(np.ascontiguousarray(owner))

    def callers(self, midx: int) -> array:
        """Nodes of the methods invoking method_id ``midx``, ascending, distinct (an
        array, not a tuple: no int object per node while it is kept)."""
        hit = self._callers.get(midx)
        if hit is None:
            ptr, owner = self._invoke_rows
            lo, hi = ptr[midx], ptr[midx + 1]
            base = self.base
            hit = NO_CALLERS
            if hi - lo == 1:
                o = owner[lo]
                if o >= 0:
                    hit = array("q", (base | o,))
            elif hi > lo:
                hit = array("q", [base | o for o in sorted(set(owner[lo:hi])) if o >= 0])
            self._callers[midx] = hit
        return hit

    @cached_property
    def _class_init(self) -> tuple[np.ndarray, np.ndarray]:
        """Instructions that initialise a class, as (class type, owner) sorted by type:
        new-instance of it, invoke-static of its method_ids, static field access of its
        field_ids."""
        d = self.dex
        _p, _o, narg, nowner = d.operand_sites("new")
        _p, iop, iarg, iowner = d.operand_sites("invoke")
        _p, fop, farg, fowner = d.operand_sites("field")
        si = (iop == 0x71) | (iop == 0x77)
        sf = (fop >= opcodes.STATIC_FIELD_OPS[0]) & (fop <= opcodes.STATIC_FIELD_OPS[-1])
        cls = np.concatenate(
            [
                narg,
                d.method_ids["cls"][iarg[si]].astype(np.int64),
                d.fields["cls"][farg[sf]].astype(np.int64),
            ]
        )
        owner = np.concatenate([nowner, iowner[si], fowner[sf]])
        order = stable_order(cls)
        return _narrow(cls[order]), _narrow(owner[order])

    def class_users(self, type_idx: int) -> list[int]:
        """Nodes of the methods initialising type ``type_idx``, ascending, distinct."""
        cls, owner = self._class_init
        lo, hi = bounds(cls, type_idx, type_idx + 1)
        rows = owner[lo:hi].tolist()
        base = self.base
        return [base | o for o in sorted(set(rows)) if o >= 0]

    def nodes(self, rows: np.ndarray) -> list[int]:
        """Nodes of the distinct non-negative method positions in ``rows``, ascending."""
        base = self.base
        return [base | o for o in unique(rows).tolist() if o >= 0]
