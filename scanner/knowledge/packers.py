"""Packer (加固) signatures from rulesets/packers.yaml, and matching them against an APK.

Contract: :func:`load_packers` returns the validated signatures of a rulesets folder (cached),
raising :class:`RulesetError` naming the entry at the first problem (unknown key, bad id,
duplicate id, regex that does not compile, entry without a signal). :func:`match_packers`
takes what the APK shows (zip entry names, the manifest's Application class, a test for
classes defined in the dex files) and returns every packer whose signals are met, each with
the evidence that met them, strongest match first. It reads no bytes and gives no verdict.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import RulesetError
from scanner.knowledge import read_yaml
from scanner.messages import msg
from scanner.paths import rulesets_dir

_ID = re.compile(r"[a-z][a-z0-9_]*")
_LIST_KEYS = ("application_class", "stub_class", "native_lib", "native_regex", "file",
              "file_regex", "source")
_KEYS = {"id", "name", "name_zh", "vendor", "min_signals", *_LIST_KEYS}
MAX_NAMES = 20000  # zip entries looked at per APK (SafeZip bounds the count already)


@dataclass(frozen=True)
class PackerSignature:
    """What one packer's stub is known by (see rulesets/packers.yaml)."""

    id: str
    name: str
    name_zh: str
    vendor: str
    application_class: tuple[str, ...] = ()
    stub_class: tuple[str, ...] = ()
    native_lib: frozenset[str] = frozenset()
    native_regex: tuple[re.Pattern, ...] = ()
    file: frozenset[str] = frozenset()
    file_regex: tuple[re.Pattern, ...] = ()
    min_signals: int = 1
    source: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackerMatch:
    """A packer whose signals an APK meets, with the evidence (kind, value) that met them."""

    packer: PackerSignature
    evidence: tuple[tuple[str, str], ...]


def _strings(entry: dict, key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise RulesetError("err_rs_field_must_be", where=where, field=key,
                           what=msg("rs_string_list"))
    return tuple(value)


def _regexes(values: tuple[str, ...], where: str) -> tuple[re.Pattern, ...]:
    out = []
    for v in values:
        try:
            out.append(re.compile(v))
        except re.error as e:
            raise RulesetError("err_rs_regex", where=where, regex=v, detail=str(e)) from e
    return tuple(out)


def parse_packers(doc: object, where: str = "packers.yaml") -> tuple[PackerSignature, ...]:
    """Validate a parsed packers.yaml document into signatures."""
    if not isinstance(doc, dict) or not isinstance(doc.get("packers"), list):
        raise RulesetError("err_rs_missing_list", where=where, key="packers")
    seen: set[str] = set()
    out = []
    for n, e in enumerate(doc["packers"]):
        at = f"{where}: packers[{n}]"
        if not isinstance(e, dict):
            raise RulesetError("err_rs_must_be", where=at, what=msg("rs_mapping"))
        unknown = set(e) - _KEYS
        if unknown:
            raise RulesetError("err_rs_unknown_keys", where=at, keys=sorted(map(str, unknown)))
        pid = e.get("id")
        if not isinstance(pid, str) or not _ID.fullmatch(pid):
            raise RulesetError("err_rs_bad_id", where=at, id=repr(pid))
        if pid in seen:
            raise RulesetError("err_rs_duplicate_id", where=at, id=pid)
        seen.add(pid)
        at = f"{where}: {pid}"
        for key in ("name", "name_zh", "vendor"):
            if not isinstance(e.get(key), str) or not e[key]:
                raise RulesetError("err_rs_missing_key", where=at, key=key)
        lists = {k: _strings(e, k, at) for k in _LIST_KEYS}
        if not any(lists[k] for k in _LIST_KEYS if k != "source"):
            raise RulesetError("err_rs_no_signal", where=at,
                               keys=[k for k in _LIST_KEYS if k != "source"])
        if not lists["source"]:
            raise RulesetError("err_rs_empty", where=at, key="source")
        for lib in lists["native_lib"]:
            if "/" in lib or not lib.endswith(".so"):
                raise RulesetError("err_rs_item_not", where=f"{at}: native_lib", value=lib,
                                   what=msg("rs_so_name"))
        min_signals = e.get("min_signals", 1)
        if not isinstance(min_signals, int) or isinstance(min_signals, bool) or min_signals < 1:
            raise RulesetError("err_rs_field_must_be", where=at, field="min_signals",
                               what=msg("rs_positive_int"))
        out.append(PackerSignature(
            id=pid, name=e["name"], name_zh=e["name_zh"], vendor=e["vendor"],
            application_class=lists["application_class"], stub_class=lists["stub_class"],
            native_lib=frozenset(lists["native_lib"]),
            native_regex=_regexes(lists["native_regex"], at),
            file=frozenset(lists["file"]), file_regex=_regexes(lists["file_regex"], at),
            min_signals=min_signals, source=lists["source"],
        ))
    return tuple(out)


_LOADER = re.compile(r"L[^;\s]+;->[^(\s]+\([^)\s]*\)\S+")


def parse_loaders(doc: object, where: str = "packers.yaml") -> tuple[str, ...]:
    """The ``loaders`` list: Dalvik descriptors of calls that load code at run time."""
    value = doc.get("loaders") if isinstance(doc, dict) else None
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and _LOADER.fullmatch(v)
                                              for v in value):
        raise RulesetError("err_rs_field_must_be", where=where, field="loaders",
                           what=msg("rs_dalvik_methods"))
    return tuple(value)


