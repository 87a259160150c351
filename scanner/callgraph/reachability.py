"""Lazy backward reachability from app entry points over a :class:`DexIndex`.

Contract: ``Reachability(index, entry_classes).check(method)`` answers whether an app
method can run, by walking *backwards* from it (callers of callers ...) until an entry
point is met. The answer is ``True`` with the chain of methods from an entry point
to the method as evidence, ``False`` when the whole backward closure was explored
without meeting an entry point, or ``None`` (unknown) when the work bound was hit.

Model (sound-ish, method level; branch conditions are ignored):

* Entry points: for every manifest component class given in ``entry_classes`` (and
  every app superclass of one), its constructors, static initialiser, the methods
  that override framework methods (see :func:`is_callback_name`) and its public
  ``void name(View)`` methods (handlers named by ``android:onClick`` in layouts).
* Call edges: an invoke of ``X->name(proto)`` may reach ``C->name(proto)`` when X is C,
  a superclass/interface of C (virtual dispatch through a framework or app supertype,
  e.g. ``Runnable.run``) or a subclass of C (inherited method called through it).
  Constructors and private methods are reached only through their own class.
* Instantiation edges (async patterns and listeners): a method of C that overrides a
  framework method (``run``, ``doInBackground``, ``handleMessage``, ``onClick``,
  ``onLocationChanged``, ``onReceive`` ...) is reached from every method that creates
  an instance of C or of a subclass (``new-instance``), or reads a static field of C
  holding a C (singletons, desugared lambdas). The framework calls such methods once
  the object is handed to it (Thread.start, Executor.execute, Handler.post/sendMessage,
  AsyncTask.execute, setOnClickListener, requestLocationUpdates, registerReceiver ...).
* Class initialisation edges: ``<clinit>`` of C is reached from every method that
  instantiates C, calls a static method of C or accesses a static field of C.

* Reflection edges (name-based): a method named N is reached from every method that
  loads the const-string "N" and calls Class.getMethod/getDeclaredMethod; constructors,
  static initialiser and callbacks of class C are reached from every method that loads
  C's Java name ("com.a.C") and calls Class.forName/ClassLoader.loadClass.

Not modelled: reflection with computed names, native code, code loaded at run time,
classes the framework instantiates from layout XML (fragments declared in layouts,
custom views: pass them in ``entry_classes`` to treat them as entry points); those read
as unreachable unless another edge reaches them.
"""

from __future__ import annotations

import logging
import re
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from scanner.callgraph.tables import LOW, NO_CALLERS, SHIFT, DexTables, stable_order
from scanner.ingest.dex import opcodes
from scanner.ingest.dex.arrays import unique
from scanner.ingest.dex.index import (
    ACC_CONSTRUCTOR,
    ACC_PRIVATE,
    ACC_STATIC,
    CallSite,
    DexIndex,
    MethodRef,
)
from scanner.ingest.dex.reader import NO_INDEX

log = logging.getLogger(__name__)

OBJECT = "Ljava/lang/Object;"
ACC_PUBLIC = 0x1
XML_ONCLICK_PROTO = "(Landroid/view/View;)V"

#: Framework callback method names that do not follow the ``onXxx`` pattern. Source:
#: Android SDK reference (java.lang.Runnable, java.util.concurrent.Callable,
#: android.os.AsyncTask, android.os.Handler, android.widget.Adapter/BaseAdapter,
#: android.content.ContentProvider, android.webkit.WebViewClient, java.lang.Object,
#: java.lang.Thread$UncaughtExceptionHandler, android.os.Parcelable$Creator,
#: java.lang.reflect.InvocationHandler, android.widget.Filter, java.util.Comparator,
#: java.util.TimerTask, android.content.ServiceConnection, java.util.function.*).
CALLBACK_NAMES = frozenset(
    {
        "run",
        "call",
        "doInBackground",
        "handleMessage",
        "dispatchMessage",
        "getView",
        "getCount",
        "getItem",
        "getItemId",
        "getItemViewType",
        "getViewTypeCount",
        "getDropDownView",
        "bindView",
        "newView",
        "getGroupView",
        "getChildView",
        "query",
        "insert",
        "update",
        "delete",
        "getType",
        "bulkInsert",
        "openFile",
        "shouldOverrideUrlLoading",
        "shouldInterceptRequest",
        "uncaughtException",
        "attachBaseContext",
        "createFromParcel",
        "newArray",
        "writeToParcel",
        "describeContents",
        "invoke",
        "performFiltering",
        "publishResults",
        "compare",
        "compareTo",
        "accept",
        "apply",
        "test",
        "get",
        "toString",
        "equals",
        "hashCode",
        "finalize",
        "handleIntent",
        "afterTextChanged",
        "beforeTextChanged",
        "getFilter",
        "dispatchTouchEvent",
        "dispatchKeyEvent",
        "draw",
        "addJavascriptInterface",
        "loadInBackground",
        "deliverResult",
        "startLoading",
    }
)


