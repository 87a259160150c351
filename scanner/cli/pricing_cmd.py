"""``appaudit pricing``: compare the prices several user profiles saw (大数据杀熟 audit)."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import check_input, default_out, finish, output_options, parse_formats
from scanner.cli.helptext import Command
from scanner.errors import UsageError
from scanner.model.result import ScanResult
from scanner.pricing.pipeline import PricingRequest, run_pricing


def parse_assignment(value: str, option: str) -> tuple[str, tuple[Path, ...]]:
    """"NAME=FILE[,FILE]" → (name, files)."""
    name, sep, files = value.partition("=")
    paths = tuple(Path(f.strip()) for f in files.split(",") if f.strip())
    if not sep or not name.strip() or not paths:
        raise UsageError("err_name_file", option=option, value=repr(value))
    return name.strip(), paths


def print_pricing(result: ScanResult, lang: str = "zh") -> None:
    """The price verdict, then one line per comparison (prices, rankings, terms,
    personalisation off), in the report language, before the common summary."""
    from scanner.cli.common import pad, summary_width
    from scanner.report.i18n import messages
    from scanner.report.view import measured_noise, pick, ranking_verdict, term_verdict

    m = messages(lang)
    extra = result.extra
    width = summary_width(m, pricing=True)

    def line(kind: str, text: str) -> None:
        click.echo(pad(m["pricing_kind_" + kind], width) + text)

    def pair(treatment: str, baseline: str) -> str:
        return m["pricing_pair"].format(t=treatment, b=baseline)

    def num(value: float | None, spec: str) -> str:
        return "—" if value is None else format(value, spec)

    verdict = (extra.get("pricing") or {}).get("verdict")
    if verdict:
        line("verdict", m["verdict_" + verdict])
        if verdict == "cannot_tell_no_control":
            click.echo(" " * width + m["verdict_cannot_tell_note"])
    for c in extra.get("comparisons", []):
        med = c["median_rel_diff_beyond_noise"]
        median = (m["pricing_line_median"].format(dir=m["dir_" + c["direction"]],
                                                  med=f"{med:+.1%}")
                  if med is not None and c.get("direction") else "")
        line("price", m["pricing_line_price"].format(
            pair=pair(c["treatment"], c["baseline"]), n=c["n_items"], higher=c["n_higher"],
            lower=c["n_lower"],
            beyond=len(c["items_beyond_noise"]) if measured_noise(c) else "—", median=median,
            p=num(c["p_value"], ".3g"), noise=num(c["control_noise"], ".0%"),
            verdict=m["verdict_" + c["verdict"]]))
    for r in extra.get("rankings", []):
        line("ranking", m["pricing_line_ranking"].format(
            pair=pair(r["treatment"], r["baseline"]), list=r["list"], n=r["n_items"],
            tau=num(r["kendall_tau"], ".3f"), ctau=num(r.get("control_kendall_tau"), ".3f"),
            moved=r["n_items_beyond_noise"] if measured_noise(r) else "—",
            verdict=m[ranking_verdict(r)]))
    labels = {t["term"]: pick(t.get("label"), lang) or t["term"]
              for t in extra.get("terms", [])}
    for t in extra.get("term_comparisons", []):
        term = pick(t.get("label"), lang) or labels.get(t["term"]) or t["term"]
        line("term", m["pricing_line_term"].format(
            pair=pair(t["treatment"], t["baseline"]), term=term, n=t["n_items"],
            worse=t["n_worse"], better=t["n_better"],
            beyond=t["n_items_beyond_noise"] if measured_noise(t) else "—",
            verdict=m[term_verdict(t)]))
    for o in (extra.get("personalisation_off") or {}).get("comparisons", []):
        line("pers_off", m["pricing_line_pers_off"].format(
            pair=pair(o["profile"], o["reference"]),
            verdict=m["pers_off_differs"] if o["differs"] else m["pers_off_same"]))


@click.command("pricing", cls=Command)
@click.option("--profile", "profiles", multiple=True, required=True, metavar="NAME=FILE[,FILE]")
@click.option("--baseline", default=None)
@click.option("--control", "controls", multiple=True, metavar="NAME=FILE[,FILE]")
@click.option("--personalisation-off", "personalisation_off", multiple=True, metavar="NAME")
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
