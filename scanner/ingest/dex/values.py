"""Argument values at call sites: intra-procedural constant propagation over registers.

Contract
--------
:class:`ArgumentValues` answers, for an invoke instruction of an app method, what each
argument register holds when the call is made, as far as the calling method alone
shows it (plus the constant value of a field that every write in the app sets to the
same constant; an Intent, ComponentName or other mutable field of a ``returns`` type whose
every write stores a parameter of a method nothing can call is null, ``("i", 0)``).
Values are plain tuples:

* ``("s", str)`` a string (const-string; ``Uri.parse`` of a string keeps the string),
* ``("i", int)`` an int (const, const/4, const/16, const/high16),
* ``("c", "Lcls;")`` a class (const-class; ``Class.forName`` of a known name),
* ``("own",)`` the app's own package name (``getPackageName()``),
* ``("t", name)`` a value known by what it is (``Process.myUid()`` → ``own_uid``),
* ``("o", kind, alloc, attrs)`` an object built by a modelled constructor or call
  (an Intent, a ComponentName, a Sensor): ``attrs`` is a sorted tuple of
  ``(name, value)``; ``("?",)`` as an attribute value means "set, value unknown";
  ``categories`` holds a tuple of values. A byte array made by ``new-array`` is
  ``("o", "const_bytes", alloc, (("size", n),))`` while only constants are stored into it
  (``fill-array-data``, ``aput`` of a constant); storing anything else, or handing it to
  an unmodelled call, makes it unknown.
* ``("r", dex, method_id, mutable)`` the result of a call of a small app method, replaced
  by the method's one return value when it is used (see below);
* ``("p", k, False, "class")`` the class ``Class.forName`` gives for the name in parameter
  ``k`` (a reflection helper taking the class name from its callers);
* ``("p", k, mutable)`` the calling method's own parameter ``k`` (its position in the
  invoke register list that calls it, ``this`` first): what it holds is for the callers
  to say (:meth:`ArgumentValues.alternatives`). ``mutable``: an object other code may
  change (not a String, a boxed number or a Class), which an unmodelled call taking it
  makes unknown.

* ``("any", members)`` one of a few known values (at most ``MAX_ALTS``): what a register
  holds where paths that give different known values merge, or what a small app method
  with several returns gives. :meth:`ArgumentValues.alternatives` and
  :meth:`ArgumentValues.contexts` give one context per member, so a call is judged on
  each value (a read if one value reads; ruled out only if every value is); elsewhere it
  counts as not known. An object attribute set to one of several values is "set, value
  unknown" (``UNSURE_ATTR`` when one of them is null).

``None`` means unknown: the analysis never guesses. Where control flow merges, a
register keeps the value every incoming path gives, one of the values they give when each
gives a known one, and nothing when one path leaves it unknown; exception
handlers start from what every instruction of their try range agrees on; code that no
path reaches (dead code, handlers of an unreadable try table) gives unknown; an object
passed to a call that is not modelled, or stored anywhere, becomes unknown (the callee
may change it).

What calls and fields make values is data (``models``), given by the caller (the
knowledge layer reads it from rulesets/api-map.yaml), never decided here:

* ``fields``: ``{field descriptor: value}`` for framework constants read with sget
  (``ContactsContract$Contacts.CONTENT_URI`` → ``("s", "content://com.android.contacts/contacts")``);
* a static or direct call of a small app method that never passes an object parameter
  on nor stores it (a null check) leaves that object's value as it was;
* ``keeps``: descriptor patterns (``fnmatch``) of calls that change none of the modelled
  attributes of the objects they are given (``PackageManager`` queries reading an Intent,
  an Intent's getters); an object passed to them keeps its value;
* ``calls``: ``{method descriptor or "*->name(proto)": model}``; a model with
  ``"receiver": [type, ...]`` (framework types) applies only to a call named on one of
  those types or on an app class extending one of them that does not declare the method
  itself (``getPackageName()`` gives the app's package only on a Context); the model is one of
  ``{"returns": "own_package"}``, ``{"returns": "param", "param": i}``,
  ``{"returns": "class", "param": i}`` (dotted name → descriptor),
  ``{"returns": "join", "params": [i, j], "sep": "/"}``,
  ``{"returns": "object", "object": kind, "attrs": {name: i}}`` (``i`` may be ``"this"``,
  the receiver: ``String.getBytes`` of a constant string),
  ``{"returns": "tag", "tag": name}`` (a value known only by what it is, e.g. ``own_uid``),
  ``{"init": kind, "attrs": {name: i}}`` (a constructor of the receiver),
  ``{"set": {name: i}}`` / ``{"add": {name: i}}`` (mutate the receiver object, return it),
  ``{"set_from": {name: i}}`` (copy the attributes of an object argument, e.g. setComponent),
  ``{"init": kind, "copy": i}`` (a copy constructor: the attributes of the object argument,
  each "set or not" when it is not known).

Across methods (bounded, summary-based): :meth:`ArgumentValues.alternatives` replaces a
parameter placeholder at a call site by the values the callers pass, caller by caller
(each caller's own parameters in turn, up to ``MAX_CALL_DEPTH`` methods up; a value that
is one of several gives one context per value), and gives
one argument list per calling context. Callers are the invokes of the method's
descriptor in every dex; a virtual method is followed only when every supertype of its
class is in the app, or is one of the framework types whose methods are known
(``framework_types``: type -> names of every method it declares or inherits, Object's
aside) and the method's name is not among them (no framework code can call it), and its
name is not one of ``Object``'s; then calls through its app supertypes and subclasses
count too. More
than ``MAX_CALLERS`` callers, more than ``MAX_CONTEXTS`` contexts, a recursion, or no
caller at all leave the parameter unknown. A call of a small app method
(``invoke-static``/``invoke-direct``, at most ``MAX_SUMMARY_UNITS`` code units) whose
result type is one of ``models["returns"]`` (data: the types whose values the judgements
use, e.g. String and Intent) and whose every ``return-object`` gives the same known value
(a constant, or an object built there from constants) gives that value, or one of the
values when the returns differ (:meth:`ArgumentValues._return_value`); an object attribute
set from a parameter is "set or not" there. A virtual call (invoke-virtual) is summarised,
and followed when asking whether it keeps an object, when the class named in the call
defines the method and no app class below it names a method with that signature (nothing
else can answer the call). A method "keeps" an object it is given when it only tests it,
hands it to ``keeps`` calls or modelled calls that do not change it, or to small app
methods that keep it in turn (``MAX_KEEPS_DEPTH`` methods down). A result cut short by a
depth bound is not cached, so a caller higher up may still go deeper.

Bounds: every read is checked against the method's code item; a method whose code
cannot be walked (branch out of range, more than ``MAX_STEPS`` instruction visits)
gives unknown for everything. An analysis walks only the blocks on a path from the
method's start to the positions asked (nothing else can change what they hold), so work is
linear in the size of those blocks times the (small) number of fixpoint rounds; a call
site's callers are expanded once per (caller, depth, methods on the way) however many
values the site's own arguments take. The callers index is one sort of each dex's invoke
operands, built on first use.
"""

from __future__ import annotations

import fnmatch
import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

import numpy as np

from scanner.ingest.dex import arrays, opcodes
from scanner.ingest.dex import regs as dexregs
from scanner.ingest.dex.reader import DexFile, read_uleb128
from scanner.ingest.dex.regs import s16, s32

Value = tuple
UNKNOWN_ATTR: Value = ("?",)
#: an attribute other code may have set or not, to a value not known
UNSURE_ATTR: Value = ("~",)
#: kind of a byte array built from constants in the method (new-array, fill-array-data,
#: constant elements), or made by a modelled call from constants (``String.getBytes``)
CONST_BYTES = ("o", "const_bytes")
#: Instruction visits allowed per method analysis (fixpoint rounds included).
MAX_STEPS = 200_000
#: Depth of field-value summaries (a field set from another field...).
MAX_FIELD_DEPTH = 2
#: Fields written in more places than this are not summarised.
MAX_FIELD_WRITES = 32
#: Methods followed up the call graph to find what a parameter holds.
MAX_CALL_DEPTH = 7
#: A method with more callers than this leaves its parameters unknown.
MAX_CALLERS = 16
#: Calling contexts (argument lists) kept per call site.
MAX_CONTEXTS = 32
#: Largest app method (code units) whose return value is summarised, and summary depth.
MAX_SUMMARY_UNITS = 400
MAX_SUMMARY_DEPTH = 2
#: Alternatives a "one of" value (``("any", members)``) may hold; more is unknown.
MAX_ALTS = 4
#: Depth of app methods followed when asking whether a method leaves an object unchanged.
MAX_KEEPS_DEPTH = 3
#: Parameter types whose objects no callee can change.
_IMMUTABLE = frozenset({"Ljava/lang/String;", "Ljava/lang/Class;", "Ljava/lang/Integer;",
                        "Ljava/lang/Long;", "Ljava/lang/Boolean;", "Ljava/lang/Short;",
                        "Ljava/lang/Byte;", "Ljava/lang/Character;", "Ljava/lang/Float;",
                        "Ljava/lang/Double;"})
_OBJECT_METHODS = frozenset({"toString", "equals", "hashCode", "finalize", "clone"})
#: Instructions through which a method can hand an object on: invokes and stores.
_USES_OBJECT = frozenset([*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB, 0xFC, 0xFD,
                          *range(0x59, 0x60), *range(0x4B, 0x52), *range(0x67, 0x6E)])

