"""Options and output writing shared by the commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from scanner.cli import terminal_line
from scanner.cli.helptext import LANG_OPTION
from scanner.errors import UsageError
from scanner.messages import display_width, pad  # also for the commands
from scanner.model.findings import SEVERITY_NAMES
from scanner.model.result import ScanResult
from scanner.report import FORMATS, get_format
from scanner.report.json import dumps, result_document

SEVERITY_CHOICES = SEVERITY_NAMES


#: what an input is, as the messages name it (catalog keys)
WHAT = {"file": "what_file", "runtime log": "what_runtime_log",
        "policy file": "what_policy_file", "capture file": "what_capture",
        "folder or list file": "what_source", "batch database": "what_batch_db"}


def check_input(path: Path, what: str = "file", folder_ok: bool = False) -> Path:
    """Refuse an input that is missing, not a file (or folder when ``folder_ok``) or
    unreadable, with one line naming it: an InputError (exit 3) whatever the other options."""
    import os

    from scanner.errors import InputError
    from scanner.messages import msg, os_reason

    noun = msg(WHAT.get(what, "what_file"))
    if not path.exists():
        raise InputError("err_no_such", path=str(path), what=noun)
    if path.is_dir():
        if not folder_ok:
            raise InputError("err_is_folder", path=str(path), what=noun)
        if not os.access(path, os.R_OK | os.X_OK):
            raise InputError("err_folder_unreadable", path=str(path))
        return path
    if not path.is_file():
        raise InputError("err_not_regular", path=str(path))
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as e:
        raise InputError("err_unreadable", path=str(path), reason=os_reason(e)) from e
    return path


class InputPath(click.ParamType):
    """A file (or folder) the command reads: checked when the options are parsed, so a
    missing or unreadable one is exit 3 even when nothing else would open it."""

    name = "path"

    def __init__(self, what: str = "file", folder_ok: bool = False) -> None:
        self.what = what
        self.folder_ok = folder_ok

    def convert(self, value: Any, param: Any, ctx: Any) -> Path:
        return check_input(Path(value), self.what, self.folder_ok)


# The input options that scan, traffic, runtime and policy share, declared once. Each
# command takes the ones it reads, in its own order, with :func:`input_options`.
_INPUT_OPTIONS: dict[str, tuple[tuple, dict]] = {
    "category": (("--category",), {
        "default": None}),
    "flows": (("--flows",), {
        "multiple": True, "type": InputPath()}),
    "device_facts": (("--device-facts",), {
        "type": InputPath(), "default": None}),
    "consent_at": (("--consent-at",), {
        "default": None}),
    "tz": (("--tz",), {
        "default": None}),
    "first_party": (("--first-party",), {
        "multiple": True}),
    "runtime": (("--runtime", "runtime_logs"), {
        "multiple": True, "type": InputPath("runtime log")}),
    "policy": (("--policy",), {
        "multiple": True, "type": InputPath("policy file")}),
}


def input_options(*names: str, apk: bool = False):
    """Decorator adding the shared input options ``names`` (keys of ``_INPUT_OPTIONS``, in
    the order given) and, with ``apk``, an optional ``--apk`` (its help is the command's:
    ``cli_opt_<command>_apk``)."""
    unknown = [n for n in names if n not in _INPUT_OPTIONS]
    if unknown:
        raise ValueError(f"unknown input options {unknown}")

    def decorate(fn):
        for name in reversed(names):
            decls, attrs = _INPUT_OPTIONS[name]
            fn = click.option(*decls, **attrs)(fn)
        if apk:
            fn = click.option("--apk", type=InputPath(), default=None)(fn)
        return fn

    return decorate


def consent_time(consent_at: str | None, tz: str | None) -> float | None:
    """``--consent-at`` read in ``--tz`` (Beijing time by default) as Unix seconds; a bad
    ``--tz`` is a usage error even when no time needs it."""
    from scanner.timeparse import parse_time, parse_tz

    if tz:
        parse_tz(tz)
    return parse_time(consent_at, tz) if consent_at else None


def record_options(**values: Any) -> dict[str, Any]:
    """The options as result.json records them: paths as given (strings), repeated options
    as lists, in the order given."""
    def one(v: Any) -> Any:
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, (tuple, list)):
            return [one(x) for x in v]
        return v

    return {k: one(v) for k, v in values.items()}


def parse_formats(value: str) -> list[str]:
    """``json,html`` → ["json", "html"], refusing unknown names."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in FORMATS]
    if bad:
        raise UsageError("err_unknown_formats", bad=bad, known=sorted(FORMATS))
    return names


