"""Validation of result documents against reports/schema/result.schema.json (draft 2020-12).

``validate_result(doc)`` raises :class:`ResultSchemaError` (an :class:`InputError`, so a
stored result that fails it is bad input: exit 3) listing up to ten violations, each
with its JSON path, e.g. ``findings[2].severity: 'severe' is not one of [...]``.
The schema is versioned separately from the package (``schema_version``).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema

from scanner.errors import InputError
from scanner.paths import reports_dir

SCHEMA_FILE = "result.schema.json"
MAX_ERRORS = 10


class ResultSchemaError(InputError):
    """A result document does not follow the result.json schema."""

    def __init__(self, message: str, /, errors: list[str] | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.errors = errors or []


@functools.cache
def result_schema() -> dict[str, Any]:
    """The parsed result.json schema."""
    return json.loads((reports_dir() / "schema" / SCHEMA_FILE).read_text("utf-8"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(root)"


def result_errors(doc: Any) -> list[str]:
    """Every schema violation of ``doc`` as ``path: message`` lines, in document order."""
    errs = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_path(e.absolute_path)}: {e.message}" for e in errs]


def validate_result(doc: Any) -> None:
    """Raise :class:`ResultSchemaError` when ``doc`` is not a valid result.json document."""
    errors = result_errors(doc)
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS])
        from scanner.messages import msg

        raise ResultSchemaError(
            "err_result_schema", errors=errors, schema=SCHEMA_FILE,
            version=result_schema()["$id"].rsplit(":", 1)[-1], detail=shown,
            more=msg("err_and_more", n=len(errors) - MAX_ERRORS)
            if len(errors) > MAX_ERRORS else "")