@functools.cache
def load_loaders(folder: Path | None = None) -> tuple[str, ...]:
    """The dynamic-loading APIs of a rulesets folder (rulesets/packers.yaml ``loaders``)."""
    folder = Path(folder) if folder else rulesets_dir()
    return parse_loaders(read_yaml(folder / "packers.yaml"), "packers.yaml")


@functools.cache
def load_packers(folder: Path | None = None) -> tuple[PackerSignature, ...]:
    """The packer signatures of a rulesets folder (rulesets/packers.yaml)."""
    folder = Path(folder) if folder else rulesets_dir()
    return parse_packers(read_yaml(folder / "packers.yaml"), "packers.yaml")


@functools.cache
def _prefilters(packers: tuple[PackerSignature, ...]) -> tuple[Callable[[str], bool],
                                                              Callable[[str], bool]]:
    """Tests whether a zip path (resp. a .so file name) is named by any packer at all."""

    def union(exact: set[str], patterns: list[re.Pattern]) -> Callable[[str], bool]:
        rx = re.compile("|".join(f"(?:{p.pattern})" for p in patterns)) if patterns else None
        if rx is None:
            return exact.__contains__
        return lambda name: name in exact or rx.fullmatch(name) is not None

    return (union({f for p in packers for f in p.file}, [r for p in packers for r in p.file_regex]),
            union({f for p in packers for f in p.native_lib},
                  [r for p in packers for r in p.native_regex]))


def match_packers(entry_names: Iterable[str], application_class: str | None,
                  find_class: Callable[[str], str | None] = lambda _: None,
                  packers: tuple[PackerSignature, ...] | None = None) -> list[PackerMatch]:
    """Packers whose signals the APK meets, most evidence first.

    ``find_class`` takes a ``stub_class`` entry (a dotted class name, or a package prefix
    ending in ".") and returns a dotted class the dex files define that it names, or None.
    Evidence kinds: ``application_class``, ``stub_class``, ``native_lib`` and ``file``
    (values: the class name or the zip entry path).
    """
    packers = load_packers() if packers is None else packers
    any_file, any_so = _prefilters(packers)
    names = []
    for n, name in enumerate(entry_names):
        if n >= MAX_NAMES:
            break
        names.append(name)
    # one pass over all entries with the union of every packer's names; then per packer
    files = [n for n in names if any_file(n)]
    sos = [(n, base) for n in names if n.endswith(".so")
           for base in (n.rsplit("/", 1)[-1],) if any_so(base)]
    out = []
    for p in packers:
        ev: list[tuple[str, str]] = []
        if application_class and application_class in p.application_class:
            ev.append(("application_class", application_class))
        for prefix in p.stub_class:
            hit = find_class(prefix)
            if hit and ("application_class", hit) not in ev:
                ev.append(("stub_class", hit))
        ev.extend(("native_lib", path) for path, base in sos
                  if base in p.native_lib or any(r.fullmatch(base) for r in p.native_regex))
        ev.extend(("file", path) for path in files
                  if path in p.file or any(r.fullmatch(path) for r in p.file_regex))
        distinct = {v.rsplit("/", 1)[-1] for _, v in ev}
        if ev and len(distinct) >= p.min_signals:
            out.append(PackerMatch(p, tuple(ev)))
    out.sort(key=lambda m: (-len(m.evidence), m.packer.id))
    return out
