"""Findings: a rule's verdict over facts, with severity, legal basis and evidence."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from scanner.model.locator import Locator


class Severity(enum.StrEnum):
    """Finding severity, ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """0 for info up to 4 for critical."""
        return list(Severity).index(self)


#: severity names, least severe first, and most severe first: the one list every table,
#: option and count uses (derived from :class:`Severity`, never re-declared)
SEVERITY_NAMES: tuple[str, ...] = tuple(s.value for s in Severity)
SEVERITY_NAMES_DESC: tuple[str, ...] = SEVERITY_NAMES[::-1]


@dataclass(frozen=True)
class Text:
    """A bilingual text; Chinese is the default language."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (zh or en), falling back to the other."""
        return (self.en or self.zh) if lang == "en" else (self.zh or self.en)


@dataclass(frozen=True)
class Citation:
    """A legal basis entry resolved from the citations catalogue."""

    cite: str
    instrument: Text
    article: Text
    summary: Text
    note: Text | str | None = None  # a rule's remark on this citation, {zh, en}
    url: str | None = None
    verified: bool | str | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence behind a finding: a fact summary and where it was read."""

    fact: str
    summary: dict[str, Any]
    locators: tuple[Locator, ...]


@dataclass(frozen=True)
class Finding:
    """A rule that matched, with everything a case officer needs to check it."""

    id: str
    rule: str
    severity: Severity
    confidence: str
    status: str
    title: Text
    description: Text
    pi_types: tuple[str, ...]
    legal_basis: tuple[Citation, ...]
    evidence: tuple[EvidenceItem, ...]
    subject: dict[str, Any]
    remediation: Text | None = None
    #: the problem category in the vocabulary of MIIT's notices (its Chinese term, as the
    #: notices print it) and its id in rulesets/notice-categories.yaml
    notice_category: str | None = None
    notice_category_id: str | None = None
    #: the rule's own title (``title`` is the rule's message for this subject, when it has
    #: one): formats that describe rules, such as SARIF, need nothing but the result
    rule_title: Text | None = None
