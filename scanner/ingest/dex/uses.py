"""Forward use of a call's result: does the calling method read more than one known entry?

Contract
--------
:func:`one_entry_only` answers, for an invoke that returns a collection of entries
(``ActivityManager.getRunningAppProcesses()``: one entry per running process), whether the
calling method reads only the one entry it looks for: an entry is *identified* on the paths
where a key field of it (``pid``) was found equal to a value known by what it is (a tag of
the value models: the app's own pid ``Process.myPid()``, the calling process's
``Binder.getCallingPid()``), directly or through a parameter every caller passes such a
value in. Everything else is a use of other entries and answers False:

* reading any other field of an entry not identified;
* comparing the key with anything but such a value, or using it in any other way;
* the collection, an iterator over it or an entry not identified leaving the method
  (returned, stored in a field or array, passed to a call that is not one of the
  collection's own element or size methods), or being used by any instruction this
  analysis does not model.

``True``: only the identified entry is read (or the result is not used at all). ``False``:
other entries may be read. ``None``: the method could not be analysed (unknown: the caller
keeps the read).

What a collection's calls do is data (``collections`` in rulesets/api-map.yaml ``values``):
``iterator`` (the call returns an iterator over the receiver), ``element`` (returns one
entry), ``inert`` (reveals no entry: size, emptiness, hasNext); descriptor patterns
(``fnmatch``). The key field and the tags are the api-map entry's ``result`` data.
Nothing here names an API.

Bounds: one walk of the calling method (at most ``MAX_VISITS`` instruction visits), plus
the register values at its comparisons (:meth:`ArgumentValues.states_at`) and, for a
parameter compared with the key, its callers (:meth:`ArgumentValues.contexts`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from scanner.ingest.dex import opcodes
from scanner.ingest.dex.regs import dest as regs_dest
from scanner.ingest.dex.regs import reads as regs_reads
from scanner.ingest.dex.regs import s16, s32, switch_targets
from scanner.ingest.dex.values import ArgumentValues, _Code

MAX_VISITS = 50_000

# taints: the collection, an iterator over it, an entry (by where it was taken), an entry
# identified by its key, a key value read from an entry, and "some of these"
_LIST, _ITER, _OWN, _TOP = ("L",), ("I",), ("O",), ("T",)


class _Fail(Exception):
    """Other entries may be read (or something this analysis does not model happened)."""


def compile_patterns(patterns: Iterable[str]) -> re.Pattern | None:
    pats = [str(p) for p in patterns]
    return re.compile("|".join(fnmatch.translate(p) for p in pats)) if pats else None


def one_entry_only(values: ArgumentValues, di: int, owner: int, word_pos: int,
                   key_field: str, tags: Iterable[str],
                   collections: dict[str, re.Pattern | None]) -> bool | None:
    """See the module docstring. ``word_pos``: the invoke's dex word index in method
    ``owner`` of dex ``di``; ``key_field``: the entry field compared with a tagged value
    (``Lcls;->name:type``); ``tags``: the tags (value models) that identify one entry."""
    d = values.dexes[di]
    m = d.methods[owner]
    if m.insn_start < 0 or m.insn_end <= m.insn_start:
        return None
    try:
        code = _Code(d, m.insn_start, m.insn_end, m.code_off)
        walk = _Walk(values, di, owner, code, m.insn_start, key_field, tags, collections)
        return walk.run(word_pos - m.insn_start)
    except _Fail:
        return False
    except (IndexError, ValueError, RecursionError):
        return None


class _Walk:
    def __init__(self, values: ArgumentValues, di: int, owner: int, code: _Code, base: int,
                 key_field: str, tags: Iterable[str], collections: dict) -> None:
        self.values, self.di, self.owner, self.code, self.base = values, di, owner, code, base
        self.key_field = key_field
        self.wanted = frozenset(("t", str(t)) for t in tags)
        self.iterator = collections.get("iterator")
        self.element = collections.get("element")
        self.inert = collections.get("inert")
        self._own_cache: dict[tuple[int, int], bool] = {}
        self._states: dict[int, dict] | None = None

    # ------------------------------------------------------------ driver
    def run(self, site: int) -> bool | None:
        code = self.code
        ins, words = code.ins, code.words
        index_of = {p: k for k, p in enumerate(ins)}
        if site not in index_of:
            return None
        k = index_of[site]
        if k + 1 >= len(ins) or (words[ins[k + 1]] & 0xFF) != 0x0C:
            return True  # the result is not kept: no entry is read
        start = ins[k + 1]
        handlers = [(s, e, tuple(a for a in hs if a in index_of)) for s, e, hs in code.tries]
        state_in: dict[int, dict] = {start: {-1: _LIST}}
        work = [start]
        visits = 0
        while work:
            p = work.pop()
            visits += 1
            if visits > MAX_VISITS:
                return None
            state = dict(state_in[p])
            outs = self._step(p, state, index_of)
            for s, e, hs in handlers:
                if s <= p < e:
                    for h in hs:
                        outs.append((h, {r: t for r, t in state_in[p].items() if r >= 0}))
            for q, st in outs:
                if q not in index_of:
                    return None
                old = state_in.get(q)
                new = st if old is None else _join(old, st)
                if old is None or new != old:
                    state_in[q] = new
                    work.append(q)
        return True

    # -------------------------------------------------------------- step
    def _step(self, p: int, state: dict, index_of: dict[int, int]) -> list[tuple[int, dict]]:
        """Apply instruction ``p`` to ``state``; the successors with their states."""
        words, ins = self.code.words, self.code.ins
        w0 = words[p]
        op = w0 & 0xFF
        k = index_of[p]
        nxt = ins[k + 1] if k + 1 < len(ins) else None
        result = state.pop(-1, None)
        a4, a8 = (w0 >> 8) & 0xF, w0 >> 8
        reads = regs_reads(op, w0, words, p)
        if reads is None:
            if any(t != _OWN for t in state.values()):
                raise _Fail  # an instruction this analysis does not know, with taints live
            reads = []
        tainted = [(r, state[r]) for r in reads if r in state and state[r] != _OWN]
        succ = [nxt] if nxt is not None else []
        # ---- control flow
        if op == 0x28:
            succ = [p + ((w0 >> 8) ^ 0x80) - 0x80]
        elif op == 0x29:
            succ = [p + s16(words[p + 1])]
        elif op == 0x2A:
            succ = [p + s32(words[p + 1] | words[p + 2] << 16)]
        elif op in (0x2B, 0x2C):
            targets = switch_targets(words, p, self.code.n)
            if targets is None:
                raise ValueError("bad switch")
            succ = targets + succ
            if tainted:
                raise _Fail
        elif 0x0E <= op <= 0x11 or op == 0x27:
            if tainted:
                raise _Fail  # an entry, the list or a key leaves the method
            return []
        elif op in (0x32, 0x33):  # if-eq / if-ne
            target = p + s16(words[p + 1])
            if not tainted:
                return [(q, state) for q in (nxt, target) if q is not None]
            equal = self._key_test(p, a4, w0 >> 12, state)
            eq_state = dict(state)
            for r, t in state.items():
                if t[0] == "E" and t[1] == equal:
                    eq_state[r] = _OWN
            if op == 0x32:  # if-eq: the branch is the equal edge
                return [(target, eq_state)] + ([(nxt, state)] if nxt is not None else [])
            return [(target, state)] + ([(nxt, eq_state)] if nxt is not None else [])
        elif 0x34 <= op <= 0x37:
            if tainted:
                raise _Fail
            succ = [p + s16(words[p + 1])] + succ
        elif 0x38 <= op <= 0x3D:  # if-testz: a null or boolean test of an object is no read
            if any(t[0] == "K" or t == _TOP for _r, t in tainted):
                raise _Fail
            succ = [p + s16(words[p + 1])] + succ
        # ---- data
        elif op in (0x0A, 0x0C, 0x0D):  # move-result(-object), move-exception
            _set(state, a8, result if op == 0x0C else None)
        elif op in (0x01, 0x07):
            _set(state, a4, state.get(w0 >> 12))
        elif op in (0x02, 0x08):
            _set(state, a8, state.get(words[p + 1]))
        elif op in (0x03, 0x09):
            _set(state, words[p + 1], state.get(words[p + 2]))
        elif op == 0x1F:  # check-cast keeps the value
            pass
        elif op in (0x1D, 0x1E):  # monitor-enter/exit read nothing of an entry
            pass
        elif op == 0x20:  # instance-of
            _set(state, a4, None)
        elif 0x52 <= op <= 0x58:  # iget*
            obj = state.get(w0 >> 12)
            if obj is None or obj == _OWN:
                _clear(state, a4, 2 if op == 0x53 else 1)
            elif obj[0] == "E" and self._field(words[p + 1]) == self.key_field:
                _set(state, a4, ("K", obj[1]))
            else:
                raise _Fail  # another field of an entry not identified
        elif op in opcodes.INVOKE_KINDS or op in (0xFC, 0xFD):
            new = self._invoke(p, op, tainted, reads)
            if new is not None:
                state[-1] = new
        else:
            if tainted:
                raise _Fail
            for r in regs_dest(op, w0, words, p):
                state.pop(r, None)
        return [(q, state) for q in succ]

    def _invoke(self, p: int, op: int, tainted: list, regs: list[int]) -> tuple | None:
        if not tainted:
            return None
        words = self.code.words
        if op in (0xFC, 0xFD) or op in (0x71, 0x77):
            raise _Fail
        recv = regs[0] if regs else None
        if len(tainted) != 1 or tainted[0][0] != recv:
            raise _Fail  # an entry, key or the list handed to other code
        t = tainted[0][1]
        if t not in (_LIST, _ITER):
            raise _Fail
        desc = self.values.dexes[self.di].method_descriptor(words[p + 1])
        if self.inert is not None and self.inert.match(desc):
            return None
        if self.iterator is not None and self.iterator.match(desc):
            return _ITER
        if self.element is not None and self.element.match(desc):
            return ("E", p)
        raise _Fail

    def _field(self, fidx: int) -> str:
        return self.values.dexes[self.di].field_descriptor(fidx)

    def _key_test(self, p: int, ra: int, rb: int, state: dict) -> int | None:
        """The entry (its allocation) a comparison of its key with a tagged value tests;
        a key compared with anything else is a read of other entries (fails)."""
        ta, tb = state.get(ra), state.get(rb)
        keys = [(t, other) for t, other in ((ta, rb), (tb, ra)) if t is not None]
        if len(keys) != 1 or keys[0][0][0] != "K":
            raise _Fail
        key, other = keys[0]
        if not self._is_tagged(p, other):
            raise _Fail
        return key[1]

    def _is_tagged(self, p: int, reg: int) -> bool:
        if self._states is None:
            words = self.code.words
            cmp_at = [self.base + q for q in self.code.ins if (words[q] & 0xFF) in (0x32, 0x33)]
            self._states = self.values.states_at(self.di, self.owner, cmp_at, params=True) or {}
        st = self._states.get(self.base + p)
        if st is None:
            return False
        v = self.values.resolve(st.get(reg))
        if v in self.wanted:
            return True
        if v is None or v[0] != "p":
            return False
        ctx = self.values.contexts(self.di, self.owner, v)
        return bool(ctx) and all(c in self.wanted for c in ctx)


def _set(state: dict, reg: int, taint: tuple | None) -> None:
    if taint is None:
        state.pop(reg, None)
    else:
        state[reg] = taint


def _clear(state: dict, reg: int, n: int) -> None:
    for r in range(reg, reg + n):
        state.pop(r, None)


def _join(a: dict, b: dict) -> dict:
    out = dict(a)
    for r, t in b.items():
        old = out.get(r)
        if old is None or old == t:
            out[r] = t
        elif {old[0], t[0]} == {"O", "E"}:
            out[r] = old if old[0] == "E" else t  # maybe another app's entry
        else:
            out[r] = _TOP
    return out
