"""DexIndex: sensitive-API call sites, field reads and strings over all dex files of an app.

See the package docstring (``scanner.ingest.dex``) for the public contract.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat

import numpy as np

from scanner.ingest.dex import opcodes
from scanner.ingest.dex.arrays import bounds
from scanner.ingest.dex.errors import DexFormatError
from scanner.ingest.dex.reader import DexFile
from scanner.messages import msg, record
from scanner.model.damage import Damage

log = logging.getLogger(__name__)

ACC_STATIC = 0x8
ACC_PRIVATE = 0x2
ACC_ABSTRACT = 0x400
ACC_NATIVE = 0x100
ACC_CONSTRUCTOR = 0x10000

#: Call sites reported by :meth:`DexIndex.find_reflective_calls` (java.lang.Class and
#: java.lang.ClassLoader lookups whose first argument is a class or member name).
REFLECTIVE_APIS: tuple[str, ...] = (
    "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;",
    "Ljava/lang/Class;->forName(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;",
    "Ljava/lang/Class;->getMethod(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;",
    "Ljava/lang/Class;->getDeclaredMethod(Ljava/lang/String;[Ljava/lang/Class;)"
    "Ljava/lang/reflect/Method;",
    "Ljava/lang/Class;->getField(Ljava/lang/String;)Ljava/lang/reflect/Field;",
    "Ljava/lang/Class;->getDeclaredField(Ljava/lang/String;)Ljava/lang/reflect/Field;",
    "Ljava/lang/ClassLoader;->loadClass(Ljava/lang/String;)Ljava/lang/Class;",
)


@dataclass(frozen=True)
class MethodInfo:
    """A method defined by an app class."""

    name: str  # e.g. "onCreate"
    proto: str  # e.g. "(Landroid/os/Bundle;)V"
    access_flags: int
    has_code: bool

    @property
    def signature(self) -> str:
        """``name(params)ret``."""
        return self.name + self.proto


@dataclass(frozen=True)
class ClassInfo:
    """Hierarchy and methods of one class defined in the app's dex files."""

    name: str
    superclass: str | None
    interfaces: tuple[str, ...]
    methods: tuple[MethodInfo, ...]
    access_flags: int
    dex: str


@dataclass(frozen=True)
class CallSite:
    """An invoke instruction calling one of the wanted methods."""

    dex: str
    caller_class: str
    caller_method: str  # name(params)ret
    callee: str  # Lcls;->name(params)ret as written in the instruction
    kind: str  # virtual|super|direct|static|interface|polymorphic
    offset: int  # byte offset of the instruction in the dex file


@dataclass(frozen=True)
class FieldSite:
    """An iget*/sget* instruction reading one of the wanted fields."""

    dex: str
    caller_class: str
    caller_method: str
    field: str  # Lcls;->name:Ltype;
    kind: str  # "sget" or "iget"
    offset: int


@dataclass(frozen=True)
class StringSite:
    """A const-string instruction loading one of the wanted strings."""

    dex: str
    caller_class: str
    caller_method: str
    value: str
    offset: int


@dataclass(frozen=True)
class ReflectiveSite:
    """A reflective lookup call with the nearest preceding const-string of its method.

    ``argument`` is None when the method loads no string before the call (the name
    is computed); it is a heuristic, not a data-flow fact.
    """

    dex: str
    caller_class: str
    caller_method: str
    api: str
    argument: str | None
    offset: int


@dataclass(frozen=True)
class MethodRef:
    """A method defined in one dex: the unit of reachability."""

    dex: int  # position in DexIndex.dexes
    method: int  # position in DexFile.methods


def _targets(lookup: Callable[[str], list[int]], descriptors: Iterable[str]) -> dict[int, str]:
    """Index in one dex -> descriptor, for the descriptors ``lookup`` finds there."""
    return {i: desc for desc in descriptors for i in lookup(desc)}


