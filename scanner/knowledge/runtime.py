"""Runtime (hook log) analysis parameters (rulesets/runtime.yaml), checked once at load.

Loaded into ``Knowledge.runtime``; read by :mod:`scanner.detectors.runtime` and the hook
script generator. A malformed file is a :class:`RulesetError` naming the file and key (the
CLI exits 4), never a failure inside a detector.

Keys (all optional; defaults below): ``frequency`` {window_seconds, max_per_window,
per_pi_type: {pi_type: {window_seconds?, max_per_window?}}}, ``rerequest_window_seconds``,
``self_start_causes`` {cause: {zh, en}}, ``framework_prefixes`` [dotted class prefixes],
``arg_readers`` {Java class: {attribute: getter}}, ``int_markers`` {api-map argument key:
{marker: [class, static method]}}, ``wake_broadcasts`` {action: {cause, permission?,
until_target?}}, ``start_sdk_categories`` [SDK-catalogue category],
``read_sent_window_seconds``,
plus ``version`` and ``source`` (documentation). Any other top-level key is refused, so a
misspelt one does not silently fall back to a default.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml
from scanner.messages import msg

FILE = "runtime.yaml"

_FRAMEWORK = ("android.", "androidx.", "java.", "javax.", "kotlin.", "kotlinx.", "dalvik.",
              "com.android.", "libcore.", "sun.", "org.apache.harmony.", "org.json.")
_KEYS = ("version", "source", "frequency", "rerequest_window_seconds", "self_start_causes",
         "framework_prefixes", "arg_readers", "int_markers", "wake_broadcasts",
         "start_sdk_categories", "read_sent_window_seconds")
_JAVA_NAME = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


@dataclass(frozen=True)
class Window:
    """A frequency window: more than ``max_per_window`` reads within ``seconds``."""

    seconds: float
    max_per_window: int


@dataclass(frozen=True)
class RuntimeConfig:
    """Parameters from rulesets/runtime.yaml."""

    window: Window = Window(60.0, 2)
    #: PI type id -> its own window (others use ``window``)
    per_pi_type: dict[str, Window] = field(default_factory=dict)
    rerequest_window_seconds: float = 172800.0
    #: ``launch`` causes that mean the app started without the user -> {zh, en}
    self_start_causes: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"boot": {"zh": "开机广播", "en": "the boot broadcast"}})
    #: stack frames under these dotted prefixes are the platform, not the code owner
    framework_prefixes: tuple[str, ...] = _FRAMEWORK
    #: Java class of an argument -> {api-map attribute: getter method}: how the hook script
    #: logs an object argument as the attributes the api-map conditions test
    arg_readers: dict[str, dict[str, str]] = field(default_factory=dict)
    #: api-map argument key -> {marker: (class, static method)}: an integer argument under
    #: that key equal to what the method returns in the app's process is logged as the
    #: marker (the api-map's '<own_uid>')
    int_markers: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    #: broadcast action -> {cause, permission?, until_target?}: manifest receivers by which
    #: Android starts the app without the user (static self-start capability)
    wake_broadcasts: dict[str, dict] = field(default_factory=dict)
    #: SDK-catalogue categories whose exported components other apps can start
    start_sdk_categories: tuple[str, ...] = ()
    #: a read followed by a transmission of the same PI type within this many seconds is
    #: one read -> sent evidence chain
    read_sent_window_seconds: float = 300.0

    def window_for(self, pi_type: str) -> Window:
        return self.per_pi_type.get(pi_type, self.window)


def _number(v: Any, where: str, integer: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
            or v <= 0 or (integer and int(v) != v):
        kind = msg("rs_positive_int" if integer else "rs_positive_number")
        raise RulesetError("err_rs_value_must_be", where=where, what=kind, got=repr(v))
    return int(v) if integer else float(v)


def _mapping(v: Any, where: str) -> dict:
    if not isinstance(v, dict):
        raise RulesetError("err_rs_value_must_be", where=where, what=msg("rs_mapping"),
                           got=type(v).__name__)
    return v


def _or_empty(v: Any) -> Any:
    return {} if v is None else v


def _window(doc: dict, where: str, default: Window) -> Window:
    for k in doc:
        if k not in ("window_seconds", "max_per_window", "per_pi_type"):
            raise RulesetError("err_rs_unknown_key", where=where, key=k)
    seconds = doc.get("window_seconds", default.seconds)
    limit = doc.get("max_per_window", default.max_per_window)
    return Window(_number(seconds, f"{where}.window_seconds"),
                  int(_number(limit, f"{where}.max_per_window", integer=True)))


def parse_runtime_config(doc: Any, where: str, pi_types: dict | None = None,
                         permissions: dict | None = None) -> RuntimeConfig:
    """Check and convert the parsed runtime.yaml (``pi_types``, ``permissions``: the known
    PI type ids and permissions, to refuse a name that is in neither)."""
    if doc is None:
        return RuntimeConfig()
    doc = _mapping(doc, where)
    for k in doc:
        if k not in _KEYS:
            raise RulesetError("err_rs_unknown_key_known", where=where, key=k, known=list(_KEYS))
    base = RuntimeConfig()
    freq = _mapping(_or_empty(doc.get("frequency")), f"{where}: frequency")
    window = _window(freq, f"{where}: frequency", base.window)
    per = {}
    for pi, w in _mapping(_or_empty(freq.get("per_pi_type")),
                          f"{where}: frequency.per_pi_type").items():
        w_where = f"{where}: frequency.per_pi_type.{pi}"
        if pi_types is not None and pi not in pi_types:
            raise RulesetError("err_rs_unknown_pi", where=w_where, pi=pi)
        if "per_pi_type" in _mapping(w, w_where):
            raise RulesetError("err_rs_unknown_key", where=w_where, key="per_pi_type")
        per[str(pi)] = _window(w, w_where, window)
    causes = {}
    raw_causes = doc.get("self_start_causes", base.self_start_causes)
    for cause, label in _mapping(raw_causes, f"{where}: self_start_causes").items():
        c_where = f"{where}: self_start_causes.{cause}"
        label = _mapping(label, c_where)
        if not all(isinstance(label.get(x), str) and label[x] for x in ("zh", "en")):
            raise RulesetError("err_rs_needs_zh_en", where=c_where)
        causes[str(cause)] = {"zh": label["zh"], "en": label["en"]}
    prefixes = doc.get("framework_prefixes", base.framework_prefixes)
    if not isinstance(prefixes, (list, tuple)) or not all(
            isinstance(p, str) and p.endswith(".") and len(p) > 1 for p in prefixes):
        raise RulesetError("err_rs_field_must_be", where=where, field="framework_prefixes",
                           what=msg("rs_dotted_prefixes"))
    readers = {}
    for cls, attrs in _mapping(_or_empty(doc.get("arg_readers")), f"{where}: arg_readers"
                               ).items():
        r_where = f"{where}: arg_readers.{cls}"
        if not _JAVA_NAME.match(str(cls)):
            raise RulesetError("err_rs_must_be", where=r_where, what=msg("rs_java_class"))
        attrs = _mapping(attrs, r_where)
        for attr, getter in attrs.items():
            if not isinstance(getter, str) or not _JAVA_NAME.match(getter) or "." in getter:
                raise RulesetError("err_rs_must_be", where=f"{r_where}.{attr}",
                                   what=msg("rs_method_name"))
        readers[str(cls)] = {str(a): g for a, g in attrs.items()}
    markers: dict[str, dict[str, tuple[str, str]]] = {}
    for key, entries in _mapping(_or_empty(doc.get("int_markers")),
                                 f"{where}: int_markers").items():
        for marker, target in _mapping(entries, f"{where}: int_markers.{key}").items():
            m_where = f"{where}: int_markers.{key}.{marker}"
            if not (isinstance(target, list) and len(target) == 2 and
                    all(isinstance(x, str) and _JAVA_NAME.match(x) for x in target)):
                raise RulesetError("err_rs_must_be", where=m_where,
                                   what=msg("rs_class_static_method"))
            markers.setdefault(str(key), {})[str(marker)] = (target[0], target[1])
    wake = {}
    for action, w in _mapping(_or_empty(doc.get("wake_broadcasts")),
                              f"{where}: wake_broadcasts").items():
        w_where = f"{where}: wake_broadcasts.{action}"
        w = _mapping(w, w_where)
        for k in w:
            if k not in ("cause", "permission", "until_target"):
                raise RulesetError("err_rs_unknown_key", where=w_where, key=k)
        if w.get("cause") not in causes:
            raise RulesetError("err_rs_field_must_be", where=w_where, field="cause",
                               what=msg("rs_one_of", choices="self_start_causes"))
        if "until_target" in w:
            _number(w["until_target"], f"{w_where}.until_target", integer=True)
        if "permission" in w and (not isinstance(w["permission"], str) or (
                permissions is not None and w["permission"] not in permissions)):
            raise RulesetError("err_rs_unknown_permission", where=w_where,
                               perm=str(w["permission"]))
        wake[str(action)] = dict(w)
    cats = _or_empty(doc.get("start_sdk_categories")) or []
    if not isinstance(cats, list) or not all(isinstance(c, str) and c for c in cats):
        raise RulesetError("err_rs_field_must_be", where=where, field="start_sdk_categories",
                           what=msg("rs_category_names"))
    return RuntimeConfig(
        window=window, per_pi_type=per, arg_readers=readers, int_markers=markers,
        wake_broadcasts=wake, start_sdk_categories=tuple(cats),
        read_sent_window_seconds=_number(doc.get("read_sent_window_seconds",
                                                 base.read_sent_window_seconds),
                                         f"{where}: read_sent_window_seconds"),
        rerequest_window_seconds=_number(doc.get("rerequest_window_seconds",
                                                 base.rerequest_window_seconds),
                                         f"{where}: rerequest_window_seconds"),
        self_start_causes=causes, framework_prefixes=tuple(prefixes))


def load_runtime_config(folder: Path, pi_types: dict | None = None,
                        permissions: dict | None = None) -> RuntimeConfig:
    """Read ``runtime.yaml`` of a rulesets folder (defaults when absent)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return RuntimeConfig()
    return parse_runtime_config(read_yaml(path), FILE, pi_types, permissions)