_TYPE = re.compile(r"\[*(?:L[^;]+;|[ZBSCIJFDV])")


def split_proto(proto: str) -> tuple[list[str], str]:
    """``(ILfoo;)V`` -> (["I", "Lfoo;"], "V")."""
    params, _, ret = proto[1:].partition(")")
    return _TYPE.findall(params), ret


CLASS = "class"
MEMBER = "member"
#: Reflective lookups that make a named class or method reachable (see _reflective_users).
REFLECTIVE_LOOKUPS: dict[str, tuple[str, ...]] = {
    CLASS: (
        "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;",
        "Ljava/lang/Class;->forName(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;",
        "Ljava/lang/ClassLoader;->loadClass(Ljava/lang/String;)Ljava/lang/Class;",
    ),
    MEMBER: (
        "Ljava/lang/Class;->getMethod(Ljava/lang/String;[Ljava/lang/Class;)"
        "Ljava/lang/reflect/Method;",
        "Ljava/lang/Class;->getDeclaredMethod(Ljava/lang/String;[Ljava/lang/Class;)"
        "Ljava/lang/reflect/Method;",
    ),
}


def _java_name(descriptor: str) -> str:
    """``Lcom/a/B$C;`` -> ``com.a.B$C`` (the form Class.forName takes)."""
    return descriptor[1:-1].replace("/", ".") if descriptor.startswith("L") else descriptor


def is_callback_name(name: str) -> bool:
    """Whether a method with this name is treated as a framework callback override."""
    if name in CALLBACK_NAMES:
        return True
    return len(name) > 2 and name.startswith("on") and name[2].isupper()


@dataclass(frozen=True)
class PathStep:
    """One method on a reachability path and how it is reached from the previous step.

    ``via`` is ``entry`` for the first step, then ``call``, ``new-instance`` (the
    previous method creates the object whose callback this is), ``class-init`` or
    ``reflection`` (the previous method looks this method or class up by name).
    """

    method: str
    via: str


@dataclass(frozen=True)
class ReachResult:
    """Answer for one method: reachable True/False/None and the evidence path."""

    method: str
    reachable: bool | None
    path: tuple[PathStep, ...] = ()
    reason: str = ""


#: Owner sets of a method's call edges (see _predecessors).
_OWN_CLASS, _OWN_DOWN, _OWN_ALL = 0, 1, 2

_NO_NODES: list[int] = []


