"""``appaudit scan``: static audit of one APK, optionally joined with captured traffic."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import (
    InputPath,
    consent_time,
    default_out,
    finish,
    input_options,
    output_options,
    parse_formats,
    record_options,
)
from scanner.cli.helptext import Command
from scanner.engine import ScanRequest, run


@click.command("scan", cls=Command)
@click.argument("apk", type=InputPath())
@input_options("category", "flows", "device_facts", "consent_at", "tz", "first_party", "runtime",
               "policy")
@click.option("--no-leaks", is_flag=True)
@click.option("--leak-seconds", type=click.FloatRange(min=0.0), default=None)
@output_options
def scan(apk: Path, category: str | None, flows: tuple[Path, ...], device_facts: Path | None,
         consent_at: str | None, tz: str | None, first_party: tuple[str, ...],
         runtime_logs: tuple[Path, ...], policy: tuple[Path, ...], no_leaks: bool,
         leak_seconds: float | None, out: Path | None,
         formats: str, lang: str, fail_on: str | None) -> None:
    """Audit an APK: manifest, permissions, code, SDKs (and traffic with --flows)."""
    fmts = parse_formats(formats)
    request = ScanRequest(
        apk=apk, flows=flows, category=category, device_facts=device_facts,
        consent_at=consent_time(consent_at, tz),
        first_party=first_party, runtime=runtime_logs, policy=policy, command="scan",
        options={**record_options(category=category, flows=flows, device_facts=device_facts,
                                  consent_at=consent_at, tz=tz, first_party=first_party,
                                  runtime=runtime_logs, policy=policy),
                 "no_leaks": True if no_leaks else None, "leak_seconds": leak_seconds},
    )
    result = run(request)
    finish(result, out or default_out(apk.stem), fmts, lang, fail_on)


COMMANDS = [scan]
