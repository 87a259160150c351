"""Security checks on the app's code: ``code.insecure`` and ``code.cloud_credential`` facts.

Each check is judged on the code of a method, never on a class name being present; which
API and method shapes mean what is data (``Knowledge.security``, rulesets/
security-checks.yaml), applied here by three generic passes:

- *method shapes*: app classes implementing one of a shape's types (through app
  superclasses too) that define one of its methods, whose body meets the shape's predicate
  (:mod:`scanner.ingest.dex.shapes`); ``installed`` says whether a method that creates the
  class (or one calling that method) calls one of the shape's ``installed_by`` APIs;
- *call checks*: calls whose argument, as the calling method shows it (constant
  propagation of :mod:`scanner.ingest.dex.values`), meets the check's value predicate, under
  the check's manifest conditions (min/target SDK);
- *credentials*: a const-string matching a cloud access-key-id pattern and, loaded by the
  same method (else the same class), one matching its secret's pattern.

Whose code it is (app, SDK, library) and whether the method is reachable from the
manifest's entry points are given with each fact; rules decide what is a finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from scanner.detectors.code import code_origin, is_payload
from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.ingest.dex import DexIndex
from scanner.ingest.dex.arrays import unique
from scanner.ingest.dex.shapes import Body, body, judge
from scanner.ingest.dex.values import ArgumentValues, param_registers
from scanner.knowledge.security import SecurityChecks, value_holds
from scanner.model.facts import Fact
from scanner.model.locator import Locator

#: facts of one kind kept per check (the rest are counted in the last one's ``more``)
MAX_PER_CHECK = 200
MAX_ANCESTRY = 32


def java_name(desc: str) -> str:
    """``Lcom/a/B;`` → ``com.a.B``."""
    return desc[1:-1].replace("/", ".") if desc.startswith("L") and desc.endswith(";") else desc


class _Code:
    """Shared lookups over one app's dex index for the three passes."""

    def __init__(self, ctx: ScanContext, index: DexIndex, sec: SecurityChecks) -> None:
        self.ctx = ctx
        self.index = index
        self.sec = sec
        kb = ctx.knowledge
        models = {"fields": dict(kb.value_models.get("fields") or {}),
                  "calls": dict(kb.value_models.get("calls") or {})}
        for k, v in (sec.values.get("fields") or {}).items():
            models["fields"][str(k)] = tuple(v) if isinstance(v, list) else ("s", v)
        models["calls"].update(sec.values.get("calls") or {})
        self.values = ArgumentValues(index.dexes, models)
        self.dex_pos = {d.name: i for i, d in enumerate(index.dexes)}
        self._ancestry: dict[str, frozenset[str]] = {}
        self._bodies: dict[tuple[int, int], Body] = {}
        self._sdk: dict[str, tuple[str | None, str]] = {}

    # ------------------------------------------------------------- classes
    def ancestry(self, cls: str) -> frozenset[str]:
        """The class, its superclasses and interfaces, through app classes."""
        got = self._ancestry.get(cls)
        if got is not None:
            return got
        out: set[str] = set()
        todo = [cls]
        while todo and len(out) < MAX_ANCESTRY:
            c = todo.pop()
            if c in out:
                continue
            out.add(c)
            sup = self.index.class_supers(c)
            if sup is None:
                continue
            if sup[0]:
                todo.append(sup[0])
            todo.extend(sup[1])
        self._ancestry[cls] = frozenset(out)
        return self._ancestry[cls]

    def body(self, di: int, owner: int) -> Body:
        key = (di, owner)
        if key not in self._bodies:
            self._bodies[key] = body(self.values, di, owner)
        return self._bodies[key]

    def body_of(self, descriptor: str) -> Body | None:
        ref = self.index.find_method(descriptor)
        if ref is None:
            return None
        return self.body(ref.dex, ref.method)

    def owner_of(self, di: int, word: int) -> int:
        return int(self.index.dexes[di].owner_of(np.array([word], dtype=np.int64))[0])

    # -------------------------------------------------------------- whose
    def whose(self, cls: str) -> tuple[str | None, str]:
        if cls not in self._sdk:
            sig = self.ctx.sdk_catalog.sdk_for_class(cls)
            self._sdk[cls] = (sig.id if sig else None,
                              code_origin(sig, cls, self.ctx.knowledge.library_prefixes))
        return self._sdk[cls]

    def reachable(self, dex: str, caller: str) -> bool | None:
        if is_payload(dex):
            return None
        reach = self.ctx.reachability
        return reach.is_reachable(caller) if reach is not None else None

    def method_desc(self, di: int, owner: int) -> str:
        d = self.index.dexes[di]
        m = d.methods[owner]
        return f"{d.class_name(m.class_def)}->{d.method_name(m.method_idx)}"

    def calls_of(self, di: int, owner: int) -> set[str]:
        return set(self.body(di, owner).calls)

    def strings_of(self, di: int, owner: int) -> list[str]:
        """Strings the method loads with const-string."""
        d = self.index.dexes[di]
        _pos, _op, arg, own = d.operand_sites("string")
        return [d.string(int(a)) for a in arg[own == owner].tolist()]

    def source_label(self, sources: tuple[dict, ...], di: int, owner: int) -> str | None:
        """The label of the first source whose calls or strings the method has."""
        if not sources or owner < 0:
            return None
        calls = self.calls_of(di, owner)
        strings = None
        for src in sources:
            if calls & set(src["calls_any"]):
                return src["label"]
            if src["strings_prefix"]:
                if strings is None:
                    strings = self.strings_of(di, owner)
                if any(s.startswith(tuple(src["strings_prefix"])) for s in strings):
                    return src["label"]
        return None


