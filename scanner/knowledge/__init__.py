"""Knowledge loaded from rulesets/: PI taxonomy, permissions, API map, app categories, citations,
the fact schema.

This is data edited by policy experts; the loader validates shapes and cross
references and raises :class:`RulesetError` with the file and key at fault.
Loaded once per process (:func:`load_knowledge` caches by folder).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import TOOL_NAME, __version__
from scanner.errors import RulesetError
from scanner.knowledge.facts import FactSchema, parse_fact_schema
from scanner.knowledge.leaks import LeakSpec, load_leak_spec
from scanner.knowledge.pi_patterns import PiPatterns, load_pi_patterns
from scanner.knowledge.policy import PolicyLexicon, load_policy_lexicon
from scanner.knowledge.runtime import RuntimeConfig, load_runtime_config
from scanner.knowledge.security import SecurityChecks, load_security_checks
from scanner.knowledge.traffic import TrafficConfig, load_traffic_config
from scanner.knowledge.transparency import TransparencyLexicon, load_transparency
from scanner.knowledge.vendors import VendorNames, load_vendor_names
from scanner.knowledge.yamlio import load_yaml, parse_yaml, read_yaml
from scanner.messages import msg
from scanner.model.result import ToolInfo
from scanner.paths import rulesets_dir


@dataclass(frozen=True)
class PermissionInfo:
    """What the rulesets know of one Android permission."""

    name: str
    dangerous: bool
    protection: str
    pi_types: tuple[str, ...]
    zh: str
    en: str


@dataclass(frozen=True)
class ApiInfo:
    """A sensitive API (method, field, string or URI selector) and what it reveals."""

    key: str  # descriptor, field descriptor or string value
    access: str  # invoke | field | string | uri_field | perm_invoke | perm_string
    pi_type: str  # "" for perm_* entries, which read no PI
    permissions: tuple[str, ...]
    match: str = "exact"  # for strings: exact | prefix
    with_api: tuple[str, ...] = ()
    changes: tuple[dict, ...] = ()
    source: str = ""
    #: (args key, declared parameter position) recovered at the call site
    args: tuple[tuple[str, int], ...] = ()
    #: argument conditions, first match decides: {if: {key: matcher}, declared: [permission],
    #: pi_type, permissions, limits, reason{zh,en}}; ``declared`` holds when the app declares
    #: one of the permissions (or one implying it); pi_type "none" means the call reads no PI
    when: tuple[dict, ...] = ()
    #: what a call whose arguments are known but match no condition means (None: keep)
    otherwise: dict | None = None
    #: when arguments are unknown: "keep" (report with low confidence), "skip" (not a PI read)
    #: or "rule_out" (recorded as not effective, with ``unknown_reason``: a single-target
    #: query reads one item whatever the value, never the list the PI type names)
    unknown: str = "keep"
    unknown_reason: dict | None = None
    #: Android levels where the read yields nothing: {from_api, target_min?, unless_permission?}
    limits: tuple[dict, ...] = ()
    #: permissions the call exercises when declared without needing them (QUERY_ALL_PACKAGES)
    also_uses: tuple[str, ...] = ()
    #: how the returned collection's entries are read: {key: field descriptor, equals:
    #: [value tags], reason{zh,en}}; a call whose caller reads only the entry whose key
    #: equals such a value (its own process) is recorded as not effective
    result: dict | None = None
    #: for perm_* entries: the call only obtains a path or handle (Environment
    #: .getExternalStorageDirectory); the permission is exercised when something under it is
    #: then read or written, which the scan does not follow. It counts as a use (a permission
    #: is never "unused" on a guess) but never makes an SDK its only user.
    weak: bool = False


@dataclass(frozen=True)
class Category:
    """One of the 39 app types of the 2021 necessary-PI rules."""

    id: str
    number: int
    zh: str
    en: str
    necessary_pi: tuple[str, ...]
    necessary_pi_text_zh: tuple[str, ...]
    necessary_pi_text_en: tuple[str, ...]
    no_pi_needed: bool
    verified: Any
    basic_service_zh: str = ""
    basic_service_en: str = ""


@dataclass(frozen=True)
class Knowledge:
    """All knowledge data, validated and indexed."""

    folder: Path
    version: str
    sha256: str
    pi_types: dict[str, dict]
    permissions: dict[str, PermissionInfo]
    apis: tuple[ApiInfo, ...]
    uri_sinks: tuple[str, ...]
    reflective: tuple[dict, ...]
    categories: dict[str, Category]
    citations: dict[str, dict]
    #: notice problem categories (rulesets/notice-categories.yaml): id -> {zh, en, in_notices,
    #: cite, source, verified}
    notice_categories: dict[str, dict] = field(default_factory=dict)
    facts: FactSchema = field(default_factory=lambda: FactSchema({}))
    traffic: TrafficConfig = field(default_factory=TrafficConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    #: algorithm-recommendation transparency phrases and calls (rulesets/transparency.yaml)
    transparency: TransparencyLexicon = field(default_factory=TransparencyLexicon)
    #: the privacy-policy lexicon (rulesets/policy.yaml)
    policy: PolicyLexicon = field(default_factory=PolicyLexicon)
    #: what the validated PI patterns check against (rulesets/pi-patterns.yaml)
    pi_patterns: PiPatterns = field(default_factory=PiPatterns)
    #: SDK vendors' display names (rulesets/sdk-vendors.yaml)
    sdk_vendors: VendorNames = field(default_factory=VendorNames)
    extra: dict[str, Any] = field(default_factory=dict)
    #: how call and field values are made (scanner.ingest.dex.values models)
    value_models: dict[str, Any] = field(default_factory=dict)
    #: selector sinks' argument: descriptor -> (args key, declared parameter position)
    sink_args: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: attributes each modelled object kind can have (absent ones are known absent)
    object_attrs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: class-name prefixes of development/platform libraries (origin "library")
    library_prefixes: tuple[str, ...] = ()
    #: security checks on code (rulesets/security-checks.yaml)
    security: SecurityChecks = field(default_factory=SecurityChecks)
    #: leak analysis: sinks by kind, intents between components, stores, propagation
    #: (rulesets/leaks.yaml)
    leaks: LeakSpec = field(default_factory=LeakSpec)

    @property
    def display_names(self) -> dict[str, dict]:
        """Names of PI type ids and of call-site origins (app, sdk, library) for messages."""
        return {**self.pi_types, **self.extra.get("origins", {})}

    @property
    def assessable_permissions(self) -> frozenset[str]:
        """Permissions that some API of the map needs: only their use can be judged."""
        out = {p for a in self.apis for p in a.permissions + a.also_uses}
        for a in self.apis:
            for c in a.when + ((a.otherwise,) if a.otherwise else ()):
                out.update(c.get("permissions") or ())
                out.update(lim["unless_permission"] for lim in c.get("limits") or ()
                           if lim.get("unless_permission"))
            out.update(lim["unless_permission"] for lim in a.limits
                       if lim.get("unless_permission"))
        return frozenset(out)

    def pi_name(self, pi_type: str, lang: str = "zh") -> str:
        """Display name of a PI type id."""
        info = self.pi_types.get(pi_type) or {}
        return str(info.get(lang) or info.get("en") or pi_type)


__all__ = ["Knowledge", "load_knowledge", "load_yaml", "notice_category_names", "parse_yaml",
           "pi_type_names",
           "read_yaml", "tool_info"]


def tool_info(knowledge: Knowledge) -> ToolInfo:
    """The tool section of a result: this program and the rulesets it used."""
    return ToolInfo(TOOL_NAME, __version__, knowledge.version, knowledge.sha256)


def notice_category_names(knowledge: Knowledge) -> dict[str, dict[str, str]]:
    """Names of the notice problem categories ({id: {zh, en}}), for a result to carry: the
    report's English rendering of a finding's category comes from the result alone."""
    return {str(k): {"zh": str(v.get("zh") or k), "en": str(v.get("en") or k)}
            for k, v in knowledge.notice_categories.items() if isinstance(v, dict)}


def pi_type_names(knowledge: Knowledge) -> dict[str, dict[str, str]]:
    """Display names of every PI type id ({id: {zh, en}}), for a result to carry."""
    return {k: {"zh": str(v.get("zh") or k), "en": str(v.get("en") or k)}
            for k, v in knowledge.pi_types.items() if isinstance(v, dict)}


def category_id(categories: Any, value: str) -> str | None:
    """The id of an app type given by its id (``news``), its Chinese name as the 2021 rules
    write it (``新闻资讯类``, also without the final 类) or its English name (any case);
    None when nothing matches. ``categories`` maps ids to :class:`Category` (or is a plain
    collection of ids)."""
    text = (value or "").strip()
    if text in categories:
        return text
    if not isinstance(categories, dict):
        return None
    for cid, c in categories.items():
        zh = getattr(c, "zh", None) or ""
        en = getattr(c, "en", None) or ""
        if text and (text == zh or text + "类" == zh or text.casefold() == en.casefold()):
            return cid
    return None


def ruleset_digest(folder: Path) -> str:
    """SHA-256 over every ruleset file's relative path and bytes, in sorted order."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith("_tools/") or "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _req(obj: dict, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise RulesetError("err_rs_missing_key", where=where, key=key)
    return obj[key]