#: Invoke instructions (whose argument registers :meth:`ArgumentValues._analyse` records).
_INVOKES = frozenset([*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB, 0xFC, 0xFD])
#: Instructions :meth:`ArgumentValues._invoke` applies (every invoke kind, custom ones too).
_CALLS = frozenset([*opcodes.INVOKE_KINDS, 0xFC, 0xFD])

#: Static and direct invokes, and virtual ones: calls an app method may answer.
_APP_CALLS = frozenset({0x70, 0x71, 0x76, 0x77, 0x6E, 0x74})
#: Value kinds that hold an object, or may (a "one of" value): see :func:`_escape`.
_OBJECT_KINDS = frozenset({"n", "o", "any"})
#: Value kinds :func:`_changeable` may say yes to (the others never are).
_HOLDS_OBJECT = frozenset({"any", "n", "o", "p", "r"})

_PARAM_RX = re.compile(r"\[*(?:L[^;]+;|[ZBSCIJFDV])")


#: Indices of one dex that depend on its bytes alone (methods by method_ids entry), shared
#: by the ArgumentValues of a scan (code, security and leak analyses each have one, with
#: their own models); the rows by operand are the reader's (DexFile.rows_by_operand).
_SHARED: weakref.WeakKeyDictionary[DexFile, dict] = weakref.WeakKeyDictionary()


def _shared(d: DexFile) -> dict:
    hit = _SHARED.get(d)
    if hit is None:
        hit = _SHARED[d] = {}
    return hit


def declared_params(descriptor: str) -> list[str]:
    """Parameter type descriptors of a method descriptor or proto."""
    inner = descriptor[descriptor.find("(") + 1 : descriptor.rfind(")")]
    return _PARAM_RX.findall(inner)


def param_registers(proto: str, is_static: bool) -> list[int]:
    """Positions in an invoke's register list of each declared parameter (wide = 2 units)."""
    inner = proto[proto.find("(") + 1 : proto.rfind(")")]
    pos = 0 if is_static else 1
    out = []
    for p in _PARAM_RX.findall(inner):
        out.append(pos)
        pos += 2 if p in ("J", "D") else 1
    return out


class _Code:
    """One method's code item, bounds-checked."""

    def __init__(self, d: DexFile, start: int, end: int, code_off: int) -> None:
        self.words = d.words[start:end].tolist()
        self.n = end - start
        self.registers = int.from_bytes(d.data[code_off : code_off + 2], "little")
        self.ins_size = int.from_bytes(d.data[code_off + 2 : code_off + 4], "little")
        self.ins = (d.insn_positions(start, end) - start).tolist()
        self.tries = try_items(d, code_off, self.n)
        self.start = start


def try_items(d: DexFile, code_off: int, n_insns: int) -> list[tuple[int, int, tuple[int, ...]]]:
    """(start, end, handler addresses) of each try item; [] if unreadable (then handlers
    are analysed from an unknown state, which is always safe)."""
    data = d.data
    try:
        tries_size = int.from_bytes(data[code_off + 6 : code_off + 8], "little")
        if not tries_size:
            return []
        pos = code_off + 16 + n_insns * 2
        if n_insns % 2:
            pos += 2
        list_off = pos + tries_size * 8
        if list_off > len(data):
            return []
        out = []
        for k in range(min(tries_size, 4096)):
            p = pos + k * 8
            start = int.from_bytes(data[p : p + 4], "little")
            count = int.from_bytes(data[p + 4 : p + 6], "little")
            hoff = int.from_bytes(data[p + 6 : p + 8], "little")
            hp = list_off + hoff
            if hp >= len(data):
                continue
            size, hp = _sleb(data, hp)
            addrs = []
            for _ in range(min(abs(size), 256)):
                _t, hp = read_uleb128(data, hp)
                a, hp = read_uleb128(data, hp)
                addrs.append(a)
            if size <= 0:
                a, hp = read_uleb128(data, hp)
                addrs.append(a)
            out.append((start, start + count, tuple(addrs)))
        return out
    except Exception:  # noqa: BLE001 - a damaged try table only costs precision
        return []


def _sleb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    for _ in range(5):
        if pos >= len(data):
            raise IndexError("sleb128 truncated")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, pos
    raise ValueError("sleb128 too long")


def _merge(a: dict | None, b: dict) -> dict:
    """Join of two register states: a register keeps a value both give, or becomes one
    of the values the paths give (``("any", ...)``, at most MAX_ALTS); a register one
    path leaves unknown is unknown."""
    if a is None:
        return dict(b)
    out = {}
    for k, v in a.items():
        w = b.get(k)
        if w is None:
            continue
        if w == v:
            out[k] = v
        elif k >= 0:
            j = one_of((v, w))
            if j is not None:
                out[k] = j
    return out


def members(v: Value | None) -> tuple:
    """The values a register may hold: those of a "one of" value, or the value itself."""
    if v is None:
        return ()
    return v[1] if v[0] == "any" else (v,)


def one_of(values: Iterable[Value | None]) -> Value | None:
    """The value that is one of ``values`` (flattened, without repeats); None when one of
    them is unknown, when there are more than MAX_ALTS, or when one is an object under
    construction (a ``new-instance`` not yet initialised)."""
    out: list = []
    for v in values:
        for m in members(v) if v is not None else (None,):
            if m is None or m[0] == "n":
                return None
            if m not in out:
                out.append(m)
    if not out or len(out) > MAX_ALTS:
        return None
    if len(out) == 1:
        return out[0]
    return ("any", tuple(sorted(out, key=repr)))


def split_any(vals: list, positions: Iterable[int]) -> list[list]:
    """One argument list per combination of the members of the "one of" values at
    ``positions`` (a list without such values is returned as it is)."""
    out = [vals]
    for k in positions:
        nxt = []
        for a in out:
            v = a[k] if k < len(a) else None
            if v is None or v[0] != "any":
                nxt.append(a)
                continue
            for m in v[1]:
                b = list(a)
                b[k] = m
                nxt.append(b)
        out = nxt
    return out