# ---------------------------------------------------------------- method shapes
def _defined(index: DexIndex, signatures: set[str]) -> Iterable[tuple[int, int, str, str]]:
    """(dex, method position, class, signature) of every app method with code whose
    ``name(proto)`` is in ``signatures``."""
    names = {s.partition("(")[0] for s in signatures}
    for di, d in enumerate(index.dexes):
        want = {d.find_string(n) for n in names} - {-1}
        if not want:
            continue
        t = d.method_table
        if not t.method_idx.size:
            continue
        name_of = d.method_ids["name"][t.method_idx]
        sel = np.nonzero(np.isin(name_of, list(want)) & (t.insn_start >= 0))[0]
        for k in sel.tolist():
            sig = d.method_name(int(t.method_idx[k]))
            if sig in signatures:
                yield di, k, d.class_name(int(t.class_def[k])), sig


def _creators(code: _Code, cls: str) -> list[tuple[int, int]]:
    """(dex, method) of every method that creates an instance of ``cls`` (new-instance), and
    of every method reading a static field such a method writes (an instance kept in a
    static field, as singletons and ``static final TrustManager[]`` arrays are)."""
    out = []
    for di, d in enumerate(code.index.dexes):
        t = d.find_type(cls)
        if t < 0:
            continue
        _pos, _op, arg, owner = d.operand_sites("new")
        made = unique(owner[(arg == t) & (owner >= 0)])
        out.extend((di, int(own)) for own in made.tolist())
        _fpos, fop, farg, fowner = d.operand_sites("field")
        written = unique(farg[np.isin(fowner, made) & (fop >= 0x67) & (fop <= 0x6D)])
        if written.size:
            readers = unique(fowner[np.isin(farg, written) & (fop >= 0x60) & (fop <= 0x66)
                                       & (fowner >= 0)])
            out.extend((di, int(own)) for own in readers.tolist() if (di, int(own)) not in out)
    return out


def _installs(calls: set[str], installers: set[str]) -> list[str]:
    """The installing APIs among ``calls``, matched on ``name(proto)`` whatever the class
    written in the call (a WebView subclass calling setWebViewClient on itself)."""
    sigs = {i.partition("->")[2]: i for i in installers}
    return sorted(sigs[c.partition("->")[2]] for c in calls if c.partition("->")[2] in sigs)


