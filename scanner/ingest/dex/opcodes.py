"""Dalvik opcode facts needed to walk instruction boundaries.

Contract: ``LENGTH[op]`` is the length in 16-bit code units of the instruction whose
low byte is ``op`` (formats from the Dalvik bytecode reference, "Instruction formats"
and "Summary of bytecode set", source.android.com/docs/core/runtime/dalvik-bytecode).
Unused opcodes are given length 1 so that a walk over hostile code always advances.
Payload pseudo-instructions (``nop`` with high byte 1, 2 or 3) have a variable length
computed by :func:`payload_length`.
"""

from __future__ import annotations

import numpy as np

#: Instruction length in code units, indexed by opcode (low byte of the first unit).
LENGTH = np.ones(256, dtype=np.int64)


def _set(lo: int, hi: int, n: int) -> None:
    LENGTH[lo : hi + 1] = n


_set(0x02, 0x02, 2)  # move/from16 22x
_set(0x03, 0x03, 3)  # move/16 32x
_set(0x05, 0x05, 2)
_set(0x06, 0x06, 3)
_set(0x08, 0x08, 2)
_set(0x09, 0x09, 3)
_set(0x13, 0x13, 2)  # const/16
_set(0x14, 0x14, 3)  # const
_set(0x15, 0x16, 2)  # const/high16, const-wide/16
_set(0x17, 0x17, 3)  # const-wide/32
_set(0x18, 0x18, 5)  # const-wide 51l
_set(0x19, 0x19, 2)  # const-wide/high16
_set(0x1A, 0x1A, 2)  # const-string 21c
_set(0x1B, 0x1B, 3)  # const-string/jumbo 31c
_set(0x1C, 0x1C, 2)  # const-class
_set(0x1F, 0x20, 2)  # check-cast, instance-of
_set(0x22, 0x23, 2)  # new-instance, new-array
_set(0x24, 0x26, 3)  # filled-new-array(/range), fill-array-data
_set(0x29, 0x29, 2)  # goto/16
_set(0x2A, 0x2C, 3)  # goto/32, packed-switch, sparse-switch
_set(0x2D, 0x3D, 2)  # cmpkind, if-test, if-testz
_set(0x44, 0x6D, 2)  # arrayop, iinstanceop, sstaticop
_set(0x6E, 0x72, 3)  # invoke-kind 35c
_set(0x74, 0x78, 3)  # invoke-kind/range 3rc
_set(0x90, 0xAF, 2)  # binop 23x
_set(0xD0, 0xE2, 2)  # binop/lit16, binop/lit8
_set(0xFA, 0xFB, 4)  # invoke-polymorphic(/range) 45cc, 4rcc
_set(0xFC, 0xFD, 3)  # invoke-custom(/range) 35c, 3rc
_set(0xFE, 0xFF, 2)  # const-method-handle, const-method-type

#: Opcodes whose second code unit is a method_ids index.
INVOKE_KINDS: dict[int, str] = {
    0x6E: "virtual",
    0x6F: "super",
    0x70: "direct",
    0x71: "static",
    0x72: "interface",
    0x74: "virtual",
    0x75: "super",
    0x76: "direct",
    0x77: "static",
    0x78: "interface",
    0xFA: "polymorphic",
    0xFB: "polymorphic",
}
INVOKE_OPS = np.array(sorted(INVOKE_KINDS), dtype=np.uint16)

#: Field read opcodes (iget*, sget*): second code unit is a field_ids index.
FIELD_READ_OPS = np.array(list(range(0x52, 0x59)) + list(range(0x60, 0x67)), dtype=np.uint16)
#: All field access opcodes (reads and writes).
FIELD_OPS = np.array(list(range(0x52, 0x6E)), dtype=np.uint16)
STATIC_FIELD_OPS = np.array(list(range(0x60, 0x6E)), dtype=np.uint16)

CONST_STRING = 0x1A
CONST_STRING_JUMBO = 0x1B
NEW_INSTANCE = 0x22

PACKED_SWITCH_PAYLOAD = 0x0100
SPARSE_SWITCH_PAYLOAD = 0x0200
FILL_ARRAY_DATA_PAYLOAD = 0x0300


def payload_length(units: np.ndarray, pos: int) -> int:
    """Length in code units of the payload starting at ``units[pos]`` (0 if truncated).

    ``units`` is the code of one method; a payload whose header runs past its end
    yields 0 so that the caller can flag the method as truncated.
    """
    ident = int(units[pos])
    n = len(units)
    if ident == PACKED_SWITCH_PAYLOAD:
        if pos + 1 >= n:
            return 0
        return int(units[pos + 1]) * 2 + 4
    if ident == SPARSE_SWITCH_PAYLOAD:
        if pos + 1 >= n:
            return 0
        return int(units[pos + 1]) * 4 + 2
    if ident == FILL_ARRAY_DATA_PAYLOAD:
        if pos + 3 >= n:
            return 0
        width = int(units[pos + 1])
        size = int(units[pos + 2]) | (int(units[pos + 3]) << 16)
        return (size * width + 1) // 2 + 4
    return 1