def _method_targets(d: DexFile, descriptors: Iterable[str]) -> dict[int, str]:
    """``_targets(d.find_methods, descriptors)``: the method_ids whose class and name match
    a descriptor's (through the dex's name index), then their protos compared, in
    method_ids order."""
    wanted: dict[int, list[tuple[str, str]]] = {}
    width = len(d.string_offs) + 1
    for desc in descriptors:
        cls, sep, rest = desc.partition("->")
        name, paren, proto = rest.partition("(")
        if not sep or not paren:
            continue
        t = d.find_type(cls)
        n = d.find_string(name)
        if t < 0 or n < 0:
            continue
        wanted.setdefault(t * width + n, []).append(("(" + proto, desc))
    if not wanted:
        return {}
    m = d.method_ids
    cls_of, proto_of = m["cls"], m["proto"]
    hits: list[tuple[int, int]] = []  # (method_id, key) of the ids of a wanted class and name
    for key in wanted:
        t, n = divmod(key, width)
        cand = d.methods_named(n)  # through the name index, not a pass over the table
        hits.extend((i, key) for i in cand[cls_of[cand] == t].tolist())
    out: dict[int, str] = {}
    for i, key in sorted(hits):
        proto = d.proto_string(int(proto_of[i]))
        for want, desc in wanted[key]:
            if proto == want:
                out[i] = desc
    return out


def _dex_order(name: str) -> tuple[int, str]:
    """Android's load order: classes.dex, classes2.dex, ... at the APK's root, then anything
    else (payloads such as ``assets/plugin/classes.dex`` or ``assets/x.jar!classes.dex``)."""
    m = re.fullmatch(r"classes(\d*)\.dex", name)
    if m:
        return (int(m.group(1) or 1), name)
    return (1 << 30, name)


