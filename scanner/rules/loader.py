"""Loading rule files and turning matched facts into findings.

A rule is one YAML file ``rulesets/rules/<area>/<ID>-<slug>.yaml``. Rules are
found by glob; ids are unique and never reused; every cited key must exist in
the citations catalogue. Deprecated rules load but never fire.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError, UsageError
from scanner.knowledge import Knowledge, load_knowledge, parse_yaml
from scanner.knowledge.validated import canonical, digest, is_validated
from scanner.messages import msg, os_reason
from scanner.model.facts import Fact
from scanner.model.findings import Citation, EvidenceItem, Finding, Severity, Text
from scanner.rules.match import fact_matches, finding_id, group_facts
from scanner.rules.schema import validate_rule

MAX_EVIDENCE_PER_FINDING = 200


@dataclass(frozen=True)
class Rule:
    """A validated rule; ``doc`` keeps the file's content for tests and display."""

    id: str
    path: Path
    title: Text
    description: Text
    severity: Severity
    confidence: str
    status: str
    applies_to: tuple[str, ...]
    legal_basis: tuple[Citation, ...]
    match: dict[str, Any]
    group_by: tuple[str, ...]
    pi_types_from: str | None
    doc: dict[str, Any]
    notice_category: str | None = None  # id in rulesets/notice-categories.yaml
    notice_term: str | None = None  # its Chinese term

    def evaluate(self, facts: Sequence[Fact],
                 pi_names: dict[str, dict] | None = None) -> list[Finding]:
        """Findings of this rule over the facts (none when deprecated).

        ``pi_names`` (PI type id → {zh, en}) lets messages say ``{pi_type_name}``.
        """
        if self.status == "deprecated":
            return []
        matched = [f for f in facts if fact_matches(self.match, f)]
        findings = []
        for subject, group in group_facts(matched, self.group_by):
            pi_types: set[str] = set()
            if self.pi_types_from:
                for f in group:
                    v = f.get(self.pi_types_from)
                    if isinstance(v, str):
                        pi_types.add(v)
                    elif isinstance(v, (list, tuple)):
                        pi_types.update(x for x in v if isinstance(x, str))
            evidence = tuple(
                EvidenceItem(fact=f.kind, summary=dict(f.attrs), locators=f.evidence)
                for f in group[:MAX_EVIDENCE_PER_FINDING]
            )
            message = self.doc.get("message")
            title = self.title
            if message:
                title = Text(_safe_format(message["zh"], _fmt_values(subject, pi_names, "zh")),
                             _safe_format(message["en"], _fmt_values(subject, pi_names, "en")))
            description = self.description
            if any("{" in t for t in (description.zh, description.en)):
                description = Text(
                    _safe_format(description.zh, _fmt_values(subject, pi_names, "zh")),
                    _safe_format(description.en, _fmt_values(subject, pi_names, "en")))
            rem = self.doc.get("remediation")
            if rem:
                rem = {lang: _safe_format(rem[lang], _fmt_values(subject, pi_names, lang))
                       for lang in ("zh", "en")}
            findings.append(Finding(
                id=finding_id(self.id, subject),
                rule=self.id,
                severity=self.severity,
                confidence=self.confidence,
                status=self.status,
                title=title,
                description=description,
                pi_types=tuple(sorted(pi_types)),
                legal_basis=self.legal_basis,
                evidence=evidence,
                subject=subject,
                remediation=Text(rem["zh"], rem["en"]) if rem else None,
                notice_category=self.notice_term,
                notice_category_id=self.notice_category,
                rule_title=self.title,
            ))
        return findings


#: What a message says is done to an API: call a method, read a field.
_VERBS = {"zh": ("调用", "读取"), "en": ("calls", "reads")}


