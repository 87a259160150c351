"""What one method's body does, for judging a method by its code (security checks).

Contract: :func:`body` reads one app method (``dexes[di].methods[owner]``) into a
:class:`Body`: the callee of every invoke in instruction order, whether it throws, the
value each ``return`` gives (through :class:`ArgumentValues` constant propagation: ``("i",
1)`` is the constant true) and whether the method is a *forwarding wrapper* (one call, its
result moved and returned, nothing else: a desugared lambda's ``verify`` calling the
synthetic ``lambda$x$0``). :func:`judge` applies a body predicate by name; the vocabulary
is fixed here, which API and method each check applies to is data (rulesets/
security-checks.yaml):

* ``accepts_all``: no ``throw`` and no call but the harmless ones (a checkServerTrusted
  that can never reject: rejection is signalled by throwing);
* ``returns_true``: at least one ``return``, every one returning the constant true, no
  call but the harmless ones;
* ``{"calls_any": [descriptors]}``: calls one of them; with ``"unconditional": true``,
  only in a method without any conditional branch (a handler that proceeds on every
  error, not one that decides).

A forwarding wrapper is judged by its one callee when that is an app method (depth 2).
Bounds: a method whose code cannot be walked gives ``Body.ok`` False, and no predicate
holds for it (never a guess); work is linear in the method's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scanner.ingest.dex import opcodes
from scanner.ingest.dex.values import ArgumentValues

THROW = 0x27
RETURNS = (0x0F, 0x10, 0x11)  # return, return-wide, return-object
RETURN_VOID = 0x0E
MOVE_RESULTS = (0x0A, 0x0B, 0x0C)
TRUE = ("i", 1)
#: predicate names :func:`judge` knows (a dict predicate names its one key)
BODY_PREDICATES = ("accepts_all", "returns_true", "calls_any")
MAX_DEPTH = 2


@dataclass(frozen=True)
class Body:
    """One method's code as the checks need it."""

    ok: bool
    calls: tuple[str, ...] = ()
    throws: bool = False
    returns: tuple[tuple | None, ...] = ()  # value returned by each return (not return-void)
    forwards_to: str | None = None  # the one callee of a forwarding wrapper
    branches: bool = False  # has a conditional branch (if-*, switch)


def method_positions(values: ArgumentValues, di: int, owner: int) -> list[int]:
    """Word positions of the instructions of ``owner`` (empty when it has no code)."""
    d = values.dexes[di]
    m = d.methods[owner]
    if m.insn_start < 0 or m.insn_end <= m.insn_start:
        return []
    return d.insn_positions(m.insn_start, m.insn_end).tolist()


def body(values: ArgumentValues, di: int, owner: int) -> Body:
    """Read method ``owner`` of dex ``di`` (see module docstring)."""
    d = values.dexes[di]
    positions = method_positions(values, di, owner)
    if not positions:
        return Body(ok=False)
    words = d.words
    calls: list[str] = []
    throws = False
    branches = False
    ret_pos: list[tuple[int, int]] = []
    ops: list[int] = []
    try:
        for p in positions:
            w0 = int(words[p])
            op = w0 & 0xFF
            ops.append(op)
            if op in opcodes.INVOKE_KINDS:
                midx = int(words[p + 1])
                calls.append(d.method_descriptor(midx) if midx < len(d.method_ids) else "?")
            elif op == THROW:
                throws = True
            elif 0x32 <= op <= 0x3D or op in (0x2B, 0x2C):
                branches = True
            elif op in RETURNS:
                ret_pos.append((p, w0 >> 8))
    except (IndexError, ValueError):
        return Body(ok=False)
    returns: list[tuple | None] = []
    if ret_pos:
        states = values.states_at(di, owner, [p for p, _r in ret_pos])
        if states is None:
            return Body(ok=False)
        for p, reg in ret_pos:
            st = states.get(p)
            returns.append(values.resolve(st.get(reg)) if st is not None else None)
    forwards = None
    if len(calls) == 1 and not throws and all(
            op in opcodes.INVOKE_KINDS or op in MOVE_RESULTS or op in RETURNS
            or op == RETURN_VOID or op <= 0x09 for op in ops):
        forwards = calls[0]
    return Body(True, tuple(calls), throws, tuple(returns), forwards, branches)


def is_harmless(callee: str, harmless: Sequence[str]) -> bool:
    """Whether a callee descriptor starts with one of the harmless prefixes."""
    return any(callee.startswith(h) for h in harmless)


def judge(predicate: str | dict, b: Body, harmless: Sequence[str],
          callee_body: Callable[[str], Body | None], depth: int = 0) -> bool:
    """Whether body ``b`` meets ``predicate``. ``callee_body(descriptor)`` reads an app
    method's body (None for a method the app does not define), for forwarding wrappers."""
    if not b.ok:
        return False
    if b.forwards_to is not None and depth < MAX_DEPTH and not is_harmless(b.forwards_to,
                                                                           harmless):
        inner = callee_body(b.forwards_to)
        if inner is not None:
            return judge(predicate, inner, harmless, callee_body, depth + 1)
    own_calls = [c for c in b.calls if not is_harmless(c, harmless)]
    if predicate == "accepts_all":
        return not b.throws and not own_calls
    if predicate == "returns_true":
        return bool(b.returns) and not own_calls and all(v == TRUE for v in b.returns)
    if isinstance(predicate, dict) and "calls_any" in predicate:
        wanted = set(predicate["calls_any"])
        if predicate.get("unconditional") and b.branches:
            return False
        return any(c in wanted for c in b.calls)
    raise ValueError(f"unknown body predicate {predicate!r}")


def calls_in(values: ArgumentValues, di: int, owner: int) -> Iterable[str]:
    """Callee descriptors of every invoke of one method."""
    return body(values, di, owner).calls
