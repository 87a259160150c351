"""``appaudit policy``: a privacy policy against the app's behaviour (code, traffic, runtime)."""

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


@click.command("policy", cls=Command)
@click.argument("policy", nargs=-1, required=True, type=InputPath("policy file"))
@input_options("flows", "runtime", "device_facts", "consent_at", "tz", "category",
               apk=True)
@output_options
def policy(policy: tuple[Path, ...], apk: Path | None, flows: tuple[Path, ...],
           runtime_logs: tuple[Path, ...], device_facts: Path | None, consent_at: str | None,
           tz: str | None, category: str | None, out: Path | None, formats: str, lang: str,
           fail_on: str | None) -> None:
    """Compare a privacy policy (HTML, text, PDF) with what the app does."""
    fmts = parse_formats(formats)
    request = ScanRequest(
        apk=apk, flows=flows, runtime=runtime_logs, policy=policy, category=category,
        device_facts=device_facts, consent_at=consent_time(consent_at, tz), command="policy",
        options=record_options(category=category, policy=policy, apk=apk, flows=flows,
                               runtime=runtime_logs, device_facts=device_facts,
                               consent_at=consent_at, tz=tz))
    result = run(request)
    finish(result, out or default_out((apk or policy[0]).stem), fmts, lang, fail_on)


COMMANDS = [policy]