def _tuple(v: Any) -> tuple:
    if v is None:
        return ()
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,)


def _doc(folder: Path, name: str, optional: bool = False) -> dict:
    """A knowledge file whose top level must be a mapping (RulesetError naming it)."""
    doc = read_yaml(folder / name)
    if doc is None and optional:
        return {}
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_top_not_mapping", where=str(folder / name),
                           got=type(doc).__name__)
    return doc


@functools.cache
def load_knowledge(folder: Path | None = None) -> Knowledge:
    """Load and cross-check the knowledge files of a rulesets folder."""
    folder = Path(folder) if folder else rulesets_dir()
    try:
        return _load_knowledge(folder)
    except (AttributeError, TypeError, ValueError, KeyError) as e:
        # a value of the wrong type deeper in a file (a list where a mapping belongs...)
        raise RulesetError("err_rs_wrong_type", folder=str(folder),
                           detail=f"{type(e).__name__}: {str(e)[:160]}") from e


def _load_knowledge(folder: Path) -> Knowledge:
    meta = _doc(folder, "ruleset.yaml", optional=True)
    pi_doc = _doc(folder, "pi-types.yaml")
    pi_types = dict(_req(pi_doc, "pi_types", "pi-types.yaml"))

    def check_pi(pi: str, where: str) -> str:
        if pi not in pi_types:
            raise RulesetError("err_rs_unknown_pi", where=where, pi=pi)
        return pi

    perm_doc = _doc(folder, "permissions.yaml")
    permissions = {}
    for name, p in (_req(perm_doc, "permissions", "permissions.yaml") or {}).items():
        where = f"permissions.yaml: {name}"
        permissions[name] = PermissionInfo(
            name=name,
            dangerous=bool(p.get("dangerous", False)),
            protection=str(p.get("protection", "normal")),
            pi_types=tuple(check_pi(x, where) for x in _tuple(p.get("pi_types"))),
            zh=str(p.get("zh", "")),
            en=str(p.get("en", "")),
        )

    api_doc = _doc(folder, "api-map.yaml")
    apis: list[ApiInfo] = []
    for section, access, key in (("apis", "invoke", "api"), ("fields", "field", "field"),
                                 ("strings", "string", "value"),
                                 ("fields_uri", "uri_field", "field")):
        for n, e in enumerate(api_doc.get(section) or ()):
            where = f"api-map.yaml: {section}[{n}]"
            perms = tuple(_tuple(e.get("permissions")))
            for perm in perms:
                if perm not in permissions:
                    raise RulesetError("err_rs_unknown_permission", where=where, perm=perm)
            apis.append(ApiInfo(
                key=str(_req(e, key, where)),
                access=access,
                pi_type=check_pi(str(_req(e, "pi_type", where)), where),
                permissions=perms,
                match=str(e.get("match", "exact")),
                with_api=tuple(_tuple(e.get("with_api"))),
                changes=tuple(_tuple(e.get("changes"))),
                source=str(e.get("source", "")),
                **_semantics(e, where, check_pi, permissions),
            ))

    for n, e in enumerate(api_doc.get("permission_apis") or ()):
        where = f"api-map.yaml: permission_apis[{n}]"
        perms = tuple(_tuple(_req(e, "permissions", where)))
        for perm in perms:
            if perm not in permissions:
                raise RulesetError("err_rs_unknown_permission", where=where, perm=perm)
        is_string = "value" in e
        apis.append(ApiInfo(
            key=str(e["value"] if is_string else _req(e, "api", where)),
            access="perm_string" if is_string else "perm_invoke",
            pi_type="", permissions=perms, match=str(e.get("match", "exact")),
            with_api=tuple(_tuple(e.get("with_api"))), source=str(e.get("source", "")),
            weak=bool(e.get("weak", False)),
        ))

    values = api_doc.get("values") or {}
    sink_args: dict[str, tuple[str, int]] = {}
    for n, e in enumerate(api_doc.get("sink_args") or ()):
        where = f"api-map.yaml: sink_args[{n}]"
        for api in _tuple(_req(e, "apis", where)):
            sink_args[str(api)] = (str(_req(e, "key", where)), int(_req(e, "param", where)))
    for api in _tuple(api_doc.get("uri_sinks")):
        sink_args.setdefault(str(api), ("uri", _first_param(str(api), "Landroid/net/Uri;")))

    cat_doc = _doc(folder, "app-categories.yaml")
    categories = {}
    for n, c in enumerate(_req(cat_doc, "categories", "app-categories.yaml")):
        where = f"app-categories.yaml: categories[{n}]"
        cid = str(_req(c, "id", where))
        text = c.get("necessary_pi_text") or {}
        basic = c.get("basic_service") or {}
        categories[cid] = Category(
            id=cid,
            number=int(_req(c, "number", where)),
            zh=str(_req(c, "zh", where)),
            en=str(c.get("en", cid)),
            necessary_pi=tuple(check_pi(x, where) for x in _tuple(c.get("necessary_pi"))),
            necessary_pi_text_zh=tuple(_tuple(text.get("zh"))),
            necessary_pi_text_en=tuple(_tuple(text.get("en"))),
            no_pi_needed=bool(c.get("no_pi_needed", False)),
            verified=c.get("verified"),
            basic_service_zh=str(basic.get("zh", "")),
            basic_service_en=str(basic.get("en", "")),
        )

    cit_doc = _doc(folder, "_catalog/citations.yaml")
    citations = _req(cit_doc, "citations", "_catalog/citations.yaml")
    if not isinstance(citations, dict):
        raise RulesetError("err_rs_must_be", where="_catalog/citations.yaml: citations",
                           what=msg("rs_mapping"))
    bad = next((k for k, v in citations.items() if not isinstance(v, dict)), None)
    if bad is not None:  # every entry is looked up by key and read as a mapping
        raise RulesetError("err_rs_must_be", where=f"_catalog/citations.yaml: {bad}",
                           what=msg("rs_mapping"))
    citations = dict(citations)
    notice_categories = _notice_categories(folder, citations)

    facts = parse_fact_schema(read_yaml(folder / "facts.yaml"), "facts.yaml")

    return Knowledge(
        folder=folder,
        version=str(meta.get("version", "0")),
        sha256=ruleset_digest(folder),
        pi_types=pi_types,
        permissions=permissions,
        apis=tuple(apis),
        uri_sinks=tuple(_tuple(api_doc.get("uri_sinks"))),
        reflective=tuple(_tuple(api_doc.get("reflective_names"))),
        categories=categories,
        citations=citations,
        notice_categories=notice_categories,
        facts=facts,
        traffic=load_traffic_config(folder),
        runtime=load_runtime_config(folder, pi_types, permissions),
        transparency=load_transparency(folder),
        policy=load_policy_lexicon(folder, pi_types, permissions),
        sdk_vendors=load_vendor_names(folder),
        pi_patterns=load_pi_patterns(folder),
        value_models={
            "fields": {str(k): _value(v) for k, v in (values.get("fields") or {}).items()},
            "calls": dict(values.get("calls") or {}),
            "objects": {str(k): tuple(v) for k, v in (values.get("objects") or {}).items()},
            "keeps": tuple(str(x) for x in _tuple(values.get("keeps"))),
            "returns": tuple(str(x) for x in _tuple(values.get("returns"))),
            "collections": _collections(values.get("collections")),
            "framework_types": {str(k): tuple(str(x) for x in _tuple(v))
                                for k, v in (values.get("framework_types") or {}).items()},
        },
        sink_args=sink_args,
        object_attrs={str(k): tuple(v) for k, v in (values.get("objects") or {}).items()},
        library_prefixes=tuple(str(x) for x in _tuple(api_doc.get("library_code"))),
        security=load_security_checks(folder),
        leaks=load_leak_spec(folder, pi_types, permissions),
        extra={"origins": {str(k): {"zh": str(v["zh"]), "en": str(v["en"])}
                           for k, v in (api_doc.get("origins") or {}).items()},
               "engine_reasons": {str(k): {"zh": str(v["zh"]), "en": str(v["en"])}
                                  for k, v in (api_doc.get("engine_reasons") or {}).items()}},
    )