class ArgumentValues:
    """Register values at invoke sites of one app (see module docstring)."""

    def __init__(self, dexes: list[DexFile], models: dict | None = None,
                 classes: dict[str, tuple[int, int]] | None = None) -> None:
        """``classes``: class descriptor -> (dex position, class_def) of the app's classes
        when the caller has that table already (DexIndex); built here otherwise."""
        self.dexes = dexes
        self.classes = classes
        models = models or {}
        self.field_models: dict[str, Value] = dict(models.get("fields") or {})
        self.object_attrs = {str(k): tuple(v) for k, v in (models.get("objects") or {}).items()}
        calls = models.get("calls") or {}
        self.call_models = {k: v for k, v in calls.items() if not k.startswith("*->")}
        self.any_models = {k[3:]: v for k, v in calls.items() if k.startswith("*->")}
        #: (di, owner) -> (invoke position -> raw argument values, positions asked);
        #: (None, ...) when the method cannot be analysed
        self._method_cache: dict[tuple[int, int], tuple[dict[int, list] | None, set[int]]] = {}
        self._wanted: dict[tuple[int, int], set[int]] = {}
        self._model_cache: list[dict[int, dict | None]] = [{} for _ in dexes]
        self._signatures: list[dict[int, tuple[str, str]]] = [{} for _ in dexes]
        self._param_regs: dict[tuple[int, int, bool], list[int]] = {}
        #: (di, first code unit) -> (basic blocks of the method (see _blocks), _preds of them)
        self._blocks: dict[tuple[int, int], tuple | None] = {}
        #: (di, first code unit) -> the method's code item (see _code)
        self._codes: dict[tuple[int, int], _Code] = {}
        self._field_model_cache: list[dict[int, Value | None]] = [{} for _ in dexes]
        self._summaries: dict[tuple[int, int], Value | None] = {}
        self._class_at: dict[tuple[int, str], int | None] = {}
        self._method_ids: dict[tuple[int, str], list[int]] = {}
        #: dex -> (method_ids names ascending, the ids in that order)
        self._signature_ids: dict[tuple[int, str], list[tuple[int, str]]] = {}
        self._field_ids: dict[tuple[int, str], list[int]] = {}
        self._receivers: dict[tuple[str, str, tuple[str, ...]], bool] = {}
        self._depth = 0
        keeps = [str(x) for x in models.get("keeps") or ()]
        self.keeps = re.compile("|".join(fnmatch.translate(k) for k in keeps)) if keeps else None
        self.summary_returns = frozenset(str(x) for x in models.get("returns") or ())
        self.framework_types = {str(k): frozenset(str(x) for x in v)
                                for k, v in (models.get("framework_types") or {}).items()}
        self._callers_cache: dict[tuple[int, int], list[tuple[int, int, int]] | None] = {}
        #: (caller dex, method, invoke position, parameters asked, depth, methods on the
        #: way) -> the caller's argument lists (see _expand)
        self._expansions: dict[tuple, list[list]] = {}
        self._returns: dict[tuple[int, int], Value | None] = {}
        self._defined_index: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._keeps: dict[tuple[int, int, int], bool] = {}
        self._tracked: dict[tuple[int, int, bool], frozenset[int]] = {}
        self._summary_depth = 0
        self._keeps_depth = 0
        #: how often a depth bound cut an analysis short (results cut short are not kept)
        self._cut = 0

    # ---------------------------------------------------------------- public
    def arguments(self, di: int, owner: int, word_pos: int,
                  wanted: Iterable[int] | None = None) -> list[Value | None] | None:
        """Values of the argument registers of the invoke at ``word_pos`` (a dex word
        index) in method ``owner`` (index into ``dexes[di].methods``), in register-list
        order; None when the method could not be analysed. ``wanted``: the positions in
        that list whose value is needed (the others may be left unresolved, None)."""
        states = self._analyse(di, owner, want=word_pos)
        if states is None:
            return None
        raw = states.get(word_pos)
        if raw is None:
            return None
        keep = set(range(len(raw))) if wanted is None else set(wanted)
        return [self._resolve(v) if k in keep else (None if v and v[0] in ("f", "r") else v)
                for k, v in enumerate(raw)]

    def alternatives(self, di: int, owner: int, word_pos: int,
                     wanted: Iterable[int]) -> list[list[Value | None]] | None:
        """Like :meth:`arguments`, one argument list per calling context: a wanted
        argument that is the calling method's parameter takes, in turn, each value its
        callers pass (see the module docstring for the bounds); left unknown (None) where
        the callers cannot all be known. None when the method could not be analysed."""
        wanted = list(wanted)
        vals = self.arguments(di, owner, word_pos, wanted)
        if vals is None:
            return None
        out: list[list] = []
        for sub in self._expand(di, owner, vals, wanted, 0, frozenset()):
            for alt in split_any(sub, wanted):
                if alt not in out:
                    out.append(alt)
        return out if len(out) <= MAX_CONTEXTS else [[None if k in wanted else v
                                                       for k, v in enumerate(vals)]]

    def contexts(self, di: int, owner: int, v: Value | None) -> list[Value | None]:
        """The values a parameter placeholder ``v`` of method ``owner`` takes, one per
        calling context (its callers followed as for :meth:`alternatives`); ``[None]`` when
        they cannot all be known; any other value is its own one context."""
        if v is None or v[0] not in ("p", "any"):
            return [v]
        out = []
        for ctx in self._expand(di, owner, [v], [0], 0, frozenset()):
            for alt in split_any(ctx, [0]):
                if alt[0] not in out:
                    out.append(alt[0])
        return out

    def states_at(self, di: int, owner: int, word_positions: Iterable[int],
                  params: bool = False) -> dict[int, dict[int, Value]] | None:
        """Register states (register -> raw value) before each instruction at
        ``word_positions`` (dex word indices) of method ``owner``; a position no path
        reaches is absent. None when the method cannot be analysed. Raw values may be
        field placeholders: pass them through :meth:`resolve`. ``params``: the incoming
        registers hold their parameter placeholders (for :meth:`contexts`)."""
        d = self.dexes[di]
        m = d.methods[owner]
        if m.insn_start < 0 or m.insn_end <= m.insn_start:
            return None
        try:
            code = self._code(di, m)
            out = self._run(di, code, {p - m.insn_start for p in word_positions},
                            capture=_whole_state,
                            init=self._params(di, m, code) if params else None)
        except (IndexError, ValueError, RecursionError):
            return None
        if out is None:
            return None
        return {p + m.insn_start: {r: v for r, v in st.items() if r >= 0}
                for p, st in out.items()}

    def resolve(self, v: Value | None) -> Value | None:
        """A raw register value as :meth:`arguments` gives it (field placeholders become the
        field's one constant, or None)."""
        return self._resolve(v)

    def prepare(self, di: int, owner: int, word_positions: Iterable[int]) -> None:
        """Declare every site of a method that will be asked for, so that one analysis
        records them all."""
        self._wanted.setdefault((di, owner), set()).update(word_positions)

    # ------------------------------------------------------------ callers
    def _expand(self, di: int, owner: int, vals: list, wanted: list[int], depth: int,
                seen: frozenset) -> list[list]:
        alts = split_any(vals, wanted)
        if len(alts) > 1:
            out: list[list] = []
            for a in alts:
                for sub in self._expand(di, owner, a, wanted, depth, seen):
                    if sub not in out:
                        out.append(sub)
                    if len(out) > MAX_CONTEXTS:
                        return [[None if k in wanted else v for k, v in enumerate(vals)]]
            return out
        need = {k: vals[k][1] for k in wanted
                if k < len(vals) and vals[k] is not None and vals[k][0] == "p"}
        if not need:
            return [vals]
        unknown = [None if k in need else v for k, v in enumerate(vals)]
        if depth >= MAX_CALL_DEPTH or (di, owner) in seen:
            return [unknown]
        callers = self._callers(di, owner)
        if not callers:
            return [unknown]
        seen = seen | {(di, owner)}
        pks = sorted(set(need.values()))
        out: list[list] = []
        for cdi, cowner, cpos in callers:
            key = (cdi, cowner, cpos, tuple(pks), depth + 1, seen)
            subs = self._expansions.get(key)
            if subs is None:  # what the caller passes does not depend on ``vals``
                cvals = self.arguments(cdi, cowner, cpos, pks)
                if cvals is None:
                    return [unknown]
                subs = self._expansions[key] = self._expand(cdi, cowner, cvals, pks,
                                                            depth + 1, seen)
            for sub in subs:
                new = list(vals)
                for k, pk in need.items():
                    new[k] = _derived(vals[k], sub[pk] if pk < len(sub) else None)
                if new not in out:
                    out.append(new)
                if len(out) > MAX_CONTEXTS:
                    return [unknown]
        return out

    def _callers(self, di: int, owner: int) -> list[tuple[int, int, int]] | None:
        """(dex, method, word position) of every invoke that can reach method ``owner`` of
        dex ``di``; None when callers outside the app are possible or there are too many."""
        key = (di, owner)
        if key in self._callers_cache:
            return self._callers_cache[key]
        self._callers_cache[key] = None
        d = self.dexes[di]
        m = d.methods[owner]
        desc = d.method_descriptor(m.method_idx)
        cls, _, sig = desc.partition("->")
        direct = bool(m.access_flags & 0xA) or sig.startswith("<init>")
        supers: set[str] | None = set()
        if not direct:
            if sig.partition("(")[0] in _OBJECT_METHODS:
                return None
            found = self._app_supertypes(cls)
            if found is None or sig.partition("(")[0] in found[1]:
                return None  # framework code may call it
            supers = found[0]
        out: list[tuple[int, int, int]] = []
        for cdi, cd in enumerate(self.dexes):
            if direct:
                mids = self._find_methods(cdi, desc)
            else:
                mids = [i for i, c in self._same_signature(cdi, sig)
                        if c == cls or c in supers or self._descends(c, cls)]
            if not mids:
                continue
            pos, _op, _arg, own = cd.operand_sites("invoke")
            sel = cd.rows_with_operands("invoke", mids)
            if len(out) + sel.size > MAX_CALLERS:
                return None
            out.extend((cdi, int(own[r]), int(pos[r])) for r in sel.tolist() if int(own[r]) >= 0)
        self._callers_cache[key] = out
        return out

    def _find_methods(self, di: int, desc: str) -> list[int]:
        """``find_methods`` of dex ``di``, looked up once per descriptor."""
        key = (di, desc)
        hit = self._method_ids.get(key)
        if hit is None:
            hit = self._method_ids[key] = self.dexes[di].find_methods(desc)
        return hit

    def _find_fields(self, di: int, desc: str) -> list[int]:
        """``find_fields`` of dex ``di``, looked up once per descriptor."""
        key = (di, desc)
        hit = self._field_ids.get(key)
        if hit is None:
            hit = self._field_ids[key] = self.dexes[di].find_fields(desc)
        return hit

    def _where(self, cls: str) -> tuple[int, int] | None:
        """(dex position, class_def) defining an app class, None outside the app."""
        if self.classes is not None:
            return self.classes.get(cls)
        for k in range(len(self.dexes)):
            c = self._dex_class(k, cls)
            if c is not None:
                return k, c
        return None

    def _app_supertypes(self, cls: str) -> tuple[set[str], frozenset[str]] | None:
        """(every app supertype of an app class, the names of the methods its framework
        supertypes declare); None when a supertype is outside the app and not one of the
        framework types whose methods are known (``framework_types``): framework code
        could then call any method of the class."""
        supers: set[str] = set()
        framework: set[str] = set()
        todo = [cls]
        while todo:
            t = todo.pop()
            where = self._where(t)
            if where is None and t in self.framework_types:
                framework.update(self.framework_types[t])
                continue
            if where is None:
                return None
            d = self.dexes[where[0]]
            parents = list(d.interfaces(where[1]))
            sup = d.superclass(where[1])
            if sup is not None and sup != "Ljava/lang/Object;":
                parents.append(sup)
            for p in parents:
                if p not in supers:
                    supers.add(p)
                    todo.append(p)
            if len(supers) > MAX_CALLERS:
                return None
        return supers, frozenset(framework)

    def _descends(self, c: str, ancestor: str) -> bool:
        """Whether app class ``c`` has ``ancestor`` among its superclasses."""
        for _ in range(32):
            where = self._where(c)
            if where is None:
                return False
            sup = self.dexes[where[0]].superclass(where[1])
            if sup is None:
                return False
            if sup == ancestor:
                return True
            c = sup
        return False

    def _same_signature(self, di: int, sig: str) -> list[tuple[int, str]]:
        """(method_ids index, class) of every method id of dex ``di`` named and typed
        like ``sig`` (looked up once per signature)."""
        key = (di, sig)
        hit = self._signature_ids.get(key)
        if hit is None:
            hit = self._signature_ids[key] = self._same_signature_of(di, sig)
        return hit

    def _same_signature_of(self, di: int, sig: str) -> list[tuple[int, str]]:
        d = self.dexes[di]
        name, paren, proto = sig.partition("(")
        n = d.find_string(name)
        if n < 0 or not paren:
            return []
        ids = d.method_ids
        want = "(" + proto
        ret = d.find_type(want[want.rfind(")") + 1 :])
        if ret < 0:
            return []
        cand = self.dexes[di].methods_named(n)
        cand_protos = ids["proto"][cand]
        uniq = arrays.unique(cand_protos)
        uniq = uniq[d.protos["ret"][uniq] == ret]  # the return type first: cheap
        protos = [x for x in uniq.tolist() if d.proto_string(x) == want]
        if not protos:
            return []
        cand = cand[cand_protos == protos[0] if len(protos) == 1
                    else np.isin(cand_protos, protos)]
        return [(i, d.type_name(c)) for i, c in zip(cand.tolist(), ids["cls"][cand].tolist(),
                                                     strict=True)]

    def _return_value(self, di: int, midx: int) -> Value | None:
        """The one value every ``return-object`` of the app method that a static or
        direct invoke of ``midx`` calls gives (see the module docstring), else None."""
        key = (di, midx)
        if key in self._returns:
            return self._returns[key]
        if self._summary_depth >= MAX_SUMMARY_DEPTH:
            self._cut += 1
            return None
        cut = self._cut
        value = self._returns[key] = None  # while it is being summarised (a recursion)
        try:
            value = self._return_value_of(di, midx, key)
        finally:
            if value is None and self._cut != cut:
                del self._returns[key]  # cut short by a bound: another caller may go deeper
        return value

    def _return_value_of(self, di: int, midx: int, key: tuple) -> Value | None:
        d = self.dexes[di]
        desc = d.method_descriptor(midx)
        cls, _, sig = desc.partition("->")
        if sig[sig.rfind(")") + 1 :] not in self.summary_returns or sig.startswith("<"):
            return None  # only the result types whose values matter (data: ``returns``)
        where = self._where(cls)
        if where is None:
            return None  # not an app method
        k = where[0]
        mids = [midx] if k == di else self._find_methods(k, desc)
        owner = next((o for o in (self._defined(k, x) for x in mids) if o is not None), None)
        if owner is None:
            return None
        m = self.dexes[k].methods[owner]
        if m.insn_start < 0 or m.insn_end - m.insn_start > MAX_SUMMARY_UNITS:
            return None
        if not m.access_flags & 0xA and self._overridden(cls, sig):
            return None  # a virtual method another app class may replace
        self._summary_depth += 1
        try:
            code = self._code(k, m)
            rets = [p for p in code.ins if code.words[p] & 0xFF == 0x11]
            if not rets:
                return None
            out = self._run(k, code, set(rets), capture=_whole_state,
                            init=self._params(k, m, code))
        except (IndexError, ValueError, RecursionError):
            out = None
        finally:
            self._summary_depth -= 1
        if not out or len(out) != len(rets):
            return None
        seen: list = []
        for p in rets:
            v = self._resolve(out[p].get(code.words[p] >> 8))
            for x in members(v) if v is not None else (None,):
                if x is None or x[0] in ("p", "n"):
                    return None
                if x[0] == "o":  # an object made there: a value of its own, not an
                    # allocation; what the caller passed in it may be set or not
                    x = ("o", x[1], ("ret", k, owner, x[2]), _params_unsure(x[3]))
                seen.append(x)
        value = one_of(seen)  # several returns: one of their values
        self._returns[key] = value
        return value

    def _overridden(self, cls: str, sig: str) -> bool:
        """Whether an app class below ``cls`` names a method like ``sig`` (may override it)."""
        for di in range(len(self.dexes)):
            for _i, c in self._same_signature(di, sig):
                if c != cls and self._descends(c, cls):
                    return True
        return False

    def _app_method(self, di: int, midx: int) -> tuple[int, int] | None:
        """(dex, index into ``methods``) of the app method an invoke of ``midx`` in dex
        ``di`` runs, if it has at most MAX_SUMMARY_UNITS code units: a static or direct
        one, or a virtual one that the class named in the call defines and no app class
        below it may override."""
        d = self.dexes[di]
        desc = d.method_descriptor(midx)
        where = self._where(desc.partition("->")[0])
        if where is None:
            return None
        k = where[0]
        mids = [midx] if k == di else self._find_methods(k, desc)
        owner = next((o for o in (self._defined(k, x) for x in mids) if o is not None), None)
        if owner is None:
            return None
        m = self.dexes[k].methods[owner]
        if m.insn_start < 0 or m.insn_end - m.insn_start > MAX_SUMMARY_UNITS:
            return None
        cls, _, sig = desc.partition("->")
        if not m.access_flags & 0xA and not sig.startswith("<") and self._overridden(cls, sig):
            return None  # a virtual call another app class's method may answer
        return k, owner

    def _tracked_positions(self, di: int, midx: int, op: int) -> frozenset[int]:
        """Register-list positions of a call's parameters whose declared type is one whose
        values the judgements use (``returns``, or Object): only those are worth keeping
        through a callee (any other object just becomes unknown)."""
        key = (di, midx, op in (0x71, 0x77))
        hit = self._tracked.get(key)
        if hit is None:
            pos = 0 if key[2] else 1
            out = set()
            for t in declared_params(self._signature(di, midx)[0]):
                if t in self.summary_returns or t == "Ljava/lang/Object;":
                    out.add(pos)
                pos += 2 if t in ("J", "D") else 1
            hit = self._tracked[key] = frozenset(out)
        return hit

    def _keeps_param(self, di: int, midx: int, pos: int) -> bool:
        """Whether the small app method a static/direct invoke of ``midx`` runs leaves the
        object at register-list position ``pos`` unchanged: it never stores it, and hands
        it only to calls that leave it as it is (a null check such as
        ``checkNotNull(x, msg)``; ``keeps`` calls and modelled calls that do not change
        it, e.g. a PackageManager query or an Intent getter; small app methods that keep
        it in turn, up to MAX_KEEPS_DEPTH methods down)."""
        key = (di, midx, pos)
        hit = self._keeps.get(key)
        if hit is not None:
            return hit
        if self._keeps_depth >= MAX_KEEPS_DEPTH:
            self._cut += 1
            return False
        cut = self._cut
        self._keeps[key] = False  # while it is being looked at (a recursion)
        if not self._keeps_of(di, midx, pos):
            if self._cut != cut:
                del self._keeps[key]  # cut short by a bound: another caller may go deeper
            return False
        self._keeps[key] = True
        return True

    def _keeps_of(self, di: int, midx: int, pos: int) -> bool:
        target = self._app_method(di, midx)
        if target is None:
            return False
        k, owner = target
        d = self.dexes[k]
        m = d.methods[owner]
        self._keeps_depth += 1
        try:
            code = self._code(k, m)
            init = self._params(k, m, code)
            uses = [p for p in code.ins if (code.words[p] & 0xFF) in _USES_OBJECT]
            out = self._run(k, code, set(uses), capture=_whole_state, init=init)
            mine = next((v for v in init.values() if v[1] == pos), None)
            if out is None or len(out) != len(uses) or mine is None:
                return False
            for p in uses:
                w0 = code.words[p]
                op = w0 & 0xFF
                if 0x59 <= op <= 0x5F:
                    read = [(w0 >> 8) & 0xF]
                elif 0x4B <= op <= 0x51 or 0x67 <= op <= 0x6D:
                    read = [w0 >> 8]
                else:
                    read = self._invoke_regs(code.words, p)
                hit_at = [j for j, r in enumerate(read) if mine in members(out[p].get(r))]
                if hit_at and not self._call_keeps(k, code.words, p, op, hit_at):
                    return False
        except (IndexError, ValueError, RecursionError):
            return False
        finally:
            self._keeps_depth -= 1
        return True

    def _call_keeps(self, di: int, words: list[int], p: int, op: int,
                    positions: list[int]) -> bool:
        """Whether the invoke at ``p`` leaves the objects at register-list ``positions``
        unchanged (see :meth:`_keeps_param`); a store is never such a call."""
        if op not in opcodes.INVOKE_KINDS:
            return False
        midx = words[p + 1]
        model = self._model(di, midx)
        if model is not None:
            changes = any(x in model for x in ("init", "set", "add", "set_from"))
            return not (changes and op not in (0x71, 0x77) and 0 in positions)
        if op not in (0x70, 0x71, 0x76, 0x77, 0x6E, 0x74):
            return False
        return all(self._keeps_param(di, midx, j) for j in positions)

    def _defined(self, di: int, midx: int) -> int | None:
        """Index into ``methods`` of the method dex ``di`` defines for method_ids entry
        ``midx`` (the last one if it is defined twice), None when it defines none."""
        index = self._defined_index.get(di)
        if index is None:
            shared = _shared(self.dexes[di])
            index = shared.get("defined")
            if index is None:
                ids = self.dexes[di].method_table.method_idx
                # a radix sort of 16-bit indices where they fit (the same stable order)
                small = not ids.size or (int(ids.min()) >= 0 and int(ids.max()) < 0x10000)
                order = np.argsort(ids.astype(np.uint16) if small else ids, kind="stable")
                index = shared["defined"] = (ids[order], order)
            self._defined_index[di] = index
        keys, order = index
        j = int(keys.searchsorted(midx, side="right")) - 1
        return int(order[j]) if j >= 0 and int(keys[j]) == midx else None

    def _code(self, di: int, m) -> _Code:
        """The code item of method ``m`` of dex ``di`` (read once per method)."""
        key = (di, m.insn_start)
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = _Code(self.dexes[di], m.insn_start, m.insn_end,
                                            m.code_off)
        return code

    def _params(self, di: int, m, code: _Code) -> dict[int, Value]:
        """Initial state: each incoming register holds its parameter placeholder."""
        ins, regs = code.ins_size, code.registers
        if not 0 < ins <= regs:
            return {}
        types = declared_params(self._signature(di, m.method_idx)[0])
        if not m.access_flags & 0x8:
            types = ["L"] + types
        state: dict[int, Value] = {}
        k = 0
        for t in types:
            if k >= ins:
                break
            mutable = t[0] in "L[" and t not in _IMMUTABLE and t != "L"
            state[regs - ins + k] = ("p", k, mutable)
            k += 2 if t in ("J", "D") else 1
        return state

    # ------------------------------------------------------------- analysis
    def _analyse(self, di: int, owner: int, want: int | None = None) -> dict[int, list] | None:
        """Argument registers of the invokes of method ``owner`` (dex word index ->
        values, as captured before the instruction), from one analysis of the method
        that records every invoke it reaches (and the positions declared with
        :meth:`prepare` or asked for here): later questions about the method's other
        sites are answered from it. A method that cannot be analysed gives ``[]`` for
        every position asked."""
        key = (di, owner)
        entry = self._method_cache.get(key)
        if entry is not None:
            states, asked = entry
            if states is None:
                return _Failed()
            if want is None or want in asked:
                return states
        d = self.dexes[di]
        m = d.methods[owner]
        if m.insn_start < 0 or m.insn_end <= m.insn_start:
            return None
        wanted = set(self._wanted.get(key, ()))
        if entry is not None:
            wanted -= entry[1]
        if want is not None:
            wanted.add(want)
        try:
            code = self._code(di, m)
            rel = {p - m.insn_start for p in wanted}
            out = self._run(di, code, rel, init=self._params(di, m, code))
        except (IndexError, ValueError, RecursionError):
            out = None
        if out is None:
            self._method_cache[key] = (None, set())
            return _Failed()
        # every invoke on a path to an asked position is recorded: later questions about
        # them are answered from this analysis
        res = {p + m.insn_start: v for p, v in out.items()}
        asked = wanted | set(res)
        if entry is not None:
            res.update(entry[0])
            asked |= entry[1]
        self._method_cache[key] = (res, asked)
        return res

    def _run(self, di: int, code: _Code, want: set[int], capture=None,
             init: dict | None = None) -> dict | None:
        """States at the positions ``want`` (code units from the method's start), as
        ``capture`` takes them (default: the argument values of every invoke met, which
        are all recorded); only the blocks on a path to one of those positions are
        walked (nothing else can change what they hold). None: the method cannot be
        analysed (see :func:`_blocks`, ``MAX_STEPS``)."""
        args_only = capture is None  # the argument registers of invokes (_invoke_args)
        capture = capture or self._invoke_args
        ins, words = code.ins, code.words
        if not ins or ins[0] != 0:
            return {} if not ins else None
        key = (di, code.start)
        flow = self._blocks.get(key, False)
        if flow is False:
            blocks = _blocks(code)
            flow = self._blocks[key] = None if blocks is None else (blocks, _preds(blocks))
        if flow is None:
            return None
        blocks, preds = flow
        needed = _needed(blocks, preds, want)
        if 0 not in needed:
            return {}
        in_state: dict[int, dict | None] = dict.fromkeys(needed)
        in_state[0] = dict(init or {})
        work = [0]
        queued = {0}
        steps = 0
        found: dict[int, list] = {}
        step = self._step
        invokes = _INVOKES
        while work:
            s = work.pop()
            queued.discard(s)
            state = dict(in_state[s])
            k, end, nexts, hs = blocks[s]
            steps += end - k
            if steps > MAX_STEPS:
                return None
            if hs:
                written: set[int] = set()
                for p in ins[k:end]:
                    if args_only and words[p] & 0xFF in invokes:  # the call records them
                        written |= step(di, words, p, state, found)
                    elif p not in want:
                        written |= step(di, words, p, state)
                    else:
                        found[p] = capture(words, p, state)
                        written |= step(di, words, p, state)
                base = {r: v for r, v in in_state[s].items() if r not in written and r != -1}
                for h in hs:
                    if h not in needed:
                        continue
                    new = _merge(in_state[h], base)
                    if new != in_state[h]:
                        in_state[h] = new
                        if h not in queued:
                            work.append(h)
                            queued.add(h)
            else:
                for p in ins[k:end]:
                    if args_only and words[p] & 0xFF in invokes:  # the call records them
                        step(di, words, p, state, found)
                    elif p not in want:
                        step(di, words, p, state)
                    else:
                        found[p] = capture(words, p, state)
                        step(di, words, p, state)
            for t in nexts:
                if t not in needed:
                    continue
                new = _merge(in_state[t], state)
                if new != in_state[t]:
                    in_state[t] = new
                    if t not in queued:
                        work.append(t)
                        queued.add(t)
        return found

    # ------------------------------------------------------------- transfer
    @staticmethod
    def _invoke_regs(words: list[int], p: int) -> list[int]:
        w0 = words[p]
        op = w0 & 0xFF
        if op in (0x6E, 0x6F, 0x70, 0x71, 0x72, 0xFA, 0xFC):
            a = w0 >> 12
            w2 = words[p + 2]
            regs = [w2 & 0xF, (w2 >> 4) & 0xF, (w2 >> 8) & 0xF, (w2 >> 12) & 0xF, (w0 >> 8) & 0xF]
            return regs[: min(a, 5)]
        if op in (0x74, 0x75, 0x76, 0x77, 0x78, 0xFB, 0xFD):
            count = w0 >> 8
            first = words[p + 2]
            return list(range(first, first + count))
        return []

    def _invoke_args(self, words: list[int], p: int, state: dict) -> list:
        return [state.get(r) for r in self._invoke_regs(words, p)]

    def _field_ref(self, di: int, fidx: int, static: bool) -> Value | None:
        """A framework constant's value, or a placeholder for an app field's value."""
        d = self.dexes[di]
        if fidx >= len(d.fields):
            return None
        cache = self._field_model_cache[di]
        if fidx in cache:
            v = cache[fidx]
        else:
            v = self.field_models.get(d.field_descriptor(fidx))
            cache[fidx] = v
        return v if v is not None else ("f", di, fidx, static)

    def _resolve(self, v: Value | None) -> Value | None:
        """The value itself; a field placeholder becomes the field's one constant or None,
        a call's result placeholder the callee's one return value or None."""
        if v is None or v[0] not in ("f", "r", "any"):
            return v
        if v[0] == "any":
            return one_of(self._resolve(m) for m in v[1])
        if v[0] == "r":
            return self._return_value(v[1], v[2])
        key = (v[1], v[2])
        if key in self._summaries:
            return self._summaries[key]
        d = self.dexes[v[1]]
        out = self._field_summary(d.field_descriptor(v[2]), v[3])
        if self._depth == 0:
            self._summaries[key] = out
        return out

    def _step(self, di: int, words: list[int], p: int, state: dict,
              record: dict | None = None) -> set[int] | frozenset[int]:
        """Apply one instruction to ``state``; return the registers it writes. ``record``:
        where an invoke puts its argument values (``record[p]``, as _invoke_args)."""
        w0 = words[p]
        op = w0 & 0xFF
        result = state.pop(-1, None)
        kind = _KIND[op]
        if kind == _K_NONE:  # branches, returns, checks...: nothing written
            return _NOTHING
        if kind == _K_CALL:
            return self._invoke(di, words, p, op, state, record)
        a8 = w0 >> 8
        if kind == _K_RESULT:  # move-result(-object)
            return _put(state, a8, result)
        a4 = (w0 >> 8) & 0xF
        if op in (0x01, 0x07):  # move vA, vB
            return _put(state, a4, state.get(w0 >> 12))
        if op in (0x02, 0x08):  # move/from16 vAA, vBBBB
            return _put(state, a8, state.get(words[p + 1]))
        if op in (0x03, 0x09):  # move/16
            return _put(state, words[p + 1], state.get(words[p + 2]))
        if op == 0x12:  # const/4
            v = w0 >> 12
            return _put(state, a4, ("i", v - 16 if v & 8 else v))
        if op == 0x13:
            return _put(state, a8, ("i", s16(words[p + 1])))
        if op == 0x14:
            return _put(state, a8, ("i", s32(words[p + 1] | words[p + 2] << 16)))
        if op == 0x15:
            return _put(state, a8, ("i", s32(words[p + 1] << 16)))
        if op == opcodes.CONST_STRING:
            return _put(state, a8, self._string(di, words[p + 1]))
        if op == opcodes.CONST_STRING_JUMBO:
            return _put(state, a8, self._string(di, words[p + 1] | words[p + 2] << 16))
        if op == 0x1C:  # const-class
            return _put(state, a8, self._type(di, words[p + 1]))
        if op == 0x1F:  # check-cast keeps the value (_K_NONE: not reached)
            return set()
        if op == 0x22:  # new-instance
            t = self._type(di, words[p + 1])
            return _put(state, a8, ("n", t[1], p) if t else None)
        if op == 0x23:  # new-array: a byte array stays constant until written or handed over
            t = self._type(di, words[p + 1])
            size = state.get(w0 >> 12)
            size = size if size is not None and size[0] == "i" else UNKNOWN_ATTR
            return _put(state, a4, (CONST_BYTES[0], CONST_BYTES[1], p, (("size", size),))
                        if t == ("c", "[B") else None)
        if 0x60 <= op <= 0x66:  # sget*: a framework constant, or an app field resolved
            if op == 0x61:  # only if the value is used (see _resolve)
                return _kill(state, a8, 2)
            return _put(state, a8, self._field_ref(di, words[p + 1], True))
        if 0x52 <= op <= 0x58:  # iget*
            if op == 0x53:
                return _kill(state, a4, 2)
            return _put(state, a4, self._field_ref(di, words[p + 1], False))
        if 0x4B <= op <= 0x51:  # aput*: the value escapes; an array given a non-constant
            arr = state.get(words[p + 1] & 0xFF)  # element is no longer constant
            val = state.get(a8)
            changed = _escape(state, val)
            if arr is not None and arr[0] == "o" and (val is None or val[0] != "i"):
                changed |= _escape(state, arr)
            return changed
        if 0x67 <= op <= 0x6D:  # sput*: the object escapes
            return _escape(state, state.get(a8))
        if 0x59 <= op <= 0x5F:  # iput*
            return _escape(state, state.get(a4))
        return _kill(state, *_writes(op, w0, words, p))

    def _invoke(self, di: int, words: list[int], p: int, op: int, state: dict,
                record: dict | None = None) -> set[int]:
        """Apply a call; return the registers whose value changed (objects it mutated)."""
        regs = self._invoke_regs(words, p)
        vals = [state.get(r) for r in regs]
        if record is not None:
            record[p] = vals
        model = self._model(di, words[p + 1]) if op not in (0xFC, 0xFD) else None
        is_static = op in (0x71, 0x77)
        changed: set[int] = set()
        if model is None:
            midx = words[p + 1]
            app_call = op in _APP_CALLS  # a virtual one: see _app_method
            for k, v in enumerate(vals):
                if v is None or v[0] not in _HOLDS_OBJECT or not _changeable(v):
                    continue  # nothing a callee could change
                if (app_call and k in self._tracked_positions(di, midx, op)
                        and self._keeps_param(di, midx, k)):
                    continue  # an app method that only tests, copies or returns it
                changed |= _escape(state, v)
            if app_call:  # summarised only if the value is used (a virtual method: only
                # when no app class may override it)
                rtype = self._signature(di, midx)[1]
                if rtype in self.summary_returns:
                    state[-1] = ("r", di, midx, rtype not in _IMMUTABLE)
            return changed
        pr = self._param_registers(di, words[p + 1], is_static)

        def param(i: int | str) -> Value | None:
            if i == "this":  # the receiver of an instance call
                return self._resolve(vals[0]) if vals and not is_static else None
            i = int(i)
            if i >= len(pr) or pr[i] >= len(vals):
                return None
            return self._resolve(vals[pr[i]])

        ret = model.get("returns")
        if ret == "own_package":
            state[-1] = ("own",)
        elif ret == "tag":
            state[-1] = ("t", str(model.get("tag")))
        elif ret == "param":
            v = param(int(model.get("param", 0)))
            if v is not None and v[0] in ("s", "own"):
                state[-1] = v
        elif ret == "class":
            v = param(int(model.get("param", 0)))
            if v is not None and v[0] == "s":
                state[-1] = ("c", "L" + v[1].replace(".", "/") + ";")
            elif v is not None and v[0] == "p":  # the class its caller names
                state[-1] = ("p", v[1], False, "class")
        elif ret == "join":
            parts = [param(int(i)) for i in model.get("params", ())]
            if parts and all(x is not None and x[0] == "s" for x in parts):
                state[-1] = ("s", str(model.get("sep", "")).join(x[1] for x in parts))
        elif ret == "object":
            attrs = {k: _attr(param(i)) for k, i in (model.get("attrs") or {}).items()}
            state[-1] = ("o", str(model.get("object")), p, tuple(sorted(attrs.items())))
        recv = vals[0] if vals and not is_static else None
        if recv is not None and recv[0] == "r" and any(k in model for k in ("set", "add",
                                                                            "set_from")):
            # a helper's result about to be changed: take its value, then track the object
            resolved = self._resolve(recv)
            for r, v in list(state.items()):
                if v == recv:
                    if resolved is None:
                        del state[r]
                    else:
                        state[r] = resolved
                    changed.add(r)
            recv = resolved
        if "init" in model:
            if recv is not None and recv[0] == "n":
                attrs = {}
                if "copy" in model:  # a copy constructor: the attributes of its argument
                    src = param(int(model["copy"]))
                    if src is not None and src[0] == "o" and src[1] == model["init"]:
                        attrs = dict(src[3])
                    else:  # not known: each may be set or not
                        attrs = dict.fromkeys(self.object_attrs.get(str(model["init"]), ()),
                                              UNSURE_ATTR)
                attrs.update({k: _attr(param(int(i)))
                              for k, i in (model.get("attrs") or {}).items()})
                changed |= _replace(state, recv[2], ("o", str(model["init"]), recv[2],
                                                     tuple(sorted(attrs.items()))))
            else:
                changed |= _escape(state, recv)
        for how in ("set", "add", "set_from"):
            if how not in model:
                continue
            if recv is None or recv[0] != "o":
                changed |= _escape(state, recv)
                break
            attrs = dict(recv[3])
            for k, i in model[how].items():
                v = param(int(i))
                if how == "set":
                    attrs[k] = _attr(v)
                elif how == "add":
                    prev = attrs.get(k)
                    if prev == UNKNOWN_ATTR:
                        continue
                    attrs[k] = UNKNOWN_ATTR if v is None else tuple(prev or ()) + (_attr(v),)
                elif v is not None and v[0] == "o":
                    attrs.update(dict(v[3]))
                    attrs[k] = v
                else:
                    attrs[k] = UNKNOWN_ATTR
            new = ("o", recv[1], recv[2], tuple(sorted(attrs.items())))
            changed |= _replace(state, recv[2], new)
            recv = new
            if model.get("returns_self", True):
                state[-1] = new
        return changed

    # --------------------------------------------------------------- lookups
    def _signature(self, di: int, midx: int) -> tuple[str, str]:
        """(``name(params)ret``, return type) of method_ids entry ``midx`` (decoded once)."""
        cache = self._signatures[di]
        hit = cache.get(midx)
        if hit is None:
            proto = self.dexes[di].method_name(midx)
            hit = cache[midx] = (proto, proto[proto.rfind(")") + 1 :])
        return hit

    def _param_registers(self, di: int, midx: int, is_static: bool) -> list[int]:
        """``param_registers`` of method_ids entry ``midx`` (worked out once)."""
        key = (di, midx, is_static)
        hit = self._param_regs.get(key)
        if hit is None:
            hit = self._param_regs[key] = param_registers(self._signature(di, midx)[0],
                                                          is_static)
        return hit

    def _string(self, di: int, idx: int) -> Value | None:
        d = self.dexes[di]
        if idx >= len(d.string_offs):
            return None
        try:
            return ("s", d.string(idx))
        except Exception:  # noqa: BLE001 - damaged string: unknown
            return None

    def _type(self, di: int, idx: int) -> Value | None:
        d = self.dexes[di]
        if idx >= len(d.type_desc):
            return None
        try:
            return ("c", d.type_name(idx))
        except Exception:  # noqa: BLE001
            return None

    def _model(self, di: int, midx: int) -> dict | None:
        cache = self._model_cache[di]
        if midx in cache:
            return cache[midx]
        d = self.dexes[di]
        model = None
        if midx < len(d.method_ids):
            cls = d.type_name(int(d.method_ids["cls"][midx]))
            desc = f"{cls}->{self._signature(di, midx)[0]}"
            model = self.call_models.get(desc)
            if model is None and self.any_models:
                model = self.any_models.get(desc.partition("->")[2])
            if model is not None and "receiver" in model and not self._receiver_is(
                    cls, desc.partition("->")[2], model["receiver"]):
                model = None  # the same name on another kind of object: not this model
            if model is None and self.keeps is not None and self.keeps.match(desc):
                model = {}  # changes nothing it is given; its result is unknown
        cache[midx] = model
        return model

    def _receiver_is(self, cls: str, sig: str, types: Iterable[str]) -> bool:
        """Whether a call of ``sig`` named on class ``cls`` runs the method of one of the
        framework ``types`` (a model's ``receiver``): ``cls`` is one of them, or an app class
        whose superclasses lead to one of them without an app class on the way declaring
        ``sig`` itself (which would answer the call instead)."""
        key = (cls, sig, tuple(types))
        hit = self._receivers.get(key)
        if hit is not None:
            return hit
        wanted = frozenset(types)
        hit = False
        c: str | None = cls
        for _ in range(32):
            if c is None:
                break
            if c in wanted:
                hit = True
                break
            where = self._where(c)
            if where is None:
                break  # outside the app and not one of the types: not known to be one
            k, cdef = where
            if any(self._defined(k, x) is not None
                   for x in self._find_methods(k, f"{c}->{sig}")):
                break  # the app's own method of that name answers the call
            c = self.dexes[k].superclass(cdef)
        self._receivers[key] = hit
        return hit

    def _field_summary(self, desc: str, static: bool) -> Value | None:
        """The one constant every write of an app field stores (and its static initial
        value, if any); None when writes differ, are unknown, or there are none."""
        if self._depth >= MAX_FIELD_DEPTH:
            return None
        self._depth += 1
        try:
            seen: set = set()
            cls = desc.partition("->")[0]
            if self._where(cls) is None:
                return None  # a framework or library field not in the app: unknown
            ftype = desc[desc.rfind(":") + 1 :]
            nullable = ftype in self.summary_returns and ftype not in _IMMUTABLE
            dead = 0
            for di, d in enumerate(self.dexes):
                fids = self._find_fields(di, desc)
                if not fids:
                    continue
                pos, op, arg, owner = d.operand_sites("field")
                rows = d.rows_with_operands("field", fids)
                o = op[rows]
                puts = (o >= 0x67) if static else ((o >= 0x59) & (o <= 0x5F))
                sel = rows[puts & (owner[rows] >= 0)]
                if sel.size > MAX_FIELD_WRITES:
                    return None
                for r in sel.tolist():
                    p, own = int(pos[r]), int(owner[r])
                    w0 = int(d.words[p])
                    reg = (w0 >> 8) if static else ((w0 >> 8) & 0xF)
                    val = self._value_before(di, own, p, reg)
                    if (nullable and val is not None and val[0] == "p"
                            and self._never_called(di, own)):
                        dead += 1  # stores a parameter of a method nothing can call
                        continue
                    if (nullable and val is not None and val[0] == "o"
                            and not _has_param(val) and self._not_used_after(di, own, p, reg)):
                        # an object built from known values (an Intent): one value of its
                        # own, whichever method made it
                        seen.add(("o", val[1], ("field", desc), val[3]))
                        continue
                    if val is None or (val[0] not in ("s", "i", "c")
                                       and val[:2] != CONST_BYTES):
                        return None
                    seen.add(val)
                if static:
                    init = self._static_initial(d, cls, fids)
                    if init is not None:
                        seen.add(init)
            objects = [v for v in seen if v[0] == "o" and v[2] == ("field", desc)]
            if objects:  # an object, or null before it is set (a null context reads nothing)
                if len(objects) != 1 or seen - {objects[0], ("i", 0)}:
                    return None
                return self._changed_through(desc, static, objects[0])
            if len(seen) == 1:
                return next(iter(seen))
            if not seen and dead:
                return ("i", 0)  # every write is in code that never runs: always null
            return None
        finally:
            self._depth -= 1

    def _not_used_after(self, di: int, owner: int, p: int, reg: int) -> bool:
        """Whether register ``reg``, stored by the field write at ``p``, is overwritten (or
        the method returns) before any instruction after the write reads it; straight-line
        code only: a branch, throw or unknown instruction first means it may be used. A
        call reading the register has the object after the write: no."""
        d = self.dexes[di]
        m = d.methods[owner]
        words = d.words
        q = p + int(opcodes.LENGTH[words[p] & 0xFF])
        for _ in range(64):
            if q >= m.insn_end:
                return False
            w0 = int(words[q])
            op = w0 & 0xFF
            read = dexregs.reads(op, w0, words, q)
            if read is None or reg in read:
                return False
            if reg in dexregs.dest(op, w0, words, q) or 0x0E <= op <= 0x11:
                return True  # overwritten, or the method returns without reading it
            if 0x27 <= op <= 0x3D or op in opcodes.INVOKE_KINDS:
                if op in opcodes.INVOKE_KINDS:
                    q += int(opcodes.LENGTH[op])
                    continue  # a call not given the register leaves it as it is
                return False
            q += int(opcodes.LENGTH[op])
        return False

    def _changed_through(self, desc: str, static: bool, value: Value) -> Value | None:
        """``value`` (the object every write of field ``desc`` stores) with the attributes
        that code reading the field may change marked ``UNSURE_ATTR`` (set or not, value
        unknown); None when a reader hands the object to code that may change it in ways
        the models do not say (an unmodelled call, a store, a return)."""
        attrs = dict(value[3])
        for di, d in enumerate(self.dexes):
            fids = self._find_fields(di, desc)
            if not fids:
                continue
            pos, op, arg, owner = d.operand_sites("field")
            rows = d.rows_with_operands("field", fids)
            o = op[rows]
            gets = ((o >= 0x60) & (o <= 0x66)) if static else ((o >= 0x52) & (o <= 0x58))
            sel = rows[gets & (owner[rows] >= 0)]
            if sel.size > MAX_FIELD_WRITES:
                return None
            for own in sorted({int(owner[r]) for r in sel.tolist()}):
                changed = self._changes_in(di, own, set(fids), static)
                if changed is None:
                    return None
                for name in changed:
                    attrs[name] = UNSURE_ATTR
        return ("o", value[1], value[2], tuple(sorted(attrs.items())))

    def _changes_in(self, di: int, owner: int, fids: set[int], static: bool) -> set[str] | None:
        """Attributes the calls of method ``owner`` may change on an object it reads from
        the fields ``fids`` (see :meth:`_changed_through`)."""
        d = self.dexes[di]
        m = d.methods[owner]
        if m.insn_start < 0:
            return None
        try:
            code = self._code(di, m)
            out = self._run(di, code, set(code.ins), capture=_whole_state)
        except (IndexError, ValueError, RecursionError):
            return None
        if out is None:
            return None
        words = code.words
        changed: set[str] = set()
        for q, state in out.items():
            held = {r for r, v in state.items()
                    if r >= 0 and v[0] == "f" and v[1] == di and v[2] in fids}
            if not held:
                continue
            w0 = words[q]
            op = w0 & 0xFF
            read = dexregs.reads(op, w0, words, q)
            if read is None:
                return None
            hit = [k for k, r in enumerate(read) if r in held]
            if not hit:
                continue
            if op in opcodes.INVOKE_KINDS:
                midx = words[q + 1]
                model = self._model(di, midx)
                if model is None:
                    direct = op in (0x70, 0x71, 0x76, 0x77, 0x6E, 0x74)
                    if direct and all(self._keeps_param(di, midx, k) for k in hit):
                        continue
                    return None
                if "set_from" in model or "init" in model:
                    return None  # copies attributes not listed here
                if op not in (0x71, 0x77) and 0 in hit:  # the receiver: set/add change it
                    for how in ("set", "add"):
                        changed.update(str(k) for k in model.get(how) or ())
                continue
            if op in (0x01, 0x02, 0x03, 0x07, 0x08, 0x09, 0x1D, 0x1E, 0x1F, 0x20) \
                    or 0x38 <= op <= 0x3D or op in (0x32, 0x33):
                continue  # moves, checks and tests change nothing
            return None  # stored, returned, thrown: other code may change it
        return changed

    def _never_called(self, di: int, owner: int, depth: int = 0) -> bool:
        """Whether no code can call method ``owner``: an instance method (not a
        constructor, which the framework may call reflectively) that overrides nothing
        outside the app (see :meth:`_callers`) and that no app code invokes, or only
        methods that are never called themselves (up to ``MAX_CALL_DEPTH`` methods up)."""
        m = self.dexes[di].methods[owner]
        if m.access_flags & 0x8 or self.dexes[di].method_name(m.method_idx).startswith("<"):
            return False
        callers = self._callers(di, owner)
        if callers is None:
            return False
        if callers and depth + 1 >= MAX_CALL_DEPTH:
            return False
        return all((cdi, cown) != (di, owner) and self._never_called(cdi, cown, depth + 1)
                   for cdi, cown, _p in callers)

    def _value_before(self, di: int, owner: int, p: int, reg: int) -> Value | None:
        d = self.dexes[di]
        m = d.methods[owner]
        if m.insn_start < 0:
            return None
        try:
            code = self._code(di, m)
            out = self._run(di, code, {p - m.insn_start}, capture=_whole_state,
                            init=self._params(di, m, code))
        except (IndexError, ValueError, RecursionError):
            return None
        if out is None or (p - m.insn_start) not in out:
            return None
        return self._resolve(out[p - m.insn_start].get(reg))

    def _dex_class(self, k: int, cls: str) -> int | None:
        """The first class_def of dex ``k`` defining class ``cls`` (None if it does not)."""
        key = (k, cls)
        hit = self._class_at.get(key, False)
        if hit is False:
            d = self.dexes[k]
            t = d.find_type(cls)
            rows = np.flatnonzero(d.class_defs["cls"] == t) if t >= 0 else ()
            hit = self._class_at[key] = int(rows[0]) if len(rows) else None
        return hit

    def _static_initial(self, d: DexFile, cls: str, fids: list[int]) -> Value | None:
        cdef = self._dex_class(self.dexes.index(d), cls)
        if cdef is None:
            return None
        statics = d.static_fields(cdef)
        for k, (fidx, _flags) in enumerate(statics):
            if fidx in fids:
                vals = d.static_values(cdef, k + 1)
                if len(vals) > k and isinstance(vals[k], str):
                    return ("s", vals[k])
                if len(vals) > k and isinstance(vals[k], int) and not isinstance(vals[k], bool):
                    return ("i", vals[k])
        return None


