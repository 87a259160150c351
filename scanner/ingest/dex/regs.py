"""Which registers a Dalvik instruction reads and writes (formats from the Dalvik bytecode
reference, source.android.com/docs/core/runtime/dalvik-bytecode), for the analyses that
follow a value forward (scanner.ingest.dex.uses, field summaries in values)."""

from __future__ import annotations

from scanner.ingest.dex import opcodes


def invoke_regs(words: list[int], p: int) -> list[int]:
    """Argument registers of the invoke (or filled-new-array) at ``p``."""
    w0 = words[p]
    op = w0 & 0xFF
    if op in (0x24, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0xFA, 0xFC):
        a = w0 >> 12
        w2 = words[p + 2]
        regs = [w2 & 0xF, (w2 >> 4) & 0xF, (w2 >> 8) & 0xF, (w2 >> 12) & 0xF, (w0 >> 8) & 0xF]
        return regs[: min(a, 5)]
    if op in (0x25, 0x74, 0x75, 0x76, 0x77, 0x78, 0xFB, 0xFD):
        count = w0 >> 8
        first = words[p + 2]
        return list(range(first, first + count))
    return []


def reads(op: int, w0: int, words: list[int], p: int) -> list[int] | None:
    """Registers an instruction reads (None: an opcode this analysis does not know)."""
    a4, a8, b4 = (w0 >> 8) & 0xF, w0 >> 8, w0 >> 12
    if op == 0x00 or 0x0A <= op <= 0x0E or 0x12 <= op <= 0x1C or op in (0x22, 0x28, 0x29,
                                                                         0x2A) \
            or 0x60 <= op <= 0x66 or op in (0xFE, 0xFF):
        return []
    if op in (0x01, 0x04, 0x07):
        return [b4]
    if op in (0x02, 0x05, 0x08):
        return [words[p + 1]]
    if op in (0x03, 0x06, 0x09):
        return [words[p + 2]]
    if op in (0x0F, 0x10, 0x11, 0x1D, 0x1E, 0x1F, 0x26, 0x27, 0x2B, 0x2C) or 0x38 <= op <= 0x3D \
            or 0x67 <= op <= 0x6D:
        return [a8]
    if op in (0x20, 0x21, 0x23) or 0x52 <= op <= 0x58 or 0x7B <= op <= 0x8F \
            or 0xD0 <= op <= 0xD7:
        return [b4]
    if 0x32 <= op <= 0x37 or 0x59 <= op <= 0x5F or 0xB0 <= op <= 0xCF:
        return [a4, b4]
    if 0x2D <= op <= 0x31 or 0x44 <= op <= 0x4A or 0x90 <= op <= 0xAF:
        return [words[p + 1] & 0xFF, words[p + 1] >> 8]
    if 0x4B <= op <= 0x51:
        return [a8, words[p + 1] & 0xFF, words[p + 1] >> 8]
    if 0xD8 <= op <= 0xE2:
        return [words[p + 1] & 0xFF]
    if op in (0x24, 0x25) or op in opcodes.INVOKE_KINDS or op in (0xFC, 0xFD):
        return invoke_regs(words, p)
    return None


#: Opcodes whose result is wide (a register pair).
_WIDE_RESULT = frozenset([0x04, 0x05, 0x06, 0x0B, 0x16, 0x17, 0x18, 0x19, 0x45, 0x53, 0x61,
                          0x7D, 0x7E, 0x80, 0x81, 0x83, 0x86, 0x88, 0x89, 0x8B,
                          *range(0x9B, 0xA6), *range(0xAB, 0xB0), *range(0xBB, 0xC6),
                          *range(0xCB, 0xD0)])


def dest(op: int, w0: int, words: list[int], p: int) -> list[int]:
    """Registers an instruction writes, exactly (a register left out would keep a stale
    value, one too many would lose a live one); invokes write none (their result goes to
    the next move-result)."""
    a4, a8 = (w0 >> 8) & 0xF, w0 >> 8
    if op in (0x01, 0x04, 0x07, 0x12, 0x21, 0x23) or 0x7B <= op <= 0x8F \
            or 0xB0 <= op <= 0xD7 or op == 0x20 or 0x52 <= op <= 0x58:
        first = a4
    elif op in (0x02, 0x05, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x22, 0xFE, 0xFF) \
            or 0x13 <= op <= 0x1C or 0x2D <= op <= 0x31 or 0x44 <= op <= 0x4A \
            or 0x60 <= op <= 0x66 or 0x90 <= op <= 0xAF or 0xD8 <= op <= 0xE2:
        first = a8
    elif op in (0x03, 0x06, 0x09):
        first = words[p + 1]
    else:
        return []
    return [first, first + 1] if op in _WIDE_RESULT else [first]


def s16(v: int) -> int:
    """A 16-bit code unit read as signed."""
    return v - 0x10000 if v & 0x8000 else v


def s32(v: int) -> int:
    """A 32-bit value read as signed."""
    return v - 0x100000000 if v & 0x80000000 else v


def switch_targets(words: list[int], p: int, n: int) -> list[int] | None:
    """Branch targets of the packed/sparse switch at ``p`` (None: payload out of bounds or
    not a switch payload)."""
    off = s32(words[p + 1] | words[p + 2] << 16)
    q = p + off
    if q < 0 or q + 2 > n:
        return None
    ident, size = words[q], words[q + 1]
    if ident == opcodes.PACKED_SWITCH_PAYLOAD:
        base = q + 4
    elif ident == opcodes.SPARSE_SWITCH_PAYLOAD:
        base = q + 2 + size * 2
    else:
        return None
    if base + size * 2 > n:
        return None
    return [p + s32(words[base + 2 * k] | words[base + 2 * k + 1] << 16) for k in range(size)]


#: Whether an opcode ends a basic block (goto*, if-*, switches, return*, throw), by opcode.
ENDS_BLOCK = tuple(0x28 <= op <= 0x2C or 0x32 <= op <= 0x3D or 0x0E <= op <= 0x11
                   or op == 0x27 for op in range(256))


def branches(words: list[int], ins: list[int], n: int
             ) -> tuple[dict[int, list[int]], set[int]] | None:
    """The control flow of one method's code (``words``, ``n`` code units, instruction
    starts ``ins`` ascending): the successors of each instruction that ends a block (its
    targets, then the next instruction when it can fall through) and the block leaders
    they make (0, every target, every instruction after a block end). None when a target
    is not an instruction or a switch payload is unreadable: the method is not trusted."""
    at = set(ins)
    leaders = {0}
    succ: dict[int, list[int]] = {}
    ends = ENDS_BLOCK
    last = len(ins) - 1
    for k, p in enumerate(ins):
        w0 = words[p]
        op = w0 & 0xFF
        if not ends[op]:
            continue
        falls = True
        if op == 0x28:
            targets, falls = [p + ((w0 >> 8) ^ 0x80) - 0x80], False
        elif op == 0x29:
            targets, falls = [p + s16(words[p + 1])], False
        elif op == 0x2A:
            targets, falls = [p + s32(words[p + 1] | words[p + 2] << 16)], False
        elif 0x32 <= op <= 0x3D:
            targets = [p + s16(words[p + 1])]
        elif op in (0x2B, 0x2C):
            targets = switch_targets(words, p, n)
            if targets is None:
                return None
        else:  # return*, throw
            targets, falls = [], False
        for t in targets:
            if t not in at:
                return None
            leaders.add(t)
        nxt = ins[k + 1] if k < last else None
        if nxt is not None:
            leaders.add(nxt)
        succ[p] = targets + ([nxt] if falls and nxt is not None else [])
    return succ, leaders