class DexIndex:
    """Index over the dex files of one app; build it with :meth:`from_dex_files`."""

    def __init__(self, dexes: Sequence[DexFile], damage: Iterable[Damage] = ()) -> None:
        self.dexes = list(dexes)
        self._load_damage = tuple(damage)
        self._caller_names: dict[tuple[int, int], tuple[str, str]] = {}

    @classmethod
    def from_dex_files(cls, files: Iterable[tuple[str, bytes]]) -> DexIndex:
        """Read each ``(name, bytes)`` dex; unreadable ones are recorded as damage.

        Raises DexFormatError when no file is given or none of them is readable.
        """
        dexes: list[DexFile] = []
        damage: list[Damage] = []
        errors: list[DexFormatError] = []
        for name, data in sorted(files, key=lambda f: _dex_order(f[0])):
            try:
                dexes.append(DexFile(name, data))
            except DexFormatError as e:
                errors.append(e)
                damage.append(Damage(*record(msg("part_code"),
                                             msg("skip_partly", detail=e.message()))))
        if not dexes:
            if errors:
                raise errors[0]
            raise DexFormatError("err_no_dex_given")
        return cls(dexes, damage)

    # ------------------------------------------------------------- status
    @property
    def damage(self) -> tuple[Damage, ...]:
        """Everything that could not be read (dex files, classes, methods, strings), as
        damage records of the ``code`` part (scanner.model.damage)."""
        out = list(self._load_damage)
        for d in self.dexes:
            out.extend(d.damage)
        return tuple(out)

    @property
    def partial(self) -> bool:
        """True when some part of the input could not be read."""
        return bool(self._load_damage) or any(d.damage for d in self.dexes)

    # ------------------------------------------------------------ classes
    @cached_property
    def _classes(self) -> dict[str, tuple[int, int]]:
        """class descriptor -> (dex position, class_def); the first definition wins."""
        out: dict[str, tuple[int, int]] = {}
        for di, d in enumerate(self.dexes):
            names = d.type_names(d.class_defs["cls"])
            if len(set(names)) == len(names) and out.keys().isdisjoint(names):
                # each name new: added together, in the same order
                n = len(names)
                out.update(zip(names, zip(repeat(di, n), range(n), strict=True), strict=True))
                continue
            for c, name in enumerate(names):
                out.setdefault(name, (di, c))
        return out

    def class_table(self) -> dict[str, tuple[int, int]]:
        """class descriptor -> (dex position, class_def), the first definition winning
        (built once; read-only for callers)."""
        return self._classes

    def class_names(self) -> list[str]:
        """Descriptors of all classes defined in the app, sorted."""
        return sorted(self._classes)

    def has_class(self, descriptor: str) -> bool:
        """Whether the app defines this class."""
        return descriptor in self._classes

    @cached_property
    def _methods_by_class(self) -> dict[tuple[int, int], range]:
        """(dex, class_def) -> positions of its methods (the method table is in class_def
        order, so each class's methods are one run)."""
        out: dict[tuple[int, int], range] = {}
        for di, d in enumerate(self.dexes):
            cd = d.method_table.class_def
            if not cd.size:
                continue
            starts = np.flatnonzero(np.concatenate(([True], cd[1:] != cd[:-1])))
            ends = np.append(starts[1:], cd.size)
            for c, a, b in zip(cd[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
                out[(di, c)] = range(a, b)
        return out

    def class_methods(self, descriptor: str) -> list[MethodRef]:
        """Methods defined by the class ``descriptor`` (empty if not an app class)."""
        loc = self._classes.get(descriptor)
        if loc is None:
            return []
        return [MethodRef(loc[0], k) for k in self._methods_by_class.get(loc, ())]

    def class_supers(self, descriptor: str) -> tuple[str | None, tuple[str, ...]] | None:
        """(superclass, interfaces) of an app class (None if not defined): ``class_info``
        without the method list."""
        loc = self._classes.get(descriptor)
        if loc is None:
            return None
        d = self.dexes[loc[0]]
        return d.superclass(loc[1]), d.interfaces(loc[1])

    def class_info(self, descriptor: str) -> ClassInfo | None:
        """Superclass, interfaces and methods of an app class (None if not defined)."""
        loc = self._classes.get(descriptor)
        if loc is None:
            return None
        di, c = loc
        d = self.dexes[di]
        methods = []
        for ref in self.class_methods(descriptor):
            m = d.methods[ref.method]
            mid = d.method_ids[m.method_idx]
            methods.append(
                MethodInfo(
                    d.string(int(mid["name"])),
                    d.proto_string(int(mid["proto"])),
                    m.access_flags,
                    m.code_off != 0,
                )
            )
        return ClassInfo(
            descriptor,
            d.superclass(c),
            d.interfaces(c),
            tuple(methods),
            int(d.class_defs["flags"][c]),
            d.name,
        )

    def method_class(self, ref: MethodRef) -> str:
        """Descriptor of the class defining ``ref``."""
        d = self.dexes[ref.dex]
        return d.class_name(d.methods[ref.method].class_def)

    def method_signature(self, ref: MethodRef) -> str:
        """``name(params)ret`` of ``ref``."""
        d = self.dexes[ref.dex]
        return d.method_name(d.methods[ref.method].method_idx)

    def method_descriptor(self, ref: MethodRef) -> str:
        """``Lcls;->name(params)ret`` of ``ref``."""
        return f"{self.method_class(ref)}->{self.method_signature(ref)}"

    def method_flags(self, ref: MethodRef) -> int:
        """Access flags of ``ref``."""
        return self.dexes[ref.dex].methods[ref.method].access_flags

    def find_method(self, descriptor: str) -> MethodRef | None:
        """The app method with this ``Lcls;->name(params)ret`` descriptor, if defined."""
        cls, sep, sig = descriptor.partition("->")
        if not sep:
            return None
        for ref in self.class_methods(cls):
            if self.method_signature(ref) == sig:
                return ref
        return None

    # -------------------------------------------------------------- sites
    def _caller(self, di: int, owner: int) -> tuple[str, str]:
        """(class, ``name(params)ret``) of method ``owner`` of dex ``di`` (decoded once)."""
        key = (di, owner)
        hit = self._caller_names.get(key)
        if hit is None:
            d = self.dexes[di]
            m = d.methods[owner]
            hit = self._caller_names[key] = (d.class_name(m.class_def),
                                             d.method_name(m.method_idx))
        return hit

    def invoke_sites(self, di: int, method_indices: Iterable[int]) -> np.ndarray:
        """Row numbers into ``dexes[di].operand_sites('invoke')`` calling these method_ids."""
        owner = self.dexes[di].operand_sites("invoke")[3]
        want = np.fromiter(method_indices, dtype=np.int64)
        if not want.size:
            return np.zeros(0, dtype=np.int64)
        rows = self.dexes[di].rows_with_operands("invoke", want.tolist()).astype(np.int64)
        return rows[owner[rows] >= 0]  # ascending, as a scan

    def find_calls(self, descriptors: Iterable[str]) -> list[CallSite]:
        """Every invoke of a method whose descriptor is in ``descriptors``.

        Matching is on the descriptor written in the instruction (the static
        receiver type), as in androguard's xrefs; sorted by (dex, offset).
        """
        descs = set(descriptors)
        out: list[CallSite] = []
        for di, d in enumerate(self.dexes):
            targets = _method_targets(d, descs)
            if not targets:
                continue
            pos, op, arg, owner = d.operand_sites("invoke")
            for r in self.invoke_sites(di, targets):
                cls, meth = self._caller(di, int(owner[r]))
                out.append(
                    CallSite(
                        d.name,
                        cls,
                        meth,
                        targets[int(arg[r])],
                        opcodes.INVOKE_KINDS[int(op[r])],
                        int(pos[r]) * 2,
                    )
                )
        return out

    def find_field_reads(self, descriptors: Iterable[str]) -> list[FieldSite]:
        """Every iget*/sget* of a field whose ``Lcls;->name:Ltype;`` is in ``descriptors``."""
        descs = set(descriptors)
        out: list[FieldSite] = []
        for di, d in enumerate(self.dexes):
            targets = _targets(d.find_fields, descs)
            if not targets:
                continue
            pos, op, arg, owner = d.operand_sites("field")
            reads = np.isin(op, opcodes.FIELD_READ_OPS)
            sel = np.nonzero(reads & np.isin(arg, list(targets)) & (owner >= 0))[0]
            for r in sel:
                cls, meth = self._caller(di, int(owner[r]))
                out.append(
                    FieldSite(
                        d.name,
                        cls,
                        meth,
                        targets[int(arg[r])],
                        "sget" if int(op[r]) >= 0x60 else "iget",
                        int(pos[r]) * 2,
                    )
                )
        return out

    def find_strings(
        self, exact: Iterable[str] = (), prefixes: Iterable[str] = ()
    ) -> list[StringSite]:
        """const-string sites loading a string equal to one of ``exact`` or starting
        with one of ``prefixes``."""
        exact = set(exact)
        prefixes = tuple(prefixes)
        out: list[StringSite] = []
        for di, d in enumerate(self.dexes):
            wanted: set[int] = set()
            for s in exact:
                i = d.find_string(s)
                if i >= 0:
                    wanted.add(i)
            for p in prefixes:
                wanted.update(d.strings_with_prefix(p))
            if not wanted:
                continue
            pos, _op, arg, owner = d.operand_sites("string")
            sel = np.nonzero(np.isin(arg, list(wanted)) & (owner >= 0))[0]
            for r in sel:
                cls, meth = self._caller(di, int(owner[r]))
                out.append(
                    StringSite(
                        d.name,
                        cls,
                        meth,
                        d.string(int(arg[r])),
                        int(pos[r]) * 2,
                    )
                )
        return out

    def strings_containing(self, needles: Sequence[str],
                           limit: int = 2000) -> list[tuple[str, str]]:
        """``(dex name, string)`` of every string constant, name or descriptor in the dex
        files that contains one of ``needles`` (substring, case-sensitive), at most
        ``limit`` per dex. Whether code loads it is :meth:`find_strings` (exact)."""
        out: list[tuple[str, str]] = []
        for d in self.dexes:
            out.extend((d.name, d.string(i)) for i in d.strings_containing(needles, limit))
        return out

    def find_reflective_calls(self, apis: Iterable[str] = REFLECTIVE_APIS) -> list[ReflectiveSite]:
        """Reflective lookups, each with the last const-string loaded before it in its method."""
        out: list[ReflectiveSite] = []
        apis = tuple(apis)
        for di, d in enumerate(self.dexes):
            targets = _method_targets(d, apis)
            if not targets:
                continue
            ipos, _op, iarg, iowner = d.operand_sites("invoke")
            spos, _sop, sarg, sowner = d.operand_sites("string")
            methods = d.methods
            for r in self.invoke_sites(di, targets):
                p, own = int(ipos[r]), int(iowner[r])
                # the method's strings before the call: string rows are in position order,
                # and a row of method ``own`` lies in its code (owner_of)
                lo, hi = bounds(spos, methods[own].insn_start, p)
                mine = np.flatnonzero(sowner[lo:hi] == own)
                arg = d.string(int(sarg[lo + mine[-1]])) if mine.size else None
                cls, meth = self._caller(di, own)
                out.append(ReflectiveSite(d.name, cls, meth, targets[int(iarg[r])], arg, p * 2))
        return out

    def static_string_value(self, field_descriptor: str) -> str | None:
        """Initial value of a static String field defined in the app (None if absent)."""
        cls, sep, rest = field_descriptor.partition("->")
        if not sep:
            return None
        loc = self._classes.get(cls)
        if loc is None:
            return None
        d = self.dexes[loc[0]]
        wanted = set(d.find_fields(field_descriptor))
        if not wanted:
            return None
        statics = d.static_fields(loc[1])
        for k, (fidx, _flags) in enumerate(statics):
            if fidx in wanted:
                vals = d.static_values(loc[1], k + 1)
                if len(vals) > k and isinstance(vals[k], str):
                    return vals[k]
                return None
        return None
