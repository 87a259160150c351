"""The shape of a rule file, checked with JSON Schema before a rule is used."""

from __future__ import annotations

import functools
import re
from typing import Any

from scanner.errors import RulesetError
from scanner.model.findings import SEVERITY_NAMES
from scanner.rules.match import MODIFIERS

RULE_ID = re.compile(r"^(PRIV|ALGO|SEC)-[A-Z]{2,5}-\d{4}$")
SEVERITIES = SEVERITY_NAMES

_text = {"type": "object", "required": ["zh", "en"],
         "properties": {"zh": {"type": "string", "minLength": 1},
                        "en": {"type": "string", "minLength": 1}},
         "additionalProperties": False}
_where = {"type": "object"}

RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "status", "severity", "confidence", "description",
                 "applies_to", "legal_basis", "notice_category", "remediation", "match",
                 "tests"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": RULE_ID.pattern},
        "title": _text,
        "description": _text,
        "message": _text,
        "remediation": _text,
        "notice_category": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        "status": {"enum": ["experimental", "test", "stable", "deprecated"]},
        "severity": {"enum": list(SEVERITIES)},
        "confidence": {"enum": ["low", "medium", "high"]},
        "applies_to": {"type": "array", "items": {"enum": ["apk", "traffic", "runtime", "pricing"]},
                       "minItems": 1},
        "legal_basis": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["cite"], "additionalProperties": False,
                      "properties": {"cite": {"type": "string"},
                                     "note": _text}},
        },
        "match": {
            "type": "object", "required": ["fact"], "additionalProperties": False,
            "properties": {
                "fact": {"type": "string", "pattern": r"^[a-z_]+(\.[a-z_]+)+$"},
                "where": _where,
                "any": {"type": "array", "items": _where, "minItems": 1},
                "none": {"type": "array", "items": _where, "minItems": 1},
            },
        },
        "group_by": {"type": "array", "items": {"type": "string"}},
        "pi_types_from": {"type": "string"},
        "falsepositives": {"type": "array", "items": _text},  # when a match is no problem
        "references": {"type": "array", "items": {"type": "string"}},
        "related": {"type": "array", "items": {
            "type": "object", "required": ["id", "type"],
            "properties": {"id": {"type": "string"},
                           "type": {"enum": ["derived", "obsolete", "merged", "renamed",
                                             "similar"]}}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "tests": {
            "type": "array", "minItems": 2,
            "items": {"type": "object", "required": ["name", "expect", "facts"],
                      "additionalProperties": False,
                      "properties": {
                          "name": {"type": "string"},
                          "expect": {"enum": ["match", "no_match"]},
                          "findings": {"type": "integer", "minimum": 0},
                          "facts": {"type": "array",
                                    "items": {"type": "object", "required": ["kind"]}},
                      }},
        },
    },
}


@functools.cache
def _validator() -> Any:
    import jsonschema  # imported on first use: ~30 ms that a trusted ruleset never needs

    return jsonschema.Draft202012Validator(RULE_SCHEMA)  # schema checked once, in the tests


def validate_rule(doc: Any, where: str) -> None:
    """Raise :class:`RulesetError` naming the file and the first schema violation."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if error is not None:
        e = error
        path = "/".join(str(p) for p in e.absolute_path) or "(top)"
        raise RulesetError("err_rs_at", where=where, place=path, problem=_schema_problem(e))
    for block in [doc["match"].get("where") or {}, *(doc["match"].get("any") or []),
                  *(doc["match"].get("none") or [])]:
        for key in block:
            _, _, mod = key.partition("|")
            if mod and mod not in MODIFIERS:
                raise RulesetError("err_rs_unknown_modifier", where=f"{where}: match",
                                   mod=mod, key=key, known=sorted(MODIFIERS))


def _schema_problem(e: Any) -> dict[str, Any]:
    """A JSON Schema violation as a message (scanner.messages): the kinds a rule schema
    checks are worded in the catalogs; anything else quotes the validator's English."""
    from scanner.messages import msg

    kind, want, got = e.validator, e.validator_value, e.instance
    if kind == "required" and isinstance(got, dict):
        return msg("rs_schema_required", keys=[k for k in want if k not in got])
    if kind == "type":
        return msg("rs_schema_type", type=want if isinstance(want, str) else list(want),
                   value=_short(got))
    if kind == "enum":
        return msg("rs_schema_enum", value=_short(got), choices=[str(x) for x in want])
    if kind == "additionalProperties" and isinstance(got, dict):
        known = set(e.schema.get("properties") or {})
        return msg("rs_schema_extra", keys=sorted(str(k) for k in got if k not in known))
    if kind == "minItems":
        return msg("rs_schema_min_items", n=want)
    if kind == "minLength":
        return msg("rs_schema_min_length", n=want)
    if kind == "minimum":
        return msg("rs_schema_minimum", value=_short(got), min=want)
    if kind == "pattern":
        return msg("rs_schema_pattern", value=_short(got), pattern=want)
    return msg("rs_schema_other", detail=e.message)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