def _installer(code: _Code, cls: str, installers: set[str]) -> tuple[str, str, int] | None:
    """(installing method, API, dex) when a creator of ``cls`` or a caller of one calls an
    installing API; None when none does."""
    creators = _creators(code, cls)
    for di, own in creators:
        hit = _installs(code.calls_of(di, own), installers)
        if hit:
            return code.method_desc(di, own), hit[0], di
    descs = {code.method_desc(di, own) for di, own in creators}
    for site in code.index.find_calls(descs) if descs else ():
        di = code.dex_pos[site.dex]
        own = code.owner_of(di, site.offset // 2)
        if own < 0:
            continue
        hit = _installs(code.calls_of(di, own), installers)
        if hit:
            return f"{site.caller_class}->{site.caller_method}", hit[0], di
    return None


def _shape_facts(code: _Code) -> Iterable[Fact]:
    sec = code.sec
    for shape in sec.method_shapes:
        types = set(shape.types)
        installers = set(shape.installed_by)
        count = 0
        for di, k, cls, sig in _defined(code.index, set(shape.methods)):
            if not (code.ancestry(cls) & types) or (
                    shape.exclude_classes and java_name(cls).startswith(shape.exclude_classes)):
                continue
            b = code.body(di, k)
            if not judge(shape.body, b, sec.harmless_calls, code.body_of):
                continue
            count += 1
            if count > MAX_PER_CHECK:
                continue
            inst = _installer(code, cls, installers)
            d = code.index.dexes[di]
            sdk, origin = code.whose(cls)
            where = inst[0] if inst else f"{cls}->{sig}"
            yield Fact("code.insecure", {
                "check": shape.check, "class": java_name(cls), "method": sig,
                "api": inst[1] if inst else None,
                "installed": inst is not None, "installed_in": inst[0] if inst else None,
                "value": None, "value_from": None, "origin": origin, "sdk": sdk,
                "reachable": code.reachable(d.name, where),
            }, (Locator("code", dex=d.name, **{"class": cls}, method=sig,
                        offset=int(d.methods[k].insn_start) * 2,
                        api=inst[1] if inst else None, sdk=sdk),))


# ------------------------------------------------------------------ call checks
def _any_class_apis(code: _Code, pattern: str, receivers: tuple[str, ...]) -> set[str]:
    """Descriptors ``C->name(proto)`` called in the app for ``*->name(proto)``, C being one
    of ``receivers`` or an app class descending from one."""
    sig = pattern[3:]
    name = sig.partition("(")[0]
    out: set[str] = set()
    rec = set(receivers)
    for d in code.index.dexes:
        n = d.find_string(name)
        if n < 0:
            continue
        for midx in np.nonzero(d.method_ids["name"] == n)[0].tolist():
            desc = d.method_descriptor(int(midx))
            if desc.partition("->")[2] != sig or desc in out:
                continue
            cls = desc.partition("->")[0]
            if cls in rec or code.ancestry(cls) & rec:
                out.add(desc)
    return out


def _app_holds(cond: dict, min_sdk: int | None, target_sdk: int | None) -> bool:
    if "min_sdk_below" in cond and not (min_sdk is not None and min_sdk < cond["min_sdk_below"]):
        return False
    return not ("target_sdk_below" in cond
                and not (target_sdk is not None and target_sdk < cond["target_sdk_below"]))


def render_value(v: tuple | None) -> str | None:
    """An argument value as people read it."""
    if v is None:
        return None
    if v[0] == "s":
        return v[1]
    if v[0] == "i":
        return str(v[1])
    if v[0] == "o":  # an object by its kind only: a constant key's bytes are a secret
        return v[1]
    if v[0] == "c":
        return java_name(v[1])
    return str(v[1]) if len(v) > 1 else v[0]


def _prepare(code: _Code, sites: list) -> None:
    """Declare the call sites whose arguments will be asked for (one analysis per method)."""
    by_dex: dict[int, list[int]] = defaultdict(list)
    for s in sites:
        by_dex[code.dex_pos[s.dex]].append(s.offset // 2)
    for di, ps in by_dex.items():
        owners = code.index.dexes[di].owner_of(np.array(ps, dtype=np.int64)).tolist()
        for p, own in zip(ps, owners, strict=True):
            if own >= 0:
                code.values.prepare(di, own, (p,))


def _argument(code: _Code, s, param: int) -> tuple | None:
    """The value of declared parameter ``param`` at call site ``s`` (None: unknown)."""
    di = code.dex_pos[s.dex]
    p = s.offset // 2
    own = code.owner_of(di, p)
    regs = param_registers(s.callee, s.kind == "static")
    if own < 0 or param >= len(regs):
        return None
    vals = code.values.arguments(di, own, p, [regs[param]])
    raw = vals[regs[param]] if vals and regs[param] < len(vals) else None
    return code.values.resolve(raw)


#: callers looked at when an argument is the calling method's own parameter, and how many
#: methods back (a crypto helper's IV parameter, given a constant by its caller)
MAX_CALLERS = 20
MAX_BACK = 2


def _from_callers(code: _Code, s, v: tuple, holds, depth: int = 0):
    """(value, method supplying it) when an argument of call site ``s`` is the calling
    method's own parameter (``v`` = ``("p", k, ...)``, k its position in the register list
    of the calls to that method) and one of that method's callers passes a value that
    ``holds``; None otherwise."""
    di = code.dex_pos[s.dex]
    own = code.owner_of(di, s.offset // 2)
    if own < 0:
        return None
    k = v[1]
    callers = code.index.find_calls({code.method_desc(di, own)})[:MAX_CALLERS]
    _prepare(code, callers)
    for c in callers:
        cdi = code.dex_pos[c.dex]
        cp = c.offset // 2
        cown = code.owner_of(cdi, cp)
        if cown < 0:
            continue
        vals = code.values.arguments(cdi, cown, cp, [k])
        cv = code.values.resolve(vals[k]) if vals and k < len(vals) else None
        if holds(cv):
            return cv, f"{c.caller_class}->{c.caller_method}"
        if cv is not None and cv[0] == "p" and depth + 1 < MAX_BACK:
            got = _from_callers(code, c, cv, holds, depth + 1)
            if got is not None:
                return got
    return None


def _call_facts(code: _Code) -> Iterable[Fact]:
    ev = code.ctx.apk
    for chk in code.sec.call_checks:
        if not _app_holds(chk.app, ev.min_sdk, ev.target_sdk):
            continue
        apis: set[str] = set()
        for a in chk.apis:
            apis |= _any_class_apis(code, a, chk.receivers) if a.startswith("*->") else {a}
        sites = code.index.find_calls(apis)
        if chk.param is not None:
            _prepare(code, sites)
        count = 0
        for s in sites:
            if chk.exclude_callers and java_name(s.caller_class).startswith(chk.exclude_callers):
                continue
            v = _argument(code, s, chk.param) if chk.param is not None else None
            via = None
            if v is not None and v[0] == "p" and not chk.value.get("any"):
                got = _from_callers(code, s, v,
                                    lambda x, pred=chk.value: value_holds(pred, x))
                if got is not None:
                    v, via = got
            if not value_holds(chk.value, v):
                continue
            count += 1
            if count > MAX_PER_CHECK:
                break
            sdk, origin = code.whose(s.caller_class)
            caller = f"{s.caller_class}->{s.caller_method}"
            di = code.dex_pos[s.dex]
            label = code.source_label(chk.sources, di, code.owner_of(di, s.offset // 2))
            yield Fact("code.insecure", {
                "check": chk.check, "class": java_name(s.caller_class),
                "method": s.caller_method, "api": s.callee, "installed": None,
                "installed_in": None, "value": label or render_value(v), "value_from": via,
                "origin": origin,
                "sdk": sdk,
                "reachable": code.reachable(s.dex, caller),
            }, (Locator("code", dex=s.dex, **{"class": s.caller_class}, method=s.caller_method,
                        offset=s.offset, api=s.callee, sdk=sdk),))


# ------------------------------------------------------------------ credentials
def mask(key: str) -> str:
    """A key id with its middle hidden: enough to find it, not to use it."""
    return key[:4] + "…" + key[-4:] if len(key) > 8 else key[:2] + "…"


def _credential_facts(code: _Code) -> Iterable[Fact]:
    for pat in code.sec.credentials:
        for di, d in enumerate(code.index.dexes):
            idx = [i for i in d.strings_with_prefix(pat.key_prefix)
                   if pat.key.fullmatch(d.string(i))]
            if not idx:
                continue
            pos, _op, arg, owner = d.operand_sites("string")
            seen: set[tuple[str, int]] = set()
            for r in np.nonzero(np.isin(arg, idx) & (owner >= 0))[0].tolist():
                own = int(owner[r])
                key = d.string(int(arg[r]))
                if (key, own) in seen:
                    continue
                seen.add((key, own))
                m = d.methods[own]
                cls = d.class_name(m.class_def)
                in_method = {d.string(int(a)) for a in arg[owner == own].tolist()}
                secret_in = "method" if any(pat.secret.fullmatch(s) and s != key
                                            for s in in_method) else None
                if secret_in is None:
                    same_cls = np.isin(owner, [x.method for x in code.index.class_methods(cls)
                                               if x.dex == di])
                    if any(pat.secret.fullmatch(d.string(int(a))) and d.string(int(a)) != key
                           for a in arg[same_cls].tolist()):
                        secret_in = "class"
                sdk, origin = code.whose(cls)
                meth = d.method_name(m.method_idx)
                yield Fact("code.cloud_credential", {
                    "provider": pat.provider, "key_id": mask(key),
                    "secret_nearby": secret_in is not None, "secret_in": secret_in,
                    "class": java_name(cls), "method": meth, "origin": origin, "sdk": sdk,
                    "reachable": code.reachable(d.name, f"{cls}->{meth}"),
                }, (Locator("code", dex=d.name, **{"class": cls}, method=meth,
                            offset=int(pos[r]) * 2, sdk=sdk),))


def _credential_call_facts(code: _Code) -> Iterable[Fact]:
    calls = code.sec.credential_calls
    sites = code.index.find_calls({c.api for c in calls})
    _prepare(code, sites)
    for s in sites:
        for c in calls:
            if c.api != s.callee:
                continue
            secret = _argument(code, s, c.secret_param)
            if secret is None or secret[0] != "s" or not secret[1]:
                continue
            key = _argument(code, s, c.key_param) if c.key_param is not None else None
            sdk, origin = code.whose(s.caller_class)
            yield Fact("code.cloud_credential", {
                "provider": c.provider,
                "key_id": mask(key[1]) if key is not None and key[0] == "s" else None,
                "secret_nearby": True, "secret_in": "argument",
                "class": java_name(s.caller_class), "method": s.caller_method,
                "origin": origin, "sdk": sdk,
                "reachable": code.reachable(s.dex, f"{s.caller_class}->{s.caller_method}"),
            }, (Locator("code", dex=s.dex, **{"class": s.caller_class}, method=s.caller_method,
                        offset=s.offset, api=s.callee, sdk=sdk),))


class SecurityDetector(Detector):
    """Yields ``code.insecure`` and ``code.cloud_credential`` facts."""

    name = "security"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        if ctx.apk is None:
            return
        index = ctx.dex_index
        sec = ctx.knowledge.security
        if index is None or not (sec.method_shapes or sec.call_checks or sec.credentials
                                 or sec.credential_calls):
            return
        code = _Code(ctx, index, sec)
        yield from _shape_facts(code)
        yield from _call_facts(code)
        yield from _credential_facts(code)
        yield from _credential_call_facts(code)
