"""``appaudit report``: re-render a stored result.json without rescanning."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.cli.common import InputPath
from scanner.errors import InputError
from scanner.report import FORMATS, get_format


def load_result(path: Path) -> dict:
    """Read a result.json, refusing what is not one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such file") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: not a JSON result file ({e})") from e
    if not isinstance(doc, dict) or "schema_version" not in doc or "tool" not in doc:
        raise InputError(f"{path}: not an appaudit result.json (no schema_version/tool)")
    from scanner.report.schema import ResultSchemaError, validate_result

    try:
        validate_result(doc)
    except ResultSchemaError as e:
        raise InputError(f"{path}: {e}") from e
    return doc


@click.command("report")
@click.argument("result", type=InputPath())
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output file (default: beside RESULT.json).")
def report(result: Path, fmt: str, lang: str, output: Path | None) -> None:
    """Render RESULT.json as html, sarif, csv, … ."""
    doc = load_result(result)
    data = get_format(fmt).render(doc, lang)
    from scanner.cli.common import output_path

    target = output or output_path(result.parent, fmt)
    if isinstance(data, dict):
        target.mkdir(parents=True, exist_ok=True)
        for name, blob in data.items():
            (target / name).write_bytes(blob)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    click.echo(f"wrote {target}")


COMMANDS = [report]
