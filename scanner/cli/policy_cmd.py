"""``appaudit policy``: a privacy policy against the app's behaviour (code, traffic, runtime)."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.common import InputPath, default_out, finish, output_options, parse_formats
from scanner.engine import ScanRequest, run
from scanner.timeparse import parse_time, parse_tz


@click.command("policy")
@click.argument("policy", nargs=-1, required=True, type=InputPath("policy file"))
@click.option("--apk", type=InputPath(), default=None,
              help="The app's APK: PI its code reads, SDKs it contains.")
@click.option("--flows", multiple=True, type=InputPath(),
              help="Captured traffic (mitmproxy flow file or HAR; repeatable).")
@click.option("--runtime", "runtime_logs", multiple=True, type=InputPath("runtime log"),
              help="Runtime hook log (repeatable).")
@click.option("--device-facts", type=InputPath(), default=None,
              help="JSON/YAML with the test phone's identifiers.")
@click.option("--consent-at", default=None,
              help="Consent moment: ISO 8601 or Unix time; without an offset it is read in "
                   "--tz (default Beijing time, UTC+8).")
@click.option("--tz", default=None,
              help="Zone of times given without an offset: +08:00, UTC, Asia/Shanghai… "
                   "(default UTC+08:00).")
@click.option("--category", default=None, help="App type id (see `appaudit rules categories`).")
@output_options
def policy(policy: tuple[Path, ...], apk: Path | None, flows: tuple[Path, ...],
           runtime_logs: tuple[Path, ...], device_facts: Path | None, consent_at: str | None,
           tz: str | None, category: str | None, out: Path | None, formats: str, lang: str,
           fail_on: str | None) -> None:
    """Compare a privacy policy (HTML, text, PDF) with what the app does."""
    fmts = parse_formats(formats)
    if tz:
        parse_tz(tz)
    request = ScanRequest(
        apk=apk, flows=flows, runtime=runtime_logs, policy=policy, category=category,
        device_facts=device_facts, consent_at=parse_time(consent_at, tz) if consent_at else None,
        command="policy",
        options={"category": category, "policy": [str(p) for p in policy],
                 "apk": str(apk) if apk else None, "flows": [str(f) for f in flows],
                 "runtime": [str(x) for x in runtime_logs], "consent_at": consent_at, "tz": tz})
    result = run(request)
    finish(result, out or default_out((apk or policy[0]).stem), fmts, lang, fail_on)


COMMANDS = [policy]