class _Failed(dict):
    """The states of a method that could not be analysed: ``[]`` at every position."""

    def get(self, key, default=None):  # noqa: D102
        return []


def _blocks(code: _Code) -> dict[int, tuple[int, int, list[int], tuple[int, ...]]] | None:
    """The basic blocks of a method: leader -> (index in ``code.ins`` of its first
    instruction, one past its last, the leaders it flows to, its exception handlers);
    None when a branch or a handler leads into nothing (the method is not trusted)."""
    ins, words, n = code.ins, code.words, code.n

    def at(t: int) -> int:  # index of the instruction at code unit t, -1 if none
        k = _bisect(ins, t)
        return k if k < len(ins) and ins[k] == t else -1

    flow = dexregs.branches(words, ins, n)
    if flow is None:
        return None  # a branch into nothing: do not trust this method
    succ, leaders = flow
    handlers: dict[int, tuple[int, ...]] = {}
    for start, end, addrs in code.tries:
        good = tuple(a for a in addrs if at(a) >= 0)
        leaders.update(good)
        if at(start) >= 0:
            leaders.add(start)
        if at(end) >= 0:
            leaders.add(end)
        if len(good) != len(addrs):
            return None
        handlers[start] = good
    try_ranges = sorted((s, e, handlers[s]) for s, e, _a in code.tries)
    handlers_of = _handlers_lookup(try_ranges)
    starts = sorted(leaders)  # every one an instruction (checked above)
    first = [_bisect(ins, s) for s in starts]
    first.append(len(ins))
    out = {}
    for j, s in enumerate(starts):
        end = first[j + 1]
        nexts = succ.get(ins[end - 1])
        if nexts is None:  # falls through into the next block
            nexts = [ins[end]] if end < len(ins) else []
        out[s] = (first[j], end, nexts, handlers_of(s) if try_ranges else ())
    return out


