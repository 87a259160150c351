"""Read and validate ``rulesets/sdks/*.yaml`` into :class:`SdkSignature` values.

Contract: :func:`load_files` returns every entry of every file, in file-name order then
file order, or raises :class:`scanner.errors.RulesetError` naming the file and entry at
the first problem (unknown key, bad id, duplicate id, malformed prefix/host/native library
name, regex that does not compile, entry with no signature at all). It does not resolve
overlaps; that is :mod:`scanner.sdk.catalog`'s job.

File format (see rulesets/sdks/README.md)::

    version: 1
    precedence: 100            # optional, default 0; higher wins on identical signatures
    source: {name: ..., url: ..., license: ..., retrieved: ...}
    sdks: [ {id, name, categories, code_signature, ...}, ... ]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge import parse_yaml
from scanner.knowledge.validated import canonical, digest, is_validated
from scanner.messages import msg, os_reason
from scanner.sdk.model import SdkSignature

FORMAT_VERSION = 1

_ID = re.compile(r"[a-z][a-z0-9_]*")
_PREFIX = re.compile(r"[A-Za-z0-9_$\-]+(?:\.[A-Za-z0-9_$\-]+)*\.")
_HOST = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")
# a native library file name as Android installs it from lib/<abi>/ (no folder part)
_NATIVE = re.compile(r"[A-Za-z0-9_+\-][A-Za-z0-9_.+\-]*\.so")
# a manifest <meta-data> name, or a prefix of one ending in "*" (BaiduMobAd_*)
_META = re.compile(r"[A-Za-z0-9_.\-]+\*?")
# a permission name, or a suffix of one starting with "." (<package>.permission.JPUSH_MESSAGE)
_PERMISSION = re.compile(r"\.?[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
MAX_NATIVE_NAME = 255  # NAME_MAX: longer names cannot be installed

_ENTRY_KEYS = {
    "id", "name", "name_zh", "vendor", "country", "categories", "code_signature",
    "code_regex", "network_signature", "network_regex", "native_signature", "native_regex",
    "version_hint", "exodus_id", "source", "tracker", "website",
    "component_regex", "meta_data", "permission_signature", "file_signature",
}
_FILE_KEYS = {"version", "precedence", "source", "sdks", "generated"}



@dataclass(frozen=True)
class LoadedFiles:
    """Signatures of a rulesets/sdks folder plus what identifies the data version."""

    signatures: tuple[SdkSignature, ...]
    files: tuple[str, ...]
    version: int
    sha256: str
    digest: str | None = None  # see scanner.knowledge.validated


def _not_form(where: str, key: str, value: str, what: dict[str, Any]) -> RulesetError:
    """``KEY 'value' must be <what>`` (``what``: a message naming the form)."""
    return RulesetError("err_rs_value_form", where=where, field=key, value=value, what=what)


def _str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RulesetError("err_rs_field_must_be", where=where,
                           field=key, what=msg("rs_string_list"))
    return tuple(value)


def _regexes(value: Any, where: str, key: str) -> tuple[str, ...]:
    out = _str_list(value, where, key)
    for rx in out:
        try:
            re.compile(rx)
        except re.error as e:
            raise RulesetError("err_rs_regex", where=where,
                               regex=f"{key} {rx!r}", detail=str(e)) from e
    return out


def _opt_str(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RulesetError("err_rs_field_must_be", where=where,
                           field=key, what=msg("rs_nonempty_string"))
    return value.strip()


def parse_entry(entry: Any, where: str, precedence: int, file: str) -> SdkSignature:
    """Validate one ``sdks:`` item and turn it into a signature."""
    if not isinstance(entry, dict):
        raise RulesetError("err_rs_must_be", where=where, what=msg("rs_mapping"))
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise RulesetError("err_rs_unknown_keys", where=where, keys=sorted(map(str, unknown)))
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        raise _not_form(where, "id", repr(ident), msg("rs_snake_id"))
    where = f"{where} ({ident})"
    name = _opt_str(entry, "name", where)
    if name is None:
        raise RulesetError("err_rs_missing_key", where=where, key="name")
    categories = _str_list(entry.get("categories"), where, "categories")
    if not categories:
        raise RulesetError("err_rs_no_category", where=where)
    for c in categories:
        if not _ID.fullmatch(c):
            raise _not_form(where, "category", repr(c), msg("rs_snake_id"))
    prefixes = _str_list(entry.get("code_signature"), where, "code_signature")
    for p in prefixes:
        if not _PREFIX.fullmatch(p):
            raise _not_form(where, "code_signature", repr(p), msg("rs_form_prefix"))
    hosts = _str_list(entry.get("network_signature"), where, "network_signature")
    for h in hosts:
        if not _HOST.fullmatch(h):
            raise _not_form(where, "network_signature", repr(h), msg("rs_form_host"))
    code_rx = _regexes(entry.get("code_regex"), where, "code_regex")
    host_rx = _regexes(entry.get("network_regex"), where, "network_regex")
    natives = _str_list(entry.get("native_signature"), where, "native_signature")
    for n in natives:
        if not _NATIVE.fullmatch(n) or len(n) > MAX_NATIVE_NAME:
            raise _not_form(where, "native_signature", repr(n), msg("rs_form_so"))
    native_rx = _regexes(entry.get("native_regex"), where, "native_regex")
    _regexes(entry.get("component_regex"), where, "component_regex")
    for m in _str_list(entry.get("meta_data"), where, "meta_data"):
        if not _META.fullmatch(m):
            raise _not_form(where, "meta_data", repr(m), msg("rs_form_meta"))
    for p in _str_list(entry.get("permission_signature"), where, "permission_signature"):
        if not _PERMISSION.fullmatch(p):
            raise _not_form(where, "permission_signature", repr(p), msg("rs_form_permission"))
    for f in _str_list(entry.get("file_signature"), where, "file_signature"):
        if f.startswith("/") or ".." in f.split("/") or f.startswith(("lib/", "res/")):
            raise _not_form(where, "file_signature", repr(f),
                            msg("rs_form_zip_path", dirs=["lib/", "res/"]))
    if not (prefixes or hosts or code_rx or host_rx or natives or native_rx):
        raise RulesetError("err_rs_no_sdk_signature", where=where)
    country = _opt_str(entry, "country", where)
    if country is not None and not _COUNTRY.fullmatch(country):
        raise _not_form(where, "country", repr(country), msg("rs_form_country"))
    hint = entry.get("version_hint") or {}
    if not isinstance(hint, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in hint.items()
    ):
        raise RulesetError("err_rs_field_must_be", where=where, field="version_hint",
                    what=msg("rs_string_map"))
    ex = entry.get("exodus_id")
    ex_list = [] if ex is None else ex if isinstance(ex, list) else [ex]
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in ex_list):
        raise RulesetError("err_rs_field_must_be", where=where,
                           field="exodus_id", what=msg("rs_int_or_ints"))
    tracker = entry.get("tracker")
    if tracker is None:
        tracker = set(categories) != {"development"}
    elif not isinstance(tracker, bool):
        raise RulesetError("err_rs_field_must_be", where=where,
                           field="tracker", what=msg("rs_bool"))
    src = entry.get("source")
    if isinstance(src, dict):
        source = str(src.get("name", ""))
    elif isinstance(src, str):
        source = src
    else:
        raise RulesetError("err_rs_sdk_source", where=where)
    if not source:
        raise RulesetError("err_rs_sdk_source", where=where)
    return _build(entry, precedence, file)


def _strip(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


#: entry keys holding a string or a list of strings -> the SdkSignature field (a tuple)
_LIST_FIELDS = {
    "categories": "categories", "code_signature": "code_prefixes", "code_regex": "code_regexes",
    "network_signature": "hosts", "network_regex": "host_regexes",
    "native_signature": "native_names", "native_regex": "native_regexes",
    "component_regex": "component_regexes", "meta_data": "meta_data",
    "permission_signature": "permissions", "file_signature": "files",
}
#: entry keys holding an optional text (stripped; anything else is None)
_TEXT_FIELDS = ("name_zh", "vendor", "country")


def _build(entry: dict[str, Any], precedence: int, file: str) -> SdkSignature:
    """The signature of an entry already known to be valid (by :func:`parse_entry`, or by
    the catalogue's validation stamp). Only the keys the entry has are looked at: a
    catalogue entry has 4 to 8 of the 20 (4,161 entries are built on every start)."""
    kw: dict[str, Any] = {"id": entry["id"], "name": entry["name"].strip(),
                          "categories": (), "precedence": precedence, "file": file}
    for key, value in entry.items():
        f = _LIST_FIELDS.get(key)
        if f is not None:
            if value is not None:
                kw[f] = (value,) if isinstance(value, str) else tuple(value)
        elif key in _TEXT_FIELDS:
            kw[key] = _strip(value)
    tracker = entry.get("tracker")
    kw["tracker"] = set(kw["categories"]) != {"development"} if tracker is None else tracker
    src = entry.get("source")
    if isinstance(src, dict):
        url = src.get("url")
        kw["source"], kw["source_url"] = str(src.get("name", "")), str(url) if url else None
    else:
        kw["source"] = src
    ex = entry.get("exodus_id")
    if ex is not None:
        kw["exodus_ids"] = tuple(ex) if isinstance(ex, list) else (ex,)
    hint = entry.get("version_hint")
    if hint:
        kw["version_hint"] = tuple(sorted(hint.items()))
    return SdkSignature(**kw)


def parse_document(doc: Any, file: str, validate: bool = True) -> list[SdkSignature]:
    """Validate one parsed YAML file and return its signatures in file order
    (``validate=False``: a stamped catalogue, see :mod:`scanner.knowledge.validated`)."""
    if not validate:
        precedence = doc.get("precedence", 0)
        return [_build(item, precedence, file) for item in doc["sdks"]]
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_top_not_mapping", where=file, got=type(doc).__name__)
    unknown = set(doc) - _FILE_KEYS
    if unknown:
        raise RulesetError("err_rs_unknown_top_keys", where=file, keys=sorted(map(str, unknown)))
    if doc.get("version") != FORMAT_VERSION:
        raise RulesetError("err_rs_field_must_be_got", where=file,
                           field="version", what=str(FORMAT_VERSION),
                           got=repr(doc.get("version")))
    precedence = doc.get("precedence", 0)
    if not isinstance(precedence, int) or isinstance(precedence, bool):
        raise RulesetError("err_rs_field_must_be", where=file,
                           field="precedence", what=msg("rs_int"))
    src = doc.get("source")
    if not isinstance(src, dict) or not src.get("name"):
        raise RulesetError("err_rs_field_must_be", where=file, field="source",
                    what=msg("rs_mapping_with", key="name"))
    items = doc.get("sdks")
    if not isinstance(items, list):
        raise RulesetError("err_rs_field_must_be", where=file, field="sdks", what=msg("rs_list"))
    return [
        parse_entry(item, f"{file}: sdks[{i}]", precedence, file) for i, item in enumerate(items)
    ]


def catalogue_files(folder: Path) -> list[Path]:
    """The signature files of a rulesets/sdks folder."""
    return [*folder.glob("*.yaml"), *folder.glob("*.json")]


def load_files(paths: Iterable[Path], trust: bool = True) -> LoadedFiles:
    """Load the given YAML/JSON files (sorted by name); ids must be unique across all of
    them. With ``trust``, files whose digest equals the validation stamp of their rulesets
    folder (the parent of their folder) are not validated entry by entry again."""
    ordered = sorted(paths, key=lambda p: p.name)
    if not ordered:
        raise RulesetError("err_rs_no_sdk_files")
    raws: list[tuple[Path, bytes]] = []
    for path in ordered:
        try:
            raws.append((path, path.read_bytes()))
        except OSError as e:
            raise RulesetError("err_unreadable", path=str(path), reason=os_reason(e)) from e
    docs: list[tuple[Path, Any, bytes]] = []  # (path, document, what the stamp covers)
    files_digest = hashlib.sha256()
    for path, raw in raws:
        files_digest.update(path.name.encode() + b"\0" + raw + b"\0")
        try:
            if path.suffix == ".json":  # generated catalogues: JSON loads far faster
                docs.append((path, json.loads(raw), raw))
            else:  # pre-parsed when shipped (scanner.knowledge.validated)
                doc = parse_yaml(raw, path)
                docs.append((path, doc, canonical(doc)))
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            raise RulesetError("err_rs_invalid_file", path=str(path),
                               format=path.suffix[1:].upper(), detail=str(e)[:200]) from e
    stamp = digest("sdks", [(p.name, content) for p, _, content in docs])
    folders = {p.parent for p in ordered}
    validate = not (trust and len(folders) == 1
                    and is_validated(ordered[0].parent.parent, "sdks", stamp))
    sigs: list[SdkSignature] = []
    seen: dict[str, str] = {}
    for path, doc, _ in docs:
        try:
            parsed = list(parse_document(doc, path.name, validate))
        except RulesetError as e:  # name the file by its path, not only its name
            where = str(e.params.get("where", ""))
            if where.startswith(path.name) and not where.startswith(str(path)):
                e.params["where"] = str(path) + where[len(path.name):]
            raise
        except (AttributeError, TypeError, ValueError, KeyError) as e:
            # a value of a type the validator does not expect
            raise RulesetError("err_rs_invalid_sdk", path=str(path),
                               detail=f"{type(e).__name__}: {str(e)[:160]}") from e
        for sig in parsed:
            if sig.id in seen:
                raise RulesetError("err_rs_duplicate_sdk", path=str(path), id=sig.id,
                                   first=seen[sig.id])
            seen[sig.id] = path.name
            sigs.append(sig)
    return LoadedFiles(
        signatures=tuple(sigs),
        files=tuple(p.name for p in ordered),
        version=FORMAT_VERSION,
        sha256=files_digest.hexdigest(),
        digest=stamp,
    )