def output_options(fn):
    """--out, --format, --lang, --fail-on."""
    fn = click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None)(fn)
    fn = click.option("--lang", **LANG_OPTION)(fn)
    fn = click.option("--format", "formats", default="json,html", show_default=True)(fn)
    fn = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
                      default=None)(fn)
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
    warn_missing_fonts(formats, lang)
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


class Lines:
    """Terminal lines "LABEL  text" in a language, labels from the catalogs (``keys`` are
    the catalog keys of every label the command prints, to align them)."""

    def __init__(self, lang: str, *keys: str) -> None:
        from scanner.report.i18n import messages

        self.m = messages(lang)
        self.width = max((display_width(self.m[k]) for k in keys), default=8) + 2

    def __call__(self, key: str, text: str = "") -> None:
        click.echo((pad(self.m[key], self.width) + text).rstrip())


def warn_missing_fonts(formats: list[str], lang: str) -> None:
    """A Chinese PDF printed without a CJK font shows boxes: say what to install (stderr)."""
    if "pdf" in formats and lang == "zh":
        from scanner.report.fonts import INSTALL_HINT, system_has_cjk_font

        if system_has_cjk_font() is False:
            from scanner.messages import render

            click.echo(render("cli_no_cjk_font", {"hint": INSTALL_HINT}, lang), err=True)


SUMMARY_LABELS = ("term_app", "term_findings", "term_evidence", "term_partial", "term_wrote",
                  "consent_moment", "term_duplicates")
PRICING_LABELS = ("pricing_kind_verdict", "pricing_kind_price", "pricing_kind_ranking",
                  "pricing_kind_term", "pricing_kind_pers_off")


def summary_width(m: dict[str, str], pricing: bool = False) -> int:
    """Display width of the label column of the terminal summary (and of the pricing lines
    above it, so both columns line up)."""
    keys = SUMMARY_LABELS + (PRICING_LABELS if pricing else ())
    return max(display_width(m[k]) for k in keys) + 2


def print_summary(doc: dict[str, Any], written: list[Path], lang: str = "zh") -> None:
    """A short summary table on stdout, in the report language."""
    from scanner.report.i18n import messages
    from scanner.report.view import pick

    m = messages(lang)
    s = doc["summary"]
    app = doc.get("app") or {}
    width = summary_width(m, doc.get("command") == "pricing")
    if app:
        click.echo(terminal_line(
            f"{pad(m['term_app'], width)}{app.get('package')}  {app.get('label') or ''}"
            f"  {m['term_version'].format(v=app.get('version_name') or '?')}"
            f"  {m['term_target_sdk'].format(n=app.get('target_sdk'))}"))
    sev = s["by_severity"]
    click.echo(pad(m["term_findings"], width)
               + "  ".join(f"{m['sev_' + k]} {sev[k]}" for k in SEVERITY_CHOICES[::-1]))
    if doc.get("command") != "pricing":
        click.echo(f"{pad(m['term_evidence'], width)}{m['api_uses_short']} {s['api_uses']}  "
                   f"{m['sdks']} {s['sdks']}  {m['transmissions_short']} {s['transmissions']}")
    consent = doc.get("consent")
    if isinstance(consent, dict):
        if consent.get("at") is not None:
            click.echo(f"{pad(m['consent_moment'], width)}{consent.get('at_local')}  "
                       f"({m.get('consent_source_' + str(consent.get('source')), '')})")
        else:
            click.echo(f"{pad(m['consent_moment'], width)}{m['consent_none']}")
    dups = doc.get("duplicate_exchanges")
    if isinstance(dups, dict) and dups.get("count"):
        click.echo(terminal_line(
            pad(m["term_duplicates"], width) + m["duplicates_title"].format(n=dups["count"])
            + " " + "; ".join(f"{d['input']} {m['duplicates_same_as'].format(n=d['exchanges'])}"
                              f" {d['same_as']}" for d in dups.get("inputs") or ())))
    findings = doc.get("findings") or []
    for f in findings[:15]:
        click.echo(f"  {pad(m['sev_' + f['severity']], 6)} {f['rule']:<15} "
                   f"{pick(f['title'], lang)}")
    if len(findings) > 15:
        click.echo("  " + m["more_rows"].format(n=len(findings) - 15))
    if doc.get("partial"):
        from scanner.report.view import skipped_text

        click.echo(terminal_line(pad(m["term_partial"], width) + m["list_sep_long"].join(
            skipped_text(x, lang) for x in doc["skipped"])))
    for p in written:
        click.echo(f"{pad(m['term_wrote'], width)}{p}")


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
    print_summary(doc, written, lang)
    raise SystemExit(exit_code_for(doc, fail_on))
