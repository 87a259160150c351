"""FROZEN REFERENCE: the previous implementation of ``scanner.callgraph.reachability``
(commit ed5b345), kept verbatim as a differential-test oracle for
tests/callgraph/test_reachability_equivalence.py. Do not optimise or edit it: the
optimised module must give identical ``check()`` answers (reachable, path, reason).

Original module docstring follows.

Lazy backward reachability from app entry points over a :class:`DexIndex`.

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
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

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
        self._known: dict[MethodRef, tuple[PathStep, ...] | bool] = {}
        self._preds: dict[MethodRef, list[tuple[MethodRef, str]]] = {}

    # -------------------------------------------------------------- public
    def is_reachable(self, method: MethodRef | str) -> bool | None:
        """True/False, or None when unknown (work bound hit or method not in the app)."""
        return self.check(method).reachable

    def path(self, method: MethodRef | str) -> tuple[PathStep, ...]:
        """Entry point → ... → method chain when reachable, else empty."""
        return self.check(method).path

    def check_site(self, site: CallSite) -> ReachResult:
        """Reachability of the method containing a call site."""
        return self.check(f"{site.caller_class}->{site.caller_method}")

    def check(self, method: MethodRef | str) -> ReachResult:
        """Full answer for an app method (a MethodRef or ``Lcls;->name(params)ret``)."""
        if isinstance(method, str):
            ref = self.index.find_method(method)
            if ref is None:
                return ReachResult(method, None, reason="method not defined in the app")
        else:
            ref = method
        desc = self.index.method_descriptor(ref)
        known = self._known.get(ref)
        if known is False:
            return ReachResult(desc, False, reason="no entry point reaches it")
        if isinstance(known, tuple):
            return ReachResult(desc, True, known)
        return self._search(ref, desc)

    # ------------------------------------------------------------- search
    def _search(self, start: MethodRef, desc: str) -> ReachResult:
        parent: dict[MethodRef, tuple[MethodRef, str] | None] = {start: None}
        queue = deque([start])
        expanded = 0
        while queue:
            node = queue.popleft()
            known = self._known.get(node)
            if known is False:
                continue
            if isinstance(known, tuple) or self._is_entry(node):
                path = self._record_path(node, parent, known)
                return ReachResult(desc, True, path)
            expanded += 1
            if expanded > self.max_nodes:
                return ReachResult(
                    desc, None, reason=f"work bound of {self.max_nodes} methods reached"
                )
            for pred, via in self._predecessors(node):
                if pred not in parent:
                    parent[pred] = (node, via)
                    queue.append(pred)
        for node in parent:
            self._known[node] = False
        return ReachResult(desc, False, reason=f"backward closure of {len(parent)} methods")

    def _record_path(
        self,
        found: MethodRef,
        parent: dict[MethodRef, tuple[MethodRef, str] | None],
        known: tuple[PathStep, ...] | bool | None,
    ) -> tuple[PathStep, ...]:
        prefix = known if isinstance(known, tuple) else (PathStep(self._desc(found), "entry"),)
        steps = list(prefix)
        node = found
        self._known[node] = tuple(steps)
        link = parent[node]
        while link is not None:
            nxt, via = link
            steps.append(PathStep(self._desc(nxt), via))
            self._known[nxt] = tuple(steps)
            link = parent[nxt]
        return tuple(steps)

    def _desc(self, ref: MethodRef) -> str:
        return self.index.method_descriptor(ref)

    # ------------------------------------------------------------ hierarchy
    @cached_property
    def _hierarchy(self) -> tuple[dict[str, tuple[str, ...]], dict[str, list[str]]]:
        """(class -> direct supertypes, class -> direct app subtypes) for app classes."""
        supers: dict[str, tuple[str, ...]] = {}
        subs: dict[str, list[str]] = {}
        for name, (di, c) in self.index._classes.items():
            d = self.index.dexes[di]
            sup = d.superclass(c)
            parents = ((sup,) if sup else ()) + d.interfaces(c)
            supers[name] = parents
            for p in parents:
                subs.setdefault(p, []).append(name)
        return supers, subs

    def ancestors(self, cls: str) -> set[str]:
        """All supertypes of ``cls`` (app and framework names), excluding ``cls``."""
        supers = self._hierarchy[0]
        out: set[str] = set()
        todo = list(supers.get(cls, ()))
        while todo:
            c = todo.pop()
            if c in out:
                continue
            out.add(c)
            todo.extend(supers.get(c, ()))
        return out

    def descendants(self, cls: str) -> set[str]:
        """All app subtypes of ``cls``, excluding ``cls``."""
        subs = self._hierarchy[1]
        out: set[str] = set()
        todo = list(subs.get(cls, ()))
        while todo:
            c = todo.pop()
            if c in out:
                continue
            out.add(c)
            todo.extend(subs.get(c, ()))
        return out

    def _framework_ancestors(self, cls: str) -> set[str]:
        return {a for a in self.ancestors(cls) if not self.index.has_class(a) and a != OBJECT}

    @cached_property
    def _entry_closure(self) -> frozenset[str]:
        """Component classes plus their app superclasses (inherited lifecycle methods)."""
        out = set()
        for c in self.entry_classes:
            if self.index.has_class(c):
                out.add(c)
                out.update(a for a in self.ancestors(c) if self.index.has_class(a))
        return frozenset(out)

    def _is_callback(self, ref: MethodRef, cls: str, name: str) -> bool:
        flags = self.index.method_flags(ref)
        if flags & (ACC_STATIC | ACC_PRIVATE | ACC_CONSTRUCTOR) or name.startswith("<"):
            return False
        if name in ("toString", "equals", "hashCode", "finalize"):
            return True
        return is_callback_name(name) and bool(self._framework_ancestors(cls))

    def _is_entry(self, ref: MethodRef) -> bool:
        cls = self.index.method_class(ref)
        if cls not in self._entry_closure:
            return False
        sig = self.index.method_signature(ref)
        name = sig.partition("(")[0]
        if name in ("<init>", "<clinit>") or self._is_callback(ref, cls, name):
            return True
        # Layout ``android:onClick="name"`` handlers: public void name(View) on the activity.
        flags = self.index.method_flags(ref)
        return (
            sig.endswith(XML_ONCLICK_PROTO)
            and bool(flags & ACC_PUBLIC)
            and not (flags & ACC_STATIC)
        )

    # ---------------------------------------------------------- predecessors
    def _predecessors(self, ref: MethodRef) -> list[tuple[MethodRef, str]]:
        cached = self._preds.get(ref)
        if cached is not None:
            return cached
        cls = self.index.method_class(ref)
        sig = self.index.method_signature(ref)
        name, _, proto = sig.partition("(")
        proto = "(" + proto
        flags = self.index.method_flags(ref)
        out: list[tuple[MethodRef, str]] = []
        if name == "<clinit>":
            out.extend((p, "class-init") for p in self._class_users(cls))
            out.extend((p, "reflection") for p in self._reflective_users(_java_name(cls), CLASS))
        else:
            if name == "<init>" or flags & ACC_PRIVATE:
                owners = {cls}
            elif flags & ACC_STATIC:
                owners = {cls} | self.descendants(cls)
            else:
                owners = {cls} | self.ancestors(cls) | self.descendants(cls)
            out.extend((p, "call") for p in self._callers(owners, name, proto, ref))
            callback = self._is_callback(ref, cls, name)
            if callback:
                users = self._instantiators({cls} | self.descendants(cls))
                out.extend((p, "new-instance") for p in users)
            if name == "<init>" or callback:
                refl = self._reflective_users(_java_name(cls), CLASS)
                out.extend((p, "reflection") for p in refl)
            else:
                out.extend((p, "reflection") for p in self._reflective_users(name, MEMBER))
        seen: set[MethodRef] = set()
        uniq = []
        for p, via in out:
            if p not in seen:
                seen.add(p)
                uniq.append((p, via))
        self._preds[ref] = uniq
        return uniq

    @cached_property
    def _dex_tables(self) -> list[dict]:
        """Per dex: invoke rows sorted by method index, and method ids sorted by
        (name, proto) so that all method_ids with one name+proto form a slice."""
        out = []
        for d in self.index.dexes:
            _pos, _op, arg, owner = d.operand_sites("invoke")
            order = np.argsort(arg, kind="stable")
            stride = len(d.protos) + 1
            key = d.method_ids["name"].astype(np.int64) * stride + d.method_ids["proto"]
            by_sig = np.argsort(key, kind="stable")
            out.append(
                {
                    "arg": arg[order],
                    "owner": owner[order],
                    "sig_keys": key[by_sig],
                    "sig_ids": by_sig,
                    "stride": stride,
                    "protos": {},
                }
            )
        return out

    def _methods_with_sig(self, di: int, name_idx: int, proto_idx: int) -> np.ndarray:
        t = self._dex_tables[di]
        k = name_idx * t["stride"] + proto_idx
        lo, hi = np.searchsorted(t["sig_keys"], [k, k + 1])
        return t["sig_ids"][lo:hi]

    def _proto_index(self, di: int, proto: str) -> int:
        """proto_ids index of ``(params)ret`` in dex ``di`` (-1 if absent), found by
        matching return and parameter type indices instead of decoding every proto."""
        t = self._dex_tables[di]
        cache = t["protos"]
        hit = cache.get(proto)
        if hit is not None:
            return hit
        d = self.index.dexes[di]
        params, ret = split_proto(proto)
        r = d.find_type(ret)
        want = tuple(d.find_type(x) for x in params)
        shorty = "".join("L" if x[0] in "L[" else x for x in [ret, *params])
        sh = d.find_string(shorty)
        found = -1
        if r >= 0 and sh >= 0 and -1 not in want:
            cand = np.nonzero((d.protos["ret"] == r) & (d.protos["shorty"] == sh))[0]
            pattern = struct.pack(f"<I{len(want)}H", len(want), *want)
            offs = d.protos["params"][cand].tolist()
            for i, off in zip(cand.tolist(), offs, strict=True):
                if (not want and off == 0) or (
                    want and d.data[off : off + len(pattern)] == pattern
                ):
                    found = i
                    break
        cache[proto] = found
        return found

    def _refs(self, di: int, rows: np.ndarray) -> Iterator[MethodRef]:
        refs = self._ref_objects[di]
        for o in unique(rows).tolist():
            if o >= 0:
                r = refs.get(o)
                if r is None:
                    r = refs[o] = MethodRef(di, o)
                yield r

    @cached_property
    def _ref_objects(self) -> list[dict[int, MethodRef]]:
        return [{} for _ in self.index.dexes]

    def _callers(
        self, owners: set[str], name: str, proto: str, home: MethodRef | None = None
    ) -> list[MethodRef]:
        out: list[MethodRef] = []
        for di, d in enumerate(self.index.dexes):
            if home is not None and home.dex == di:
                # protos are unique within a dex: reuse the method's own indices
                mid = d.method_ids[d.methods[home.method].method_idx]
                n, p = int(mid["name"]), int(mid["proto"])
            else:
                n = d.find_string(name)
                p = self._proto_index(di, proto) if n >= 0 else -1
            if p < 0:
                continue
            t = self._dex_tables[di]
            mids = self._methods_with_sig(di, n, p)
            types = {d.find_type(c) for c in owners}
            types.discard(-1)
            if not mids.size or not types:
                continue
            w = mids[np.isin(d.method_ids["cls"][mids], np.fromiter(types, np.int64))]
            if not w.size:
                continue
            arg = t["arg"]
            lo = np.searchsorted(arg, w, side="left")
            hi = np.searchsorted(arg, w, side="right")
            rows = [t["owner"][a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
            if rows:
                out.extend(self._refs(di, np.concatenate(rows)))
        return out

    def _reflective_users(self, value: str, kind: str) -> list[MethodRef]:
        """Methods that load the const-string ``value`` and call a reflective lookup of
        ``kind`` (CLASS: Class.forName / ClassLoader.loadClass; MEMBER: getMethod /
        getDeclaredMethod). A name-based over-approximation of reflective calls."""
        out: list[MethodRef] = []
        for di, d in enumerate(self.index.dexes):
            sarg, sowner = self._reflective_strings(di, kind)
            if not sarg.size:
                continue
            sidx = d.find_string(value)
            if sidx < 0:
                continue
            out.extend(self._refs(di, sowner[sarg == sidx]))
        return out

    def _reflective_strings(self, di: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(string index, owner) of the const-strings in methods that call a lookup of
        ``kind``; usually tiny, so per-method queries stay cheap."""
        key = (di, kind)
        hit = self._lookup_strings.get(key)
        if hit is None:
            d = self.index.dexes[di]
            mids = [m for desc in REFLECTIVE_LOOKUPS[kind] for m in d.find_methods(desc)]
            empty = np.zeros(0, dtype=np.int64)
            hit = (empty, empty)
            if mids:
                _p, _o, arg, owner = d.operand_sites("invoke")
                lookups = unique(owner[np.isin(arg, np.asarray(mids, dtype=np.int64))])
                if lookups.size:
                    _p, _o, sarg, sowner = d.operand_sites("string")
                    keep = np.isin(sowner, lookups)
                    hit = (sarg[keep], sowner[keep])
            self._lookup_strings[key] = hit
        return hit

    @cached_property
    def _lookup_strings(self) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]:
        return {}

    def _instantiators(self, classes: set[str]) -> list[MethodRef]:
        """Methods creating an instance of one of ``classes`` or reading a static field
        of such a class whose type is one of them (singleton / lambda instance)."""
        out: list[MethodRef] = []
        for di, d in enumerate(self.index.dexes):
            types = {d.find_type(c) for c in classes}
            types.discard(-1)
            if not types:
                continue
            tarr = np.fromiter(types, dtype=np.int64)
            t = self._instance_tables[di]
            new_t, new_owner = t["new"]
            lo = np.searchsorted(new_t, tarr, side="left")
            hi = np.searchsorted(new_t, tarr, side="right")
            rows = [new_owner[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
            fcls, ftype, fowner = t["static"]
            if fcls.size:
                rows.append(fowner[np.isin(fcls, tarr) & np.isin(ftype, tarr)])
            if rows:
                out.extend(self._refs(di, np.concatenate(rows)))
        return out

    @cached_property
    def _instance_tables(self) -> list[dict]:
        """Per dex: new-instance (type, owner) sorted by type, and static field accesses
        (field class, field type, owner) whose field type is defined by the app."""
        out = []
        for d in self.index.dexes:
            _p, _o, narg, nowner = d.operand_sites("new")
            order = np.argsort(narg, kind="stable")
            _p, fop, farg, fowner = d.operand_sites("field")
            static = np.isin(fop, opcodes.STATIC_FIELD_OPS)
            ftype = d.fields["type"][farg].astype(np.int64)
            own = [
                t for t in unique(ftype[static]).tolist() if self.index.has_class(d.type_name(t))
            ]
            keep = static & np.isin(ftype, np.asarray(own, dtype=np.int64))
            fcls = d.fields["cls"][farg[keep]].astype(np.int64)
            out.append(
                {"new": (narg[order], nowner[order]), "static": (fcls, ftype[keep], fowner[keep])}
            )
        return out

    def _class_users(self, cls: str) -> list[MethodRef]:
        """Methods that trigger initialisation of ``cls``."""
        out: list[MethodRef] = []
        for di, d in enumerate(self.index.dexes):
            t = d.find_type(cls)
            if t < 0:
                continue
            _p, _o, narg, nowner = d.operand_sites("new")
            rows = [nowner[narg == t]]
            _p, iop, iarg, iowner = d.operand_sites("invoke")
            mids = np.nonzero(d.method_ids["cls"] == t)[0]
            if mids.size:
                rows.append(iowner[np.isin(iarg, mids) & np.isin(iop, (0x71, 0x77))])
            _p, fop, farg, fowner = d.operand_sites("field")
            fids = np.nonzero(d.fields["cls"] == t)[0]
            if fids.size:
                rows.append(fowner[np.isin(farg, fids) & np.isin(fop, opcodes.STATIC_FIELD_OPS)])
            out.extend(self._refs(di, np.concatenate(rows)))
        return out
