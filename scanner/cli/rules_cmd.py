"""``appaudit rules list|show ID|test|categories``: the rule tooling."""

from __future__ import annotations

import click

from scanner.cli.helptext import LANG_OPTION, Group
from scanner.rules.loader import load_rules
from scanner.rules.selftest import STRUCTURE, run_all


@click.group("rules", cls=Group)
@click.option("--lang", **LANG_OPTION)
def rules(lang: str) -> None:
    """The rule tooling (help text: cli_doc_rules); --lang here is the subcommands' default."""


@rules.command("list")
@click.option("--lang", **LANG_OPTION)
def list_rules(lang: str) -> None:
    """Every rule: id, severity, status, title."""
    from scanner.cli.common import pad
    from scanner.report.i18n import messages

    m = messages(lang)
    for r in load_rules().rules:
        click.echo(f"{r.id:<15} {pad(m['sev_' + r.severity.value], 8)} "
                   f"{pad(m.get('status_' + r.status, r.status), 14)}{r.title.get(lang)}")


@rules.command("show")
@click.argument("rule_id")
@click.option("--lang", **LANG_OPTION)
def show(rule_id: str, lang: str) -> None:
    """One rule with its legal basis (citations resolved): labels in --lang, the rule's
    texts in both languages (for rule authors: the two must say the same)."""
    from scanner.report.i18n import messages

    m = messages(lang)
    r = load_rules().get(rule_id)
    click.echo(f"{r.id}  " + m["cli_rule_head"].format(
        sev=m["sev_" + r.severity.value], status=m.get("status_" + r.status, r.status),
        conf=m.get("conf_" + str(r.confidence), r.confidence)))
    click.echo(f"  {r.title.zh}\n  {r.title.en}")
    click.echo(f"\n  {r.description.zh}\n  {r.description.en}\n")
    click.echo(f"  {m['cli_match']}: {r.match}")
    click.echo(f"  {m['cli_legal_basis']}:")
    for c in r.legal_basis:
        click.echo(f"    - {c.cite}: {c.instrument.zh} {c.article.zh} / {c.instrument.en} "
                   f"{c.article.en}")
        click.echo(f"      {c.summary.get(lang)}")
        if c.note:
            note = c.note if isinstance(c.note, str) else f"{c.note.zh} / {c.note.en}"
            click.echo(f"      {m['cli_note']}: {note}")
    fps = r.doc.get("falsepositives") or []
    if fps:  # each in both languages, as the rule's texts above
        click.echo(f"  {m['cli_false_positives']}:")
        for fp in fps:
            click.echo(f"    - {fp['zh']}\n      {fp['en']}")
    click.echo(f"  {m['cli_file']}: {r.path}")


@rules.command("test")
@click.option("--lang", **LANG_OPTION)
def test(lang: str) -> None:
    """Run every rule's embedded match / no-match cases."""
    from scanner.messages import text_of
    from scanner.report.i18n import messages

    m = messages(lang)
    results = run_all(load_rules().rules)
    failed = [r for r in results if not r.passed]
    for r in failed:
        detail = text_of(r.detail_msg or r.detail, lang)
        name = m["selftest_structure"] if r.name == STRUCTURE else r.name
        click.echo(m["cli_rules_test_fail"].format(rule=r.rule, name=name, detail=detail))
    click.echo(m["cli_rules_test"].format(p=len(results) - len(failed), f=len(failed)))
    raise SystemExit(1 if failed else 0)


@rules.command("categories")
@click.option("--lang", **LANG_OPTION)
def categories(lang: str) -> None:
    """The 39 app types: id and Chinese name (either is accepted by --category), English
    name and necessary PI."""
    from scanner.cli.common import display_width, pad
    from scanner.report.i18n import messages

    m = messages(lang)
    kb = load_rules().knowledge
    cats = sorted(kb.categories.values(), key=lambda c: c.number)
    w_id = max(len(c.id) for c in cats) + 2
    w_zh = max(display_width(x) for x in [m["cat_col_zh"], *(c.zh for c in cats)]) + 2
    w_en = max(display_width(x) for x in [m["cat_col_en"], *(c.en for c in cats)]) + 2
    click.echo(f"{'#':>2} {pad('id', w_id)}{pad(m['cat_col_zh'], w_zh)}"
               f"{pad(m['cat_col_en'], w_en)}{m['necessary_for']}")
    for c in cats:
        pis = ", ".join(kb.pi_name(p, lang) for p in c.necessary_pi) or (
            m["no_pi_needed"] if c.no_pi_needed else "—")
        click.echo(f"{c.number:>2} {pad(c.id, w_id)}{pad(c.zh, w_zh)}{pad(c.en, w_en)}{pis}")
    click.echo(m["cat_hint"])


COMMANDS = [rules]
