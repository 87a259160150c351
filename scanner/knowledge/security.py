"""Security checks on code (rulesets/security-checks.yaml), loaded into ``Knowledge.security``.

Contract: :func:`load_security_checks` validates the file of a rulesets folder (absent: no
checks) and returns :class:`SecurityChecks`; a wrong shape raises :class:`RulesetError`
naming the entry. What each check means is data; :mod:`scanner.detectors.security` applies
the checks with generic code (body predicates of :mod:`scanner.ingest.dex.shapes`, value
predicates of :func:`value_holds`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml
from scanner.messages import msg

FILE = "security-checks.yaml"
_CHECK = re.compile(r"^[a-z][a-z0-9_]*$")
_DESC = re.compile(r"^(L[^;]+;|\*)->[^(]+\(.*\)\S+$")
_TYPE = re.compile(r"^L[^;]+;$")
BODY_NAMES = ("accepts_all", "returns_true")
BODY_KEYS = ("calls_any",)
#: value predicates a call check may use (see rulesets/security-checks.yaml)
VALUE_KEYS = ("int_eq", "int_bits_any", "string_re", "object", "const_string", "const_bytes",
              "any")
APP_KEYS = ("min_sdk_below", "target_sdk_below")


@dataclass(frozen=True)
class MethodShape:
    """An app class implementing one of ``types`` whose method body meets ``body``."""

    check: str
    types: tuple[str, ...]
    methods: tuple[str, ...]
    body: Any  # a predicate name or {"calls_any": [...], "unconditional"?: true}
    installed_by: tuple[str, ...]
    source: tuple[str, ...] = ()
    #: class-name prefixes (dotted) not judged, each with why in the data
    exclude_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallCheck:
    """A call whose argument value at the call site makes a hole."""

    check: str
    apis: tuple[str, ...]
    param: int | None
    value: dict
    receivers: tuple[str, ...] = ()
    app: dict = field(default_factory=dict)
    source: tuple[str, ...] = ()
    #: where the call's input comes from, judged on the calling method: the first entry
    #: whose ``calls_any`` the method calls or whose ``strings_prefix`` it loads gives its
    #: ``label`` (the fact's ``value``); none matching leaves the value as the argument's
    sources: tuple[dict, ...] = ()
    #: class-name prefixes (dotted) of callers whose calls are not holes, each with why
    exclude_callers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CredentialPattern:
    """A cloud access key id and the secret that goes with it."""

    provider: str
    key: re.Pattern
    key_prefix: str
    secret: re.Pattern
    source: tuple[str, ...] = ()


@dataclass(frozen=True)
class CredentialCall:
    """A cloud SDK call taking an access key id and its secret."""

    provider: str
    api: str
    key_param: int | None
    secret_param: int
    source: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecurityChecks:
    """Everything rulesets/security-checks.yaml says."""

    harmless_calls: tuple[str, ...] = ()
    method_shapes: tuple[MethodShape, ...] = ()
    call_checks: tuple[CallCheck, ...] = ()
    credentials: tuple[CredentialPattern, ...] = ()
    credential_calls: tuple[CredentialCall, ...] = ()
    #: extra value models for the argument analysis ({"fields": {...}, "calls": {...}})
    values: dict = field(default_factory=dict)


def _strings(e: dict, key: str, where: str, pattern: re.Pattern | None = None,
             required: bool = True) -> tuple[str, ...]:
    v = e.get(key)
    if v is None and not required:
        return ()
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
        raise RulesetError("err_rs_field_must_be", where=where, field=key,
                           what=msg("rs_nonempty_string_list"))
    if pattern is not None:
        for x in v:
            if not pattern.match(x):
                raise RulesetError("err_rs_item_not", where=f"{where}: {key}", value=repr(x),
                                   what=msg("rs_dalvik_descriptor"))
    return tuple(v)


def _check_id(e: dict, where: str) -> str:
    c = e.get("check")
    if not isinstance(c, str) or not _CHECK.match(c):
        raise RulesetError("err_rs_field_must_be", where=where, field="check",
                           what=msg("rs_snake_id"))
    return c


def _body(v: Any, where: str) -> Any:
    if isinstance(v, str) and v in BODY_NAMES:
        return v
    if isinstance(v, dict) and "calls_any" in v and set(v) <= {"calls_any", "unconditional"}:
        out: dict = {"calls_any": list(_strings(v, "calls_any", where, _DESC))}
        if v.get("unconditional"):
            out["unconditional"] = True
        return out
    raise RulesetError("err_rs_field_must_be", where=where, field="body",
                       what=msg("rs_one_of_or_mapping", choices=list(BODY_NAMES),
                                keys=list(BODY_KEYS)))


def _value(v: Any, where: str) -> dict:
    if not isinstance(v, dict) or not v or any(k not in VALUE_KEYS for k in v):
        raise RulesetError("err_rs_field_must_be", where=where, field="value",
                           what=msg("rs_mapping_of", keys=list(VALUE_KEYS)))
    if "string_re" in v:
        try:
            re.compile(str(v["string_re"]))
        except re.error as e:
            raise RulesetError("err_rs_regex", where=f"{where}: string_re",
                               regex=str(v["string_re"]), detail=str(e)) from e
    for k in ("int_eq", "int_bits_any"):
        if k in v and (isinstance(v[k], bool) or not isinstance(v[k], int)):
            raise RulesetError("err_rs_field_must_be", where=where, field=k,
                               what=msg("rs_int"))
    if "const_bytes" in v and v["const_bytes"] not in (True, "any_size"):
        raise RulesetError("err_rs_field_must_be", where=where, field="const_bytes",
                           what=msg("rs_one_of", choices=["true", "any_size"]))
    return dict(v)


def _regex(v: Any, where: str) -> re.Pattern:
    try:
        return re.compile(str(v))
    except re.error as e:
        raise RulesetError("err_rs_regex", where=where, regex=str(v), detail=str(e)) from e


def _excluded(v: Any, where: str) -> tuple[str, ...]:
    """Class-name prefixes of an exclusion list; every entry says why."""
    out = []
    for k, x in enumerate(v or ()):
        if not isinstance(x, dict) or not x.get("prefix") or not x.get("why"):
            raise RulesetError("err_rs_needs", where=f"{where}[{k}]", keys=["prefix", "why"])
        out.append(str(x["prefix"]))
    return tuple(out)


def parse_security_checks(doc: Any, where: str = FILE) -> SecurityChecks:
    """Validate a parsed security-checks.yaml document."""
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_top_not_mapping", where=where, got=type(doc).__name__)
    shapes = []
    for n, e in enumerate(doc.get("method_shapes") or ()):
        w = f"{where}: method_shapes[{n}]"
        if not isinstance(e, dict):
            raise RulesetError("err_rs_must_be", where=w, what=msg("rs_mapping"))
        shapes.append(MethodShape(
            check=_check_id(e, w), types=_strings(e, "types", w, _TYPE),
            methods=_strings(e, "methods", w), body=_body(e.get("body"), w),
            installed_by=_strings(e, "installed_by", w, _DESC),
            source=_strings(e, "source", w, required=False),
            exclude_classes=_excluded(e.get("exclude_classes"), f"{w}: exclude_classes")))
    calls = []
    for n, e in enumerate(doc.get("call_checks") or ()):
        w = f"{where}: call_checks[{n}]"
        if not isinstance(e, dict):
            raise RulesetError("err_rs_must_be", where=w, what=msg("rs_mapping"))
        apis = _strings(e, "apis", w, _DESC)
        receivers = _strings(e, "receivers", w, _TYPE, required=False)
        if any(a.startswith("*->") for a in apis) and not receivers:
            raise RulesetError("err_rs_any_class_receivers", where=w, key="receivers")
        value = _value(e.get("value"), w)
        param = e.get("param")
        if "any" not in value and (isinstance(param, bool) or not isinstance(param, int)
                                   or param < 0):
            raise RulesetError("err_rs_field_must_be", where=w, field="param",
                               what=msg("rs_param_position"))
        app = e.get("app") or {}
        if not isinstance(app, dict) or any(k not in APP_KEYS for k in app):
            raise RulesetError("err_rs_keys_are", where=f"{w}: app", known=list(APP_KEYS))
        sources = []
        for k, src in enumerate(e.get("sources") or ()):
            ws = f"{w}: sources[{k}]"
            if not isinstance(src, dict) or not isinstance(src.get("label"), str) or any(
                    x not in ("label", "calls_any", "strings_prefix") for x in src):
                raise RulesetError("err_rs_keys_are", where=ws,
                                   known=["label", "calls_any", "strings_prefix"])
            sources.append({"label": src["label"],
                            "calls_any": _strings(src, "calls_any", ws, _DESC, required=False),
                            "strings_prefix": _strings(src, "strings_prefix", ws,
                                                       required=False)})
        excluded = _excluded(e.get("exclude_callers"), f"{w}: exclude_callers")
        calls.append(CallCheck(check=_check_id(e, w), apis=apis, param=param, value=value,
                               receivers=receivers, app=dict(app),
                               source=_strings(e, "source", w, required=False),
                               sources=tuple(sources), exclude_callers=excluded))
    creds = []
    for n, e in enumerate(doc.get("credentials") or ()):
        w = f"{where}: credentials[{n}]"
        if not isinstance(e, dict) or not isinstance(e.get("provider"), str):
            raise RulesetError("err_rs_needs", where=w,
                               keys=["provider", "key_prefix", "key", "secret"])
        prefix = e.get("key_prefix")
        if not isinstance(prefix, str) or len(prefix) < 3:
            raise RulesetError("err_rs_field_must_be", where=w, field="key_prefix",
                               what=msg("rs_literal_prefix", min=3))
        key = _regex(e.get("key"), w)
        if not key.pattern.startswith(prefix):
            raise RulesetError("err_rs_must_start_with", where=w, field="key",
                               prefix="key_prefix")
        creds.append(CredentialPattern(e["provider"], key, prefix, _regex(e.get("secret"), w),
                                       _strings(e, "source", w, required=False)))
    ccalls = []
    for n, e in enumerate(doc.get("credential_calls") or ()):
        w = f"{where}: credential_calls[{n}]"
        if not isinstance(e, dict) or not isinstance(e.get("provider"), str):
            raise RulesetError("err_rs_needs", where=w, keys=["provider", "api", "secret_param"])
        api = e.get("api")
        if not isinstance(api, str) or not _DESC.match(api) or api.startswith("*"):
            raise RulesetError("err_rs_field_must_be", where=w, field="api",
                               what=msg("rs_dalvik_method_plain"))
        for k in ("key_param", "secret_param"):
            v = e.get(k)
            if (v is None and k == "key_param") or (isinstance(v, int) and not isinstance(
                    v, bool) and v >= 0):
                continue
            raise RulesetError("err_rs_field_must_be", where=w, field=k,
                               what=msg("rs_param_position"))
        ccalls.append(CredentialCall(e["provider"], api, e.get("key_param"),
                                     e["secret_param"],
                                     _strings(e, "source", w, required=False)))
    harmless = tuple(str(x) for x in doc.get("harmless_calls") or ())
    values = doc.get("values") or {}
    if not isinstance(values, dict):
        raise RulesetError("err_rs_field_must_be", where=where, field="values",
                           what=msg("rs_mapping"))
    return SecurityChecks(harmless, tuple(shapes), tuple(calls), tuple(creds), tuple(ccalls),
                          dict(values))


def load_security_checks(folder: Path) -> SecurityChecks:
    """The security checks of a rulesets folder (none when the file is absent)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return SecurityChecks()
    return parse_security_checks(read_yaml(path), FILE)


def value_holds(pred: dict, v: tuple | None) -> bool:
    """Whether an argument value (scanner.ingest.dex.values) meets a value predicate; an
    unknown value (None) meets none but ``any``."""
    if pred.get("any"):
        return True
    if v is None:
        return False
    kind = v[0]
    if "int_eq" in pred and not (kind == "i" and v[1] == pred["int_eq"]):
        return False
    if "int_bits_any" in pred and not (kind == "i" and v[1] & pred["int_bits_any"]):
        return False
    if "string_re" in pred and not (kind == "s" and re.search(pred["string_re"], v[1])):
        return False
    if "const_string" in pred and kind != "s":
        return False
    if "object" in pred and not (kind in ("o", "t") and v[1] == pred["object"]):
        return False
    if "const_bytes" in pred and not (kind == "o" and v[1] == "const_bytes" and all(
            a[1] != ("?",) for a in v[3] if not (a[0] == "size" and pred["const_bytes"]
                                                  == "any_size"))):
        return False
    return True