class Reachability:
    """Backward reachability over an index; answers are memoised across queries."""

    def __init__(
        self,
        index: DexIndex,
        entry_classes: Iterable[str],
        *,
        max_nodes: int = 20_000,
    ) -> None:
        self.index = index
        self.entry_classes = frozenset(entry_classes)
        self.max_nodes = max_nodes
        # Per node: how its entry-to-node path reaches it (the node before it, -1 for an
        # entry point, and the way), or False (no entry point reaches it).
        self._known: dict[int, tuple[int, str] | bool] = {}
        self._paths: dict[int, tuple[PathStep, ...]] = {}
        self._preds: dict[int, list[tuple[Sequence[int], str]]] = {}
        self._entry: dict[int, bool] = {}
        self._descs: dict[int, str] = {}
        self._found: dict[str, int | None] = {}
        self._anc: dict[str, frozenset[str]] = {}
        self._desc_cls: dict[str, frozenset[str]] = {}
        self._owner_sets: dict[tuple[str, int], frozenset[str]] = {}
        self._owner_dex: dict[tuple[str, int, int], bool] = {}
        self._framework: dict[str, bool] = {}
        self._inst: dict[str, list[int]] = {}
        self._cls_users: dict[str, list[int]] = {}
        self._refl: dict[tuple[str, str], list[int]] = {}
        self._foreign: dict[tuple[int, str, str], int] = {}
        self._super_names: dict[str, tuple[str, ...]] = {}
        self._reflective_kinds: dict[str, bool] = {}

    # -------------------------------------------------------------- public
    def is_reachable(self, method: MethodRef | str) -> bool | None:
        """True/False, or None when unknown (work bound hit or method not in the app);
        ``check(method).reachable`` without building the path."""
        node = self._node(method)
        if node is None:
            return None
        known = self._known.get(node)
        if known is None:
            return self._search(node)[0]
        return known is not False

    def path(self, method: MethodRef | str) -> tuple[PathStep, ...]:
        """Entry point → ... → method chain when reachable, else empty."""
        return self.check(method).path

    def check_site(self, site: CallSite) -> ReachResult:
        """Reachability of the method containing a call site."""
        return self.check(f"{site.caller_class}->{site.caller_method}")

    def check(self, method: MethodRef | str) -> ReachResult:
        """Full answer for an app method (a MethodRef or ``Lcls;->name(params)ret``)."""
        node = self._node(method)
        if node is None:
            return ReachResult(str(method), None, reason="method not defined in the app")
        desc = self._desc(node)
        known = self._known.get(node)
        if known is False:
            return ReachResult(desc, False, reason="no entry point reaches it")
        if known is None:
            reachable, reason = self._search(node)
            if reachable is not True:
                return ReachResult(desc, reachable, reason=reason)
        return ReachResult(desc, True, self._path_of(node))

    def _node(self, method: MethodRef | str) -> int | None:
        if isinstance(method, str):
            return self._find_method(method)
        return (method.dex << SHIFT) | method.method

    def _find_method(self, descriptor: str) -> int | None:
        """Node of DexIndex.find_method(descriptor) (same first match), memoised."""
        if descriptor in self._found:
            return self._found[descriptor]
        found = None
        cls, sep, sig = descriptor.partition("->")
        loc = self.index._classes.get(cls) if sep else None
        if loc is not None:
            di, c = loc
            t = self._tables[di]
            d = t.dex
            for k in t.class_methods(c):
                midx = t.method_idx[k]
                if sig.startswith(d.string(t.name_proto(midx)[0])) and d.method_name(midx) == sig:
                    found = t.base | k
                    break
        self._found[descriptor] = found
        return found

    # ------------------------------------------------------------- search
    def _search(self, start: int) -> tuple[bool | None, str]:
        """Breadth-first search backwards from ``start``; the first node taken from the
        queue that is an entry point or has a known path ends it. The queue is first in,
        first out, so that node is the first one *queued* that is: it is recognised when
        queued, and the nodes queued before it, which a search taking it from the queue
        would expand first, are only counted against the work bound (same answer, same
        path, without computing their predecessors). Nodes known to be unreachable are
        recorded as seen but not queued (they would be skipped, not expanded).
        (reachable, reason); the path is recorded as links (see _record_path)."""
        known_of = self._known
        is_entry = self._entry_test
        predecessors = self._predecessors
        limit = self.max_nodes
        if is_entry(start):
            self._record_path(start, {start: None}, None)
            return True, ""
        parent: dict[int, tuple[int, str] | None] = {start: None}
        queue = deque([start])
        expanded = 0
        while queue:
            node = queue.popleft()
            expanded += 1
            if expanded > limit:
                return None, f"work bound of {limit} methods reached"
            for preds, via in predecessors(node):
                link = (node, via)
                for pred in preds:
                    if pred in parent:
                        continue
                    parent[pred] = link
                    known = known_of.get(pred)
                    if known is False:
                        continue
                    if known is not None or is_entry(pred):
                        # it would be expanded after the nodes queued before it
                        if expanded + len(queue) > limit:
                            return None, f"work bound of {limit} methods reached"
                        self._record_path(pred, parent, known)
                        return True, ""
                    queue.append(pred)
        for node in parent:
            known_of[node] = False
        return False, f"backward closure of {len(parent)} methods"

    def _record_path(
        self,
        found: int,
        parent: dict[int, tuple[int, str] | None],
        known: tuple[int, str] | bool | None,
    ) -> None:
        """Record the path of each node from ``found`` back to the start of the search as
        a link to the node before it on the path, and how it is reached from it (``-1,
        "entry"`` for an entry point): found's path (known, or found as an entry point),
        then each node reached from the previous one. Paths are built from the links
        only when asked for (_path_of); a recorded path does not change later."""
        if not isinstance(known, tuple):
            self._known[found] = (-1, "entry")
        node = found
        link = parent[node]
        while link is not None:
            nxt, via = link
            self._known[nxt] = (node, via)
            node = nxt
            link = parent[nxt]

    def _path_of(self, node: int) -> tuple[PathStep, ...]:
        """The path recorded for a reachable node, built from the links (each node's
        path is kept once built)."""
        paths = self._paths
        chain: list[tuple[int, str]] = []
        n = node
        steps: tuple[PathStep, ...] | None = paths.get(n)
        while steps is None:
            prev, via = self._known[n]  # type: ignore[misc]
            chain.append((n, via))
            if prev < 0:
                steps = ()
                break
            n = prev
            steps = paths.get(n)
        out = list(steps)
        for n, via in reversed(chain):
            out.append(PathStep(self._desc(n), via))
            paths[n] = tuple(out)
        return paths[node]

    def _desc(self, node: int) -> str:
        hit = self._descs.get(node)
        if hit is None:
            ref = MethodRef(node >> SHIFT, node & LOW)
            hit = self._descs[node] = self.index.method_descriptor(ref)
        return hit

    @cached_property
    def _tables(self) -> list[DexTables]:
        multi = len(self.index.dexes) > 1
        return [DexTables(d, di, multi) for di, d in enumerate(self.index.dexes)]

    def _method(self, node: int) -> tuple[DexTables, int, str, str, str | None, int]:
        """(tables, method_idx, class, name, proto or None, flags) of a node. The name and
        proto split ``name(params)ret`` at its first "(" (DexIndex.method_signature); the
        proto is None when that is just the method_id's proto (decoded only if needed)."""
        t = self._tables[node >> SHIFT]
        k = node & LOW
        midx = t.method_idx[k]
        d = t.dex
        name = d.string(t.name_proto(midx)[0])
        proto = None
        if "(" in name:  # not a legal member name; split like the signature would be
            name, _, rest = d.method_name(midx).partition("(")
            proto = "(" + rest
        return t, midx, t.class_name(t.class_def[k]), name, proto, t.access_flags[k]

    # ------------------------------------------------------------ hierarchy
    def _supers(self, cls: str) -> tuple[str, ...]:
        """Direct supertypes (superclass, then interfaces) of an app class's first
        definition; () for other names."""
        hit = self._super_names.get(cls)
        if hit is None:
            loc = self.index._classes.get(cls)
            if loc is None:
                hit = ()
            else:
                di, c = loc
                t = self._tables[di]
                d = t.dex
                s = int(d.class_defs["sup"][c])
                name = None if s == NO_INDEX else t.type_name(s)
                lists = t.interface_lists
                if lists is None:
                    ifaces = d.interfaces(c)
                else:
                    ptr, items = lists
                    ifaces = tuple(t.type_name(x) for x in items[ptr[c] : ptr[c + 1]].tolist())
                hit = ((name,) if name else ()) + ifaces
            self._super_names[cls] = hit
        return hit

    @cached_property
    def _subs(self) -> dict[str, list[str]]:
        """class -> direct app subtypes (of first definitions, as DexIndex._classes),
        grouped per dex by supertype index, each supertype name decoded once."""
        subs: dict[str, list[str]] = {}
        firsts: list[dict[int, str]] = [{} for _ in self.index.dexes]
        for name, (di, c) in self.index._classes.items():
            firsts[di][c] = name

        def add(d_tables: DexTables, parent: np.ndarray, child: np.ndarray,
                names: np.ndarray, skip_empty: bool) -> None:
            order = stable_order(parent)
            parent, child = parent[order], child[order]
            first = np.ones(parent.size, dtype=bool)
            np.not_equal(parent[1:], parent[:-1], out=first[1:])
            starts = np.flatnonzero(first).tolist()
            kids = names[child].tolist()
            parents = d_tables.dex.type_names(parent[first])  # decoded together
            for lo, hi, p in zip(starts, [*starts[1:], parent.size], parents, strict=True):
                if skip_empty and not p:
                    continue
                got = subs.get(p)
                if got is None:
                    subs[p] = kids[lo:hi]
                else:
                    got.extend(kids[lo:hi])

        for di, t in enumerate(self._tables):
            if not firsts[di]:
                continue
            d = t.dex
            cs = np.fromiter(firsts[di], dtype=np.int64, count=len(firsts[di]))
            names = np.empty(len(d.class_defs), dtype=object)
            names[cs] = list(firsts[di].values())
            sup = d.class_defs["sup"][cs].astype(np.int64)
            has = sup != NO_INDEX
            if has.any():
                add(t, sup[has], cs[has], names, True)
            lists = t.interface_lists
            if lists is None:
                for c in cs.tolist():
                    for p in d.interfaces(c):
                        subs.setdefault(p, []).append(names[c])
                continue
            ptr, items = lists
            lens = ptr[cs + 1] - ptr[cs]
            if lens.any():
                child = np.repeat(cs, lens)
                within = np.arange(child.size) - np.repeat(np.cumsum(lens) - lens, lens)
                add(t, items[ptr[child] + within], child, names, False)
        return subs

    def _ancestors(self, cls: str) -> frozenset[str]:
        hit = self._anc.get(cls)
        if hit is None:
            supers = self._supers
            out: set[str] = set()
            todo = list(supers(cls))
            while todo:
                c = todo.pop()
                if c in out:
                    continue
                out.add(c)
                todo.extend(supers(c))
            hit = self._anc[cls] = frozenset(out)
        return hit

    def _descendants(self, cls: str) -> frozenset[str]:
        hit = self._desc_cls.get(cls)
        if hit is None:
            subs = self._subs
            out: set[str] = set()
            todo = list(subs.get(cls, ()))
            while todo:
                c = todo.pop()
                if c in out:
                    continue
                out.add(c)
                todo.extend(subs.get(c, ()))
            hit = self._desc_cls[cls] = frozenset(out)
        return hit

    def ancestors(self, cls: str) -> set[str]:
        """All supertypes of ``cls`` (app and framework names), excluding ``cls``."""
        return set(self._ancestors(cls))

    def descendants(self, cls: str) -> set[str]:
        """All app subtypes of ``cls``, excluding ``cls``."""
        return set(self._descendants(cls))

    def _has_framework_ancestor(self, cls: str) -> bool:
        hit = self._framework.get(cls)
        if hit is None:
            has = self.index.has_class
            hit = any(not has(a) and a != OBJECT for a in self._ancestors(cls))
            self._framework[cls] = hit
        return hit

    def _owners(self, cls: str, kind: int) -> frozenset[str]:
        """Classes whose method_ids an invoke may name to reach a method of ``cls``."""
        hit = self._owner_sets.get((cls, kind))
        if hit is None:
            if kind == _OWN_CLASS:
                hit = frozenset((cls,))
            elif kind == _OWN_DOWN:
                hit = frozenset((cls,)) | self._descendants(cls)
            else:
                hit = frozenset((cls,)) | self._ancestors(cls) | self._descendants(cls)
            self._owner_sets[(cls, kind)] = hit
        return hit

    @cached_property
    def _entry_closure(self) -> frozenset[str]:
        """Component classes plus their app superclasses (inherited lifecycle methods)."""
        out = set()
        for c in self.entry_classes:
            if self.index.has_class(c):
                out.add(c)
                out.update(a for a in self._ancestors(c) if self.index.has_class(a))
        return frozenset(out)

    def _is_callback(self, cls: str, name: str, flags: int) -> bool:
        if flags & (ACC_STATIC | ACC_PRIVATE | ACC_CONSTRUCTOR) or name.startswith("<"):
            return False
        if name in ("toString", "equals", "hashCode", "finalize"):
            return True
        return is_callback_name(name) and self._has_framework_ancestor(cls)

    @cached_property
    def _entry_test(self) -> Callable[[int], bool]:
        """``_is_entry`` as membership in the set of entry methods: those of the class_defs
        whose class name is in the entry closure (of the first definitions when no
        class is defined twice; else found by the names the reader has decoded for
        DexIndex's class table). ``_is_entry`` itself when a name is not decoded yet."""
        index = self.index
        nodes: set[int] = set()
        if sum(len(d.class_defs) for d in index.dexes) == len(index._classes):
            defs = [index._classes[cls] for cls in self._entry_closure]
        else:
            closure = self._entry_closure
            defs = []
            for di, d in enumerate(index.dexes):
                strings = d.type_desc[d.class_defs["cls"]].tolist()
                names = list(map(d._string_cache.get, strings))  # the reader's decodes
                if None in names:
                    return self._is_entry
                defs.extend((di, c) for c, name in enumerate(names) if name in closure)
        for di, c in defs:
            t = self._tables[di]
            nodes.update(t.base | k for k in t.class_methods(c) if self._is_entry(t.base | k))
        return nodes.__contains__

    def _is_entry(self, node: int) -> bool:
        hit = self._entry.get(node)
        if hit is None:
            hit = self._entry[node] = self._compute_entry(node)
        return hit

    def _compute_entry(self, node: int) -> bool:
        t = self._tables[node >> SHIFT]
        k = node & LOW
        cls = t.class_name(t.class_def[k])
        if cls not in self._entry_closure:
            return False
        _t, midx, _cls, name, _proto, flags = self._method(node)
        if name in ("<init>", "<clinit>") or self._is_callback(cls, name, flags):
            return True
        # Layout ``android:onClick="name"`` handlers: public void name(View) on the activity.
        return (
            t.dex.method_name(midx).endswith(XML_ONCLICK_PROTO)
            and bool(flags & ACC_PUBLIC)
            and not (flags & ACC_STATIC)
        )

    # ---------------------------------------------------------- predecessors
    def _predecessors(self, node: int) -> list[tuple[Sequence[int], str]]:
        """Predecessors of a node as (nodes, via) parts: each node once, in the order
        of the model (calls, then instantiations, then reflection), with the first
        way it is reached."""
        cached = self._preds.get(node)
        if cached is not None:
            return cached
        t, midx, cls, name, proto, flags = self._method(node)
        parts: list[tuple[Sequence[int], str]]
        if name == "<clinit>":
            parts = [
                (self._class_users(cls), "class-init"),
                (self._reflective_users(_java_name(cls), CLASS), "reflection"),
            ]
        else:
            if name == "<init>" or flags & ACC_PRIVATE:
                kind = _OWN_CLASS
            elif flags & ACC_STATIC:
                kind = _OWN_DOWN
            else:
                kind = _OWN_ALL
            parts = [(self._callers(t, midx, cls, name, proto, kind), "call")]
            callback = self._is_callback(cls, name, flags)
            if callback:
                parts.append((self._instantiators(cls), "new-instance"))
            if name == "<init>" or callback:
                parts.append((self._reflective_users(_java_name(cls), CLASS), "reflection"))
            else:
                parts.append((self._reflective_users(name, MEMBER), "reflection"))
        # Each part lists distinct nodes already; drop what an earlier part has.
        out = [(nodes, via) for nodes, via in parts if nodes]
        if len(out) > 1:
            seen = set(out[0][0])
            for k in range(1, len(out)):
                nodes, via = out[k]
                fresh = [p for p in nodes if p not in seen]
                seen.update(fresh)
                out[k] = (fresh, via)
        self._preds[node] = out
        return out

    def _callers(
        self,
        home: DexTables,
        midx: int,
        cls: str,
        name: str,
        proto: str | None,
        kind: int,
    ) -> array:
        """Methods with an invoke that may dispatch to the method (see the module docstring):
        per dex, the method_ids of one of ``owners`` with the method's name and proto."""
        owners = self._owners(cls, kind)
        out = NO_CALLERS
        for t in self._tables:
            if t is home:
                # protos are unique within a dex: reuse the method's own indices
                run = t.sig_run(midx)
            else:
                names = t.method_names
                if names is not None and name not in names:
                    continue  # find_string(name) is -1 or no method_id's name
                if not self._owner_in(cls, kind, owners, t):
                    continue  # select finds nothing: no method_id's class is an owner
                if proto is None:
                    proto = home.dex.proto_string(home.name_proto(midx)[1])
                run = self._foreign_run(t, name, proto)
                if run < 0:
                    continue
            w = t.select(run, owners)
            if not w:
                continue
            if len(w) == 1:
                got = t.callers(w[0])
            else:
                merged: set[int] = set()
                for m in w:
                    merged.update(t.callers(m))
                got = array("q", sorted(merged))
            out = got if not out else out + got
        return out

    def _owner_in(self, cls: str, kind: int, owners: frozenset[str], t: DexTables) -> bool:
        """Whether ``find_type`` finds one of ``owners`` (those of ``cls`` and ``kind``) in
        the dex of ``t``: else no method_id there has an owner as its class. Most methods
        reached only through their own class (constructors, private and static methods)
        have their class in one dex."""
        key = (cls, kind, t.base)
        hit = self._owner_dex.get(key)
        if hit is None:
            known, find_type = t._types.get, t.find_type  # no call for a known answer
            hit = False
            for c in owners:
                ft = known(c)
                if (find_type(c) if ft is None else ft) >= 0:
                    hit = True
                    break
            self._owner_dex[key] = hit
        return hit

    def _foreign_run(self, t: DexTables, name: str, proto: str) -> int:
        """Run of ``name`` + ``proto`` in another dex's method_ids (-1 if none)."""
        key = (t.base >> SHIFT, name, proto)
        hit = self._foreign.get(key)
        if hit is None:
            hit = -1
            names = t.method_names
            # else find_string(name) is -1 or an index that no method_id names
            if names is None or name in names:
                n = t.find_string(name)
                p = self._proto_index(key[0], proto) if n >= 0 else -1
                if p >= 0:
                    hit = t.find_sig_run(n, p)
            self._foreign[key] = hit
        return hit

    @cached_property
    def _proto_cache(self) -> list[dict[str, int]]:
        return [{} for _ in self.index.dexes]

    def _proto_index(self, di: int, proto: str) -> int:
        """proto_ids index of ``(params)ret`` in dex ``di`` (-1 if absent), found by
        matching return and parameter type indices instead of decoding every proto."""
        cache = self._proto_cache[di]
        hit = cache.get(proto)
        if hit is not None:
            return hit
        t = self._tables[di]
        d = t.dex
        params, ret = split_proto(proto)
        r = t.find_type(ret)
        want = tuple(t.find_type(x) for x in params)
        shorty = "".join("L" if x[0] in "L[" else x for x in [ret, *params])
        sh = t.find_string(shorty)
        found = -1
        if r >= 0 and sh >= 0 and -1 not in want:
            keys, first, order, offs, size = self._proto_groups[di]
            key = (r << 32) | sh
            lo = bisect_left(keys, key)
            hi = bisect_right(keys, key, lo)
            # a list equal to the pattern has its first item (-1: no list, or its bytes
            # are not there) and its size: the others are left out before the byte
            # comparison; candidates in ascending proto order, as the run's
            w0 = want[0] if want else -1
            lo = bisect_left(first, w0, lo, hi)
            hi = bisect_right(first, w0, lo, hi)
            if want:
                pattern = struct.pack(f"<I{len(want)}H", len(want), *want)
                data, n = d.data, len(want)
                for k in range(lo, hi):
                    off = offs[k]
                    if size[k] == n and data[off : off + len(pattern)] == pattern:
                        found = order[k]
                        break
            else:
                for k in range(lo, hi):
                    if offs[k] == 0:
                        found = order[k]
                        break
        cache[proto] = found
        return found

    @cached_property
    def _proto_groups(self) -> list[tuple[array, array, array, array, array]]:
        """Per dex, the proto_ids sorted by (return type << 32 | shorty), then by the first
        item of their parameter list, stable: (sorted keys, first items, proto indices,
        parameter-list offsets, list sizes), as machine-integer arrays searched with
        bisect; a first item or size is -1 where the list is empty or its bytes are not
        there. _proto_index takes its candidates from the run of one key and first item
        instead of comparing the whole proto table on every lookup (that took 0.1-0.2 s
        of a 30 MB-dex scan; runs of one key averaged 200 protos on that scan), and
        without a numpy call per lookup."""
        out = []
        for d in self.index.dexes:
            protos = d.protos
            keys = (protos["ret"].astype(np.int64) << 32) | protos["shorty"].astype(np.int64)
            offs = protos["params"].astype(np.int64)
            raw = np.frombuffer(d.data, dtype=np.uint8)
            size = np.full(offs.size, -1, dtype=np.int64)
            first = np.full(offs.size, -1, dtype=np.int64)
            ok = (offs != 0) & (offs + 4 <= raw.size)
            at = offs[ok]
            size[ok] = (raw[at].astype(np.int64) | raw[at + 1].astype(np.int64) << 8
                        | raw[at + 2].astype(np.int64) << 16 | raw[at + 3].astype(np.int64) << 24)
            ok = (offs != 0) & (offs + 6 <= raw.size)
            at = offs[ok]
            first[ok] = raw[at + 4].astype(np.int64) | raw[at + 5].astype(np.int64) << 8
            # ascending indices within a key and item (keys: type << 32 | string index)
            if keys.size and int(keys.max()) >= 1 << 47:
                order = stable_order(keys, first + 1)
            else:
                order = np.argsort(keys << 16 | (first + 1), kind="stable")

            def q(a: np.ndarray) -> array:
                return array("q", a.astype(np.int64).tobytes())

            out.append((q(keys[order]), q(first[order]), q(order), q(offs[order]),
                        q(size[order])))
        return out

    def _reflective_users(self, value: str, kind: str) -> list[int]:
        """Methods that load the const-string ``value`` and call a reflective lookup of
        ``kind`` (CLASS: Class.forName / ClassLoader.loadClass; MEMBER: getMethod /
        getDeclaredMethod). A name-based over-approximation of reflective calls."""
        hit = self._refl.get((value, kind))
        if hit is not None:
            return hit
        if not self._reflects(kind):
            return _NO_NODES
        out: list[int] = []
        for di, t in enumerate(self._tables):
            sarg, sowner, values = self._reflective_strings(di, kind)
            # find_string(value), when not -1, is an index whose string is value: only
            # a value among the loaded strings can select anything.
            if value not in values:
                continue
            sidx = t.find_string(value)
            if sidx < 0:
                continue
            out.extend(t.nodes(sowner[sarg == sidx]))
        self._refl[(value, kind)] = out
        return out

    def _reflects(self, kind: str) -> bool:
        """Whether some method loads a string and calls a lookup of ``kind``."""
        hit = self._reflective_kinds.get(kind)
        if hit is None:
            n = len(self.index.dexes)
            hit = self._reflective_kinds[kind] = any(
                self._reflective_strings(di, kind)[0].size for di in range(n)
            )
        return hit

    def _reflective_strings(
        self, di: int, kind: str
    ) -> tuple[np.ndarray, np.ndarray, frozenset[str]]:
        """(string index, owner, decoded strings) of the const-strings in methods that
        call a lookup of ``kind``; usually tiny, so per-method queries stay cheap."""
        key = (di, kind)
        hit = self._lookup_strings.get(key)
        if hit is None:
            d = self.index.dexes[di]
            mids = [m for desc in REFLECTIVE_LOOKUPS[kind] for m in d.find_methods(desc)]
            empty = np.zeros(0, dtype=np.int64)
            hit = (empty, empty, frozenset())
            if mids:
                # the methods invoking one of mids: their rows of the invoke table
                ptr, owner = self._tables[di]._invokes
                lookups = unique(np.concatenate(
                    [owner[ptr[m] : ptr[m + 1]] for m in mids]).astype(np.int64))
                if lookups.size:
                    _p, _o, sarg, sowner = d.operand_sites("string")
                    # np.isin(sowner, lookups) as a mark per method (owners are -1 or
                    # positions in the method table)
                    mark = np.zeros(len(d.methods) + 1, dtype=bool)
                    mark[lookups] = True  # -1 marks the extra last cell
                    keep = mark[sowner]
                    sarg, sowner = sarg[keep], sowner[keep]
                    values = frozenset(d.string(s) for s in unique(sarg).tolist())
                    hit = (sarg, sowner, values)
            self._lookup_strings[key] = hit
        return hit

    @cached_property
    def _lookup_strings(
        self,
    ) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray, frozenset[str]]]:
        return {}

    def _instantiators(self, cls: str) -> list[int]:
        """Methods creating an instance of ``cls`` or of an app subclass, or reading a
        static field of such a class whose type is one of them (singleton / lambda
        instance)."""
        hit = self._inst.get(cls)
        if hit is not None:
            return hit
        classes = {cls} | self._descendants(cls)
        out: list[int] = []
        for di, tab in enumerate(self._tables):
            types = {tab.find_type(c) for c in classes}
            types.discard(-1)
            if not types:
                continue
            new_t, new_owner, (st_cls, st_type, st_owner) = self._instance_tables[di]
            owners: set[int] = set()
            for t in types:
                owners.update(new_owner[bisect_left(new_t, t) : bisect_right(new_t, t)])
                lo = bisect_left(st_cls, t)
                for k in range(lo, bisect_right(st_cls, t, lo)):
                    if st_type[k] in types:
                        owners.add(st_owner[k])
            base = di << SHIFT
            out.extend(base | o for o in sorted(owners) if o >= 0)
        self._inst[cls] = out
        return out

    @cached_property
    def _instance_tables(self) -> list[tuple[array, array, tuple[array, array, array]]]:
        """Per dex: new-instance types (sorted) and their owners; the static field
        accesses whose field type is defined by the app, as (field class, field type,
        owner) sorted by field class."""
        out = []
        for d in self.index.dexes:
            _p, _o, narg, nowner = d.operand_sites("new")
            order = stable_order(narg)
            _p, fop, farg, fowner = d.operand_sites("field")
            static = (fop >= opcodes.STATIC_FIELD_OPS[0]) & (fop <= opcodes.STATIC_FIELD_OPS[-1])
            ftype = d.fields["type"][farg].astype(np.int64)
            own = np.zeros(len(d.type_desc), dtype=bool)
            for t in unique(ftype[static]).tolist():
                own[t] = self.index.has_class(d.type_name(t))
            keep = static & own[ftype]
            fcls = d.fields["cls"][farg[keep]].astype(np.int64)
            by_cls = stable_order(fcls)

            # array("q"), not lists: bisect and slices work alike, without an int object
            # per instruction (about 5 MiB on a 30 MB-dex scan)
            def q(a: np.ndarray) -> array:
                return array("q", a.astype(np.int64).tobytes())

            out.append((q(narg[order]), q(nowner[order]),
                        (q(fcls[by_cls]), q(ftype[keep][by_cls]), q(fowner[keep][by_cls]))))
        return out

    def _class_users(self, cls: str) -> list[int]:
        """Methods that trigger initialisation of ``cls``."""
        hit = self._cls_users.get(cls)
        if hit is not None:
            return hit
        out: list[int] = []
        for t in self._tables:
            c = t.find_type(cls)
            if c >= 0:
                out.extend(t.class_users(c))
        self._cls_users[cls] = out
        return out