_COLLECTION_KINDS = ("iterator", "element", "inert")


def _collections(doc: Any) -> dict[str, tuple[str, ...]]:
    """api-map ``values.collections``: descriptor patterns of the calls that return an
    iterator over a collection, one of its entries, or reveal no entry."""
    if doc is None:
        return {}
    if not isinstance(doc, dict) or any(k not in _COLLECTION_KINDS for k in doc):
        raise RulesetError("err_rs_keys_are", where="api-map.yaml: values.collections",
                           known=list(_COLLECTION_KINDS))
    return {str(k): tuple(str(x) for x in _tuple(v)) for k, v in doc.items()}


def _value(v: Any) -> tuple:
    """A YAML constant as a value of scanner.ingest.dex.values (strings, ints)."""
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise RulesetError("err_rs_item_not", where="api-map.yaml: values.fields",
                           value=repr(v), what=msg("rs_string_or_int"))
    return ("s", v) if isinstance(v, str) else ("i", v)


def _first_param(api: str, type_desc: str) -> int:
    """Declared position of the first parameter of type ``type_desc`` (0 if none)."""
    inner = api[api.find("(") + 1 : api.rfind(")")]
    params = re.findall(r"\[*(?:L[^;]+;|[ZBSCIJFDV])", inner)
    return params.index(type_desc) if type_desc in params else 0


