"""``appaudit scan``: static audit of one APK, optionally joined with captured traffic."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import InputPath, default_out, finish, output_options, parse_formats
from scanner.engine import ScanRequest, run
from scanner.timeparse import parse_time, parse_tz


@click.command("scan")
@click.argument("apk", type=InputPath())
@click.option("--category", default=None, help="App type id (see `appaudit rules categories`).")
@click.option("--flows", multiple=True, type=InputPath(),
              help="mitmproxy flow file or HAR of the app's traffic (repeatable).")
@click.option("--device-facts", type=InputPath(), default=None,
              help="JSON/YAML with the test phone's identifiers.")
@click.option("--consent-at", default=None,
              help="Consent moment: ISO 8601 or Unix time; without an offset it is read in "
                   "--tz (default Beijing time, UTC+8). Else the capture's consent marker.")
@click.option("--tz", default=None,
              help="Zone of times given without an offset: +08:00, UTC, Asia/Shanghai… "
                   "(default UTC+08:00).")
@click.option("--first-party", multiple=True, help="Domain of the app operator (repeatable).")
@click.option("--runtime", "runtime_logs", multiple=True, type=InputPath("runtime log"),
              help="Runtime hook log (JSON Lines from `appaudit hooks`; repeatable).")
@click.option("--policy", multiple=True, type=InputPath("policy file"),
              help="The app's privacy policy: HTML, plain text or PDF (repeatable).")
@click.option("--no-leaks", is_flag=True,
              help="Skip the leak analysis (PI flows from reads to sinks; on by default).")
@click.option("--leak-seconds", type=click.FloatRange(min=0.0), default=None,
              help="CPU-time cap of the leak analysis in seconds (default 20); when hit, the "
                   "leaks found so far are reported and the result is marked partial.")
@output_options
def scan(apk: Path, category: str | None, flows: tuple[Path, ...], device_facts: Path | None,
         consent_at: str | None, tz: str | None, first_party: tuple[str, ...],
         runtime_logs: tuple[Path, ...], policy: tuple[Path, ...], no_leaks: bool,
         leak_seconds: float | None, out: Path | None,
         formats: str, lang: str, fail_on: str | None) -> None:
    """Audit an APK: manifest, permissions, code, SDKs (and traffic with --flows)."""
    fmts = parse_formats(formats)
    if tz:
        parse_tz(tz)  # a bad --tz is a usage error even when no time needs it
    request = ScanRequest(
        apk=apk, flows=flows, category=category, device_facts=device_facts,
        consent_at=parse_time(consent_at, tz) if consent_at else None,
        first_party=first_party, runtime=runtime_logs, policy=policy, command="scan",
        options={"category": category, "flows": [str(f) for f in flows],
                 "device_facts": str(device_facts) if device_facts else None,
                 "consent_at": consent_at, "tz": tz, "first_party": list(first_party),
                 "runtime": [str(x) for x in runtime_logs],
                 "policy": [str(x) for x in policy],
                 "no_leaks": True if no_leaks else None, "leak_seconds": leak_seconds},
    )
    result = run(request)
    finish(result, out or default_out(apk.stem), fmts, lang, fail_on)


COMMANDS = [scan]
