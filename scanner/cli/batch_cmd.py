"""``appaudit batch`` (scan many APKs into a SQLite database) and ``appaudit batch-report``.

Exit codes: 0 the run went through (APKs that failed are recorded in the database, not
fatal); 130 interrupted (SIGINT/SIGTERM: what finished is stored, rerun to resume);
2 usage; 3 unusable input (no such folder or list, not a batch database).
"""

from __future__ import annotations

from pathlib import Path

import click

from scanner.batch.inputs import load_category_map
from scanner.batch.isolate import Limits
from scanner.batch.runner import BatchOptions, BatchStats, run_batch
from scanner.batch.store import Store
from scanner.batch.summary import SEVERITIES
from scanner.batch.tables import export, parse_export
from scanner.cli.common import InputPath, Lines
from scanner.cli.helptext import LANG_OPTION, Command
from scanner.errors import InputError, UsageError
from scanner.report.legacy import complete

EXIT_INTERRUPTED = 130


def _print_summary(stats: BatchStats, rows: list[dict], db: Path, lang: str = "zh") -> None:
    from scanner.cli.common import display_width, pad
    from scanner.report.i18n import messages

    m = messages(lang)
    click.echo(m["batch_inputs"].format(paths=stats.paths, distinct=stats.distinct,
                                        duplicates=stats.duplicates,
                                        unreadable=stats.unreadable))
    click.echo(m["batch_run"].format(scanned=stats.scanned, done=stats.already_done,
                                     seconds=stats.seconds, rate=stats.rate)
               + (m["batch_interrupted"] if stats.interrupted else ""))
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    ok = [r for r in rows if r["status"] == "ok"]
    click.echo(m["batch_database"].format(db=db, n=len(rows)))
    names = {s: m.get('status_' + s, s) for s in by_status}
    width = max([14, *(display_width(n) for n in names.values())]) + 2
    click.echo(f"  {pad(m['ov_status_col'], width)}{pad(m['ov_apps'], 8, right=True)}")
    for s in sorted(by_status, key=lambda k: (k != "ok", k)):
        click.echo(f"  {pad(names[s], width)}{by_status[s]:>8}")
    sev = {s: sum(int(r.get(s) or 0) for r in ok) for s in SEVERITIES}
    click.echo(f"{m['term_findings']}  " + "  ".join(f"{m['sev_' + s]} {sev[s]}"
                                                   for s in SEVERITIES))
    judged = [r for r in ok if r.get("category") is not None]
    over = sum(1 for r in judged if r.get("over_scope_count"))
    click.echo(m["ov_over_scope_none_judged"] if ok and not judged else
               m["ov_over_scope_line"].format(n=over, judged=len(judged),
                                              unjudged=len(ok) - len(judged)))
    with_sdk = sum(1 for r in ok if r.get("sdk_count"))
    click.echo(m["batch_with_sdks"].format(n=with_sdk, total=len(ok)))


@click.command("batch", cls=Command)
@click.argument("source", type=InputPath("folder or list file", folder_ok=True))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("audit.sqlite"), show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=600.0, show_default=True)
@click.option("--max-memory", type=click.IntRange(min=0), default=4096, show_default=True)
@click.option("--category-map", type=InputPath(),
              default=None)
@click.option("--export", "export_", default=None)
@click.option("--dask", "dask_address", default=None)
@click.option("--dask-send-bytes", is_flag=True)
@click.option("--retry-errors", is_flag=True)
@click.option("--no-progress", is_flag=True)
@click.option("--lang", **LANG_OPTION)
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None)
def batch(source: Path, db: Path, jobs: int, timeout: float, max_memory: int,
          category_map: Path | None, export_: str | None, dask_address: str | None,
          dask_send_bytes: bool, retry_errors: bool, no_progress: bool, lang: str,
          reports_dir: Path | None) -> None:
    """Audit every APK of a folder (recursive, *.apk) or of a list file (one path a line)."""
    formats = parse_export(export_)
    if dask_send_bytes and not dask_address:
        raise UsageError("err_dask_send_needs_dask")
    if not source.exists():
        raise InputError("err_no_such_source", path=str(source))
    categories = None
    if category_map is not None:
        from scanner.knowledge import load_knowledge

        categories = load_category_map(category_map, load_knowledge().categories)
    options = BatchOptions(jobs=jobs, limits=Limits(timeout, max_memory),
                           retry_errors=retry_errors, dask=dask_address,
                           send_bytes=dask_send_bytes)
    stats = run_batch(source, db, options, categories, progress=not no_progress, lang=lang)
    with Store(db) as store:
        rows = store.rows()
    _print_summary(stats, rows, db, lang)
    line = Lines(lang, "cli_reports", "term_wrote")
    if reports_dir is not None:
        with Store(db) as store:
            written = write_app_reports(store, rows, reports_dir, lang)
        line("cli_reports", line.m["cli_reports_line"].format(n=len(written),
                                                               dir=reports_dir.resolve()))
    if formats:
        for p in export(rows, formats, db.with_suffix("")):
            line("term_wrote", str(p))
    raise SystemExit(EXIT_INTERRUPTED if stats.interrupted else 0)