def _handlers_lookup(tries: list[tuple[int, int, tuple[int, ...]]]):
    """``_handlers_for(tries, block)`` as a function of ``block``: one bisection when the
    sorted ranges do not overlap (as in every well-formed dex: then only the last range
    starting at or before the block can hold it), else the scan of every range."""
    if any(tries[k][1] > tries[k + 1][0] for k in range(len(tries) - 1)):
        return lambda block: _handlers_for(tries, block)
    starts = [s for s, _e, _h in tries]

    def lookup(block: int) -> tuple[int, ...]:
        j = _bisect_right(starts, block) - 1
        if j >= 0 and block < tries[j][1]:
            return tries[j][2]
        return ()

    return lookup


def _preds(blocks: dict) -> tuple[list[int], dict[int, list[int]]]:
    """(block leaders ascending, leader -> the blocks that flow or throw into it)."""
    preds: dict[int, list[int]] = {}
    for s, (_k, _e, nexts, hs) in blocks.items():
        for t in (*nexts, *hs):
            preds.setdefault(t, []).append(s)
    return sorted(blocks), preds


def _needed(blocks: dict, flow: tuple[list[int], dict[int, list[int]]],
            want: Iterable[int]) -> set[int]:
    """Leaders of the blocks on a path from the method's start to a position in ``want``
    (the blocks holding them and every block that can flow or throw into those)."""
    leaders, preds = flow
    todo = []
    for p in want:
        j = _bisect(leaders, p + 1) - 1
        if j >= 0:
            todo.append(leaders[j])
    out = set(todo)
    while todo:
        for q in preds.get(todo.pop(), ()):
            if q not in out:
                out.add(q)
                todo.append(q)
    return out


