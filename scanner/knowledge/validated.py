"""Stamps of the shipped rulesets that the test suite has validated, and their YAML
files already parsed (the runtime side; :mod:`scanner.stamps` writes the file).

Validating every rule against its JSON Schema and every SDK signature entry field by
field costs about 130 ms of CPU per process (importing jsonschema alone is a good part),
on data that only changes with a commit. ``rulesets/_validated.json`` records, for the
rules and for the SDK catalogues, a digest of their content as validated. At load time the
same digest is computed over the data actually read (about 1 ms); when it equals the
stamp, the field-by-field validation is skipped, otherwise (an edited rule, a custom
rulesets folder) everything is validated as usual. The digest covers what the data says,
not how it is written: YAML files count by their parsed content (a comment does not
count), JSON files by their bytes.

Parsing the shipped YAML (rulesets/ and the report message catalogs) takes another
~130 ms even with libyaml. The same file keeps each one's parsed content as JSON, keyed by
the SHA-256 of its bytes: :func:`parsed_yaml` returns a fresh copy for bytes it knows and
None for any other, which is then parsed as YAML (an edited file is only slower to load).
Only documents that survive a JSON round trip unchanged are kept (dates are kept as
``{"$date": ...}``; documents with non-string keys or other types are not kept).

Measured on a fixture scan (``appaudit scan corpus/apk/privacy_heavy.apk``, CPU time of
the process): 0.97 s with the file, 1.29 s without it (benchmarks/README.md).

The test suite fails when a stamp is stale, that is when the rules or SDK catalogues say
something else, or the code that validates them changed (comments and docstrings aside):

    python -m scanner.knowledge           # validate everything, then stamp it
    python -m scanner.knowledge --check   # exit 1 when a stamp is stale
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from scanner.paths import rulesets_dir
from scanner.preparsed import STAMP_FILE, decode_date, encode_date
from scanner.preparsed import parsed_yaml as _parsed_yaml
from scanner.preparsed import stamps as _stamps

__all__ = ["STAMP_FILE", "canonical", "decode_date", "digest", "encode_date", "is_validated",
           "parsed_yaml"]


def canonical(doc: object) -> bytes:
    """A parsed document as canonical JSON bytes (what a digest of its content covers)."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def digest(kind: str, files: Iterable[tuple[str, bytes]]) -> str:
    """SHA-256 over ``kind`` and the ``(name, content)`` pairs in the order given, content
    being a file's bytes or :func:`canonical` of its parsed document."""
    h = hashlib.sha256(kind.encode() + b"\0")
    for name, data in files:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def is_validated(folder: Path, kind: str, value: str | None) -> bool:
    """Whether ``value`` (a :func:`digest`) is the stamp recorded for ``kind`` in the
    rulesets ``folder``."""
    return value is not None and _stamps(Path(folder)).get(kind) == value


def parsed_yaml(raw: bytes) -> object | None:
    """The parsed content of a shipped YAML file with exactly these bytes, else None."""
    return _parsed_yaml(raw, rulesets_dir())
