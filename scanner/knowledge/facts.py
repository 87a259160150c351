"""The fact schema (rulesets/facts.yaml): every fact kind, its fields and their types.

Contract
--------
* :func:`parse_fact_schema` reads the document (``version``, ``facts: {kind: {about,
  emitted_by, fields: {name: type}}}``) and raises :class:`RulesetError` naming the file
  and key for a malformed entry or an unknown type.
* Types: ``string``, ``integer`` (not a boolean), ``number`` (integer or decimal, not a
  boolean), ``boolean``, ``map``, ``any``, ``list`` or ``list[<type>]``; a trailing ``?``
  also allows null.
* :meth:`FactSchema.field_problem` says what is wrong with a field a rule names (unknown
  kind, unknown field, a dotted path into a field that is no map), or None;
  :meth:`FactSchema.fact_problems` lists what is wrong with a fact (unknown kind, unknown
  field, wrong type): the rules loader and the conformance test use them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import RulesetError
from scanner.messages import english, msg

BASE_TYPES = ("string", "integer", "number", "boolean", "map", "any", "list")
_TYPE = re.compile(r"^(?P<base>[a-z]+)(\[(?P<item>[a-z]+\??)\])?(?P<null>\?)?$")


@dataclass(frozen=True)
class FieldType:
    """The type of one fact field."""

    base: str
    item: FieldType | None = None
    nullable: bool = False

    @classmethod
    def parse(cls, text: str) -> FieldType:
        """``"boolean?"``, ``"list[string]"``… → FieldType; ValueError when unknown."""
        m = _TYPE.match(str(text).strip())
        if not m or m["base"] not in BASE_TYPES or (m["item"] and m["base"] != "list"):
            raise ValueError(f"unknown type {text!r} (one of {', '.join(BASE_TYPES)}, "
                             "list[<type>], with ? for nullable)")
        return cls(m["base"], cls.parse(m["item"]) if m["item"] else None, bool(m["null"]))

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` (as a fact holds it) is of this type."""
        if value is None:
            return self.nullable or self.base == "any"
        b = self.base
        if b == "any":
            return True
        if b == "string":
            return isinstance(value, str)
        if b == "boolean":
            return isinstance(value, bool)
        if b == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if b == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if b == "map":
            return isinstance(value, Mapping)
        if not isinstance(value, (list, tuple)):
            return False
        return self.item is None or all(self.item.accepts(v) for v in value)

    def __str__(self) -> str:
        inner = f"[{self.item}]" if self.item else ""
        return f"{self.base}{inner}{'?' if self.nullable else ''}"


@dataclass(frozen=True)
class FactKind:
    """One fact kind: its fields and the module that emits it."""

    name: str
    fields: dict[str, FieldType]
    emitted_by: str = ""


@dataclass(frozen=True)
class FactSchema:
    """Every fact kind of a rulesets folder."""

    kinds: dict[str, FactKind]

    def field_problem(self, kind: str, name: str) -> str | None:
        """What is wrong with a rule naming field ``name`` of facts of ``kind`` (None: ok),
        in English; :meth:`field_problem_message` gives it as a message."""
        m = self.field_problem_message(kind, name)
        return english(m) if m else None

    def field_problem_message(self, kind: str, name: str) -> dict[str, Any] | None:
        """:meth:`field_problem` as a message (scanner.messages). A dotted name reaches
        into a ``map`` or ``any`` field."""
        fk = self.kinds.get(kind)
        if fk is None:
            return msg("rs_fact_unknown_kind", kind=kind)
        head, dot, _ = name.partition(".")
        ft = fk.fields.get(head)
        if ft is None:
            return msg("rs_fact_no_field", kind=kind, field=head, fields=sorted(fk.fields))
        if dot and ft.base not in ("map", "any"):
            return msg("rs_fact_not_map", kind=kind, field=head, type=str(ft), name=name)
        return None

    def fact_problems(self, kind: str, attrs: Mapping[str, Any]) -> list[str]:
        """What is wrong with a fact of ``kind`` with these attributes (empty: conforms),
        in English; :meth:`fact_problem_messages` gives them as messages."""
        return [english(m) for m in self.fact_problem_messages(kind, attrs)]

    def fact_problem_messages(self, kind: str, attrs: Mapping[str, Any]) -> list[dict]:
        """:meth:`fact_problems` as messages (scanner.messages)."""
        fk = self.kinds.get(kind)
        if fk is None:
            return [msg("rs_fact_unknown_kind_short", kind=kind)]
        out = []
        for name, value in attrs.items():
            ft = fk.fields.get(name)
            if ft is None:
                out.append(msg("rs_fact_unknown_field", kind=kind, field=name))
            elif not ft.accepts(value):
                out.append(msg("rs_fact_bad_value", kind=kind, field=name, value=repr(value),
                               type=str(ft)))
        return out


def parse_fact_schema(doc: Any, where: str = "facts.yaml") -> FactSchema:
    """Read and check the fact schema document; see the module contract."""
    if not isinstance(doc, dict) or not isinstance(doc.get("facts"), dict):
        raise RulesetError("err_rs_missing_key", where=where, key="facts")
    kinds = {}
    for kind, entry in doc["facts"].items():
        at = f"{where}: facts.{kind}"
        if not re.match(r"^[a-z_]+(\.[a-z_]+)+$", str(kind)):
            raise RulesetError("err_rs_must_be", where=at, what=msg("rs_fact_kind_name"))
        if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
            raise RulesetError("err_rs_missing_key", where=at, key="fields")
        fields = {}
        for name, text in entry["fields"].items():
            try:
                fields[str(name)] = FieldType.parse(text)
            except ValueError as e:
                raise RulesetError("err_rs_fact_type", where=f"{at}.fields.{name}",
                                   type=str(text), known=list(BASE_TYPES),
                                   list_form="list[<type>]") from e
        kinds[str(kind)] = FactKind(str(kind), fields, str(entry.get("emitted_by", "")))
    return FactSchema(kinds)
