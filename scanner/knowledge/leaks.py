"""Leak-analysis knowledge (rulesets/leaks.yaml): sinks by kind, intent passing between
components, key/value stores, callback sources and how framework calls carry taint.

Loaded into ``Knowledge.leaks``; applied by :mod:`scanner.taint` (generic code: nothing
there names an API). A folder without the file has no sinks (no leak is ever reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml
from scanner.messages import msg

FILE = "leaks.yaml"
SINK_KINDS = ("network", "log", "sms", "file", "ipc", "webview", "clipboard")
ICC_TARGETS = ("activity", "service", "receiver", "result")
RECV = "recv"
RET = "ret"
ARGS = "args"


@dataclass(frozen=True)
class SinkInfo:
    """A call that sends data out: ``args`` are declared positions ("recv" the receiver)."""

    api: str
    kind: str
    args: tuple[int | str, ...] | None  # None: every parameter
    #: False when the receiver's type does not say what the sink is (a generic stream)
    exact: bool = True


@dataclass(frozen=True)
class LaunchInfo:
    """A call that hands an intent (declared position ``intent``) to other components."""

    api: str
    intent: int
    to: str


@dataclass(frozen=True)
class PropagationRule:
    """How one framework call carries taint: from positions to positions."""

    sources: tuple[int | str, ...]
    targets: tuple[int | str, ...]
    clean: bool = False


@dataclass(frozen=True)
class CallbackSource:
    """A framework callback (``method`` = name(params)ret of a class implementing
    ``implements``) whose declared parameter ``param`` carries PI of ``pi_type``."""

    method: str
    implements: str
    param: int
    pi_type: str
    api: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class LeakSpec:
    """Everything rulesets/leaks.yaml says."""

    sinks: dict[str, SinkInfo] = field(default_factory=dict)
    launches: dict[str, LaunchInfo] = field(default_factory=dict)
    get_intent: tuple[str, ...] = ()
    entry_params: dict[str, int] = field(default_factory=dict)
    result_params: dict[str, int] = field(default_factory=dict)
    keeps_intent: tuple[str, ...] = ()
    #: store name -> ({write api: value position}, read apis, sink kind or None)
    stores: dict[str, tuple[dict[str, int], tuple[str, ...], str | None]] = field(
        default_factory=dict)
    callback_sources: tuple[CallbackSource, ...] = ()
    clean_names: frozenset[str] = frozenset()
    mutator_prefixes: tuple[str, ...] = ()
    #: framework classes (descriptor prefixes) whose objects hold data a mutator taints
    data_classes: tuple[str, ...] = ()
    rules: dict[str, PropagationRule] = field(default_factory=dict)
    default: PropagationRule = PropagationRule((RECV, ARGS), (RET,))
    #: constructors whose object wraps a parameter's object: api -> declared position
    aliases: dict[str, int] = field(default_factory=dict)
    #: framework calls that run an app method of the receiver's class: api -> (method
    #: name(params)ret, caller positions of its register list: "recv" or declared numbers)
    redirects: dict[str, tuple[str, tuple[int | str, ...]]] = field(default_factory=dict)
    #: reflection: calls that run the method a lookup found (Method.invoke: receiver
    #: object, Object[] arguments) and the lookups (Class.getMethod: name, on a class)
    reflect_invoke: frozenset[str] = frozenset()
    reflect_lookups: tuple[str, ...] = ()
    #: framework class -> its framework superclass, so that a call through a subclass
    #: (Service.startActivity) finds what its ancestors declare (Context.startActivity)
    framework_supers: dict[str, str] = field(default_factory=dict)
    #: where file sinks write: value models of files and streams, the tags and path
    #: prefixes of shared external storage, the object kinds that are file streams
    storage_models: dict[str, Any] = field(default_factory=dict)
    external_tags: frozenset[str] = frozenset()
    external_prefixes: tuple[str, ...] = ()
    file_objects: frozenset[str] = frozenset()


def _positions(v: Any, where: str, allow: tuple[str, ...]) -> tuple[int | str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list):
        raise RulesetError("err_rs_field_must_be", where=where, field="positions",
                           what=msg("rs_list"))
    out: list[int | str] = []
    for x in v:
        if isinstance(x, bool) or not (isinstance(x, int) and x >= 0 or x in allow):
            raise RulesetError("err_rs_item_not", where=where, value=repr(x),
                               what=msg("rs_position_or", choices=list(allow)))
        out.append(x)
    return tuple(out)


def _supers(v: Any) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, dict) or not all(
            isinstance(a, str) and isinstance(b, str) and a.startswith("L") and a.endswith(";")
            and b.startswith("L") and b.endswith(";") for a, b in v.items()):
        raise RulesetError("err_rs_must_be", where=f"{FILE}: propagation.framework_supers",
                           what=msg("rs_class_map"))
    return dict(v)


def _api(e: Any, where: str, key: str = "api") -> str:
    if not isinstance(e, dict) or not isinstance(e.get(key), str) or "->" not in e[key]:
        raise RulesetError("err_rs_needs_what", where=where, key=key,
                           what=msg("rs_dalvik_method"))
    return e[key]


def load_leak_spec(folder: Path, pi_types: dict, permissions: dict) -> LeakSpec:
    """Read and check ``leaks.yaml`` of a rulesets folder (an empty spec when absent)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return LeakSpec()
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_top_not_mapping", where=FILE, got=type(doc).__name__)
    sinks: dict[str, SinkInfo] = {}
    for n, e in enumerate(doc.get("sinks") or ()):
        where = f"{FILE}: sinks[{n}]"
        api = _api(e, where)
        if e.get("kind") not in SINK_KINDS:
            raise RulesetError("err_rs_field_must_be", where=where, field="kind",
                               what=msg("rs_one_of", choices=list(SINK_KINDS)))
        args = _positions(e["args"], where, (RECV,)) if "args" in e else None
        exact = e.get("exact", True)
        if not isinstance(exact, bool):
            raise RulesetError("err_rs_field_must_be", where=where, field="exact",
                               what=msg("rs_bool"))
        sinks[api] = SinkInfo(api, str(e["kind"]), args, exact)
    icc = doc.get("icc") or {}
    launches: dict[str, LaunchInfo] = {}
    for n, e in enumerate(icc.get("launch") or ()):
        where = f"{FILE}: icc.launch[{n}]"
        api = _api(e, where)
        if e.get("to") not in ICC_TARGETS or not isinstance(e.get("intent"), int):
            raise RulesetError("err_rs_needs_intent_to", where=where, intent="intent",
                               to="to", targets=list(ICC_TARGETS))
        launches[api] = LaunchInfo(api, int(e["intent"]), str(e["to"]))

    def params(key: str) -> dict[str, int]:
        out = {}
        for n, e in enumerate(icc.get(key) or ()):
            if not isinstance(e, dict) or not isinstance(e.get("method"), str) \
                    or not isinstance(e.get("param"), int):
                raise RulesetError("err_rs_needs", where=f"{FILE}: icc.{key}[{n}]",
                                   keys=["method", "param"])
            out[e["method"]] = int(e["param"])
        return out

    stores = {}
    for n, e in enumerate(doc.get("stores") or ()):
        where = f"{FILE}: stores[{n}]"
        if not isinstance(e, dict) or not e.get("name"):
            raise RulesetError("err_rs_needs", where=where, keys=["name"])
        writes = {}
        for k, w in enumerate(e.get("write") or ()):
            writes[_api(w, f"{where}: write[{k}]")] = int(w.get("value", 0))
        reads = tuple(str(r) for r in e.get("read") or ())
        sink = e.get("sink")
        if sink is not None and sink not in SINK_KINDS:
            raise RulesetError("err_rs_field_must_be", where=where, field="sink",
                               what=msg("rs_one_of", choices=list(SINK_KINDS)))
        stores[str(e["name"])] = (writes, reads, sink)
    callbacks = []
    for n, e in enumerate(doc.get("callback_sources") or ()):
        where = f"{FILE}: callback_sources[{n}]"
        if not isinstance(e, dict):
            raise RulesetError("err_rs_must_be", where=where, what=msg("rs_mapping"))
        pi = str(e.get("pi_type"))
        if pi not in pi_types:
            raise RulesetError("err_rs_unknown_pi", where=where, pi=pi)
        perms = tuple(str(p) for p in e.get("permissions") or ())
        for p in perms:
            if p not in permissions:
                raise RulesetError("err_rs_unknown_permission", where=where, perm=p)
        callbacks.append(CallbackSource(str(e["method"]), str(e["implements"]),
                                        int(e["param"]), pi, _api(e, where), perms))
    prop = doc.get("propagation") or {}
    rules: dict[str, PropagationRule] = {}
    allow = (RECV, RET, ARGS)
    for n, e in enumerate(prop.get("rules") or ()):
        where = f"{FILE}: propagation.rules[{n}]"
        rules[_api(e, where)] = PropagationRule(_positions(e.get("from"), where, allow),
                                                _positions(e.get("to"), where, allow),
                                                bool(e.get("clean", False)))
    d = prop.get("default") or {"from": [RECV, ARGS], "to": [RET]}
    default = PropagationRule(_positions(d.get("from"), f"{FILE}: default", allow),
                              _positions(d.get("to"), f"{FILE}: default", allow))
    aliases = {}
    for n, e in enumerate(prop.get("aliases") or ()):
        aliases[_api(e, f"{FILE}: propagation.aliases[{n}]")] = int(e.get("param", 0))
    redirects = {}
    for n, e in enumerate(prop.get("redirects") or ()):
        where = f"{FILE}: propagation.redirects[{n}]"
        if not isinstance(e.get("method"), str):
            raise RulesetError("err_rs_needs_what", where=where, key="method",
                               what=msg("rs_app_method"))
        redirects[_api(e, where)] = (e["method"], _positions(e.get("args"), where, (RECV,)))
    refl = prop.get("reflection") or {}
    if not isinstance(refl, dict):
        raise RulesetError("err_rs_must_be", where=f"{FILE}: propagation.reflection",
                           what=msg("rs_mapping"))
    invoke = [_api({"api": x}, f"{FILE}: propagation.reflection.invoke") for x in
              refl.get("invoke") or ()]
    lookups = [_api({"api": x}, f"{FILE}: propagation.reflection.lookups") for x in
               refl.get("lookups") or ()]
    storage = doc.get("storage") or {}
    models = storage.get("models") or {} if isinstance(storage, dict) else None
    if not isinstance(storage, dict) or not isinstance(models, dict) or not all(
            isinstance(m, dict) and "->" in str(a) for a, m in models.items()):
        raise RulesetError("err_rs_must_be", where=f"{FILE}: storage",
                           what=msg("rs_storage_models", key="models"))
    return LeakSpec(
        storage_models={str(a): dict(m) for a, m in models.items()},
        external_tags=frozenset(str(x) for x in storage.get("external_tags") or ()),
        external_prefixes=tuple(str(x) for x in storage.get("external_prefixes") or ()),
        file_objects=frozenset(str(x) for x in storage.get("file_objects") or ()),
        aliases=aliases, redirects=redirects,
        reflect_invoke=frozenset(invoke), reflect_lookups=tuple(lookups),
        framework_supers=_supers(prop.get("framework_supers")),
        sinks=sinks, launches=launches,
        get_intent=tuple(str(x) for x in icc.get("get_intent") or ()),
        entry_params=params("entry_params"), result_params=params("result_params"),
        keeps_intent=tuple(str(x) for x in icc.get("keeps_intent") or ()),
        stores=stores, callback_sources=tuple(callbacks),
        clean_names=frozenset(str(x) for x in prop.get("clean_names") or ()),
        mutator_prefixes=tuple(str(x) for x in prop.get("mutator_prefixes") or ()),
        data_classes=tuple(str(x) for x in prop.get("data_classes") or ()),
        rules=rules, default=default,
    )
