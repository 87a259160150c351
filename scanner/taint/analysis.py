"""Summary-based, bounded, inter-procedural taint analysis over Dalvik registers.

Contract
--------
``LeakAnalysis(index, spec, sources, components, ...).run()`` follows the values read at
the given source sites (effective PI reads, callback parameters) through the app's code
and reports every sink call (rulesets/leaks.yaml) that may receive one of them, with the
chain of methods the value went through. It never guesses a value; it over-approximates
where the code is not modelled and says so by the sink's confidence.

Model
-----
* **Labels**: a value's taint is a set of labels: a source (index ``>= 0`` into
  ``sources``) or a parameter of the method being summarised (``-(k+1)`` for position
  ``k`` of the invoke's register list, ``this`` being 0 for instance methods).
* **Intra-procedural**: flow-sensitive over the control-flow graph of one method (moves,
  arithmetic, arrays, casts, exceptions: a thrown value reaches every handler of the
  method). Registers holding the same object share an object id, so a call that fills
  an object (``StringBuilder.append``, ``List.add``, ``Intent.putExtra``) taints every
  alias (``SimpleAliasing``). Fields of objects created or received in the method are a
  local heap with strong updates (``StrongUpdate``).
* **Summaries**: each analysed method gets a summary: what reaches its result, what it
  throws, what it puts into its parameter objects, which fields, stores and components
  it writes, and which sinks its parameters reach (with the method path to them). A call
  applies the callee's summary, parameters mapped to the caller's arguments; recursion and
  depth beyond ``Caps.max_depth`` use the summary known so far, and the caller is analysed
  again when it grows (a fixpoint over a worklist).
* **Heap across methods**: field-based: an instance or static field written with a source
  anywhere is tainted everywhere it is read (so every lifecycle method and callback of a
  component sees what another one stored, threads and handlers included). Arrays and
  collections are one abstract element: storing taints the container.
* **Globals as labels**: a read of a global (a field, a store, what a component's intent
  carries) yields the global's own label (``>= gbase``), not the sources it holds at that
  moment, so a reader is analysed again only when the global is first written, not for
  every source that reaches it later. Globals hold source labels and other globals' labels;
  when the analysis ends, the sources of each global are resolved over that graph and every
  sink a global's label reached gets them (``_global_leaks``).
* **Framework calls**: rulesets/leaks.yaml ``propagation``: rules by descriptor; methods
  whose results say nothing of their inputs (``clean_names``, boolean results); builders
  and setters (``mutator_prefixes``) taint their receiver; otherwise the result carries
  the receiver's and the arguments' taint. Library code (``library_prefixes``) is treated
  as framework code.
* **Components (ICC)**: an intent passed to ``startActivity`` and the like whose target
  class the value analysis (:mod:`scanner.ingest.dex.values`) resolves to a component of
  the app carries its taint into that component (``getIntent()``, ``onStartCommand``'s
  intent...). An intent with an action reaches the components whose intent filters name
  it, and is also reported as an ``ipc`` sink (another app can receive it); an intent
  whose target is unknown or outside the app is an ``ipc`` sink; an explicit intent to a
  class of the app that is not a declared component goes nowhere. ``setResult`` reaches
  ``onActivityResult``.
* **Stores**: SharedPreferences writes taint what later reads of any key return (and are
  ``file`` sinks).

Work is demand-driven: only methods that hold a source, call a method that returns one,
receive a tainted argument, or read a tainted field, store or intent are analysed.

Bounds (:class:`Caps`): number of method analyses, instruction visits per method and in
total, call depth (work, so that the same input gives the same result on any machine),
and, as a safety net, CPU seconds of this analysis (not wall time). Hitting one stops the
analysis with what was found so far and ``partial`` set, with the reason.
"""

from __future__ import annotations

import bisect
import functools
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from scanner.ingest.dex import DexIndex, MethodRef
from scanner.ingest.dex.index import ACC_STATIC
from scanner.ingest.dex.regs import branches, invoke_regs
from scanner.ingest.dex.values import ArgumentValues, param_registers, try_items
from scanner.knowledge.leaks import ARGS, RECV, RET, LeakSpec, PropagationRule, SinkInfo
from scanner.messages import english, msg

EMPTY: frozenset[int] = frozenset()
MKey = tuple[int, int]  # (dex position, index into DexFile.methods)
#: a method in a calling context: the register-list positions whose argument is tainted
Item = tuple[MKey, frozenset[int]]
NO_CTX: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Caps:
    """Bounds of one analysis (see module docstring)."""

    #: a safety net only: the work caps below bound an analysis first, so that the same
    #: input gives the same result on any machine
    max_seconds: float = 30.0
    max_analyses: int = 2_000
    max_steps_per_method: int = 200_000
    max_steps: int = 600_000
    max_depth: int = 12
    max_targets: int = 12
    max_callers: int = 400


@dataclass(frozen=True)
class SourceSite:
    """Where PI enters: the result of the instruction at byte ``offset`` of ``dex`` (an
    invoke or a static field read), or, with ``param`` set, a declared parameter of the
    method ``caller`` (a framework callback)."""

    dex: str
    offset: int
    api: str
    pi_type: str
    caller: str
    param: int | None = None


@dataclass(frozen=True)
class Component:
    """A manifest component: dex descriptor, type and the actions of its intent filters."""

    name: str
    type: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeakFlow:
    """A source value that may reach a sink call."""

    source: int  # index into the analysis' sources
    sink_api: str
    sink_kind: str
    sink_caller: str
    sink_dex: str
    sink_offset: int
    path: tuple[str, ...]
    #: False when the value went through a step the analysis does not tell apart by object,
    #: key or target (an instance field read outside its class, a store read by any key,
    #: a call with several possible targets): the flow may not exist
    exact: bool = True
    #: a file sink whose file is on shared external storage (readable by other apps)
    external: bool = False


@dataclass
class TaintResult:
    """What an analysis found, and whether it ran to the end."""

    leaks: list[LeakFlow]
    partial: bool = False
    reason: str = ""
    stats: dict = field(default_factory=dict)
    #: the reason as a catalog message (scanner.messages), for people in their language
    reason_msg: dict | None = None


@dataclass(frozen=True, slots=True)
class _Summary:
    ret: frozenset[int] = EMPTY
    thrown: frozenset[int] = EMPTY
    params: tuple[tuple[int, frozenset[int]], ...] = ()
    glob: tuple[tuple[str, frozenset[int]], ...] = ()
    #: what the method writes into fields of its parameter objects: ((position, field), labels)
    pfields: tuple[tuple[tuple[int, str], frozenset[int]], ...] = ()
    sinks: tuple[tuple[tuple[int, int], frozenset[int], tuple[str, ...]], ...] = ()

    def concrete(self) -> bool:
        """Whether a source reaches the caller through the result, a throw or a parameter
        object other than the receiver (a receiver filled with PI is seen by the callers that
        read its fields: fields are followed globally)."""
        return any(x >= 0 for x in self.ret | self.thrown) or any(
            x >= 0 for k, v in self.params if k > 0 for x in v)


_EMPTY_SUMMARY = _Summary()


class _Stop(Exception):
    """A cap was hit: ``message`` says which (a catalog message; ``str()`` is its English)."""

    def __init__(self, key: str, **params) -> None:
        self.message = msg(key, **params)
        super().__init__(english(self.message))


class _Ctx:
    """One method analysis: the method and what its summary collects."""

    __slots__ = ("key", "desc", "cls", "base", "item", "ret", "thrown", "params", "glob",
                 "pfields", "sinks", "caught")

    def __init__(self, key: MKey, desc: str, cls: str, base: int, item: Item) -> None:
        self.key = key
        self.desc = desc
        self.cls = cls
        self.base = base
        self.item = item
        self.ret: set = set()
        self.thrown: set = set()
        self.params: dict = defaultdict(set)
        self.glob: dict = defaultdict(set)
        self.pfields: dict = defaultdict(set)
        self.sinks: dict = {}
        self.caught = False


@dataclass(slots=True)
class _Callee:
    desc: str
    name: str
    ret_type: str
    targets: tuple[MKey, ...]
    sink: SinkInfo | None = None
    launch: object = None
    store_write: tuple[str, int, str | None] | None = None
    store_read: str | None = None
    get_intent: bool = False
    rule: PropagationRule | None = None
    clean: bool = False
    mutator: bool = False
    ctor: bool = False
    #: the receiver becomes the same object as this declared parameter (wrappers)
    alias: int | None = None
    #: (app methods the framework calls instead, caller positions of their register list)
    redirect: tuple | None = None
    #: Method.invoke: runs the method its receiver was looked up as (see ``_reflect``)
    reflect: bool = False
    #: register-list positions of the declared parameters (``param_registers``)
    declared: tuple[int, ...] = ()
    #: the call has no result (``V``)
    void: bool = False
    #: the call is a sink, launches, writes or reads a store, is getIntent(), aliases,
    #: redirects or reflects (``LeakAnalysis._special``)
    special: bool = False
    #: neither special nor with targets: with clean arguments, the short path of ``_flow``
    plain: bool = False
    #: (target, NO_CTX) of each target: what a call with clean arguments may apply (``_flow``)
    clean_items: tuple[Item, ...] = ()
    #: whether ``targets`` were validated (``LeakAnalysis._settle``); until then they are the
    #: candidates with code, ``plain`` and ``clean_items`` follow from them
    checked: bool = True


#: methods analysed once whose bodies are kept (``_Method``): half the methods analysed
#: again are analysed within 150 analyses of their first (on the 30 MB-dex APK), about
#: 8 KiB each
_KEPT_BODIES = 256