def _fmt_values(subject: dict, pi_names: dict[str, dict] | None, lang: str) -> dict:
    """Subject values for message templates, plus for every key ``<key>_name`` (the display
    name of a PI type id or of an id of rulesets/vocabulary.yaml, else the value),
    ``<key>_readable`` (a Dalvik member as people write it: ``TelephonyManager.getDeviceId()``,
    ``Build.SERIAL``) and ``<key>_verb`` (调用 / 读取, calls / reads: method or field)."""
    from scanner.names import is_field, readable_member, vocabulary

    vocab = vocabulary()
    values = {k: ("" if v is None else v) for k, v in subject.items()}
    for k, v in subject.items():
        if pi_names and isinstance(v, str) and v in pi_names:
            values[f"{k}_name"] = pi_names[v].get(lang) or v
        elif isinstance(v, str) and v in vocab:
            values[f"{k}_name"] = vocab[v].get(lang) or v
        else:
            values.setdefault(f"{k}_name", values[k])
        if isinstance(v, str):
            values[f"{k}_readable"] = readable_member(v)
            values[f"{k}_verb"] = _VERBS[lang][1 if is_field(v) else 0]
    return values


def _safe_format(template: str, values: dict) -> str:
    class _Default(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"
    return template.format_map(_Default(values))


def resolve_citation(knowledge: Knowledge, cite: str, note: Any, where: str) -> Citation:
    """Look a citation key up in the catalogue."""
    entry = knowledge.citations.get(cite)
    if entry is None:
        raise RulesetError("err_rs_unknown_cite", where=where, cite=cite)

    def text(key: str) -> Text:
        v = entry.get(key) or {}
        if isinstance(v, str):
            return Text(v, v)
        return Text(str(v.get("zh", "")), str(v.get("en", "")))

    return Citation(cite=cite, instrument=text("instrument"), article=text("article"),
                    summary=text("summary"),
                    note=Text(str(note.get("zh", "")), str(note.get("en", "")))
                    if isinstance(note, dict) else note, url=entry.get("url"),
                    verified=entry.get("verified"))


def parse_rule(doc: Any, path: Path, knowledge: Knowledge, validate: bool = True) -> Rule:
    """Validate one rule document and resolve its citations (``validate=False`` skips the
    JSON Schema check, for a stamped ruleset: see :mod:`scanner.knowledge.validated`)."""
    where = str(path)
    if validate:
        validate_rule(doc, where)
    if not path.name.startswith(doc["id"]):
        raise RulesetError("err_rs_rule_file_name", where=where, id=str(doc["id"]))
    cites = tuple(resolve_citation(knowledge, lb["cite"], lb.get("note"), where)
                  for lb in doc["legal_basis"])
    _check_placeholders(doc, where)
    notice = doc.get("notice_category")
    term = None
    if notice is not None:
        entry = knowledge.notice_categories.get(notice)
        if entry is None:
            raise RulesetError("err_rs_unknown_notice", where=where, notice=str(notice))
        term = str(entry["zh"])
    _check_facts(doc, knowledge, where)
    return Rule(
        id=doc["id"], path=path, title=Text(**doc["title"]),
        description=Text(**doc["description"]), severity=Severity(doc["severity"]),
        confidence=doc["confidence"], status=doc["status"],
        applies_to=tuple(doc["applies_to"]), legal_basis=cites, match=doc["match"],
        group_by=tuple(doc.get("group_by") or ()), pi_types_from=doc.get("pi_types_from"),
        doc=doc, notice_category=notice, notice_term=term,
    )


def _check_facts(doc: dict, knowledge: Knowledge, where: str) -> None:
    """The fact kind and every field a rule names, and the facts of its test cases, must be
    in the fact schema (rulesets/facts.yaml): otherwise the rule would silently never fire,
    or its tests would pass on facts no detector emits."""
    schema = knowledge.facts
    match = doc["match"]
    kind = match["fact"]
    named = [(f"match.{part}", key.partition("|")[0])
             for part in ("where", "any", "none")
             for block in ([match.get(part)] if part == "where" else match.get(part) or [])
             for key in (block or {})]
    named += [("group_by", g) for g in doc.get("group_by") or ()]
    if doc.get("pi_types_from"):
        named.append(("pi_types_from", doc["pi_types_from"]))
    if kind not in schema.kinds:
        raise RulesetError("err_rs_at", where=where, place="match.fact",
                           problem=msg("rs_fact_unknown_kind", kind=kind))
    for place, name in named:
        problem = schema.field_problem_message(kind, name)
        if problem:
            raise RulesetError("err_rs_at", where=where, place=place, problem=problem)
    for case in doc.get("tests") or ():
        for item in case.get("facts") or ():
            attrs = {k: v for k, v in item.items() if k != "kind"}
            problems = schema.fact_problem_messages(str(item.get("kind")), attrs)
            if problems:
                raise RulesetError("err_rs_rule_test_fact", where=where,
                                   name=str(case.get("name")), problem=problems[0])


def _check_placeholders(doc: dict, where: str) -> None:
    """A message may only name fields the finding's subject has (its ``group_by``
    fields, or ``<field>_name`` for a PI type field); anything else would print as a
    literal ``{field}`` in every report."""
    keys = set(doc.get("group_by") or ())
    allowed = keys | {f"{k}_{s}" for k in keys for s in ("name", "readable", "verb")}
    for part in ("message", "remediation", "description"):
        for lang, template in (doc.get(part) or {}).items():
            for name in _PLACEHOLDER.findall(template):
                if name not in allowed:
                    raise RulesetError("err_rs_placeholder", where=where,
                                       place=f"{part}.{lang}", name="{" + name + "}",
                                       fields=sorted(keys) or "—")


_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class RuleSet:
    """All rules of a rulesets folder, sorted by id."""

    rules: tuple[Rule, ...]
    knowledge: Knowledge
    digest: str | None = None  # see scanner.knowledge.validated

    def get(self, rule_id: str) -> Rule:
        """The rule with that id; :class:`UsageError` when unknown."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise UsageError("err_no_such_rule", id=rule_id)

    def evaluate(self, facts: Iterable[Fact],
                 applies_to: Iterable[str] | None = None) -> list[Finding]:
        """Findings of every rule (optionally only rules for some input kinds), sorted."""
        # a rule matches facts of one kind: each rule sees only those (in their order),
        # not every fact of the scan
        by_kind: dict[str, list[Fact]] = {}
        for f in facts:
            by_kind.setdefault(f.kind, []).append(f)
        wanted = set(applies_to) if applies_to else None
        out: list[Finding] = []
        for rule in self.rules:
            if wanted is not None and not (wanted & set(rule.applies_to)):
                continue
            out.extend(rule.evaluate(by_kind.get(rule.match["fact"], ()),
                                     self.knowledge.display_names))
        out.sort(key=lambda f: (-f.severity.rank, f.rule, f.id))
        return out


def rule_files(folder: Path) -> list[tuple[str, bytes]]:
    """``(path relative to folder, bytes)`` of every rule file of a rulesets folder."""
    out = []
    for path in sorted((folder / "rules").rglob("*.yaml")):
        try:
            out.append((path.relative_to(folder).as_posix(), path.read_bytes()))
        except OSError as e:
            raise RulesetError("err_unreadable", path=str(path), reason=os_reason(e)) from e
    return out


@functools.cache
def load_rules(folder: Path | None = None) -> RuleSet:
    """Load every rule file below ``<rulesets>/rules`` (cached per folder)."""
    return load_rules_from(folder)


def load_rules_from(folder: Path | None = None, trust: bool = True) -> RuleSet:
    """Load every rule file below ``<rulesets>/rules``; with ``trust``, a ruleset whose
    digest equals its validation stamp skips the schema check (same rules either way)."""
    knowledge = load_knowledge(folder)
    docs = [(rel, parse_yaml(raw, knowledge.folder / rel, aliases=False))
            for rel, raw in rule_files(knowledge.folder)]
    value = digest("rules", [(rel, canonical(doc)) for rel, doc in docs])
    validate = not (trust and is_validated(knowledge.folder, "rules", value))
    rules = []
    seen: dict[str, Path] = {}
    for rel, doc in docs:
        path = knowledge.folder / rel
        rule = parse_rule(doc, path, knowledge, validate=validate)
        if rule.id in seen:
            raise RulesetError("err_rs_rule_id_used", path=str(path), id=rule.id,
                               first=str(seen[rule.id]))
        seen[rule.id] = path
        rules.append(rule)
    if not rules:
        raise RulesetError("err_rs_no_rules", folder=str(knowledge.folder / "rules"))
    return RuleSet(tuple(sorted(rules, key=lambda r: r.id)), knowledge, value)