def _whole_state(words: list[int], p: int, state: dict) -> dict:
    return dict(state)


_bisect = bisect_left
_bisect_right = bisect_right


def _handlers_for(tries: list[tuple[int, int, tuple[int, ...]]], block: int) -> tuple[int, ...]:
    for s, e, hs in tries:
        if s <= block < e:
            return hs
    return ()


def _attr(v: Value | None) -> Value:
    """An attribute's value: unknown when not known; one of several values is kept as
    "set, value unknown", or "set or not" when one of them is null."""
    if v is not None and v[0] == "any":
        return UNSURE_ATTR if ("i", 0) in v[1] else UNKNOWN_ATTR
    return UNKNOWN_ATTR if v is None else v


def _put(state: dict, reg: int, value: Value | None) -> set[int]:
    if value is None:
        state.pop(reg, None)
    else:
        state[reg] = value
    return {reg}


def _kill(state: dict, reg: int, n: int = 1) -> set[int]:
    out = set()
    for r in range(reg, reg + n):
        state.pop(r, None)
        out.add(r)
    return out


def _is_alloc(v: Value, alloc) -> bool:
    return v[0] in ("n", "o") and v[2] == alloc


def _replace(state: dict, alloc: int, new: Value) -> set[int]:
    out = set()
    for r, v in list(state.items()):
        if r >= 0 and _is_alloc(v, alloc):
            state[r] = new
            out.add(r)
        elif r >= 0 and v[0] == "any" and any(_is_alloc(m, alloc) for m in v[1]):
            # one of its members is the object changed: that member changes with it
            state[r] = ("any", tuple(sorted((new if _is_alloc(m, alloc) else m for m in v[1]),
                                            key=repr)))
            out.add(r)
    return out


