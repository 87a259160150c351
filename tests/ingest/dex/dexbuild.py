"""Minimal dex writer for tests: builds small, valid dex files with chosen bytecode.

Contract: ``build_dex(classes)`` returns the bytes of a dex file defining ``classes``.
Code is given as a function of a :class:`Refs` resolver so that tests can write
instructions that refer to method/field/string/type indices of the built file.
Every string, type, field and method a test refers to must be declared in
``ClassSpec.refs`` / the class and method specs (collected before layout). Tables are
sorted as the dex format requires; no map_list, checksum or signature is written
(the reader under test does not use them).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field


def uleb(v: int) -> bytes:
    """Unsigned LEB128 encoding."""
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def split_proto(proto: str) -> tuple[list[str], str]:
    """``(IJLfoo;)V`` -> (["I", "J", "Lfoo;"], "V")."""
    m = re.fullmatch(r"\((.*)\)(.+)", proto)
    assert m, proto
    return re.findall(r"\[*(?:L[^;]+;|[ZBSCIJFDV])", m.group(1)), m.group(2)


class Refs:
    """Index resolver handed to code builders."""

    def __init__(self, strings, types, protos, fields, methods) -> None:
        self._s, self._t, self._p, self._f, self._m = strings, types, protos, fields, methods

    def s(self, value: str) -> int:
        """String index."""
        return self._s[value]

    def t(self, desc: str) -> int:
        """Type index."""
        return self._t[desc]

    def f(self, desc: str) -> int:
        """Field index of ``Lcls;->name:type``."""
        return self._f[desc]

    def m(self, desc: str) -> int:
        """Method index of ``Lcls;->name(params)ret``."""
        return self._m[desc]


Code = Callable[[Refs], list[int]]


@dataclass
class MethodSpec:
    """A method to define; ``code`` None means abstract/native (no code item)."""

    name: str
    proto: str
    flags: int = 0x1
    code: Code | None = None
    registers: int = 8


@dataclass
class ClassSpec:
    """A class to define; ``refs`` lists everything its code refers to."""

    name: str
    superclass: str | None = "Ljava/lang/Object;"
    interfaces: tuple[str, ...] = ()
    methods: list[MethodSpec] = field(default_factory=list)
    static_fields: list[tuple[str, str, object]] = field(default_factory=list)  # name,type,val
    refs_methods: tuple[str, ...] = ()
    refs_fields: tuple[str, ...] = ()
    refs_strings: tuple[str, ...] = ()
    refs_types: tuple[str, ...] = ()


def _utf16_key(s: str) -> list[int]:
    return list(s.encode("utf-16-be"))


def _mutf8(s: str) -> bytes:
    out = bytearray()
    for ch in s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass"):
        c = ord(ch)
        if c > 0xFFFF:
            hi, lo = 0xD800 + ((c - 0x10000) >> 10), 0xDC00 + ((c - 0x10000) & 0x3FF)
            for u in (hi, lo):
                out += bytes([0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)])
        elif c == 0:
            out += b"\xc0\x80"
        else:
            out += ch.encode("utf-8", "surrogatepass")
    return bytes(out)


def _split_method(desc: str) -> tuple[str, str, str]:
    cls, _, rest = desc.partition("->")
    name, _, proto = rest.partition("(")
    return cls, name, "(" + proto


def _split_field(desc: str) -> tuple[str, str, str]:
    cls, _, rest = desc.partition("->")
    name, _, typ = rest.partition(":")
    return cls, name, typ


def build_dex(classes: list[ClassSpec], version: int = 35) -> bytes:
    """Bytes of a dex file defining ``classes`` (see module docstring)."""
    method_descs: set[str] = set()
    field_descs: set[str] = set()
    strings: set[str] = set()
    types: set[str] = set()
    for c in classes:
        types.add(c.name)
        if c.superclass:
            types.add(c.superclass)
        types.update(c.interfaces)
        for m in c.methods:
            method_descs.add(f"{c.name}->{m.name}{m.proto}")
        for name, typ, _v in c.static_fields:
            field_descs.add(f"{c.name}->{name}:{typ}")
        method_descs.update(c.refs_methods)
        field_descs.update(c.refs_fields)
        strings.update(c.refs_strings)
        types.update(c.refs_types)
        strings.update(v for _n, _t, v in c.static_fields if isinstance(v, str))
    protos: set[str] = set()
    for d in method_descs:
        cls, name, proto = _split_method(d)
        types.add(cls)
        strings.add(name)
        protos.add(proto)
        params, ret = split_proto(proto)
        types.update(params)
        types.add(ret)
    for d in field_descs:
        cls, name, typ = _split_field(d)
        types.update((cls, typ))
        strings.add(name)

    def shorty(proto: str) -> str:
        params, ret = split_proto(proto)
        return "".join("L" if t[0] in "L[" else t for t in [ret, *params])

    strings.update(types)
    strings.update(shorty(p) for p in protos)
    str_list = sorted(strings, key=_utf16_key)
    s_idx = {s: i for i, s in enumerate(str_list)}
    type_list = sorted(types, key=lambda t: s_idx[t])
    t_idx = {t: i for i, t in enumerate(type_list)}

    def proto_key(p: str):
        params, ret = split_proto(p)
        return (t_idx[ret], [t_idx[x] for x in params])

    proto_list = sorted(protos, key=proto_key)
    p_idx = {p: i for i, p in enumerate(proto_list)}

    def fkey(d: str):
        cls, name, typ = _split_field(d)
        return (t_idx[cls], s_idx[name], t_idx[typ])

    field_list = sorted(field_descs, key=fkey)
    f_idx = {f: i for i, f in enumerate(field_list)}

    def mkey(d: str):
        cls, name, proto = _split_method(d)
        return (t_idx[cls], s_idx[name], p_idx[proto])

    method_list = sorted(method_descs, key=mkey)
    m_idx = {m: i for i, m in enumerate(method_list)}
    refs = Refs(s_idx, t_idx, p_idx, f_idx, m_idx)

    n_cls = len(classes)
    off = 0x70
    string_ids_off = off
    off += 4 * len(str_list)
    type_ids_off = off
    off += 4 * len(type_list)
    proto_ids_off = off
    off += 12 * len(proto_list)
    field_ids_off = off
    off += 8 * len(field_list)
    method_ids_off = off
    off += 8 * len(method_list)
    class_defs_off = off
    off += 32 * n_cls
    data_off = off
    data = bytearray()

    def here() -> int:
        return data_off + len(data)

    def align4() -> None:
        while here() % 4:
            data.append(0)

    str_offs = []
    for s in str_list:
        str_offs.append(here())
        data += uleb(len(s.encode("utf-16-le", "surrogatepass")) // 2) + _mutf8(s) + b"\x00"

    def type_list_bytes(ts: list[str]) -> int:
        if not ts:
            return 0
        align4()
        o = here()
        data.extend(struct.pack("<I", len(ts)))
        for t in ts:
            data.extend(struct.pack("<H", t_idx[t]))
        return o

    proto_params_off = [type_list_bytes(split_proto(p)[0]) for p in proto_list]
    iface_offs = [type_list_bytes(list(c.interfaces)) for c in classes]
    code_offs: dict[str, int] = {}
    for c in classes:
        for m in c.methods:
            if m.code is None:
                continue
            units = m.code(refs)
            align4()
            code_offs[f"{c.name}->{m.name}{m.proto}"] = here()
            ins = len(split_proto(m.proto)[0]) + (0 if m.flags & 0x8 else 1)
            data.extend(struct.pack("<HHHHII", m.registers, ins, 4, 0, 0, len(units)))
            data.extend(struct.pack(f"<{len(units)}H", *units))
    class_data_offs = []
    static_value_offs = []
    for c in classes:
        fields_sorted = sorted(c.static_fields, key=lambda f: f_idx[f"{c.name}->{f[0]}:{f[1]}"])
        direct = [m for m in c.methods if m.flags & (0x8 | 0x2 | 0x10000)]
        virtual = [m for m in c.methods if m not in direct]
        blob = bytearray(
            uleb(len(fields_sorted)) + uleb(0) + uleb(len(direct)) + uleb(len(virtual))
        )
        prev = 0
        for name, typ, _v in fields_sorted:
            i = f_idx[f"{c.name}->{name}:{typ}"]
            blob += uleb(i - prev) + uleb(0x19)
            prev = i
        for group in (direct, virtual):
            prev = 0
            for m in sorted(group, key=lambda m: m_idx[f"{c.name}->{m.name}{m.proto}"]):
                desc = f"{c.name}->{m.name}{m.proto}"
                i = m_idx[desc]
                blob += uleb(i - prev) + uleb(m.flags) + uleb(code_offs.get(desc, 0))
                prev = i
        class_data_offs.append(here())
        data.extend(blob)
        if fields_sorted:
            o = here()
            arr = bytearray(uleb(len(fields_sorted)))
            for _n, _t, v in fields_sorted:
                if isinstance(v, str):
                    idx = s_idx[v]
                    nbytes = max(1, (idx.bit_length() + 7) // 8)
                    arr.append(((nbytes - 1) << 5) | 0x17)
                    arr += idx.to_bytes(nbytes, "little")
                elif v is None:
                    arr.append(0x1E)
                else:
                    arr.append((3 << 5) | 0x04)
                    arr += int(v).to_bytes(4, "little", signed=True)
            data.extend(arr)
            static_value_offs.append(o)
        else:
            static_value_offs.append(0)

    out = bytearray(b"dex\n%03d\x00" % version)
    file_size = data_off + len(data)
    out += struct.pack("<I", 0) + b"\x00" * 20
    out += struct.pack("<III", file_size, 0x70, 0x12345678)
    out += struct.pack("<III", 0, 0, 0)  # link, map
    for n, o in (
        (len(str_list), string_ids_off),
        (len(type_list), type_ids_off),
        (len(proto_list), proto_ids_off),
        (len(field_list), field_ids_off),
        (len(method_list), method_ids_off),
        (n_cls, class_defs_off),
        (len(data), data_off),
    ):
        out += struct.pack("<II", n, o if n else 0)
    assert len(out) == 0x70
    for o in str_offs:
        out += struct.pack("<I", o)
    for t in type_list:
        out += struct.pack("<I", s_idx[t])
    for p, po in zip(proto_list, proto_params_off, strict=True):
        out += struct.pack("<III", s_idx[shorty(p)], t_idx[split_proto(p)[1]], po)
    for f in field_list:
        cls, name, typ = _split_field(f)
        out += struct.pack("<HHI", t_idx[cls], t_idx[typ], s_idx[name])
    for m in method_list:
        cls, name, proto = _split_method(m)
        out += struct.pack("<HHI", t_idx[cls], p_idx[proto], s_idx[name])
    for c, io, cd, sv in zip(classes, iface_offs, class_data_offs, static_value_offs, strict=True):
        sup = t_idx[c.superclass] if c.superclass else 0xFFFFFFFF
        out += struct.pack("<8I", t_idx[c.name], 0x1, sup, io, 0xFFFFFFFF, 0, cd, sv)
    out += data
    return bytes(out)


# ---- instruction encoders (Dalvik formats) ----
def invoke(op: int, midx: int, *regs: int) -> list[int]:
    """35c invoke-kind {regs}, meth@midx."""
    r = list(regs) + [0] * (5 - len(regs))
    return [
        (len(regs) << 12) | (r[4] << 8) | op,
        midx,
        (r[3] << 12) | (r[2] << 8) | (r[1] << 4) | r[0],
    ]


def invoke_range(op: int, midx: int, first: int, count: int) -> list[int]:
    """3rc invoke-kind/range {vfirst .. vfirst+count-1}, meth@midx."""
    return [(count << 8) | op, midx, first]


def const_string(reg: int, sidx: int) -> list[int]:
    """21c const-string."""
    return [(reg << 8) | 0x1A, sidx]


def const_string_jumbo(reg: int, sidx: int) -> list[int]:
    """31c const-string/jumbo."""
    return [(reg << 8) | 0x1B, sidx & 0xFFFF, sidx >> 16]


def sget(op: int, reg: int, fidx: int) -> list[int]:
    """21c sget-kind (0x60..0x66)."""
    return [(reg << 8) | op, fidx]


def new_instance(reg: int, tidx: int) -> list[int]:
    """21c new-instance."""
    return [(reg << 8) | 0x22, tidx]


RETURN_VOID = [0x000E]
