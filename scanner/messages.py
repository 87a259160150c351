"""Messages by id: what the library says to a person, rendered from the catalogs
(reports/i18n/zh.yaml, en.yaml) in the language asked for.

Library code never words a message for a person itself: a typed error
(:mod:`scanner.errors`), a reader's damage record or a skipped item carries a catalog key and
its parameters, and whoever shows it (the CLI, a report) renders it in its language:

    render("err_no_such", {"path": "a.apk", "what": msg("what_file")}, "zh")
    → "a.apk：找不到该文件"

A parameter is a plain value (shown as it is: paths, counts, names read from the input), a
list of values (joined with ", "), a name in both languages (``{"zh": …, "en": …}``), or a
nested message ``{"id": KEY, "params": {...}}``
(:func:`msg`) rendered in the same language. ``str()`` of an error is its English rendering,
so logs, stored error columns and messages written before ids existed keep reading as before.

Light to import (PyYAML only); the catalogs are read once per language.
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any

KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def msg(key: str, /, **params: Any) -> dict[str, Any]:
    """A message as data (JSON-ready): ``{"id": key, "params": {...}}``."""
    return {"id": key, "params": params}


def is_message(value: Any) -> bool:
    """Whether ``value`` is a message made by :func:`msg` (or read back from JSON)."""
    return (isinstance(value, dict) and isinstance(value.get("id"), str)
            and isinstance(value.get("params", {}), dict))


@functools.cache
def _catalog_file(name: str) -> dict[str, Any]:
    """One catalog file, parsed once per process (a zh and an en report share the zh one).

    The shipped catalogs are taken pre-parsed from rulesets/_validated.json when their
    bytes are the ones stamped there (:func:`scanner.preparsed.parsed_yaml`): parsing both
    as YAML costs ~75 ms of CPU on every scan, importing yaml included."""
    from scanner import preparsed
    from scanner.paths import reports_dir, rulesets_dir

    try:
        raw = (reports_dir() / "i18n" / f"{name}.yaml").read_bytes()
    except OSError:
        return {}
    data = preparsed.parsed_yaml(raw, rulesets_dir())
    if data is None:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            data = yaml.load(raw, Loader=loader)
        except yaml.YAMLError:
            return {}
    return data if isinstance(data, dict) else {}


@functools.cache
def catalog(lang: str) -> dict[str, Any]:
    """The message catalog of ``lang`` over the Chinese one (zh is the fallback)."""
    out = dict(_catalog_file("zh"))
    if lang != "zh":
        out.update(_catalog_file(lang))
    return out


def render(key: str, params: dict[str, Any] | None = None, lang: str = "zh") -> str:
    """The message ``key`` with ``params`` in ``lang``. An unknown key or a placeholder
    without a value never raises: the key and the parameters are shown instead (a test
    checks that every key used exists in both catalogs with the same placeholders)."""
    params = params or {}
    template = catalog(lang).get(key)
    values = {k: v if isinstance(v, (int, float)) and not isinstance(v, bool)
              else value_text(v, lang) for k, v in params.items()}
    if not isinstance(template, str):
        return key + "".join(f" {k}={v}" for k, v in values.items())
    try:
        return string.Formatter().vformat(template, (), _Missing(values))
    except (ValueError, IndexError, AttributeError):
        return template


def value_text(value: Any, lang: str) -> str:
    """A parameter as text in ``lang``."""
    if is_message(value):
        return render(value["id"], value.get("params") or {}, lang)
    if isinstance(value, dict) and "zh" in value and "en" in value:  # a name in both
        return str(value.get(lang) or value["en"])
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, lang) for v in value)
    return "" if value is None else str(value)


def text_of(value: Any, lang: str) -> str:
    """A message or a plain text (written before message ids existed) in ``lang``."""
    return value_text(value, lang)


def record(what: Any, why: Any) -> tuple[str, str, Any, Any]:
    """``(what, why, what_msg, why_msg)`` for a :class:`~scanner.model.damage.Damage` or
    :class:`~scanner.model.result.Skipped` record: the English texts result.json keeps and
    the messages reports render (None for a plain text, e.g. a file path)."""
    return (english(what), english(why), what if is_message(what) else None,
            why if is_message(why) else None)


def english(value: Any) -> str:
    """A message's English text: what result.json's text fields and ``str(error)`` hold."""
    return value_text(value, "en")


#: what Python's JSON decoder says (json.JSONDecodeError.msg) → catalog key
_JSON_REASONS = {
    "Expecting value": "json_expecting_value",
    "Expecting ',' delimiter": "json_expecting_comma",
    "Expecting ':' delimiter": "json_expecting_colon",
    "Expecting property name enclosed in double quotes": "json_expecting_name",
    "Unterminated string starting at": "json_unterminated",
    "Invalid control character at": "json_control_char",
    "Extra data": "json_extra_data",
    "Invalid \\escape": "json_bad_escape",
    "Invalid \\uXXXX escape": "json_bad_escape",
}


def json_reason(text: str) -> Any:
    """Python's JSON decoder message as a message when the catalog words it, else as is."""
    key = _JSON_REASONS.get(text)
    return msg(key) if key else text


#: how Python's zipfile and zlib begin their messages → catalog key
_ZIP_REASONS = (
    ("File is not a zip file", "zip_not_zip"),
    ("Truncated file header", "zip_truncated_header"),
    ("Bad magic number for file header", "zip_bad_magic"),
    ("Bad magic number for central directory", "zip_bad_magic"),
    ("Bad CRC-32", "zip_bad_crc"),
    ("Error -3 while decompressing", "zip_bad_deflate"),
    ("Error -5 while decompressing", "zip_bad_deflate"),
    ("Corrupt extra field", "zip_bad_extra"),
    ("Truncated central directory", "zip_truncated_directory"),
)


def zip_reason(error: BaseException) -> Any:
    """Why zipfile or zlib refused a zip, as a message when the catalog words it (the
    common cases), else the library's own text."""
    text = str(error)
    key = next((k for start, k in _ZIP_REASONS if text.startswith(start)), None)
    return msg(key) if key else text


def json_detail(error: Exception) -> Any:
    """Why a file is not JSON: the decoder's reason and where (line, column), or "not UTF-8
    text"; other errors as their text."""
    import json

    if isinstance(error, json.JSONDecodeError):
        return msg("json_at", reason=json_reason(error.msg), line=error.lineno,
                   col=error.colno)
    if isinstance(error, UnicodeDecodeError):
        return msg("reason_not_utf8")
    return str(error)


def os_reason(error: OSError) -> Any:
    """Why the operating system refused a file, as a message when the catalog words it
    (``os_EACCES`` …), else the system's own text."""
    import errno

    name = errno.errorcode.get(error.errno or 0, "")
    if name and f"os_{name}" in catalog("en"):
        return msg(f"os_{name}")
    return error.strerror or str(error)


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(template: str) -> set[str]:
    """The names of a template's ``{placeholders}``."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: East Asian wide and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` display columns (CJK counts two)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