def _escape(state: dict, value: Value | None) -> set[int]:
    """An object handed to unknown code: every register holding it becomes unknown (a
    parameter too, unless no code can change it)."""
    if value is None:
        return set()
    out = set()
    if value[0] == "any":
        if not any(_changeable(m) for m in value[1]):
            return out
        for m in value[1]:
            out |= _escape(state, m)
        dead = [r for r, v in state.items() if v == value]
    elif value[0] in ("p", "r"):
        if not _mutable(value):
            return out
        dead = [r for r, v in state.items()
                if v == value or (v[0] == "any" and value in v[1])]
    elif value[0] in ("n", "o"):
        alloc = value[2]
        dead = [r for r, v in state.items()
                if v[0] in _OBJECT_KINDS and (v[2] == alloc if v[0] != "any"
                                               else any(_is_alloc(m, alloc) for m in v[1]))]
    else:
        return out
    for r in dead:
        del state[r]
    out.update(dead)
    return out


def _derived(placeholder: Value, v: Value | None) -> Value | None:
    """What a parameter placeholder stands for once the parameter's value ``v`` is known:
    the value itself, or the class a name gives (``("p", k, False, "class")``: the result
    of ``Class.forName`` of parameter ``k``)."""
    if len(placeholder) < 4 or v is None:
        return v
    if placeholder[3] == "class":
        return one_of(("c", "L" + m[1].replace(".", "/") + ";") if m[0] == "s" else None
                      for m in members(v))
    return None