class _Method:
    """One method's code: validated once (its branches and switches land on instructions).
    For an analysis: its blocks and handlers, each block compiled on its first visit into
    a tuple of decoded instructions (see :meth:`LeakAnalysis._compile`). That body is let go
    after the method's first analysis (most methods are analysed once; some are only
    validated, as targets of calls followed without tainted arguments) once
    ``_KEPT_BODIES`` other methods were analysed since, unless the worklist holds an
    analysis of it (most methods analysed again were queued again by then), and kept from
    its second analysis on."""

    __slots__ = ("ranges", "succ", "tries", "first_in", "n_regs", "static", "proto", "ok",
                 "base", "end", "code_off", "declared", "blocks", "complete", "runs", "_src",
                 "_leaders")

    def __init__(self, d, m, static: bool, proto: str) -> None:
        self.ok = False
        self.static = static
        self.proto = proto
        self.base = m.insn_start
        self.end = m.insn_end
        self.code_off = co = m.code_off
        self.runs = 0
        # (release(), inlined)
        self.blocks = {}
        self.complete = False
        self.ranges = self.succ = self._leaders = self._src = None
        data = d.data
        self.n_regs = int.from_bytes(data[co:co + 2], "little")
        ins_size = int.from_bytes(data[co + 2:co + 4], "little")
        self.first_in = self.n_regs - ins_size
        if not self._branches(d):
            return
        self.declared = list(_param_positions(proto, static))
        self.ok = True

    def release(self) -> None:
        """Let go of the body (blocks, compiled code, decoded words)."""
        self.blocks: dict[int, tuple] = {}
        self.complete = False
        self.ranges: dict[int, tuple[int, int]] | None = None
        self.succ: dict[int, list[int]] | None = None
        self._leaders: set[int] | None = None
        self._src: tuple[list[int], list[int]] | None = None

    def _branches(self, d) -> bool:
        """The successors of each branch, switch, return and throw (``succ``) and the
        block leaders they make; False when one does not land on an instruction."""
        words, ins = self.source(d)
        n = self.end - self.base
        if not ins or ins[0] != 0:
            return False
        flow = branches(words, ins, n)
        if flow is None:
            return False
        succ, leaders = flow
        self.succ = succ
        self._leaders = leaders
        return True

    def blocks_of(self, d) -> None:
        """Find the blocks (``ranges``) and the try ranges with their handlers (``tries``):
        before an analysis, when the method has no body."""
        if self.succ is None:
            self._branches(d)
        words, ins = self.source(d)
        n = self.end - self.base
        at = set(ins)
        leaders = self._leaders
        tries = try_items(d, self.code_off, n)
        good = []
        for s, e, addrs in tries:
            hs = tuple(a for a in addrs if a in at)
            leaders.update(hs)
            if s in at:
                leaders.add(s)
            if e in at:
                leaders.add(e)
            good.append((s, e, hs))
        self.tries = good
        starts = sorted(leaders)
        self._leaders = None
        #: block start -> (index of its first instruction, index past its last)
        ranges: dict[int, tuple[int, int]] = {}
        k = 0
        for j, s in enumerate(starts):
            e = starts[j + 1] if j + 1 < len(starts) else n
            k1 = bisect.bisect_left(ins, e, k)
            ranges[s] = (k, k1)
            k = k1
        self.ranges = ranges

    def source(self, d) -> tuple[list[int], list[int]]:
        """(code words, instruction positions relative to the method's first word)."""
        if self._src is None:
            start, end = self.base, self.end
            # (DexFile.insn_positions, with both bounds searched in one call, as an array
            # of the array's dtype: see arrays.bounds)
            ins = d.instructions
            lo, hi = ins.searchsorted(np.array((start, end), dtype=ins.dtype)).tolist()
            self._src = (d.words[start:end].tolist(), (ins[lo:hi] - start).tolist())
        return self._src

    def compiled(self) -> None:
        """Every block the method can reach is compiled (a whole analysis ran): the words
        are no longer needed."""
        self.complete = True
        self._src = None


class _MethodIds:
    """A dex's method_ids columns as memoryviews (a cell is a Python int, without the
    structured-array record ``method_ids[i]`` costs) and the names built from them."""

    __slots__ = ("d", "cls", "name", "proto")

    def __init__(self, d) -> None:
        ids = d.method_ids
        self.d = d
        self.cls, self.name, self.proto = (memoryview(np.ascontiguousarray(ids[c]))
                                           for c in ("cls", "name", "proto"))

    def sig(self, midx: int) -> str:
        """``name(params)ret`` (``DexFile.method_name``)."""
        d = self.d
        return d.string(self.name[midx]) + d.proto_string(self.proto[midx])

    def desc(self, midx: int) -> str:
        """``Lcls;->name(params)ret`` (``DexFile.method_descriptor``)."""
        d = self.d
        return (d.type_name(self.cls[midx]) + "->" + d.string(self.name[midx])
                + d.proto_string(self.proto[midx]))


def _param_positions(proto: str, static: bool) -> tuple[int, ...]:
    """``param_registers`` of a proto or descriptor, memoised by its parameter list."""
    lo, hi = proto.find("("), proto.rfind(")")
    if lo < 0 or hi < lo:
        return tuple(param_registers(proto, static))
    return _param_list_positions(proto[lo:hi + 1], static)


@functools.lru_cache(maxsize=4096)
def _param_list_positions(params: str, static: bool) -> tuple[int, ...]:
    return tuple(param_registers(params, static))


def _of_classes(d, cand: np.ndarray, cls: np.ndarray, classes: Iterable[str]) -> np.ndarray:
    """The entries of ``cand`` whose class (type index ``cls``) is one of ``classes``: the
    type of each class looked up, or, when there are fewer candidates than classes (often
    hundreds of subclasses, few of them among this dex's entries of one name), the
    candidates' classes checked against them."""
    if not cand.size:
        return cand
    want = classes if isinstance(classes, (set, frozenset)) else set(classes)
    if len(want) <= cand.size:
        tids = [t for t in (d.find_type(c) for c in want) if t >= 0]
    else:
        tids = [t for t in set(cls.tolist())
                if (nm := d.type_name(t)) in want and d.find_type(nm) == t]
    if not tids:
        return cand[:0]
    return cand[_among(cls, tids)]


#: at most this many candidates are checked one by one (``_of_class``), without the fixed
#: cost of the numpy calls of ``_of_classes``
_FEW = 32


def _of_class(d, t: int, want: set[str] | frozenset[str]) -> bool:
    """Whether type ``t`` of ``d`` is one of the classes ``want`` (the type ``_of_classes``
    looks up for that name)."""
    nm = d.type_name(t)
    return nm in want and d.find_type(nm) == t


