"""Running each rule's embedded test cases (``appaudit rules test`` and pytest share this)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scanner.model.facts import Fact
from scanner.rules.loader import Rule


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one embedded test case."""

    rule: str
    name: str
    passed: bool
    detail: str


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
        return CaseResult(rule.id, case["name"], True, "deprecated rule: not evaluated")
    if expect == "match":
        ok = bool(findings)
        if ok and "findings" in case:
            ok = len(findings) == case["findings"]
            detail = f"expected {case['findings']} findings, got {len(findings)}"
        else:
            detail = "matched" if ok else "expected a match, got none"
    else:
        ok = not findings
        detail = "no match" if ok else f"expected no match, got {len(findings)} finding(s)"
    return CaseResult(rule.id, case["name"], ok, detail)


def structural_problems(rule: Rule) -> list[str]:
    """A rule must carry at least one match and one no-match case."""
    expects = {c["expect"] for c in rule.doc.get("tests") or ()}
    problems = []
    if "match" not in expects:
        problems.append("no 'match' test case")
    if "no_match" not in expects:
        problems.append("no 'no_match' test case")
    return problems


def run_all(rules: Iterable[Rule]) -> list[CaseResult]:
    """Every case of every rule, plus a failing result per structural problem."""
    results = []
    for rule in rules:
        results.extend(CaseResult(rule.id, "(structure)", False, problem)
                       for problem in structural_problems(rule))
        results.extend(run_case(rule, case) for case in rule.doc.get("tests") or ())
    return results
