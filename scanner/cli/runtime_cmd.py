"""``appaudit runtime`` (read hook logs) and ``appaudit hooks`` (write the Frida script).

``runtime`` reads JSON Lines hook logs (PRODUCT.md "Runtime evidence"), optionally with the
APK (package, SDK attribution of the app's own code) and the consent moment, and writes
result.json plus the asked formats with ``runtime_calls[]``, ``permission_requests[]``,
``app_starts[]`` and the PRIV-RT-* findings.
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
from scanner.cli.helptext import LANG_OPTION, Command
from scanner.engine import ScanRequest, run


@click.command("runtime", cls=Command)
@click.argument("logs", nargs=-1, required=True, type=InputPath("runtime log"))
@input_options("consent_at", "tz", "category",
               apk=True)
@output_options
def runtime(logs: tuple[Path, ...], apk: Path | None, consent_at: str | None,
            tz: str | None, category: str | None, out: Path | None, formats: str, lang: str,
            fail_on: str | None) -> None:
    """Analyse runtime hook logs (written by the `appaudit hooks` Frida script)."""
    fmts = parse_formats(formats)
    request = ScanRequest(
        apk=apk, runtime=logs, category=category, consent_at=consent_time(consent_at, tz),
        command="runtime",
        options=record_options(category=category, runtime=logs, apk=apk,
                               consent_at=consent_at, tz=tz))
    result = run(request)
    finish(result, out or default_out((apk or logs[0]).stem), fmts, lang, fail_on)


@click.command("hooks", cls=Command)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hooks.js"), show_default=True)
@click.option("--lang", **LANG_OPTION)
def hooks(output: Path, lang: str = "zh") -> None:
    """Write the Frida hook script (every API of the API map, permission prompts, starts)."""
    from scanner.capture.hooks import hook_targets, render_script
    from scanner.knowledge import load_knowledge

    knowledge = load_knowledge()
    output.write_text(render_script(knowledge), encoding="utf-8")
    from scanner.report.i18n import messages

    click.echo(messages(lang)["cli_hooks_wrote"].format(out=output,
                                                        n=len(hook_targets(knowledge))))


COMMANDS = [runtime, hooks]
