"""``appaudit rules list|show ID|test|categories``: the rule tooling."""

from __future__ import annotations

import click

from scanner.rules.loader import load_rules
from scanner.rules.selftest import run_all


@click.group("rules")
def rules() -> None:
    """List, show and test the compliance rules."""


@rules.command("list")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def list_rules(lang: str) -> None:
    """Every rule: id, severity, status, title."""
    for r in load_rules().rules:
        click.echo(f"{r.id:<15} {r.severity.value:<8} {r.status:<12} {r.title.get(lang)}")


@rules.command("show")
@click.argument("rule_id")
def show(rule_id: str) -> None:
    """One rule with its legal basis (citations resolved)."""
    r = load_rules().get(rule_id)
    click.echo(f"{r.id}  [{r.severity.value}, {r.status}, confidence {r.confidence}]")
    click.echo(f"  {r.title.zh}\n  {r.title.en}")
    click.echo(f"\n  {r.description.zh}\n  {r.description.en}\n")
    click.echo(f"  match: {r.match}")
    click.echo("  legal basis:")
    for c in r.legal_basis:
        click.echo(f"    - {c.cite}: {c.instrument.zh} {c.article.zh} / {c.instrument.en} "
                   f"{c.article.en}")
        click.echo(f"      {c.summary.zh}")
        if c.note:
            note = c.note if isinstance(c.note, str) else f"{c.note.zh} / {c.note.en}"
            click.echo(f"      note: {note}")
    fps = r.doc.get("falsepositives") or []
    if fps:
        click.echo("  false positives: " + "; ".join(fps))
    click.echo(f"  file: {r.path}")


@rules.command("test")
def test() -> None:
    """Run every rule's embedded match / no-match cases."""
    results = run_all(load_rules().rules)
    failed = [r for r in results if not r.passed]
    for r in failed:
        click.echo(f"FAIL {r.rule} {r.name}: {r.detail}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    raise SystemExit(1 if failed else 0)


@rules.command("categories")
def categories() -> None:
    """The 39 app types and their necessary PI."""
    kb = load_rules().knowledge
    for c in sorted(kb.categories.values(), key=lambda c: c.number):
        pis = ", ".join(c.necessary_pi) or "—"
        click.echo(f"{c.number:>2} {c.id:<24} {c.zh:<10} {pis}")


COMMANDS = [rules]
