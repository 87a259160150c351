"""Stamps of the shipped rulesets that the test suite has validated, and their YAML
files already parsed.

Validating every rule against its JSON Schema and every SDK signature entry field by
field costs about 60 ms per process (importing jsonschema alone is half of it), on data
that only changes with a commit. ``rulesets/_validated.json`` records, for the rules and
for the SDK catalogues, the SHA-256 of the files together with the source of the code
that validates them. At load time the same digest is computed over the bytes actually
read (hashing costs about 1 ms); when it equals the stamp, the field-by-field validation
is skipped, otherwise (an edited rule, a custom rulesets folder, a changed validator)
everything is validated as usual.

Parsing the shipped YAML (rulesets/ and the report message catalogs) takes another
~50 ms even with libyaml. The same file keeps each one's parsed content as JSON, keyed by
the SHA-256 of its bytes: :func:`parsed_yaml` returns a fresh copy for bytes it knows and
None for any other, which is then parsed as YAML. Only documents that survive a JSON
round trip unchanged are kept (dates are kept as ``{"$date": ...}``; documents with
non-string keys or other types are not kept).

The test suite fails when the file is out of date:

    python -m scanner.knowledge           # validate everything, then stamp it
    python -m scanner.knowledge --check   # exit 1 when a stamp is stale
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from scanner.paths import rulesets_dir

STAMP_FILE = "_validated.json"
_PKG = Path(__file__).resolve().parents[1]
#: What validates each kind: a change to this code makes its stamp stale.
VALIDATORS = {
    "rules": ("rules/schema.py", "rules/loader.py"),
    "sdks": ("sdk/loader.py", "sdk/model.py"),
}


def digest(kind: str, files: Iterable[tuple[str, bytes]]) -> str | None:
    """SHA-256 over the validator sources of ``kind`` and the ``(name, bytes)`` files, in
    the order given; None when a validator source cannot be read."""
    h = hashlib.sha256(kind.encode() + b"\0")
    for rel in VALIDATORS[kind]:
        try:
            h.update((_PKG / rel).read_bytes())
        except OSError:
            return None
        h.update(b"\0")
    for name, data in files:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


@functools.cache
def _stamps(folder: Path) -> dict:
    try:
        doc = json.loads((folder / STAMP_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def is_validated(folder: Path, kind: str, value: str | None) -> bool:
    """Whether ``value`` (a :func:`digest`) is the stamp recorded for ``kind`` in the
    rulesets ``folder``."""
    return value is not None and _stamps(Path(folder)).get(kind) == value


@functools.cache
def _yaml_cache() -> dict[str, dict]:
    cache = _stamps(rulesets_dir()).get("yaml")
    return cache if isinstance(cache, dict) else {}


_DATE = "$date"


def _encode_date(value: object) -> dict:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return {_DATE: value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept")


def _decode_date(obj: dict) -> object:
    if len(obj) == 1 and _DATE in obj:
        return _dt.date.fromisoformat(obj[_DATE])
    return obj


def parsed_yaml(raw: bytes) -> object | None:
    """The parsed content of a shipped YAML file with exactly these bytes, else None."""
    cache = _yaml_cache()
    if not cache:
        return None
    entry = cache.get(hashlib.sha256(raw).hexdigest())
    if not isinstance(entry, dict):
        return None
    hook = _decode_date if entry.get("dates") else None
    return json.loads(entry["json"], object_hook=hook)


def _yaml_files(folder: Path) -> dict[str, dict]:
    """sha256 -> {json, dates} of every YAML file of rulesets/ and reports/ that round-trips."""
    import yaml

    from scanner.paths import reports_dir

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, dict] = {}
    for root in (folder, reports_dir()):
        for path in sorted(root.rglob("*.yaml")):
            if "_tools" in path.relative_to(root).parts:
                continue
            raw = path.read_bytes()
            doc = yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader
            try:
                text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                dates = False
            except TypeError:  # YAML dates: kept as {"$date": "..."}
                try:
                    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                                      default=_encode_date)
                except (TypeError, ValueError):
                    continue
                dates = True
            except ValueError:
                continue
            if json.loads(text, object_hook=_decode_date if dates else None) == doc:
                out[hashlib.sha256(raw).hexdigest()] = {"json": text, "dates": dates}
    return out


def current(folder: Path | None = None) -> dict[str, str]:
    """Validate the rules and SDK catalogues of ``folder`` in full and return their
    digests (raises RulesetError on the first invalid entry)."""
    from scanner.rules.loader import load_rules_from, rule_files
    from scanner.sdk.loader import catalogue_files, load_files

    folder = Path(folder) if folder else rulesets_dir()
    rules = load_rules_from(folder, trust=False)
    sdks = load_files(catalogue_files(folder / "sdks"), trust=False)
    return {"rules": rules.digest, "sdks": sdks.digest, "yaml": _yaml_files(folder),
            "note": "written by python -m scanner.knowledge after full validation",
            "files": {"rules": [p for p, _ in rule_files(folder)],
                      "sdks": list(sdks.files)}}  # type: ignore[dict-item]


def main(argv: list[str] | None = None) -> int:
    from scanner.generated import write_or_check

    folder = rulesets_dir()
    text = json.dumps(current(folder), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    return write_or_check(folder / STAMP_FILE, text, "python -m scanner.knowledge",
                          sys.argv[1:] if argv is None else argv)
