"""``appaudit pricing``: compare the prices several user profiles saw (大数据杀熟 audit)."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import check_input, default_out, finish, output_options, parse_formats
from scanner.errors import UsageError
from scanner.model.result import ScanResult
from scanner.pricing.pipeline import PricingRequest, run_pricing


def parse_assignment(value: str, option: str) -> tuple[str, tuple[Path, ...]]:
    """"NAME=FILE[,FILE]" → (name, files)."""
    name, sep, files = value.partition("=")
    paths = tuple(Path(f.strip()) for f in files.split(",") if f.strip())
    if not sep or not name.strip() or not paths:
        raise UsageError(f"{option} {value!r}: expected NAME=FILE[,FILE]")
    return name.strip(), paths


def print_pricing(result: ScanResult, lang: str = "zh") -> None:
    """The verdict, then one line per comparison, before the common summary."""
    from scanner.report.i18n import messages

    m = messages(lang)
    pricing = result.extra.get("pricing") or {}
    verdict = pricing.get("verdict")
    if verdict:
        click.echo(f"{m['verdict']}: {m['verdict_' + verdict]}")
        if verdict == "cannot_tell_no_control":
            click.echo(f"  {m['verdict_cannot_tell_note']}")
    for c in result.extra.get("comparisons", []):
        med = c["median_rel_diff_beyond_noise"]
        noise = "—" if c["control_noise"] is None else f"{c['control_noise']:.0%}"
        p = "—" if c["p_value"] is None else f"{c['p_value']:.3g}"
        click.echo(
            f"  {c['treatment']} vs {c['baseline']}: {c['n_items']} {m['n_items']}, "
            f"{m['n_higher']} {c['n_higher']} / {m['n_lower']} {c['n_lower']}, "
            f"{m['beyond_noise']} {len(c['items_beyond_noise'])}"
            + (f" ({m['dir_' + c['direction']]}, {m['median_rel_diff']} {med:+.1%})"
               if med is not None and c.get("direction") else "")
            + f", p={p}, {m['control_noise']} {noise}: {m['verdict_' + c['verdict']]}")
    for r in result.extra.get("rankings", []):
        tau = "n/a" if r["kendall_tau"] is None else f"{r['kendall_tau']:.3f}"
        ctau = ("n/a" if r.get("control_kendall_tau") is None
                else f"{r['control_kendall_tau']:.3f}")
        verdict = ("STEERING " + r["steering"] if r.get("steering") else
                   "DIFFERS" if r["beyond_noise"] else "no finding")
        click.echo(f"ranking   {r['treatment']} vs {r['baseline']}: {r['list']}: "
                   f"{r['n_items']} items, tau {tau} (control {ctau}), "
                   f"{r['n_items_beyond_noise']} moved beyond noise: {verdict}")
    for t in result.extra.get("term_comparisons", []):
        verdict = ("DISCRIMINATION" if t["discrimination"] else "no finding")
        click.echo(f"term      {t['treatment']} vs {t['baseline']}: {t['term']}: "
                   f"{t['n_items']} items, {t['n_worse']} worse / {t['n_better']} better, "
                   f"{t['n_items_beyond_noise']} beyond noise: {verdict}")
    for o in (result.extra.get("personalisation_off") or {}).get("comparisons", []):
        click.echo(f"pers-off  {o['profile']} vs {o['reference']}: "
                   + ("DIFFERS" if o["differs"] else "no difference beyond noise"))


@click.command("pricing")
@click.option("--profile", "profiles", multiple=True, required=True, metavar="NAME=FILE[,FILE]",
              help="A user profile and its capture(s): mitmproxy flow file or HAR (repeatable).")
@click.option("--baseline", default=None, help="Profile the others are compared with "
              "(default: the first --profile).")
@click.option("--control", "controls", multiple=True, metavar="NAME=FILE[,FILE]",
              help="A second capture of profile NAME, taken the same way: measures the noise "
                   "(repeatable).")
@click.option("--personalisation-off", "personalisation_off", multiple=True, metavar="NAME",
              help="Profile NAME was captured with personalised recommendation switched off "
                   "(repeatable); off profiles are compared with each other. The capture "
                   "addon's label appaudit_personalisation=off does the same.")
@output_options
def pricing(profiles: tuple[str, ...], baseline: str | None, controls: tuple[str, ...],
            personalisation_off: tuple[str, ...], out: Path | None, formats: str, lang: str,
            fail_on: str | None) -> None:
    """Compare item prices across user profiles against the control's noise."""
    profs = tuple(parse_assignment(v, "--profile") for v in profiles)
    ctrls = tuple(parse_assignment(v, "--control") for v in controls)
    for _name, files in profs + ctrls:
        for f in files:
            check_input(f, "capture file")
    fmts = parse_formats(formats)
    request = PricingRequest(
        profiles=profs, baseline=baseline, controls=ctrls,
        options={"profiles": {n: [str(f) for f in fs] for n, fs in profs},
                 "baseline": baseline,
                 "controls": {n: [str(f) for f in fs] for n, fs in ctrls},
                 "personalisation_off": list(personalisation_off)},
        personalisation_off=tuple(personalisation_off),
    )
    result = run_pricing(request)
    print_pricing(result, lang)
    name = "pricing-" + "-".join(n for n, _ in profs)
    finish(result, out or default_out(name), fmts, lang, fail_on)


COMMANDS = [pricing]
