"""``appaudit traffic``: which personal information a captured session sends, to whom, when.

Reads mitmproxy flow files and/or HAR files (told apart by content), optionally with the
APK (for first-party attribution and the code↔traffic join), the device facts and the
consent moment, and writes result.json plus the asked formats (see spec/PRODUCT.md).
"""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import InputPath, default_out, finish, output_options, parse_formats
from scanner.engine import ScanRequest, run
from scanner.timeparse import parse_time, parse_tz


@click.command("traffic")
@click.argument("flows", nargs=-1, required=True, type=InputPath())
@click.option("--apk", type=InputPath(), default=None,
              help="The app's APK: first party from its package, code↔traffic links.")
@click.option("--device-facts", type=InputPath(), default=None,
              help="JSON/YAML with the test phone's identifiers (imei, oaid, mac, phone…).")
@click.option("--consent-at", default=None,
              help="Consent moment: ISO 8601 or Unix time; without an offset it is read in "
                   "--tz (default Beijing time, UTC+8). Else the capture's consent marker.")
@click.option("--tz", default=None,
              help="Zone of times given without an offset: +08:00, UTC, Asia/Shanghai… "
                   "(default UTC+08:00).")
@click.option("--first-party", multiple=True, help="Domain of the app operator (repeatable).")
@click.option("--category", default=None, help="App type id (see `appaudit rules categories`).")
@output_options
def traffic(flows: tuple[Path, ...], apk: Path | None, device_facts: Path | None,
            consent_at: str | None, tz: str | None, first_party: tuple[str, ...],
            category: str | None,
            out: Path | None, formats: str, lang: str, fail_on: str | None) -> None:
    """Find personal information in captured traffic (mitmproxy flows or HAR)."""
    fmts = parse_formats(formats)
    if tz:
        parse_tz(tz)  # a bad --tz is a usage error even when no time needs it
    request = ScanRequest(
        apk=apk, flows=flows, category=category, device_facts=device_facts,
        consent_at=parse_time(consent_at, tz) if consent_at else None,
        first_party=first_party, command="traffic",
        options={"category": category, "flows": [str(f) for f in flows],
                 "apk": str(apk) if apk else None,
                 "device_facts": str(device_facts) if device_facts else None,
                 "consent_at": consent_at, "tz": tz, "first_party": list(first_party)},
    )
    result = run(request)
    finish(result, out or default_out((apk or flows[0]).stem), fmts, lang, fail_on)


COMMANDS = [traffic]
