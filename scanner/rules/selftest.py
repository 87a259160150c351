"""Running each rule's embedded test cases (``appaudit rules test`` and pytest share this)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scanner.messages import english, msg
from scanner.model.facts import Fact
from scanner.rules.loader import Rule


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one embedded test case: ``detail`` in English, ``detail_msg`` the same as
    a message (scanner.messages) that ``appaudit rules test`` says in its ``--lang``."""

    rule: str
    name: str
    passed: bool
    detail: str
    detail_msg: dict[str, Any] | None = None


#: the name of the result that reports a rule's missing test cases
STRUCTURE = "(structure)"


def _result(rule: str, name: str, passed: bool, detail: dict[str, Any]) -> CaseResult:
    return CaseResult(rule, name, passed, english(detail), detail)


def case_facts(case: dict) -> list[Fact]:
    """The facts of a test case: each item is ``{kind: ..., <attrs>...}``."""
    facts = []
    for item in case.get("facts") or ():
        attrs = {k: v for k, v in item.items() if k != "kind"}
        facts.append(Fact(item["kind"], attrs))
    return facts


def run_case(rule: Rule, case: dict) -> CaseResult:
    """Evaluate the rule on the case's facts and compare with its expectation."""
    findings = rule.evaluate(case_facts(case))
    expect = case["expect"]
    if rule.status == "deprecated":
        return _result(rule.id, case["name"], True, msg("selftest_deprecated"))
    if expect == "match":
        ok = bool(findings)
        if ok and "findings" in case:
            ok = len(findings) == case["findings"]
            detail = msg("selftest_n_findings", want=case["findings"], n=len(findings))
        else:
            detail = msg("selftest_matched" if ok else "selftest_no_match_found")
    else:
        ok = not findings
        detail = msg("selftest_no_match") if ok else msg("selftest_unexpected_match",
                                                        n=len(findings))
    return _result(rule.id, case["name"], ok, detail)


def structural_problems(rule: Rule) -> list[str]:
    """A rule must carry at least one match and one no-match case (in English;
    :func:`structural_problem_messages` gives them as messages)."""
    return [english(m) for m in structural_problem_messages(rule)]


def structural_problem_messages(rule: Rule) -> list[dict[str, Any]]:
    """:func:`structural_problems` as messages (scanner.messages)."""
    expects = {c["expect"] for c in rule.doc.get("tests") or ()}
    return [msg("selftest_missing_case", expect=expect)
            for expect in ("match", "no_match") if expect not in expects]


def run_all(rules: Iterable[Rule]) -> list[CaseResult]:
    """Every case of every rule, plus a failing result per structural problem."""
    results = []
    for rule in rules:
        results.extend(_result(rule.id, STRUCTURE, False, problem)
                       for problem in structural_problem_messages(rule))
        results.extend(run_case(rule, case) for case in rule.doc.get("tests") or ())
    return results
