"""``appaudit report``: re-render a stored result.json without rescanning."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.cli.common import InputPath
from scanner.cli.helptext import LANG_OPTION, Command
from scanner.errors import InputError, UsageError
from scanner.messages import json_detail, msg
from scanner.report import get_format


def load_result(path: Path) -> dict:
    """Read a result.json, refusing what is not one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError("err_no_such", path=str(path), what=msg("what_file")) from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError("err_not_json_result", path=str(path), detail=json_detail(e)) from e
    if not isinstance(doc, dict) or "schema_version" not in doc or "tool" not in doc:
        raise InputError("err_not_result", path=str(path))
    from scanner.report.schema import ResultSchemaError, validate_result

    try:
        validate_result(doc)
    except ResultSchemaError as e:
        raise InputError("err_in_file", path=str(path), message=e.message()) from e
    return doc


@click.command("report", cls=Command)
@click.argument("result", type=InputPath())
@click.option("--format", "fmt", required=True, metavar="FORMAT[,FORMAT]")
@click.option("--lang", **LANG_OPTION)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None)
def report(result: Path, fmt: str, lang: str, output: Path | None) -> None:
    """Render RESULT.json as html, pdf, sarif, csv, xlsx (several at once with a,b)."""
    from scanner.cli.common import Lines, output_path, parse_formats

    formats = [f for f in parse_formats(fmt) if f != "json"] or ["json"]
    from scanner.report.legacy import complete

    doc = complete(load_result(result))
    single = len(formats) == 1 and output is not None
    if output is not None and not single and output.exists() and not output.is_dir():
        raise UsageError("err_output_is_file", path=str(output))
    folder = result.parent if output is None else output
    line = Lines(lang, "term_wrote")
    for name in formats:
        data = get_format(name).render(doc, lang)
        if isinstance(data, dict):  # csv: several tables
            if single and output.suffix.lower() == ".csv":
                targets = {output.with_name(f"{output.stem}.{n}"): blob
                           for n, blob in data.items()}
            else:
                base = output if single else output_path(folder, name)
                targets = {base / n: blob for n, blob in data.items()}
            for path, blob in targets.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(blob)
            where = sorted(targets)
        else:
            target = output if single else output_path(folder, name)
            if target.is_dir():
                raise UsageError("err_output_is_folder", path=str(target))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            where = [target]
        for p in where:
            line("term_wrote", str(p.resolve()))


COMMANDS = [report]