_SEMANTIC_KEYS = ("pi_type", "permissions", "limits", "reason", "if", "declared", "at_source",
                  "skip")


def _semantics(e: dict, where: str, check_pi, permissions: dict) -> dict:
    """The argument conditions and Android-level limits of one api-map entry."""
    out: dict[str, Any] = {}
    if e.get("args"):
        out["args"] = tuple((str(k), int(v)) for k, v in dict(e["args"]).items())
    conds = []
    tail = (e["otherwise"],) if e.get("otherwise") else ()
    for k, c in enumerate(_tuple(e.get("when")) + tail):
        w = f"{where}: when[{k}]"
        if not isinstance(c, dict) or any(x not in _SEMANTIC_KEYS for x in c):
            raise RulesetError("err_rs_keys_are", where=w, known=list(_SEMANTIC_KEYS))
        if c.get("pi_type", "none") != "none":
            check_pi(str(c["pi_type"]), w)
        for perm in _tuple(c.get("permissions")) + _tuple(c.get("declared")):
            if perm not in permissions:
                raise RulesetError("err_rs_unknown_permission", where=w, perm=perm)
        if c.get("if") and not e.get("args"):
            raise RulesetError("err_rs_cond_no_args", where=w, key="args")
        conds.append(c)
    if e.get("otherwise"):
        out["otherwise"] = conds.pop()
    out["when"] = tuple(conds)
    unknown = str(e.get("unknown", "keep"))
    if unknown not in ("keep", "skip", "rule_out"):
        raise RulesetError("err_rs_field_must_be", where=where, field="unknown",
                           what=msg("rs_one_of", choices=["keep", "skip", "rule_out"]))
    out["unknown"] = unknown
    if unknown == "rule_out":
        why = e.get("unknown_reason")
        if not isinstance(why, dict) or not why.get("zh") or not why.get("en"):
            raise RulesetError("err_rs_field_needs", where=where, field="unknown: rule_out",
                               keys="unknown_reason {zh, en}")
        out["unknown_reason"] = {"zh": str(why["zh"]), "en": str(why["en"])}
    limits = []
    for k, lim in enumerate(_tuple(e.get("limits"))):
        w = f"{where}: limits[{k}]"
        if not isinstance(lim, dict) or "from_api" not in lim:
            raise RulesetError("err_rs_needs", where=w, keys=["from_api"])
        perm = lim.get("unless_permission")
        if perm and perm not in permissions:
            raise RulesetError("err_rs_unknown_permission", where=w, perm=perm)
        limits.append(lim)
    out["limits"] = tuple(limits)
    also = tuple(str(x) for x in _tuple(e.get("also_uses")))
    for perm in also:
        if perm not in permissions:
            raise RulesetError("err_rs_unknown_permission", where=f"{where}: also_uses",
                               perm=perm)
    out["also_uses"] = also
    res = e.get("result")
    if res is not None:
        one = res.get("one_entry") if isinstance(res, dict) else None
        why = res.get("reason") if isinstance(res, dict) else None
        if (not isinstance(one, dict) or not one.get("key") or not one.get("equals")
                or not isinstance(why, dict) or not why.get("zh") or not why.get("en")):
            raise RulesetError("err_rs_field_needs", where=where, field="result",
                               keys="one_entry {key, equals}, reason {zh, en}")
        out["result"] = {"key": str(one["key"]),
                         "equals": tuple(str(x) for x in _tuple(one["equals"])),
                         "reason": {"zh": str(why["zh"]), "en": str(why["en"])}}
    return out


