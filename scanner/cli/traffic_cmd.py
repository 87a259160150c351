"""``appaudit traffic``: which personal information a captured session sends, to whom, when.

Reads mitmproxy flow files and/or HAR files (told apart by content), optionally with the
APK (for first-party attribution and the code↔traffic join), the device facts and the
consent moment, and writes result.json plus the asked formats (see spec/PRODUCT.md).
"""

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


@click.command("traffic", cls=Command)
@click.argument("flows", nargs=-1, required=True, type=InputPath())
@input_options("device_facts", "consent_at", "tz", "first_party", "category",
               apk=True)
@output_options
def traffic(flows: tuple[Path, ...], apk: Path | None, device_facts: Path | None,
            consent_at: str | None, tz: str | None, first_party: tuple[str, ...],
            category: str | None,
            out: Path | None, formats: str, lang: str, fail_on: str | None) -> None:
    """Find personal information in captured traffic (mitmproxy flows or HAR)."""
    fmts = parse_formats(formats)
    request = ScanRequest(
        apk=apk, flows=flows, category=category, device_facts=device_facts,
        consent_at=consent_time(consent_at, tz),
        first_party=first_party, command="traffic",
        options=record_options(category=category, flows=flows, apk=apk,
                               device_facts=device_facts, consent_at=consent_at, tz=tz,
                               first_party=first_party),
    )
    result = run(request)
    finish(result, out or default_out((apk or flows[0]).stem), fmts, lang, fail_on)


COMMANDS = [traffic]
