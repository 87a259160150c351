"""Options and output writing shared by the commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from scanner.errors import UsageError
from scanner.model.findings import SEVERITY_NAMES
from scanner.model.result import ScanResult
from scanner.report import FORMATS, get_format
from scanner.report.json import dumps, result_document

SEVERITY_CHOICES = SEVERITY_NAMES


def parse_formats(value: str) -> list[str]:
    """``json,html`` → ["json", "html"], refusing unknown names."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in FORMATS]
    if bad:
        raise UsageError(f"unknown format(s) {', '.join(bad)}; choose from "
                         f"{', '.join(sorted(FORMATS))}")
    return names


def output_options(fn):
    """--out, --format, --lang, --fail-on."""
    fn = click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None,
                      help="Exit 1 when a finding is at or above this severity.")(fn)
    fn = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                      help="Report language.")(fn)
    fn = click.option("--format", "formats", default="json,html", show_default=True,
                      help=f"Comma-separated output formats: {', '.join(sorted(FORMATS))}.")(fn)
    fn = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
                      default=None, help="Output folder (default ./appaudit-out/<name>/).")(fn)
    return fn


def default_out(name: str) -> Path:
    """./appaudit-out/<name>/ with the name made filesystem-safe."""
    safe = re.sub(r"[^\w.\-]+", "_", name)[:100] or "result"
    return Path("appaudit-out") / safe


def output_path(out: Path, fmt: str) -> Path:
    """Where a format is written inside the output folder."""
    return out / get_format(fmt).output_name


def write_outputs(doc: dict[str, Any], out: Path, formats: list[str], lang: str) -> list[Path]:
    """Write result.json (always) and each asked format into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    path = out / "result.json"
    path.write_text(dumps(doc), encoding="utf-8")
    written.append(path)
    for fmt in formats:
        if fmt == "json":
            continue
        target = output_path(out, fmt)
        data = get_format(fmt).render(doc, lang)
        if isinstance(data, dict):  # multi-file formats (csv): name → bytes
            target.mkdir(parents=True, exist_ok=True)
            for name, blob in data.items():
                (target / name).write_bytes(blob)
        else:
            target.write_bytes(data)
        written.append(target)
    return written


def print_summary(doc: dict[str, Any], written: list[Path]) -> None:
    """A short summary table on stdout."""
    s = doc["summary"]
    app = doc.get("app") or {}
    if app:
        click.echo(f"app       {app.get('package')}  {app.get('label') or ''}  "
                   f"v{app.get('version_name') or '?'}  target {app.get('target_sdk')}")
    sev = s["by_severity"]
    click.echo("findings  " + "  ".join(f"{k} {sev[k]}" for k in SEVERITY_CHOICES[::-1]))
    if doc.get("command") != "pricing":
        click.echo(f"evidence  api_uses {s['api_uses']}  sdks {s['sdks']}  "
                   f"transmissions {s['transmissions']}")
    for f in (doc.get("findings") or [])[:15]:
        click.echo(f"  {f['severity']:<8} {f['rule']:<15} {f['title']['zh']}")
    if len(doc.get("findings") or []) > 15:
        click.echo(f"  … {len(doc['findings']) - 15} more")
    if doc.get("partial"):
        click.echo("partial   " + "; ".join(f"{x['what']}: {x['reason']}" for x in doc["skipped"]))
    for p in written:
        click.echo(f"wrote     {p}")


def exit_code_for(doc: dict[str, Any], fail_on: str | None) -> int:
    """1 when a finding is at or above ``fail_on``, else 0."""
    if not fail_on:
        return 0
    threshold = SEVERITY_CHOICES.index(fail_on)
    worst = max((SEVERITY_CHOICES.index(f["severity"]) for f in doc.get("findings") or ()),
                default=-1)
    return 1 if worst >= threshold else 0


def finish(result: ScanResult, out: Path, formats: list[str], lang: str,
           fail_on: str | None) -> None:
    """Write outputs, print the summary and exit with the contract's code."""
    doc = result_document(result)
    written = write_outputs(doc, out, formats, lang)
    print_summary(doc, written)
    raise SystemExit(exit_code_for(doc, fail_on))