NOTICE_FILE = "notice-categories.yaml"


def _notice_categories(folder: Path, citations: dict) -> dict[str, dict]:
    """The notice problem categories, checked: every entry has zh, en, in_notices and a
    cite key present in the citations catalogue. A rulesets folder without the file has
    none (its rules then cannot name one)."""
    path = folder / NOTICE_FILE
    if not path.is_file():
        return {}
    doc = read_yaml(path)
    cats = _req(doc, "categories", NOTICE_FILE)
    if not isinstance(cats, dict):
        raise RulesetError("err_rs_must_be", where=f"{NOTICE_FILE}: categories",
                           what=msg("rs_mapping"))
    out = {}
    for cid, c in cats.items():
        where = f"{NOTICE_FILE}: {cid}"
        if not isinstance(c, dict):
            raise RulesetError("err_rs_must_be", where=where, what=msg("rs_mapping"))
        for key in ("zh", "en", "in_notices", "cite", "source", "verified"):
            if key not in c:
                raise RulesetError("err_rs_missing_key", where=where, key=key)
        if not (isinstance(c["zh"], str) and c["zh"] and isinstance(c["en"], str) and c["en"]):
            raise RulesetError("err_rs_fields_must_be", where=where, fields=["zh", "en"],
                               what=msg("rs_nonempty_strings"))
        if c["cite"] not in citations:
            raise RulesetError("err_rs_unknown_cite", where=where, cite=c["cite"])
        out[str(cid)] = dict(c)
    return out
