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
        raise RulesetError(f"{where}: {path}: {e.message}")
    for block in [doc["match"].get("where") or {}, *(doc["match"].get("any") or []),
                  *(doc["match"].get("none") or [])]:
        for key in block:
            _, _, mod = key.partition("|")
            if mod and mod not in MODIFIERS:
                raise RulesetError(f"{where}: match: unknown modifier {mod!r} in {key!r}")