def _changeable(v: Value | None) -> bool:
    """Whether a callee given ``v`` could change what it holds (an object, a mutable
    parameter or call result; a member of a "one of" value)."""
    if v is None:
        return False
    if v[0] == "any":
        return any(_changeable(m) for m in v[1])
    return v[0] in ("n", "o") or (v[0] in ("p", "r") and _mutable(v))


def _mutable(v: Value) -> bool:
    """Whether a parameter or call-result placeholder is an object other code may change."""
    return bool(v[2] if v[0] == "p" else v[3])


def _params_unsure(attrs: tuple) -> tuple:
    """Object attributes with the method's parameters (what a caller passed: null or
    not, value unknown here) made UNSURE_ATTR."""
    out = []
    for name, a in attrs:
        items = a if a and isinstance(a[0], tuple) else (a,)
        if any(x and x[0] == "p" for x in items):
            a = UNSURE_ATTR
        out.append((name, a))
    return tuple(out)


def _has_param(v: Value) -> bool:
    """Whether an object value's attributes hold a parameter placeholder (an attribute
    is a value, or a tuple of values for ``categories``)."""
    if v[0] != "o":
        return False
    for _name, a in v[3]:
        items = a if a and isinstance(a[0], tuple) else (a,)
        if any(x and x[0] == "p" for x in items):
            return True
    return False


def _writes(op: int, w0: int, words: list[int], p: int) -> tuple[int, int]:
    """(first register written, how many) by instructions not handled one by one;
    wide results and unknown formats are over-approximated (never under)."""
    a8, a4 = w0 >> 8, (w0 >> 8) & 0xF
    if op in (0x04,):
        return a4, 2
    if op in (0x05,):
        return a8, 2
    if op in (0x06,):
        return words[p + 1], 2
    if op in (0x0B, 0x0D):
        return a8, 2
    if 0x16 <= op <= 0x19:
        return a8, 2
    if op in (0x20, 0x21, 0x23):
        return a4, 1
    if 0x2D <= op <= 0x31 or 0x44 <= op <= 0x4A or 0x90 <= op <= 0xAF or 0xD8 <= op <= 0xE2:
        return a8, 2
    if 0x7B <= op <= 0x8F or 0xB0 <= op <= 0xCF or 0xD0 <= op <= 0xD7:
        return a4, 2
    if op in (0xFE, 0xFF):
        return a8, 1
    return 0, 0


#: What :meth:`ArgumentValues._step` does with each opcode: a call (``_CALLS``), a
#: move-result(-object), an instruction that writes no register (``_writes`` gives none,
#: check-cast keeps the value), or one of the others, taken one by one.
_K_CALL, _K_RESULT, _K_NONE, _K_OTHER = range(4)
#: Opcodes :meth:`ArgumentValues._step` handles one by one before ``_writes``.
_OWN_CASES = frozenset([0x01, 0x07, 0x02, 0x08, 0x03, 0x09, 0x12, 0x13, 0x14, 0x15,
                        opcodes.CONST_STRING, opcodes.CONST_STRING_JUMBO, 0x1C, 0x22, 0x23,
                        *range(0x4B, 0x6E)])
_NOTHING: frozenset[int] = frozenset()


def _kinds() -> tuple[int, ...]:
    out = []
    for op in range(256):
        if op in _CALLS:
            out.append(_K_CALL)
        elif op in (0x0A, 0x0C):
            out.append(_K_RESULT)
        elif op == 0x1F or (op not in _OWN_CASES and _writes(op, 0, [0, 0, 0], 0)[1] == 0):
            out.append(_K_NONE)
        else:
            out.append(_K_OTHER)
    return tuple(out)


_KIND = _kinds()