def _among(values: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Mask of ``values`` (small non-negative integers: type indices) that are in
    ``wanted``: a comparison per wanted value for a few, else a mark table over the values'
    range (``np.isin`` costs tens of µs a call)."""
    if len(wanted) == 1 or not values.size:
        return values == wanted[0]
    if len(wanted) <= 4:
        mask = values == wanted[0]
        for w in wanted[1:]:
            mask |= values == w
        return mask
    hi = int(values.max()) + 1
    table = np.zeros(hi, dtype=bool)
    table[[w for w in wanted if 0 <= w < hi]] = True
    return table[values]


def class_method_keys(index: DexIndex, cls: str) -> list[MKey]:
    """(dex position, index into its methods) of each method the app class ``cls`` defines,
    as ``DexIndex.class_methods`` lists them, from the method table's class_def column (in
    class_def order: a class's methods are one run) without that method's map of every
    class's run (6 MiB on the 30 MB-dex APK, kept for the rest of the scan)."""
    loc = index.class_table().get(cls)
    if loc is None:
        return []
    di, c = loc
    cd = index.dexes[di].method_table.class_def
    key = cd.dtype.type(c)  # (a key of the array's dtype: see arrays.bounds)
    lo, hi = int(cd.searchsorted(key, "left")), int(cd.searchsorted(key, "right"))
    return [(di, k) for k in range(lo, hi)]


def method_key(index: DexIndex, descriptor: str) -> MKey | None:
    """The app method ``Lcls;->name(params)ret`` as (dex position, index into its methods):
    ``DexIndex.find_method`` over :func:`class_method_keys`."""
    cls, sep, sig = descriptor.partition("->")
    if not sep:
        return None
    for k in class_method_keys(index, cls):
        if index.method_signature(MethodRef(*k)) == sig:
            return k
    return None


class LeakAnalysis:
    """One app's leak analysis (see the module docstring)."""

    def __init__(self, index: DexIndex, spec: LeakSpec, sources: Sequence[SourceSite],
                 components: Iterable[Component] = (), *,
                 value_models: dict | None = None,
                 library_prefixes: tuple[str, ...] = (),
                 descendants: Callable[[str], Iterable[str]] | None = None,
                 caps: Caps | None = None) -> None:
        self.index = index
        self.spec = spec
        self.sources = list(sources)
        #: labels ``>= weak_base`` are the weak copies of source labels (see ``_weak``)
        self.weak_base = max(1, len(self.sources))
        #: labels ``>= gbase`` stand for what a global (field, store, intent) holds: global
        #: ``i``'s label is ``gbase + 2 * i``, its weak copy ``gbase + 2 * i + 1``
        self.gbase = 2 * self.weak_base
        self.components = {c.name: c for c in components}
        self.caps = caps or Caps()
        self.library = tuple("L" + p.replace(".", "/") for p in library_prefixes)
        self._descendants_fn = descendants
        self.dex_pos = {d.name: i for i, d in enumerate(index.dexes)}
        models = dict(value_models or {})
        # a looked-up Method is an object naming its class and method name
        models["calls"] = {**(models.get("calls") or {}), **spec.storage_models, **{
            api: {"returns": "object", "object": REFLECT_METHOD,
                  "attrs": {"class": "this", "name": 0}} for api in spec.reflect_lookups}}
        self._values = _IntentValues(index.dexes, models, spec.keeps_intent,
                                     index.class_table())
        self._class_lookup_apis = tuple(
            k for k, m in models["calls"].items()
            if isinstance(m, dict) and m.get("returns") == "class" and not k.startswith("*"))
        self._class_lookups: dict[MKey, list[int]] | None = None
        #: every method descriptor the call tables of the spec name (``_callee``)
        self._spec_descs: frozenset[str] = frozenset().union(
            spec.sinks, spec.launches, spec.rules, spec.aliases, spec.redirects,
            spec.reflect_invoke, *(set(w) | set(r) for w, r, _k in spec.stores.values()))
        # analysis state
        self.summaries: dict[Item, _Summary] = {}
        self.deps: dict[Item, set[Item]] = defaultdict(set)
        self.globals: dict[str, frozenset[int]] = {}
        self.readers: dict[str, set[Item]] = defaultdict(set)
        self._gid: dict[str, int] = {}
        #: a written global's label and its weak copy, as label sets (``_gread``)
        self._glabels: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        self.leaks: dict[tuple[int, int, int], LeakFlow] = {}
        #: sinks reached by a global's label: (label, dex, position) -> (api, kind, path)
        self._gsinks: dict[tuple[int, int, int], tuple[str, str, tuple[str, ...]]] = {}
        self.queued: set[Item] = set()
        self.in_progress: set[Item] = set()
        self.work: deque[Item] = deque()
        self.depth = 0
        self.analyses = 0
        self.steps = 0
        self.deadline = 0.0
        # caches
        self._methods: dict[MKey, _Method | None] = {}
        self._recent: deque[_Method] = deque()  # (see _code)
        self._kept: deque[tuple[MKey, _Method]] = deque()  # (see _Method)
        #: how many items of each method the worklist holds (``_analyse``)
        self._queued_keys: dict[MKey, int] = {}
        self._callees: dict[tuple[int, int, int], _Callee] = {}
        self._callees_by_desc: dict[tuple[str, int], _Callee] = {}
        self._sigs: dict[str, dict[str, MKey]] = {}
        #: an app class's methods (see ``_defined``): (dex, first method, name and proto
        #: indices of each)
        self._runs: dict[str, tuple[int, int, list[int], list[int]]] = {}
        self._supers: dict[str, tuple[str | None, tuple[str, ...]]] = {}
        self._subs: dict[str, list[str]] | None = None
        self._fkeys: dict[tuple[int, int], str] = {}
        #: whether a field key's class is outside the app (a framework object's field)
        self._fk_framework: dict[str, bool] = {}
        self._roots: dict[str, str] = {}
        self._descs: dict[MKey, str] = {}
        self._site_rows: dict[tuple[int, str], tuple[memoryview, ...]] = {}
        self._fcols: dict[int, tuple[memoryview, memoryview]] = {}
        self._mids: list[_MethodIds | None] = [None] * len(index.dexes)
        self._callers: dict[MKey, list[MKey]] = {}
        self._sink_info: dict[tuple[int, int], tuple[str, str]] = {}
        self._sink_owner: dict[tuple[int, int], int] = {}
        self._inexact_sinks: set[tuple[int, int]] = set()  # sinks with exact: false
        self._external_sinks: set[tuple[int, int]] = set()  # file sinks on shared storage
        # sources
        self.source_at: dict[tuple[int, int], int] = {}
        self.param_sources: dict[MKey, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        self._seeds: list[MKey] = []
        for i, s in enumerate(self.sources):
            di = self.dex_pos.get(s.dex)
            if s.param is not None:
                key = method_key(index, s.caller)
                if key is not None:
                    self.param_sources[key][s.param].add(i)
                    self._seeds.append(key)
                continue
            if di is None:
                continue
            p = s.offset // 2
            owner = int(index.dexes[di].owner_of(np.array([p], dtype=np.int64))[0])
            if owner < 0:
                continue
            self.source_at[(di, p)] = i
            self._seeds.append((di, owner))
        #: ``source_at`` by dex: word position -> source (``_compile``)
        self._source_pos: list[dict[int, int]] = [{} for _ in index.dexes]
        for (di, p), i in self.source_at.items():
            self._source_pos[di][p] = i

    # ================================================================ driver
    def run(self) -> TaintResult:
        """Analyse until nothing changes or a cap is hit."""
        t0 = time.process_time()
        self.deadline = t0 + self.caps.max_seconds
        partial, reason, reason_msg = False, "", None
        for key in self._seeds:
            self._push((key, NO_CTX))
        try:
            queued_keys = self._queued_keys
            while self.work:
                item = self.work.popleft()
                self.queued.discard(item)
                queued_keys[item[0]] -= 1
                self._run_method(item)
        except _Stop as e:
            partial, reason, reason_msg = True, str(e), e.message
        self._global_leaks()
        exact = {(f.source, f.sink_dex, f.sink_offset) for f in self.leaks.values() if f.exact}
        leaks = sorted((f for f in self.leaks.values()
                        if f.exact or (f.source, f.sink_dex, f.sink_offset) not in exact),
                       key=lambda f: (f.sink_dex, f.sink_offset, f.source))
        return TaintResult(leaks, partial, reason, {
            "analyses": self.analyses, "methods": len({k for k, _c in self.summaries}),
            "contexts": len(self.summaries), "steps": self.steps,
            "seconds": round(time.process_time() - t0, 3)}, reason_msg)

    def _global_leaks(self) -> None:
        """The leaks through globals: each sink a global's label reached gets the sources
        the global holds (see ``_resolve_globals``)."""
        if not self._gsinks:
            return
        held = self._resolve_globals()
        g = self.gbase
        for (x, di, p), (api, kind, path) in self._gsinks.items():
            labels = held[(x - g) >> 1]
            if (x - g) & 1:
                labels = self._weak(labels)
            self._emit(sorted(labels), (di, p), api, kind, path)

    def _push(self, item: Item) -> None:
        if item not in self.queued:
            self.queued.add(item)
            self.work.append(item)
            key = item[0]
            self._queued_keys[key] = self._queued_keys.get(key, 0) + 1

    def _check(self) -> None:
        if self.analyses > self.caps.max_analyses:
            raise _Stop("leak_cap_analyses", n=self.caps.max_analyses)
        if self.steps > self.caps.max_steps:
            raise _Stop("leak_cap_steps", n=self.caps.max_steps)
        # (the CPU clock is read every 64 analyses: the work caps above bound an analysis
        # first, the time is only a safety net; and reading a CPU clock can cost a
        # millisecond of wall time in a sandbox such as gVisor)
        if self.analyses & 63 == 1 and time.process_time() > self.deadline:
            raise _Stop("leak_cap_seconds", n=f"{self.caps.max_seconds:.1f}")

    def _run_method(self, item: Item) -> _Summary:
        self.analyses += 1
        self._check()
        self.depth += 1
        self.in_progress.add(item)
        try:
            s = self._analyse(item)
        finally:
            self.in_progress.discard(item)
            self.depth -= 1
        old = self.summaries.get(item)
        if old is not None and old.sinks and s.sinks:
            # a path is evidence, not part of the fixpoint: a sink keeps the first path found
            # to it (in a recursion the path would grow by one call on every round, and the
            # summary would never be the same twice)
            first = {k: path for k, _labels, path in old.sinks}
            s = replace(s, sinks=tuple((k, labels, first.get(k, path))
                                       for k, labels, path in s.sinks))
        if s != old:
            self.summaries[item] = s
            for d in self.deps.get(item, ()):
                self._push(d)
            # a source reaches the callers (analysed without tainted arguments: their own
            # sources and what this method hands back are what matters there)
            if not item[1] and s.concrete() and (
                    old is None or not old.concrete() or s.ret != old.ret
                    or s.params != old.params or s.thrown != old.thrown):
                for c in self._callers_of(item[0]):
                    self._push((c, NO_CTX))
        return s

    def _summary_for(self, item: Item, caller: Item) -> _Summary:
        self.deps[item].add(caller)
        s = self.summaries.get(item)
        if s is not None:
            return s
        if item in self.in_progress or self.depth >= self.caps.max_depth:
            self._push(item)
            return _EMPTY_SUMMARY
        return self._run_method(item)

    # ============================================================== globals
    def _gread(self, ctx: _Ctx, gkey: str, weak: bool = False) -> frozenset[int]:
        """What a read of ``gkey`` yields: the global's own label (its weak copy with
        ``weak``) once something was written to it, else nothing (the reader is analysed
        again when the global is first written)."""
        self.readers[gkey].add(ctx.item)
        labels = self._glabels.get(gkey)
        if labels is None:
            return EMPTY
        return labels[1] if weak else labels[0]

    def _weak(self, labels: Iterable[int]) -> frozenset[int]:
        """The weak copies of source and global labels: the value may be another object's
        or another key's (an instance field read outside its class, a store read by any
        key, a call with several possible targets); parameter labels are kept as they are."""
        w, g = self.weak_base, self.gbase
        return frozenset(x + w if 0 <= x < w else x + 1 if x >= g and not (x - g) & 1 else x
                         for x in labels)

    def _gwrite(self, ctx: _Ctx, gkey: str, labels: Iterable[int]) -> None:
        conc = set()
        for x in labels:
            if x >= 0:
                conc.add(x)
            else:
                ctx.glob[gkey].add(x)
        if not conc:
            return
        old = self.globals.get(gkey)
        if old is None:
            x = self.gbase + 2 * len(self._gid)
            self._gid[gkey] = len(self._gid)
            self._glabels[gkey] = (frozenset((x,)), frozenset((x + 1,)))
            self.globals[gkey] = frozenset(conc)
            # the first write: readers so far saw nothing; what is written later reaches
            # them through the global's label (resolved when the analysis ends)
            for r in self.readers.get(gkey, ()):
                self._push(r)
            for r in self._static_readers(gkey):
                self._push((r, NO_CTX))
        elif not conc <= old:
            self.globals[gkey] = old | conc

    def _resolve_globals(self) -> list[frozenset[int]]:
        """The source labels (exact and weak) each global holds, by global id: what was
        written to it directly and, through the global labels written to it, what other
        globals hold (a fixpoint over the graph of globals)."""
        g = self.gbase
        ids = self._gid
        direct = [EMPTY] * len(ids)
        links: list[list[int]] = [[] for _ in ids]
        for key, labels in self.globals.items():
            i = ids[key]
            direct[i] = frozenset(x for x in labels if x < g)
            links[i] = sorted({x - g for x in labels if x >= g})
        res = [set(v) for v in direct]
        changed = True
        while changed:
            changed = False
            for i, ls in enumerate(links):
                cur = res[i]
                for x in ls:
                    src = res[x >> 1]
                    add = src if not x & 1 else self._weak(src)
                    if not add <= cur:
                        cur |= add
                        changed = True
        return [frozenset(v) for v in res]

    def _static_readers(self, gkey: str) -> list[MKey]:
        kind, _, name = gkey.partition(":")
        out: list[MKey] = []
        if kind == "F":
            root, _, member = name.partition("->")
            # (a set: _fields_in filters by it, in every dex)
            classes = {root, *self._descendants(root)} if self.index.has_class(root) \
                else {root}
            for di in range(len(self.index.dexes)):
                fids = self._fields_in(di, classes, member)
                if not fids:
                    continue
                found: set[int] = set()
                for f in fids:
                    found.update(self._field_read_owners(di, f))
                out.extend((di, o) for o in sorted(found))
        elif kind == "I":
            out.extend(class_method_keys(self.index, name))
        elif kind == "R":
            for comp in self.components:
                for sig in self.spec.result_params:
                    k = self._defined(comp, sig)
                    if k is not None:
                        out.append(k)
        elif kind == "S":
            reads = self.spec.stores.get(name, ({}, (), None))[1]
            out.extend(k for k, _p in self._site_owners(self.index.find_calls(reads))
                       if k[1] >= 0)
        return out

    def _site_owners(self, sites: Sequence) -> list[tuple[MKey, int]]:
        """((dex position, owner method or -1), word position) of each call site, in order
        (the owners of one dex's sites found in one ``owner_of``)."""
        by_dex: dict[int, list[int]] = defaultdict(list)
        for s in sites:
            by_dex[self.dex_pos[s.dex]].append(s.offset // 2)
        owners = {di: iter(self.index.dexes[di].owner_of(np.array(ps, dtype=np.int64)).tolist())
                  for di, ps in by_dex.items()}
        out = []
        for s in sites:
            di = self.dex_pos[s.dex]
            out.append(((di, next(owners[di])), s.offset // 2))
        return out

    # ============================================================ hierarchy
    def _class_supers(self, cls: str) -> tuple[str | None, tuple[str, ...]]:
        hit = self._supers.get(cls)
        if hit is None:
            hit = self.index.class_supers(cls) or (None, ())
            self._supers[cls] = hit
        return hit

    def _is_app(self, cls: str) -> bool:
        return self.index.has_class(cls) and not cls.startswith(self.library)

    def _class_run(self, cls: str) -> tuple[list[MKey], _MethodIds | None, list[int]]:
        """The method keys of app class ``cls`` (a class's methods are one run of one dex's
        method table), that dex's method_ids columns and each method's method_ids index;
        ([], None, []) for a class the app does not define."""
        keys = class_method_keys(self.index, cls)
        if not keys:
            return [], None, []
        di = keys[0][0]
        midx = self.index.dexes[di].method_table.method_idx[
            keys[0][1]:keys[-1][1] + 1].tolist()
        return keys, self._mid(di), midx

    def _sig_map(self, cls: str) -> dict[str, MKey]:
        hit = self._sigs.get(cls)
        if hit is None:
            hit = {}
            keys, mids, midx = self._class_run(cls)
            for k, mi in zip(keys, midx, strict=True):
                hit.setdefault(mids.sig(mi), k)
            self._sigs[cls] = hit
        return hit

    def _defined(self, cls: str, sig: str) -> MKey | None:
        """The method ``sig`` the app class ``cls`` defines (what ``_sig_map`` maps it to:
        the first of the class's run with that signature), found among the methods of that
        name by their name index, so that the other methods' signatures are not built."""
        hit = self._sigs.get(cls)
        if hit is not None:
            return hit.get(sig)
        run = self._runs.get(cls)
        if run is None:
            keys, mids, midx = self._class_run(cls)
            if keys:
                run = (keys[0][0], keys[0][1], [mids.name[mi] for mi in midx],
                       [mids.proto[mi] for mi in midx])
            else:
                run = (0, 0, [], [])
            self._runs[cls] = run
        di, first, names, protos = run
        if not names:
            return None
        name, paren, rest = sig.partition("(")
        d = self.index.dexes[di]
        n = d.find_string(name)
        if n < 0 or not paren or n not in names:
            return None
        want = paren + rest
        j = names.index(n)
        while True:
            if d.proto_string(protos[j]) == want:
                return (di, first + j)
            try:
                j = names.index(n, j + 1)
            except ValueError:
                return None

    def _descendants(self, cls: str) -> Iterable[str]:
        if self._descendants_fn is not None:
            return self._descendants_fn(cls)
        if self._subs is None:
            subs: dict[str, list[str]] = defaultdict(list)
            for c in self.index.class_names():
                sup, ifaces = self._class_supers(c)
                for p in ((sup,) if sup else ()) + ifaces:
                    subs[p].append(c)
            self._subs = subs
        out: set[str] = set()
        todo = list(self._subs.get(cls, ()))
        while todo:
            c = todo.pop()
            if c not in out:
                out.add(c)
                todo.extend(self._subs.get(c, ()))
        return out

    def _ancestors(self, cls: str) -> list[str]:
        out, seen, todo = [], set(), [cls]
        while todo:
            c = todo.pop()
            sup, ifaces = self._class_supers(c) if self.index.has_class(c) else (None, ())
            for p in ((sup,) if sup else ()) + ifaces:
                if p not in seen:
                    seen.add(p)
                    out.append(p)
                    todo.append(p)
        return out

    def _mid(self, di: int) -> _MethodIds:
        hit = self._mids[di]
        if hit is None:
            hit = self._mids[di] = _MethodIds(self.index.dexes[di])
        return hit

    def _desc(self, key: MKey) -> str:
        hit = self._descs.get(key)
        if hit is None:
            di, k = key
            hit = self._descs[key] = self._mid(di).desc(self.index.dexes[di].methods[k].method_idx)
        return hit

    def _callers_of(self, key: MKey) -> list[MKey]:
        hit = self._callers.get(key)
        if hit is not None:
            return hit
        desc = self._desc(key)
        cls, _, sig = desc.partition("->")
        classes = {cls}
        if not sig.startswith("<"):
            classes.update(a for a in self._ancestors(cls) if a != "Ljava/lang/Object;")
            classes.update(self._descendants(cls))
        out: set[MKey] = set()
        for di in range(len(self.index.dexes)):
            mids = self._methods_in(di, classes, sig)
            if not mids:
                continue
            for m in mids:
                out.update((di, o) for o in self._invoke_owners(di, m))
            if len(out) > self.caps.max_callers:
                break
        res = sorted(out)[: self.caps.max_callers]
        self._callers[key] = res
        return res

    def _methods_in(self, di: int, classes: Iterable[str], sig: str) -> list[int]:
        """method_ids indices of ``C->sig`` for any class C of ``classes``, ascending (what
        ``DexFile.find_methods_in`` answers, from the methods of that name)."""
        d = self.index.dexes[di]
        name, paren, proto = sig.partition("(")
        n = d.find_string(name)
        if not paren or n < 0:
            return []
        # (the reader's index of method_ids by name, which the argument analysis built)
        cand = d.methods_named(n)
        if not cand.size:
            return []
        want = "(" + proto
        if cand.size <= _FEW:
            mids = self._mid(di)
            cset = classes if isinstance(classes, (set, frozenset)) else set(classes)
            return [i for i in cand.tolist()
                    if _of_class(d, mids.cls[i], cset) and d.proto_string(mids.proto[i]) == want]
        ids = d.method_ids
        cand = _of_classes(d, cand, ids["cls"][cand], classes)
        protos = ids["proto"][cand].tolist()
        return [i for i, pr in zip(cand.tolist(), protos, strict=True)
                if d.proto_string(pr) == want]

    def _fields_in(self, di: int, classes: Iterable[str], member: str) -> list[int]:
        """field_ids indices of ``C->name:type`` for any class C of ``classes``, ascending
        (what ``DexFile.find_fields_in`` answers, from the fields of that name)."""
        d = self.index.dexes[di]
        name, sep, typ = member.partition(":")
        if not sep:
            return []
        # (the type is looked up only in a dex that has the name)
        n = d.find_string(name)
        ft = d.find_type(typ) if n >= 0 else -1
        if n < 0 or ft < 0:
            return []
        # (the reader's index of field_ids by name, which the argument analysis built)
        cand = d.fields_named(n)
        if not cand.size:
            return []
        if cand.size <= _FEW:
            cls, ftype = self._field_cols(di)
            cset = classes if isinstance(classes, (set, frozenset)) else set(classes)
            return [i for i in cand.tolist() if ftype[i] == ft and _of_class(d, cls[i], cset)]
        f = d.fields
        cand = cand[f["type"][cand] == ft]
        return _of_classes(d, cand, f["cls"][cand], classes).tolist()

    def _field_cols(self, di: int) -> tuple[memoryview, memoryview]:
        """The class and type columns of dex ``di``'s field_ids as memoryviews."""
        hit = self._fcols.get(di)
        if hit is None:
            f = self.index.dexes[di].fields
            hit = self._fcols[di] = (memoryview(np.ascontiguousarray(f["cls"])),
                                     memoryview(np.ascontiguousarray(f["type"])))
        return hit

    def _rows(self, di: int, kind: str) -> tuple[memoryview, ...]:
        """Dex ``di``'s sites of ``kind`` (``DexFile.operand_sites``) by index operand, as
        memoryviews (a few rows read one by one, without numpy calls): (row starts per
        index, rows ordered by index: ``DexFile.rows_by_operand``, shared with the call-site
        index and the argument analysis), and each row's opcode and owner method."""
        hit = self._site_rows.get((di, kind))
        if hit is None:
            d = self.index.dexes[di]
            ptr, order = d.rows_by_operand(kind)
            _pos, op, _arg, owner = d.operand_sites(kind)
            hit = self._site_rows[(di, kind)] = tuple(
                memoryview(np.ascontiguousarray(a)) for a in (ptr, order, op, owner))
        return hit

    def _invoke_owners(self, di: int, midx: int) -> list[int]:
        """The methods of dex ``di`` (indices into its methods) holding an invoke of its
        method_ids entry ``midx``, once per site."""
        ptr, order, _op, owner = self._rows(di, "invoke")
        return [o for o in (owner[r] for r in order[ptr[midx]:ptr[midx + 1]]) if o >= 0]

    def _field_read_owners(self, di: int, fidx: int) -> list[int]:
        """The methods of dex ``di`` holding a read (iget*, sget*) of its field_ids entry
        ``fidx``, once per site."""
        ptr, order, op, owner = self._rows(di, "field")
        return [owner[r] for r in order[ptr[fidx]:ptr[fidx + 1]]
                if owner[r] >= 0 and (0x52 <= op[r] <= 0x58 or 0x60 <= op[r] <= 0x66)]

    # ============================================================== callees
    def _callee(self, di: int, midx: int, op: int) -> _Callee:
        ck = (di, midx, op)
        hit = self._callees.get(ck)
        if hit is not None:
            return hit
        desc = self._mid(di).desc(midx)
        # (the same method called from several dexes is one callee)
        hit = self._callees_by_desc.get((desc, op))
        if hit is not None:
            self._callees[ck] = hit
            return hit
        cls, _, sig = desc.partition("->")
        name = sig.partition("(")[0]
        ret_type = sig.rpartition(")")[2]
        # walk up to the implementation and the first framework class
        impl: MKey | None = None
        fw_descs = [desc]
        c: str | None = cls
        seen = set()
        while c is not None and c not in seen:
            seen.add(c)
            if not self.index.has_class(c):
                if c != cls:
                    fw_descs.append(f"{c}->{sig}")
                up = self.spec.framework_supers.get(c)
                while up is not None and up not in seen:
                    seen.add(up)
                    fw_descs.append(f"{up}->{sig}")
                    up = self.spec.framework_supers.get(up)
                break
            if impl is None and not c.startswith(self.library):
                impl = self._defined(c, sig)
            c = self._class_supers(c)[0]
        # (the targets' code is validated when first needed: see _settle)
        targets = self._resolve(cls, sig, virtual=op in (0x6E, 0x72, 0x74, 0x78), impl=impl,
                                searched=True, validate=False)
        spec = self.spec
        out = _Callee(desc, name, ret_type, tuple(targets),
                      declared=_param_positions(desc, op in (0x71, 0x77)))
        if self._spec_descs.isdisjoint(fw_descs):
            # (most calls: none of the tables below names the method)
            fw_descs_known: list[str] = []
        else:
            fw_descs_known = fw_descs
        for fd in fw_descs_known:
            if out.sink is None:
                out.sink = spec.sinks.get(fd)
            if out.launch is None:
                out.launch = spec.launches.get(fd)
            if out.rule is None:
                out.rule = spec.rules.get(fd)
            for store, (writes, reads, sink_kind) in spec.stores.items():
                if fd in writes and out.store_write is None:
                    out.store_write = (store, writes[fd], sink_kind)
                if fd in reads:
                    out.store_read = store
        for fd in fw_descs_known:
            if fd in spec.aliases:
                out.alias = spec.aliases[fd]
            red = spec.redirects.get(fd)
            if red is not None and out.redirect is None and self._is_app(cls):
                method, amap = red
                found = self._resolve(cls, method, virtual=True)
                if found:
                    out.redirect = (tuple(found), amap)
        out.reflect = any(fd in spec.reflect_invoke for fd in fw_descs_known)
        out.get_intent = sig in spec.get_intent
        out.ctor = name == "<init>"
        out.clean = name in spec.clean_names or ret_type == "Z"
        out.void = ret_type == "V"
        out.special = (out.sink is not None or out.launch is not None
                       or out.store_write is not None or out.store_read is not None
                       or out.get_intent or out.alias is not None or out.redirect is not None
                       or out.reflect)
        out.plain = not out.special and not out.targets
        out.clean_items = tuple((k, NO_CTX) for k in out.targets)
        out.checked = not out.targets
        out.mutator = bool(spec.mutator_prefixes) and name.startswith(spec.mutator_prefixes) \
            and fw_descs[-1].startswith(spec.data_classes)
        self._callees[ck] = self._callees_by_desc[(desc, op)] = out
        return out

    def _resolve(self, cls: str, sig: str, virtual: bool, impl: MKey | None = None,
                 searched: bool = False, validate: bool = True) -> list[MKey]:
        """App methods (with code, outside libraries) a call of ``cls->sig`` may run: the
        implementation ``cls`` inherits (``impl``, with ``searched`` when the caller walked
        up the superclasses for it, found or not) and, for virtual calls, the overrides in
        app subclasses (at most ``Caps.max_targets``). Without ``validate``, the methods with
        a code item, whose code is not validated yet (``_code``, ``_settle``)."""
        if impl is None and not searched:
            c: str | None = cls
            seen: set[str] = set()
            while c is not None and c not in seen and self.index.has_class(c):
                seen.add(c)
                if not c.startswith(self.library):
                    impl = self._defined(c, sig)
                    if impl is not None:
                        break
                c = self._class_supers(c)[0]
        targets: list[MKey] = [impl] if impl is not None else []
        if virtual and self._is_app(cls) and not sig.startswith("<"):
            for sub in sorted(self._descendants(cls)):
                if len(targets) >= self.caps.max_targets:
                    break
                if sub.startswith(self.library):
                    continue
                k = self._defined(sub, sig)
                if k is not None and k not in targets:
                    targets.append(k)
        if not validate:
            return [k for k in targets if self._has_code(k)]
        return [k for k in targets if self._code(k) is not None]

    def _has_code(self, key: MKey) -> bool:
        """Whether the method has a code item (``_code`` may still find it invalid)."""
        dm = self._methods.get(key, _UNSEEN)
        if dm is not _UNSEEN:
            return dm is not None
        m = self.index.dexes[key[0]].methods[key[1]]
        return m.insn_start >= 0 and m.insn_end > m.insn_start

    def _settle(self, cal: _Callee) -> None:
        """Validate the code of a callee's targets (``_code``), keeping the valid ones: when
        its arguments are tainted, a target was analysed, or the call is handed an object
        made in the caller (which escapes when no target is followed). Until then a call to
        targets never analysed does the same whether they are valid or not: only the
        targets of calls that are followed are validated."""
        cal.checked = True
        targets = tuple(k for k in cal.targets if self._code(k) is not None)
        if len(targets) != len(cal.targets):
            cal.targets = targets
            cal.clean_items = tuple((k, NO_CTX) for k in targets)
            cal.plain = not cal.special and not targets

    def _code(self, key: MKey) -> _Method | None:
        hit = self._methods.get(key, _UNSEEN)
        if hit is not _UNSEEN:
            return hit
        d = self.index.dexes[key[0]]
        m = d.methods[key[1]]
        out = None
        if m.insn_start >= 0 and m.insn_end > m.insn_start:
            sig = self._mid(key[0]).sig(m.method_idx)
            try:
                dm = _Method(d, m, bool(m.access_flags & ACC_STATIC), sig[sig.find("("):])
                out = dm if dm.ok else None
            except (IndexError, ValueError):
                out = None
            if out is not None:
                # the decoded words stay for the method's first analysis, which often comes
                # right after (a call's targets are validated when the call is first
                # followed: _settle), for the last few methods only
                recent = self._recent
                recent.append(out)
                if len(recent) > 64:
                    old = recent.popleft()
                    if not old.ranges:
                        old._src = None
        if len(self._methods) > 50_000:
            self._methods.clear()
        self._methods[key] = out
        return out

    def _fkey(self, di: int, fidx: int) -> str:
        """Global key of a field reference: the field as named from the topmost app class of
        the referencing class's superclass chain (``this.f`` in a subclass and ``obj.f``
        through the base class are one field)."""
        hit = self._fkeys.get((di, fidx))
        if hit is None:
            d = self.index.dexes[di]
            if fidx >= len(d.fields):
                hit = f"F:?{di}:{fidx}"
            else:
                cls, _, member = d.field_descriptor(fidx).partition("->")
                hit = f"F:{self._root(cls)}->{member}"
            self._fkeys[(di, fidx)] = hit
            if hit not in self._fk_framework:
                self._fk_framework[hit] = not self.index.has_class(hit[2:].partition("->")[0])
        return hit

    def _same_family(self, cls: str, root: str) -> bool:
        """Whether code of ``cls`` reads a field of ``root``'s objects as its own: the same
        topmost app class, or classes nested in the same outer class (an activity and its
        anonymous listeners, whose ``this$0.f`` is the activity's field)."""
        mine = self._root(cls)
        return mine == root or _outer(mine) == _outer(root) or _outer(cls) == _outer(root)

    def _root(self, cls: str) -> str:
        """The topmost app class above ``cls`` (memoised)."""
        hit = self._roots.get(cls)
        if hit is None:
            hit = self._roots[cls] = self._find_root(cls)
        return hit

    def _find_root(self, cls: str) -> str:
        seen = set()
        while cls not in seen:
            seen.add(cls)
            sup = self._class_supers(cls)[0] if self.index.has_class(cls) else None
            if sup is None or not self.index.has_class(sup):
                return cls
            cls = sup
        return cls

    # ============================================================= analysis
    def _analyse(self, item: Item) -> _Summary:
        key, tainted = item
        dm = self._code(key)
        if dm is None:
            return _EMPTY_SUMMARY
        if dm.ranges is None:
            dm.blocks_of(self.index.dexes[key[0]])
        dm.runs += 1
        desc = self._desc(key)
        cls, _, sig = desc.partition("->")
        ctx = _Ctx(key, desc, cls, dm.base, item)
        # initial state: parameters
        t0: dict[int, frozenset[int]] = {}
        o0: dict[int, object] = {}
        declared = dm.declared
        positions = ([0] if not dm.static else []) + declared
        extra: dict[int, set[int]] = defaultdict(set)
        for k, labels in self.param_sources.get(key, {}).items():
            if k < len(declared):
                extra[declared[k]] |= labels
        if cls in self.components:
            k = self.spec.entry_params.get(sig)
            if k is not None and k < len(declared):
                extra[declared[k]] |= self._gread(ctx, "I:" + cls)
            k = self.spec.result_params.get(sig)
            if k is not None and k < len(declared):
                extra[declared[k]] |= self._gread(ctx, "R:")
        for pos in positions:
            r = dm.first_in + pos
            labels = extra.get(pos, set())
            if pos in tainted:
                labels = labels | {-(pos + 1)}
            if labels:
                t0[r] = frozenset(labels)
            o0[r] = ("p", pos)
        for _round in range(3):
            ctx.caught = False
            thrown_before = frozenset(ctx.thrown)
            self._flow(dm, ctx, t0, o0)
            if not ctx.caught or frozenset(ctx.thrown) == thrown_before:
                break
        if dm.runs == 1:
            # (no other analysis of the method ran meanwhile: see _Method)
            kept = self._kept
            kept.append((key, dm))
            if len(kept) > _KEPT_BODIES:
                okey, old = kept.popleft()
                if old.runs == 1:
                    if self._queued_keys.get(okey):
                        # (to be analysed again: kept until then, or looked at again later)
                        kept.append((okey, old))
                    else:
                        old.release()
        if not (ctx.ret or ctx.thrown or ctx.pfields or ctx.sinks) \
                and not any(ctx.params.values()) and not any(ctx.glob.values()):
            # (the summary of many analyses, 768 of 2,000 on the 30 MB-dex APK:
            # _EMPTY_SUMMARY itself, which callers need not apply)
            return _EMPTY_SUMMARY
        return _Summary(
            ret=frozenset(ctx.ret), thrown=frozenset(ctx.thrown),
            params=tuple(sorted((k, frozenset(v)) for k, v in ctx.params.items() if v)),
            glob=tuple(sorted((k, frozenset(v)) for k, v in ctx.glob.items() if v)),
            pfields=tuple(sorted((k, frozenset(v)) for k, v in ctx.pfields.items())),
            sinks=tuple(sorted((k, frozenset(v[0]), v[1]) for k, v in ctx.sinks.items())),
        )

    def _flow(self, dm: _Method, ctx: _Ctx, t0: dict, o0: dict) -> None:
        """One pass of the method's blocks to a fixpoint, from the parameters' state.

        Each block is a tuple of compiled instructions (:meth:`_compile`); what one kind
        does to the registers ``t`` (labels), the objects ``o`` (object ids) and the local
        heap ``h`` is written out below, in the order of how often the kinds occur."""
        in_state: dict[int, tuple] = {0: (t0, o0, {})}
        work = [0]
        queued = {0}
        steps = 0
        cap = self.caps.max_steps_per_method
        blocks = dm.blocks
        join = self._join
        invoke = self._invoke
        gread = self._gread
        summaries = self.summaries
        #: the state last joined into each handler
        joined: dict[int, tuple] = {}
        while work:
            s = work.pop()
            queued.discard(s)
            st = in_state[s]
            blk = blocks.get(s)
            if blk is None:
                blk = self._compile(dm, ctx, s)
            code, handlers, nexts, n, drop, heap = blk
            # (a block that writes no heap labels shares its incoming ones: states are never
            # changed in place once joined)
            t, o, h = st[0].copy(), st[1].copy(), st[2].copy() if heap else st[2]
            if drop:
                # a pending call result (register -1) from the block's predecessors is
                # dropped by every instruction but move-result
                t.pop(-1, None)
                o.pop(-1, None)
            # a handler sees the block's state where it throws: joined at the block's start
            # and end (not after every instruction: a value tainted and overwritten inside
            # one block is missed by the handler, a rare shape that costs a join per step)
            for hd in handlers:
                # (joining a state a second time changes nothing: states are never changed
                # once made and a join only grows a block's entry state; the state a block
                # starts from is often the one its predecessor ended with, in the same try)
                if joined.get(hd) is not st:
                    joined[hd] = st
                    join(in_state, hd, st, work, queued)
            for ins in code:
                kind = ins[0]
                if kind == _RESULT:
                    v = t.pop(-1, None)
                    x = o.pop(-1, None)
                    r = ins[1]
                    if v:
                        t[r] = v
                    else:
                        t.pop(r, None)
                    if x is None:
                        o.pop(r, None)
                    else:
                        o[r] = x
                elif kind == _PLAIN:
                    # (_invoke's short path, inlined: a framework call with clean arguments,
                    # whose rules and defaults then carry nothing; its objects escape)
                    # (an object escapes before a later argument is found tainted: _invoke
                    # then makes every one escape, as a plain call does)
                    for r in ins[1]:
                        if t.get(r):
                            invoke(ctx, ins[5], t, o, h)
                            break
                        oid = o.get(r)
                        if oid is not None and oid[0] == "n":
                            h[(oid, ESCAPED)] = EMPTY
                    else:
                        if ins[2]:
                            t[-1] = ins[3]
                            o[-1] = ins[4]
                elif kind == _CALL or kind == _LAZY:
                    # (_invoke's path for a call to app methods, inlined where it does nothing
                    # but set the pending result: clean arguments and no target analysed
                    # without tainted arguments yet. _LAZY: such a call whose targets' code
                    # is not validated yet (_settle): a call with valid targets and a plain
                    # one (its targets all invalid) differ only in the objects made here that
                    # they are handed, which escape in a plain call: the targets are
                    # validated then)
                    regs = ins[1]
                    for r in regs:
                        if t.get(r):
                            invoke(ctx, ins[5], t, o, h)
                            break
                    else:
                        for it in ins[6]:
                            if it in summaries:
                                invoke(ctx, ins[5], t, o, h)
                                break
                        else:
                            if kind == _LAZY:
                                cal = ins[5][9]
                                for r in regs:
                                    oid = o.get(r)
                                    if oid is not None and oid[0] == "n":
                                        if not cal.checked:
                                            self._settle(cal)
                                        if cal.plain:
                                            h[(oid, ESCAPED)] = EMPTY
                            if ins[2]:
                                t[-1] = ins[3]
                                o[-1] = ins[4]
                elif kind == _CLEAR:
                    r = ins[1]
                    t.pop(r, None)
                    o.pop(r, None)
                elif kind == _IGET:
                    _k, r, obj, fk, weak, framework = ins
                    oid = o.get(obj)
                    v = h.get((oid, fk)) if oid is not None else None
                    if v is None and oid is not None and oid[0] == "n" \
                            and (oid, ESCAPED) not in h:
                        v = EMPTY  # an object made here that nothing else saw: its fields are local
                    if v is None:
                        # field-based heap: any object's field; exact only inside the field's
                        # own class family (this.f across lifecycle methods and callbacks)
                        if weak is None:
                            weak = ins[4] = not self._same_family(ctx.cls,
                                                                  fk[2:].partition("->")[0])
                        v = gread(ctx, fk, weak=weak)
                    if framework:
                        v = v | t.get(obj, EMPTY)  # a framework object's public field (PointF.x)
                    if v:
                        t[r] = v
                    else:
                        t.pop(r, None)
                    o.pop(r, None)
                elif kind == _MOVE:  # _copy(t, o, r, src), inlined: once per move instruction
                    r, src = ins[1], ins[2]
                    v = t.get(src)
                    if v:
                        t[r] = v
                    else:
                        t.pop(r, None)
                    x = o.get(src)
                    if x is None:
                        o.pop(r, None)
                    else:
                        o[r] = x
                elif kind == _UN:
                    r = ins[1]
                    v = t.get(ins[2])
                    if v:
                        t[r] = v
                    else:
                        t.pop(r, None)
                    o.pop(r, None)
                elif kind == _NEW:
                    r = ins[1]
                    t.pop(r, None)
                    o[r] = ins[2]
                elif kind == _RETURN:
                    v = t.get(ins[1])
                    if v:
                        ctx.ret.update(v)
                elif kind == _SGET:
                    _k, r, fk, srcs = ins
                    v = h.get((None, fk))
                    if v is None:
                        v = gread(ctx, fk)
                    if srcs:
                        v = v | srcs
                    if v:
                        t[r] = v
                    else:
                        t.pop(r, None)
                    o.pop(r, None)
                elif kind == _IPUT:
                    _k, src, obj, fk = ins
                    v = t.get(src, EMPTY)
                    oid = o.get(obj)
                    if oid is not None:
                        h[(oid, fk)] = v
                        if oid[0] == "p":
                            ctx.pfields[(oid[1], fk)].update(v)
                    _escape(o, h, src)
                    if v:
                        self._gwrite(ctx, fk, v)
                elif kind == _CATCH:
                    ctx.caught = True
                    _set(t, o, ins[1], frozenset(ctx.thrown), ins[2])
                elif kind == _BIN:
                    r = ins[1]
                    v = t.get(ins[2], EMPTY) | t.get(ins[3], EMPTY)
                    if v:
                        t[r] = v
                    else:
                        t.pop(r, None)
                    o.pop(r, None)
                elif kind == _INVOKE:
                    invoke(ctx, ins, t, o, h)
                elif kind == _THROW:
                    v = t.get(ins[1])
                    if v:
                        ctx.thrown.update(v)
                elif kind == _APUT:
                    src = ins[1]
                    v = t.get(src)
                    _escape(o, h, src)
                    if v:
                        self._mutate(ctx, t, o, ins[2], v)
                elif kind == _SPUT:
                    src, fk = ins[1], ins[2]
                    v = t.get(src, EMPTY)
                    h[(None, fk)] = v
                    _escape(o, h, src)
                    if v:
                        self._gwrite(ctx, fk, v)
                elif kind == _FILLED:
                    labels: set[int] = set()
                    for r in ins[1]:
                        labels |= t.get(r, EMPTY)
                    t[-1] = frozenset(labels)
                    o[-1] = ins[2]
                elif kind == _DROP:
                    t.pop(-1, None)
                    o.pop(-1, None)
            steps += n
            end = (t, o, h)
            for hd in handlers:
                joined[hd] = end
                join(in_state, hd, end, work, queued)
            if steps > cap:
                self.steps += steps
                raise _Stop("leak_cap_method_steps", n=cap, method=ctx.desc)
            for nx in nexts:
                cur = in_state.get(nx)
                if cur is None:
                    in_state[nx] = end
                    if nx not in queued:
                        queued.add(nx)
                        work.append(nx)
                elif cur is not end:
                    join(in_state, nx, end, work, queued)
        self.steps += steps
        if not dm.complete:
            dm.compiled()
        if self.steps > self.caps.max_steps:
            raise _Stop("leak_cap_steps", n=self.caps.max_steps)

    @staticmethod
    def _join(in_state: dict, target: int, st: tuple, work: list, queued: set) -> None:
        """Join a state into a block's entry state. States are never changed in place once
        joined (a block works on copies, a join that changes one makes new dicts), so a
        block's end state is shared by its successors as it is."""
        t, o, h = st
        cur = in_state.get(target)
        # (register -1 is the pending call result: a block may end between an invoke and
        # its move-result, where a try range ends)
        if cur is None:
            new = st
        elif cur is st:
            return
        else:
            ct, co, ch = cur
            # (the label sets and object ids often hold already, or are the same dicts:
            # checked in one pass first; equal dicts, about half of them, by ``==``, which
            # makes no item tuples as an items-view comparison does)
            nt = ct if t is ct or t == ct or t.items() <= ct.items() else _union_into(ct, t)
            nh = ch if h is ch or h == ch or h.items() <= ch.items() else _union_into(ch, h)
            no = co
            if co is not o and co != o and not co.items() <= o.items():
                for r, v in co.items():
                    if o.get(r) != v:
                        if no is co:
                            no = co.copy()
                        del no[r]
            if nt is ct and no is co and nh is ch:
                return
            new = (nt, no, nh)
        in_state[target] = new
        if target not in queued:
            queued.add(target)
            work.append(target)

    # ---------------------------------------------------------------- steps
    def _compile(self, dm: _Method, ctx: _Ctx, s: int) -> tuple:
        """Block ``s`` of ``dm`` as (instructions, handlers, successors, instruction count,
        whether a pending call result is dropped at its start, whether it may write the
        local heap).

        An instruction is a tuple of its kind (``_INVOKE``...) and its operands, decoded
        once: registers, the field's global key, the source label of a source site, the
        object id it creates. Instructions that change no register (branches, monitors,
        checks) are left out. Every Dalvik instruction but move-result drops a pending call
        result (register -1): an invoke keeps its result only when a move-result follows or
        the block ends there, a block drops the one it receives unless it starts with a
        move-result, and after filled-new-array a ``_DROP`` stands where needed."""
        di = ctx.key[0]
        words, ins = dm.source(self.index.dexes[di])
        k0, k1 = dm.ranges[s]
        base = dm.base
        code: list = []
        source_at = self._source_pos[di]
        callees = self._callees
        fkeys = self._fkeys
        opclass = _OPCLASS
        pending = False
        heap = False  # whether an instruction may write the local heap (fields, escapes)
        for k in range(k0, k1):
            p = ins[k]
            w0 = words[p]
            op = w0 & 0xFF
            c = opclass[op]
            if pending:
                if c != _O_RESULT:
                    code.append(_DROP_INS)
                pending = False
            if c == _O_NOP:
                continue
            if c == _O_INVOKE:
                abs_p = base + p
                keep = k + 1 == k1 or opclass[words[ins[k + 1]] & 0xFF] == _O_RESULT
                heap = True
                src = source_at.get(abs_p)
                # (invoke_regs, inlined: formats 35c and 3rc)
                if op <= 0x72:
                    w2 = words[p + 2]
                    regs = (w2 & 0xF, (w2 >> 4) & 0xF, (w2 >> 8) & 0xF, (w2 >> 12) & 0xF,
                            (w0 >> 8) & 0xF)[:w0 >> 12]
                else:
                    first = words[p + 2]
                    regs = tuple(range(first, first + (w0 >> 8)))
                midx = words[p + 1]
                cal = callees.get((di, midx, op))
                if cal is None:
                    cal = self._callee(di, midx, op)
                ret0 = EMPTY if src is None else frozenset((src,))
                roid = ("r", p)
                # (the call site, where a special call is a sink or launches: see _special)
                full = (_INVOKE, regs, midx, op, (di, abs_p) if cal.special else None, src,
                        roid, op in (0x71, 0x77), keep, cal, ret0)
                # (a call with no special role, to framework code or to app methods: its short
                # path in _flow)
                if cal.plain:
                    code.append((_PLAIN, regs, keep and not cal.void, ret0, roid, full))
                elif not cal.special:
                    code.append((_CALL if cal.checked else _LAZY, regs, keep and not cal.void,
                                 ret0, roid, full, cal.clean_items))
                else:
                    code.append(full)
            elif c == _O_RESULT:
                code.append((_RESULT, w0 >> 8))
            elif c == _O_CLEAR4:
                code.append((_CLEAR, (w0 >> 8) & 0xF))
            elif c == _O_CLEAR8:
                code.append((_CLEAR, w0 >> 8))
            elif c == _O_IGET:
                fk = fkeys.get((di, words[p + 1])) or self._fkey(di, words[p + 1])
                # (whether the read is weak is found when first needed: see _flow)
                code.append([_IGET, (w0 >> 8) & 0xF, w0 >> 12, fk, None,
                             self._fk_framework[fk]])
            elif c == _O_MOVE4:
                code.append((_MOVE, (w0 >> 8) & 0xF, w0 >> 12))
            elif c == _O_MOVE8:
                code.append((_MOVE, w0 >> 8, words[p + 1]))
            elif c == _O_MOVE16:
                code.append((_MOVE, words[p + 1], words[p + 2]))
            elif c == _O_RETURN:
                code.append((_RETURN, w0 >> 8))
            elif c == _O_NEW8:
                code.append((_NEW, w0 >> 8, ("n", p)))
            elif c == _O_NEW4:
                code.append((_NEW, (w0 >> 8) & 0xF, ("n", p)))
            elif c == _O_UN4:
                code.append((_UN, (w0 >> 8) & 0xF, w0 >> 12))
            elif c == _O_UN8:
                code.append((_UN, w0 >> 8, words[p + 1] & 0xFF))
            elif c == _O_SGET:
                src = source_at.get(base + p)
                code.append((_SGET, w0 >> 8,
                             fkeys.get((di, words[p + 1])) or self._fkey(di, words[p + 1]),
                             frozenset((src,)) if src is not None else None))
            elif c == _O_IPUT:
                heap = True
                code.append((_IPUT, (w0 >> 8) & 0xF, w0 >> 12,
                             fkeys.get((di, words[p + 1])) or self._fkey(di, words[p + 1])))
            elif c == _O_CATCH:
                code.append((_CATCH, w0 >> 8, ("x", p)))
            elif c == _O_BIN:
                w1 = words[p + 1]
                code.append((_BIN, w0 >> 8, w1 & 0xFF, w1 >> 8))
            elif c == _O_BIN2:
                a4 = (w0 >> 8) & 0xF
                code.append((_BIN, a4, a4, w0 >> 12))
            elif c == _O_THROW:
                code.append((_THROW, w0 >> 8))
            elif c == _O_APUT:
                heap = True
                code.append((_APUT, w0 >> 8, words[p + 1] & 0xFF))
            elif c == _O_SPUT:
                heap = True
                code.append((_SPUT, w0 >> 8,
                             fkeys.get((di, words[p + 1])) or self._fkey(di, words[p + 1])))
            elif c == _O_FILLED_NEW or c == _O_FILLED_CALL:
                code.append((_FILLED, tuple(invoke_regs(words, p)),
                             ("n" if c == _O_FILLED_NEW else "r", p)))
                pending = True
        last = ins[k1 - 1]
        nexts = dm.succ.get(last)
        if nexts is None:
            nexts = [ins[k1]] if k1 < len(ins) else []
        drop = _OPCLASS[words[ins[k0]] & 0xFF] != _O_RESULT
        # (nexts: the list of dm.succ itself, never changed)
        out = (tuple(code), _handlers_for(dm.tries, s), nexts, k1 - k0, drop, heap)
        dm.blocks[s] = out
        return out

    def _mutate(self, ctx: _Ctx, t: dict, o: dict, reg: int, labels: Iterable[int]) -> None:
        labels = frozenset(labels)
        if not labels or reg < -1:  # (-2: a redirected call's argument with no register)
            return
        oid = o.get(reg)
        if oid is None:
            t[reg] = t.get(reg, EMPTY) | labels
            return
        for r, x in list(o.items()):
            if x == oid:
                t[r] = t.get(r, EMPTY) | labels
        if oid[0] == "p":
            ctx.params[oid[1]].update(labels)

    def _invoke(self, ctx: _Ctx, ins: list, t: dict, o: dict, h: dict) -> None:
        _k, regs, midx, op, sink_key, src, roid, static, keep, cal, ret0 = ins
        if not cal.checked:
            self._settle(cal)
        get = t.get
        args = [get(r, EMPTY) for r in regs]
        if cal.plain and not any(args):
            # (most calls: a framework call with clean arguments, whose rules and defaults
            # then carry nothing; the objects it is handed escape)
            for r in regs:
                oid = o.get(r)
                if oid is not None and oid[0] == "n":
                    h[(oid, ESCAPED)] = EMPTY
            if keep and not cal.void:
                t[-1] = ret0
                o[-1] = roid
            return
        ret: set[int] = set()
        if src is not None:
            ret.add(src)
        declared = cal.declared
        if cal.special:
            self._special(ctx, cal, sink_key, args, regs, static, t, o, h, ret)
        if cal.targets:
            cctx = frozenset(i for i, a in enumerate(args) if a)
            # with several possible targets, what a target does with the arguments may be
            # another target's: weak
            targs = args if len(cal.targets) == 1 else [self._weak(a) for a in args]
            for k in cal.targets:
                if not cctx and (k, NO_CTX) not in self.summaries:
                    continue
                s = self._summary_for((k, cctx), ctx.item)
                if s is _EMPTY_SUMMARY:
                    continue
                self._apply(ctx, s, targs, regs, t, o, h, ret)
        else:
            for r in regs:
                oid = o.get(r)
                if oid is not None and oid[0] == "n":
                    h[(oid, ESCAPED)] = EMPTY  # (see _escape)
            rule = cal.rule
            if rule is not None:
                flow: set[int] = set()
                for pos in rule.sources:
                    flow |= _at(pos, args, declared, static)
                for pos in rule.targets:
                    if pos == RET:
                        ret |= flow
                    elif pos == ARGS:
                        for q in declared:
                            if q < len(regs):
                                self._mutate(ctx, t, o, regs[q], flow)
                    else:
                        r = _reg_of(pos, regs, declared, static)
                        if r is not None:
                            self._mutate(ctx, t, o, r, flow)
            elif not cal.clean:
                a = _at(ARGS, args, declared, static)
                inputs = (args[0] if args and not static else EMPTY) | a
                if inputs and not cal.void:
                    ret |= inputs
                if (cal.mutator or cal.ctor) and not static and regs and a:
                    self._mutate(ctx, t, o, regs[0], a)
        if keep and not cal.void:
            t[-1] = frozenset(ret)
            o[-1] = roid

    def _special(self, ctx: _Ctx, cal: _Callee, sink_key: tuple[int, int], args: list,
                 regs: tuple, static: bool, t: dict, o: dict, h: dict, ret: set) -> None:
        """What a call does besides running its targets or a propagation rule: a sink, a
        launched intent, a store written or read, getIntent(), an alias, a redirect to app
        methods, a reflective call."""
        di, abs_p = sink_key
        declared = cal.declared

        def at(pos) -> frozenset[int]:
            return _at(pos, args, declared, static)

        if cal.sink is not None:
            leaked: set[int] = set()
            for pos in (cal.sink.args if cal.sink.args is not None else (RECV, ARGS)):
                leaked |= at(pos)
            if leaked:
                known_file = False
                if cal.sink.kind == "file":
                    known_file, external = self._file_target(ctx.key, abs_p, static)
                    if external:
                        self._external_sinks.add(sink_key)
                if not cal.sink.exact and not known_file:
                    self._inexact_sinks.add(sink_key)
                self._sink(ctx, sink_key, cal.sink.api, cal.sink.kind, leaked)
        if cal.launch is not None:
            intent = at(cal.launch.intent)
            if intent:
                self._launch(ctx, sink_key, cal, intent, abs_p)
        if cal.store_write is not None:
            store, vpos, kind = cal.store_write
            v = at(vpos)
            if v:
                self._gwrite(ctx, "S:" + store, v)
                if kind:
                    self._sink(ctx, sink_key, cal.desc, kind, v)
        if cal.store_read is not None:
            ret |= self._gread(ctx, "S:" + cal.store_read, weak=True)
        if cal.get_intent:
            ret |= self._gread(ctx, "I:" + cal.desc.partition("->")[0])
        if cal.alias is not None and not static and regs:
            src_reg = _reg_of(cal.alias, regs, declared, static)
            if src_reg is not None and o.get(src_reg) is not None:
                old_oid = o.get(regs[0])
                for r, x in list(o.items()):
                    if x == old_oid and old_oid is not None:
                        o[r] = o[src_reg]
                        t[r] = t.get(r, EMPTY) | t.get(src_reg, EMPTY)
        if cal.redirect is not None:
            targets, amap = cal.redirect
            rargs = [at(pos) for pos in amap]
            rregs = [_reg_of(pos, regs, declared, static) for pos in amap]
            rctx = frozenset(i for i, a in enumerate(rargs) if a)
            for k in targets:
                if rctx or (k, NO_CTX) in self.summaries:
                    s = self._summary_for((k, rctx), ctx.item)
                    if s is not _EMPTY_SUMMARY:
                        self._apply_mapped(ctx, s, rargs, rregs, t, o, h, ret)
        if cal.reflect and len(args) >= 3:
            # (also with clean arguments: the target may return a tainted field, and the
            # reflective caller is not among its callers by invoke)
            self._reflect(ctx, abs_p, args, regs, t, o, h, ret)

    def _reflect(self, ctx: _Ctx, abs_p: int, args: list, regs: list, t: dict, o: dict,
                 h: dict, ret: set) -> None:
        """``m.invoke(obj, arr)`` where ``m`` is a lookup of a constant name on a known class:
        the app methods of that name get ``obj`` as ``this`` and ``arr``'s taint in every
        parameter (inexact when there are several); a framework sink of that name gets both."""
        di, owner = ctx.key
        vals = self._values.arguments(di, owner, abs_p, wanted=[0])
        v = vals[0] if vals else None
        if v is None or v[0] != "o" or v[1] != REFLECT_METHOD:
            return
        attrs = dict(v[3])
        cv, nv = attrs.get("class"), attrs.get("name")
        if not nv or nv[0] != "s":
            return
        name = nv[1]
        if cv and cv[0] == "c":
            classes, exact = [cv[1]], True
        else:
            # the class is not known here (getClass() of an object): the caller's own class
            # and the classes the method looks up by a known name stand in for it, inexact
            classes, exact = [ctx.cls, *sorted(self._looked_up_classes(ctx.key) - {ctx.cls})], False
        for cls in classes:
            self._reflect_on(ctx, abs_p, cls, name, exact, args, regs, t, o, h, ret)

    def _file_target(self, key: MKey, abs_p: int, static: bool) -> tuple[bool, bool]:
        """Whether the receiver of the file sink at ``abs_p`` is known to be a file stream,
        and whether that file is on shared external storage (rulesets/leaks.yaml
        ``storage``), as far as the value analysis shows."""
        if static:
            return False, False
        vals = self._values.arguments(key[0], key[1], abs_p, wanted=[0])
        v = vals[0] if vals else None
        if v is None or v[0] != "o":
            return False, False
        spec = self.spec

        def external(x, depth: int = 0) -> bool:
            if x is None or depth > 4:
                return False
            if x[0] == "t":
                return x[1] in spec.external_tags
            if x[0] == "s":
                return isinstance(x[1], str) and x[1].startswith(spec.external_prefixes)
            if x[0] == "o":
                return any(external(a, depth + 1) for _n, a in x[3]
                           if isinstance(a, tuple) and a)
            return False

        return v[1] in spec.file_objects, external(v)

    def _looked_up_classes(self, key: MKey) -> set[str]:
        """Classes a method looks up by a name the value analysis knows (Class.forName)."""
        if self._class_lookups is None:
            by: dict[MKey, list[int]] = defaultdict(list)
            for (di, o), p in self._site_owners(self.index.find_calls(self._class_lookup_apis)):
                if o >= 0:
                    by[(di, o)].append(p)
            self._class_lookups = by
        out = set()
        for p in self._class_lookups.get(key, ()):
            vals = self._values.arguments(key[0], key[1], p, wanted=[0])
            v = vals[0] if vals else None
            if v is not None and v[0] == "s":
                out.add("L" + v[1].replace(".", "/") + ";")
        return out

    def _reflect_on(self, ctx: _Ctx, abs_p: int, cls: str, name: str, exact: bool,
                    args: list, regs: list, t: dict, o: dict, h: dict, ret: set) -> None:
        di = ctx.key[0]
        if not self.index.has_class(cls):
            prefix = f"{cls}->{name}("
            for api, sink in self.spec.sinks.items():
                if api.startswith(prefix):
                    leaked = args[1] | args[2]
                    if not sink.exact or not exact:
                        self._inexact_sinks.add((di, abs_p))
                    self._sink(ctx, (di, abs_p), api, sink.kind, leaked)
                    break
            return
        targets = [k for sig, k in sorted(self._sig_map(cls).items())
                   if sig.startswith(name + "(") and self._code(k) is not None]
        for k in targets[:self.caps.max_targets]:
            dm = self._code(k)
            declared = param_registers(dm.proto, dm.static)
            # register-list positions: `this` (instance methods), then the parameters (a wide
            # last parameter may leave one extra position, which nothing reads)
            first = 0 if dm.static else 1
            width = declared[-1] + 2 if declared else first
            rargs = ([] if dm.static else [args[1]]) + [args[2]] * (width - first)
            rregs = ([] if dm.static else [regs[1]]) + [regs[2]] * (width - first)
            if len(targets) > 1 or not exact:
                rargs = [self._weak(a) for a in rargs]
            rctx = frozenset(i for i, a in enumerate(rargs) if a)
            s = self._summary_for((k, rctx), ctx.item)
            if s is not _EMPTY_SUMMARY:
                self._apply(ctx, s, rargs, rregs, t, o, h, ret)

    def _apply_mapped(self, ctx: _Ctx, s: _Summary, args: list, regs: list, t: dict, o: dict,
                      h: dict, ret: set) -> None:
        """A redirected call's summary: its result is not the caller's result."""
        dummy: set[int] = set()
        self._apply(ctx, s, args, [r if r is not None else -2 for r in regs], t, o, h, dummy)

    def _apply(self, ctx: _Ctx, s: _Summary, args: list, regs: list, t: dict, o: dict,
               h: dict, ret: set) -> None:
        def m(labels: Iterable[int]) -> set[int]:
            out: set[int] = set()
            for x in labels:
                if x >= 0:
                    out.add(x)
                else:
                    k = -x - 1
                    if k < len(args):
                        out |= args[k]
            return out

        ret |= m(s.ret)
        if s.thrown:
            ctx.thrown |= m(s.thrown)
        for k, labels in s.params:
            if k < len(regs):
                self._mutate(ctx, t, o, regs[k], m(labels))
        for (k, fk), labels in s.pfields:
            if k < len(regs):
                oid = o.get(regs[k])
                v = m(labels)
                if oid is not None:
                    h[(oid, fk)] = h.get((oid, fk), EMPTY) | v
                    if oid[0] == "p":
                        ctx.pfields[(oid[1], fk)].update(v)
        for gkey, labels in s.glob:
            v = m(labels)
            if v:
                self._gwrite(ctx, gkey, v)
        for sk, labels, path in s.sinks:
            v = m(labels)
            if v:
                api, kind = self._sink_info[sk]
                self._sink(ctx, sk, api, kind, v, path)

    def _sink(self, ctx: _Ctx, sk: tuple[int, int], api: str, kind: str, labels: Iterable[int],
              path: tuple[str, ...] = ()) -> None:
        self._sink_info.setdefault(sk, (api, kind))
        full = (ctx.desc,) + tuple(path)
        sym = set()
        conc = []
        g = self.gbase
        if sk in self._inexact_sinks:
            labels = self._weak(labels)
        for x in labels:
            if x < 0:
                sym.add(x)
            elif x >= g:
                self._gsinks.setdefault((x, sk[0], sk[1]), (api, kind, full))
            else:
                conc.append(x)
        if conc:
            self._emit(conc, sk, api, kind, full)
        if sym:
            cur = ctx.sinks.get(sk)
            if cur is None:
                ctx.sinks[sk] = (sym, full)
            else:
                cur[0].update(sym)

    def _emit(self, labels: Iterable[int], sk: tuple[int, int], api: str, kind: str,
              full: tuple[str, ...]) -> None:
        """Leaks of source labels (exact or weak) at the sink ``sk``, reached along ``full``."""
        w = self.weak_base
        d = caller = None
        for x in labels:
            lk = (x, sk[0], sk[1])
            if lk in self.leaks:
                continue
            src = self.sources[x % w]
            pth = full if full[0] == src.caller else (src.caller,) + full
            if d is None:
                d = self.index.dexes[sk[0]]
                owner = self._sink_owner.get(sk)
                if owner is None:
                    owner = self._sink_owner[sk] = int(
                        d.owner_of(np.array([sk[1]], dtype=np.int64))[0])
                caller = self._desc((sk[0], owner)) if owner >= 0 else full[-1]
            self.leaks[lk] = LeakFlow(x % w, api, kind, caller, d.name, sk[1] * 2, pth,
                                      exact=x < w, external=sk in self._external_sinks)

    def _launch(self, ctx: _Ctx, sk: tuple[int, int], cal: _Callee, intent: frozenset[int],
                abs_p: int) -> None:
        launch = cal.launch
        if launch.to == "result":
            self._gwrite(ctx, "R:", intent)
            return
        target, action = self._intent_target(ctx.key, abs_p, cal, launch.intent)
        if target is not None:
            if target in self.components:
                self._gwrite(ctx, "I:" + target, intent)
            elif not self.index.has_class(target):
                self._sink(ctx, sk, launch.api, "ipc", intent)
            return
        if action is not None:
            for c in self.components.values():
                if action in c.actions and (launch.to == c.type or c.type == "provider"):
                    self._gwrite(ctx, "I:" + c.name, intent)
        self._sink(ctx, sk, launch.api, "ipc", intent)

    def _intent_target(self, key: MKey, abs_p: int, cal: _Callee, intent_pos: int
                       ) -> tuple[str | None, str | None]:
        di, owner = key
        vals = self._values.arguments(di, owner, abs_p)
        if not vals:
            return None, None
        static = False
        declared = param_registers(cal.desc, static)
        if intent_pos >= len(declared) or declared[intent_pos] >= len(vals):
            return None, None
        v = vals[declared[intent_pos]]
        if v is None or v[0] != "o":
            return None, None
        attrs = dict(v[3])
        comp = attrs.get("component")
        action = attrs.get("action")
        act = action[1] if action and action[0] == "s" else None
        if comp and comp[0] == "o":
            comp = dict(comp[3]).get("class")
        if comp and comp[0] == "c":
            return comp[1], act
        if comp and comp[0] == "s":
            return "L" + comp[1].replace(".", "/") + ";", act
        return None, act


class _IntentValues(ArgumentValues):
    """Argument values where adding extras to an intent keeps what is known of it."""

    def __init__(self, dexes, models: dict, keeps: tuple[str, ...],
                 classes: dict[str, tuple[int, int]] | None = None) -> None:
        super().__init__(dexes, models, classes)
        self._intent_keeps = frozenset(keeps)

    def _model(self, di: int, midx: int) -> dict | None:  # noqa: D102
        m = super()._model(di, midx)
        if m is None and self._intent_keeps:
            desc = self.dexes[di].method_descriptor(midx)
            cls, _, sig = desc.partition("->")
            if cls == "Landroid/content/Intent;" and sig.partition("(")[0] in self._intent_keeps:
                m = {"set": {}}
                self._model_cache[di][midx] = m
        return m


# ------------------------------------------------------------------ helpers
ESCAPED = "!escaped"
_UNSEEN = object()  # (LeakAnalysis._has_code)

# kinds of compiled instructions (LeakAnalysis._compile, executed in LeakAnalysis._flow)
_INVOKE, _RESULT, _DROP, _CLEAR, _MOVE, _IGET, _UN, _NEW, _IPUT, _SGET, _BIN, _RETURN, \
    _SPUT, _APUT, _FILLED, _CATCH, _THROW, _PLAIN, _CALL, _LAZY = range(20)
_DROP_INS = (_DROP,)

# what each Dalvik opcode is to the analysis (LeakAnalysis._compile)
(_O_NOP, _O_INVOKE, _O_RESULT, _O_CLEAR4, _O_CLEAR8, _O_IGET, _O_MOVE4, _O_MOVE8, _O_MOVE16,
 _O_RETURN, _O_NEW8, _O_NEW4, _O_UN4, _O_UN8, _O_SGET, _O_IPUT, _O_CATCH, _O_BIN, _O_BIN2,
 _O_THROW, _O_APUT, _O_SPUT, _O_FILLED_NEW, _O_FILLED_CALL) = range(24)


def _opclasses() -> tuple[int, ...]:
    table = [_O_NOP] * 256
    for lo, hi, c in (
            (0x01, 0x01, _O_MOVE4), (0x04, 0x04, _O_MOVE4), (0x07, 0x07, _O_MOVE4),
            (0x02, 0x02, _O_MOVE8), (0x05, 0x05, _O_MOVE8), (0x08, 0x08, _O_MOVE8),
            (0x03, 0x03, _O_MOVE16), (0x06, 0x06, _O_MOVE16), (0x09, 0x09, _O_MOVE16),
            (0x0A, 0x0C, _O_RESULT), (0x0D, 0x0D, _O_CATCH), (0x0F, 0x11, _O_RETURN),
            (0x12, 0x12, _O_CLEAR4), (0x13, 0x1C, _O_CLEAR8), (0x20, 0x21, _O_CLEAR4),
            (0x22, 0x22, _O_NEW8), (0x23, 0x23, _O_NEW4), (0x24, 0x25, _O_FILLED_NEW),
            (0x27, 0x27, _O_THROW), (0x2D, 0x31, _O_CLEAR8), (0x44, 0x4A, _O_UN8),
            (0x4B, 0x51, _O_APUT), (0x52, 0x58, _O_IGET), (0x59, 0x5F, _O_IPUT),
            (0x60, 0x66, _O_SGET), (0x67, 0x6D, _O_SPUT), (0x6E, 0x72, _O_INVOKE),
            (0x74, 0x78, _O_INVOKE), (0x7B, 0x8F, _O_UN4), (0x90, 0xAF, _O_BIN),
            (0xB0, 0xCF, _O_BIN2), (0xD0, 0xD7, _O_UN4), (0xD8, 0xE2, _O_UN8),
            (0xFA, 0xFD, _O_FILLED_CALL), (0xFE, 0xFF, _O_CLEAR8)):
        for op in range(lo, hi + 1):
            table[op] = c
    return tuple(table)


_OPCLASS = _opclasses()
#: the opcodes that end a block: goto, switch, if, return, throw (``_Method``)
def _at(pos, args: list, declared: Sequence[int], static: bool) -> frozenset[int]:
    """The labels a call's argument position (``RECV``, ``ARGS``, a declared parameter) has."""
    if pos == RECV:
        return args[0] if args and not static else EMPTY
    if pos == ARGS:
        out: set[int] = set()
        for q in declared:
            if q < len(args):
                out |= args[q]
        return frozenset(out)
    if isinstance(pos, int) and pos < len(declared) and declared[pos] < len(args):
        return args[declared[pos]]
    return EMPTY


def _reg_of(pos, regs: Sequence[int], declared: Sequence[int], static: bool) -> int | None:
    """The register of a call's argument position (the receiver, a declared parameter)."""
    if pos == RECV:
        return regs[0] if regs and not static else None
    if isinstance(pos, int) and pos < len(declared) and declared[pos] < len(regs):
        return regs[declared[pos]]
    return None


REFLECT_METHOD = "reflect_method"


def _union_into(cur: dict, new: dict) -> dict:
    """``cur`` with the label sets of ``new`` joined in, key by key: ``cur`` itself when
    nothing grows (a block's state is shared with its successors until it changes)."""
    out = cur
    for k, v in new.items():
        old = cur.get(k)
        if old is None or not v <= old:
            if out is cur:
                out = cur.copy()
            out[k] = v if old is None else old | v
    return out


def _outer(cls: str) -> str:
    """The outermost class of a nested class descriptor (``La/B$1;`` -> ``La/B``)."""
    return cls.partition("$")[0].rstrip(";")


def _escape(o: dict, h: dict, reg: int) -> None:
    """The object in ``reg`` is stored or handed to code not followed: its fields may change
    elsewhere (reads of them then also see the field-based global taint)."""
    oid = o.get(reg)
    if oid is not None and oid[0] == "n":
        h[(oid, ESCAPED)] = EMPTY


def _set(t: dict, o: dict, reg: int, labels: frozenset[int], oid) -> None:
    if labels:
        t[reg] = labels
    else:
        t.pop(reg, None)
    if oid is None:
        o.pop(reg, None)
    else:
        o[reg] = oid


def _copy(t: dict, o: dict, dst: int, src: int) -> None:
    v = t.get(src)
    if v:
        t[dst] = v
    else:
        t.pop(dst, None)
    x = o.get(src)
    if x is None:
        o.pop(dst, None)
    else:
        o[dst] = x


def _handlers_for(tries: list, block: int) -> tuple[int, ...]:
    for s, e, hs in tries:
        if s <= block < e:
            return hs
    return ()
