"""Messages by id (issue 14): what the library says to a person (typed errors, readers'
damage, skipped parts, bundle problems) is a catalog key and parameters, rendered in the
user's language from reports/i18n/{zh,en}.yaml.

The source is read (AST) for every key the code names; each must exist in both catalogs
with the same placeholders, the Chinese template in Chinese and the English one without
Chinese. No error is worded in code (a test reads every error class call; the list of
modules allowed to is empty and stays so).
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

from scanner.errors import InputError, RulesetError, UsageError
from scanner.messages import catalog, english, msg, placeholders, render
from tests.report.test_every_label import CJK, ZH_LATIN

SCANNER = Path(__file__).resolve().parents[1] / "scanner"
ERROR_BASES = {"AppauditError", "InputError", "RulesetError", "UsageError"}
# calls whose first argument is a message key (besides the error classes): msg(), the dex
# reader's problem()/_fail(), and the readers' internal damage exceptions
KEY_CALLS = {"msg", "problem", "_fail", "HarDamage", "_Truncated", "YamlLimitError"}
# modules whose errors are still worded in code: none since the ruleset loaders (knowledge,
# rules, sdk, pricing) name catalog keys too. Keep it empty: a new error names a key.
WORDED_IN_CODE: set[str] = set()


def _trees() -> dict[str, ast.AST]:
    return {str(p.relative_to(SCANNER.parent)): ast.parse(p.read_text("utf-8"))
            for p in SCANNER.rglob("*.py") if p.name != "_report_template.py"}


TREES = _trees()


def _error_classes() -> set[str]:
    names, grew = set(ERROR_BASES), True
    while grew:
        grew = False
        for tree in TREES.values():
            for n in ast.walk(tree):
                if isinstance(n, ast.ClassDef) and n.name not in names and any(
                        isinstance(b, ast.Name) and b.id in names for b in n.bases):
                    names.add(n.name)
                    grew = True
    return names


ERRORS = _error_classes()


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _keys_used() -> dict[str, str]:
    """Every message key the code names → where (first place)."""
    out: dict[str, str] = {}
    for path, tree in TREES.items():
        for n in ast.walk(tree):
            if not (isinstance(n, ast.Call) and n.args):
                continue
            a = n.args[0]
            name = _name(n)
            key = a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            if key is None:
                continue
            if (name in ERRORS and key.startswith("err_")) or name in KEY_CALLS:
                if re.fullmatch(r"[a-z][a-z0-9_]*", key):
                    out.setdefault(key, f"{path}:{n.lineno}")
    return out


KEYS = _keys_used()


def test_the_code_names_many_keys():
    # the scan itself is checked: it finds the keys of the CLI, the readers and verify
    for key in ("err_no_such", "err_apk_not_zip", "skip_packed", "verify_sig_mismatch",
                "dex_string_truncated", "har_no_log", "yaml_alias", "err_tz"):
        assert key in KEYS, key
    assert len(KEYS) > 200


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_key_in_both_catalogs_with_the_same_placeholders(key):
    zh, en = catalog("zh").get(key), catalog("en").get(key)
    assert isinstance(zh, str) and isinstance(en, str), (key, KEYS[key])
    assert key in _own(catalog_file("zh")) and key in _own(catalog_file("en")), key
    assert placeholders(zh) == placeholders(en), (key, zh, en)
    assert not CJK.search(en), (key, en)
    # the Chinese text is Chinese: with placeholders, option and limit names, file names
    # and code names taken out, no English word but those Chinese writes as they are
    # (also Dalvik descriptors and their notation: Lcom/..., Lpkg/Cls;, name(params)ret)
    bare = re.sub(r"\{[^}]*\}|--[\w-]+|\b[A-Z][A-Z0-9_]{2,}\b|[\w./*-]+\.(?:xml|json|sig|"
                  r"arsc|yaml|xlsx|docx)\b|\.so\b|\b\w+\[\]|\b[a-z]+_[a-z_]+\b|"
                  r"appaudit \S+ \S+|\bL[\w/]+(?:;|/\.\.\.)|\bname\(params\)ret\b|"
                  r"\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|\bNAME=\S+", " ", zh)
    # zh / en: the YAML keys of a text's two languages; true / false: YAML's booleans;
    # Dalvik, Java, jsonschema, PyYAML, click, deflate, base64, MB: names of things
    words = set(re.findall(r"[A-Za-z]{2,}", bare)) - ZH_LATIN - {
        "zh", "en", "true", "false", "Dalvik", "Java", "jsonschema", "PyYAML", "MB", "click",
        "deflate", "base",
        "Ed", "SQLite", "quick_check", "camille", "chromium", "pypdf", "zip", "dask",
        "uleb", "null", "sha", "sm", "apt", "get", "install", "key", "category", "source",
        "GiB", "MiB", "UTF", "GB", "ISO", "Unix", "Asia", "Shanghai", "CSV", "YAML",
        "XML", "LAN", "FIFO", "files", "inputs", "rules", "categories", "generate",
        "log", "entries", "proceed", "multidex", "id", "tool", "name", "xlsx", "docx"}
    if CJK.search(zh) is None:  # a pure layout template: "{a}；{b}", "{zh}"
        assert not words, (key, zh)
        return
    assert not words, (key, zh, sorted(words))


def catalog_file(lang: str) -> Path:
    return SCANNER.parent / "reports" / "i18n" / f"{lang}.yaml"


def _own(path: Path) -> set[str]:
    return set(re.findall(r"^([a-z][a-z0-9_]*):", path.read_text("utf-8"), re.M))


def test_errors_are_worded_in_code_only_where_allowed():
    """An error made from a plain string (``InputError(f"...")``) is English in every
    language: only the modules listed may still do it, and every listed module still does
    (else take it off the list)."""
    worded: dict[str, int] = {}
    for path, tree in TREES.items():
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and _name(n) in ERRORS and n.args:
                a = n.args[0]
                if not (isinstance(a, ast.Constant) and isinstance(a.value, str)
                        and a.value.startswith("err_")):
                    worded[path] = worded.get(path, 0) + 1
    assert set(worded) <= WORDED_IN_CODE, sorted(set(worded) - WORDED_IN_CODE)
    assert set(worded) == WORDED_IN_CODE, sorted(WORDED_IN_CODE - set(worded))


def test_skipped_and_damage_records_carry_messages():
    """Every ``Skipped`` and every damage record the code makes is built with
    ``record(what, why)`` (English text + messages), or copies one (``from_damage``)."""
    bad = []
    for path, tree in TREES.items():
        if path.startswith("scanner/model/"):
            continue
        for n in ast.walk(tree):
            if not isinstance(n, ast.Call):
                continue
            name = _name(n)
            is_log = name in ("add", "add_once") and isinstance(n.func, ast.Attribute) and \
                "damage" in ast.unparse(n.func.value)
            if name in ("Skipped", "Damage") or is_log:
                starred = [a for a in n.args if isinstance(a, ast.Starred)]
                ok = len(starred) == 1 and isinstance(starred[0].value, ast.Call) and \
                    _name(starred[0].value) == "record"
                if not ok:
                    bad.append(f"{path}:{n.lineno}: {ast.unparse(n)[:100]}")
    assert bad == []


@pytest.mark.parametrize("cls", [InputError, RulesetError, UsageError])
def test_an_error_by_key_renders_in_each_language_and_survives_pickling(cls):
    e = cls("err_no_such", path="/x/a.apk", what=msg("what_file"))
    # by hand, from the catalogs: "{path}: no such {what}" / "{path}：找不到该{what}"
    assert str(e) == "/x/a.apk: no such file"
    assert e.render("zh") == "/x/a.apk：找不到该文件"
    back = pickle.loads(pickle.dumps(e))  # batch workers hand errors to the parent
    assert type(back) is cls and back.render("zh") == e.render("zh") and str(back) == str(e)
    plain = cls("a message written in code")
    assert str(plain) == plain.render("zh") == "a message written in code"


def test_render_never_raises():
    assert render("no_such_key", {"a": 1}, "zh") == "no_such_key a=1"
    assert render("err_no_such", {}, "en") == "{path}: no such {what}"
    assert english(msg("err_and_more", n=3)) == " (and 3 more)"
    assert render("err_line", {"message": msg("err_too_deep")}, "zh") == \
        "appaudit：错误：输入嵌套过深，无法分析"
