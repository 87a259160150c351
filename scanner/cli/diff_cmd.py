"""``appaudit diff``: the rectification re-check (整改复检) of a new version against an old one.

Exit codes: 0 nothing remains, is new or went unchecked at or above ``--fail-on`` (or
``--fail-on`` not given); 1 something does; 2 usage; 3 the inputs are not two scan results of
one app.
"""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import (
    SEVERITY_CHOICES,
    InputPath,
    default_out,
    parse_formats,
    write_outputs,
)
from scanner.cli.helptext import LANG_OPTION, Command
from scanner.cli.report_cmd import load_result


def _echo_list(line, key: str, rows: list[dict], lang: str) -> None:
    from scanner.cli.common import pad
    from scanner.report.view import pick

    line(key, str(len(rows)))
    for e in rows:
        sev = e.get("severity") or ""
        click.echo(f"  {pad(line.m.get('sev_' + sev, sev), 6)} {e['rule']:<15} "
                   f"{pick(e.get('title'), lang) or e['rule']}")


@click.command("diff", cls=Command)
@click.argument("old", type=InputPath())
@click.argument("new", type=InputPath())
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--format", "formats", default="json,html", show_default=True)
@click.option("--lang", **LANG_OPTION)
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None)
def diff(old: Path, new: Path, out: Path | None, formats: str, lang: str,
         fail_on: str | None) -> None:
    """Re-check: compare OLD_RESULT.json with NEW_RESULT.json (fixed, remaining, new)."""
    from scanner.recheck import compare
    from scanner.report.json import NOTICE, summarize
    from scanner.timeparse import now_iso

    names = parse_formats(formats)
    started = now_iso()
    old_doc, new_doc = load_result(old), load_result(new)
    doc = compare(old_doc, new_doc, str(old), str(new), threshold=fail_on or "low")
    doc["started"], doc["finished"] = started, now_iso()
    doc["partial"] = bool(new_doc.get("partial"))
    doc["summary"] = summarize(doc)
    doc["notice"] = NOTICE
    d = doc["diff"]
    target = out or default_out(f"{d['versions']['new']['package']}-recheck")
    written = write_outputs(doc, target, names, lang)
    from scanner.cli.common import Lines
    from scanner.report.view import pick

    o, n = d["versions"]["old"], d["versions"]["new"]
    line = Lines(lang, "term_app", "cli_fixed", "cli_remaining", "cli_new", "cli_unchecked",
                 "verdict", "term_wrote")
    line("term_app", f"{n['package']}  {n.get('label') or ''}  " + line.m["cli_versions"].format(
        old=o.get("version_name") or "?", new=n.get("version_name") or "?"))
    _echo_list(line, "cli_fixed", d["fixed"], lang)
    _echo_list(line, "cli_remaining", d["remaining"], lang)
    _echo_list(line, "cli_new", d["new"], lang)
    if d["not_rechecked"]:
        _echo_list(line, "cli_unchecked", d["not_rechecked"], lang)
    threshold = line.m.get("sev_" + str(d["threshold"]), str(d["threshold"]))
    line("verdict", pick(d["verdict_text"], lang) + line.m["cli_threshold"].format(t=threshold))
    for p in written:
        line("term_wrote", str(p))
    failing = fail_on and d["verdict"] == "not_rectified"
    raise SystemExit(1 if failing else 0)


COMMANDS = [diff]