def _report_name(row: dict) -> str:
    import re

    pkg = re.sub(r"[^\w.\-]+", "_", str(row.get("package") or "app"))[:80]
    return f"{pkg}-{row['sha256'][:12]}"


def write_app_reports(store: Store, rows: list[dict], folder: Path, lang: str,
                      fmt: str = "html") -> list[Path]:
    """Each scanned app's report from the result stored in the database."""
    from scanner.report import get_format

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for row in rows:
        if row["status"] != "ok":
            continue
        doc = store.result(row["sha256"])
        if doc is None:
            continue
        path = folder / f"{_report_name(row)}.{fmt}"
        path.write_bytes(get_format(fmt).render(complete(doc), lang))
        written.append(path)
    return written


def _find_app(rows: list[dict], sha: str) -> dict:
    key = sha.strip().lower()
    if len(key) < 8:
        raise UsageError("err_app_short", sha=sha)
    hits = [r for r in rows if r["sha256"].startswith(key)]
    if not hits:
        raise UsageError("err_app_none", sha=sha)
    if len(hits) > 1:
        raise UsageError("err_app_many", sha=sha, n=len(hits))
    return hits[0]


@click.command("batch-report", cls=Command)
@click.argument("db", type=InputPath("batch database"))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None)
@click.option("--lang", **LANG_OPTION)
@click.option("--export", "export_", default=None)
@click.option("--notice", is_flag=True)
@click.option("--min-severity", type=click.Choice(SEVERITIES[::-1]), default="medium",
              show_default=True)
@click.option("--category-map", type=InputPath(), default=None)
@click.option("--title", default=None)
@click.option("--app", "app_sha", default=None, metavar="SHA256")
def batch_report(db: Path, output: Path | None, lang: str, export_: str | None, notice: bool,
                 min_severity: str, category_map: Path | None, title: str | None,
                 app_sha: str | None) -> None:
    """Render the HTML overview (charts, tables) of a batch database, its notice list, or
    one app's report."""
    from scanner.batch.overview import render_overview

    formats = parse_export(export_)
    if not db.is_file():
        raise InputError("err_no_batch_db", path=str(db))
    if notice:
        _notice_list(db, output or Path("notice-list.xlsx"), lang, min_severity, category_map,
                     title)
        return
    if category_map is not None:
        raise UsageError("err_category_map_needs_notice")
    with Store(db) as store:
        rows = store.rows()
        if app_sha is not None:
            row = _find_app(rows, app_sha)
            doc = store.result(row["sha256"])
            if row["status"] != "ok" or doc is None:
                from scanner.messages import msg

                raise InputError("err_app_no_result", path=str(db), sha=row["sha256"],
                                 status=msg("status_" + row["status"]),
                                 error=row.get("error_msg") or row.get("error")
                                 or msg("err_not_stored"))
            from scanner.report import get_format

            target = output or Path(f"{_report_name(row)}.html")
            fmt = "pdf" if target.suffix.lower() == ".pdf" else "html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(get_format(fmt).render(complete(doc), lang))
            Lines(lang, "term_wrote")("term_wrote", str(target.resolve()))
            return
    output = output or Path("overview.html")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_overview(rows, lang), encoding="utf-8")
    line = Lines(lang, "term_wrote")
    line("term_wrote", str(output.resolve()))
    for p in export(rows, formats, db.with_suffix("")):
        line("term_wrote", str(p))


def _notice_list(db: Path, output: Path, lang: str, min_severity: str,
                 category_map: Path | None, title: str | None) -> None:
    from scanner.batch.notice import load_sources, notice_rows
    from scanner.report.notice_list import render_notice
    from scanner.timeparse import now_iso

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "docx"):
        raise UsageError("err_notice_suffix", path=str(output))
    sources = load_sources(category_map) if category_map is not None else None
    with Store(db) as store:
        rows = notice_rows(store, min_severity, sources)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(render_notice(rows, fmt, lang, title, now_iso()))
    line = Lines(lang, "cli_notice", "term_wrote")
    line("cli_notice", line.m["cli_notice_line"].format(
        n=len(rows), sev=line.m.get("sev_" + min_severity, min_severity)))
    line("term_wrote", str(output))


COMMANDS = [batch, batch_report]
