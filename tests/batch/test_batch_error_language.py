"""A batch's errors in the reader's language (issue 14): a scan that fails stores its error
as a message (``apks.error_msg``: catalog key and parameters) beside the English text the
``error`` column has always held, and the batch overview renders the message in its
language. A database written before (no ``error_msg`` column, or NULL in it) still shows
its text. Real batches (the CLI, real worker processes, real SQLite) on broken APKs."""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from scanner.batch.isolate import Outcome
from scanner.batch.overview import render_overview
from scanner.batch.store import _SCHEMA, Store
from scanner.cli import cli
from scanner.messages import msg
from tests.report.test_every_label import CJK


def _error_cells(page: str) -> list[str]:
    """The APK table's error column (the last one), as text."""
    table = page.split("<table>")
    apks = next(t for t in table if "<th>错误</th>" in t or "<th>error</th>" in t)
    heads = re.findall(r"<th>(.*?)</th>", apks)
    col = heads.index("错误" if "<th>错误</th>" in apks else "error")
    rows = re.findall(r"<tr>(.*?)</tr>", apks.split("</thead>")[1])
    return [html.unescape(re.findall(r"<td>(.*?)</td>", r)[col]) for r in rows]


def test_a_batch_with_broken_apks_in_each_language(tmp_path):
    src = tmp_path / "apks"
    src.mkdir()
    (src / "notes.apk").write_text("not an apk", "utf-8")
    (src / "empty.apk").write_bytes(b"")
    db = tmp_path / "b.sqlite"
    r = CliRunner()
    res = r.invoke(cli, ["batch", str(src), "--db", str(db), "--no-progress"])
    assert res.exit_code == 0, res.output
    with Store(db) as s:
        rows = {Path(row["paths"][0]).name: row for row in s.rows()}
    # the text column as before (English), the message beside it
    # (the APK reader names the file by its name)
    assert rows["notes.apk"]["error"] == "notes.apk: not a zip/APK file (no zip signature)"
    assert rows["notes.apk"]["error_msg"] == msg("err_apk_not_zip", path="notes.apk")
    cells = {}
    for lang in ("zh", "en"):
        out = tmp_path / f"overview-{lang}.html"
        res = r.invoke(cli, ["batch-report", str(db), "-o", str(out), "--lang", lang])
        assert res.exit_code == 0, res.output
        cells[lang] = sorted(_error_cells(out.read_text("utf-8")))
    # by hand from zh.yaml / en.yaml: err_apk_empty, err_apk_not_zip
    assert cells["zh"] == ["empty.apk：空文件，不是 APK",
                           "notes.apk：不是 zip/APK 文件（没有 zip 文件标识）"]
    assert cells["en"] == ["empty.apk: empty file, not an APK",
                           "notes.apk: not a zip/APK file (no zip signature)"]
    for text in cells["zh"]:  # no English sentence
        assert not re.search(r"[a-z]{3,} [a-z]{3,}", text), text
    assert not any(CJK.search(t) for t in cells["en"])


def test_a_worker_that_dies_is_said_in_each_language(tmp_path):
    # the parent words what a dead worker could not: stored as a message too
    db = tmp_path / "b.sqlite"
    from scanner.batch.isolate import Limits, _classify_exit, failed

    status, message = _classify_exit(-9, "", Limits(1, 64))
    with Store(db) as s:
        run = s.begin_run("x", {})
        s.record(failed("a" * 64, status, message), None, run)
        rows = s.rows()
    assert rows[0]["error"] == "worker killed by SIGKILL"
    zh, en = (_error_cells(render_overview(rows, lang)) for lang in ("zh", "en"))
    # by hand from zh.yaml: batch_killed
    assert zh == ["扫描进程被信号 SIGKILL 终止"] and en == ["worker killed by SIGKILL"]


def test_an_old_database_keeps_its_text(tmp_path):
    """A database written before error messages had ids: no ``error_msg`` columns. Opening
    it adds them (empty); its rows show their stored text in either language."""
    db = tmp_path / "old.sqlite"
    old = _SCHEMA.replace(",\n  error_msg TEXT", "").replace(", error_msg TEXT", "")
    assert "error_msg" not in old
    con = sqlite3.connect(db)
    con.executescript(old)
    con.execute("INSERT INTO apks(sha256, status, error) VALUES (?, ?, ?)",
                ("b" * 64, "input_error", "/x/a.apk: not a zip/APK file (no zip signature)"))
    con.execute("INSERT INTO paths(path, sha256, error) VALUES (?, NULL, ?)",
                ("/x/gone.apk", "/x/gone.apk: cannot read: Permission denied"))
    con.commit()
    con.close()
    with Store(db) as s:
        rows = s.rows()
        paths = s.paths()
        # an error recorded now, in the same old database, carries its message
        run = s.begin_run("x", {})
        s.record(Outcome("c" * 64, "input_error", "y: no such file", 0.0, None,
                         error_msg=msg("err_no_such", path="y", what=msg("what_file"))),
                 None, run)
        s.add_unreadable("/x/z.apk", msg("err_not_regular", path="/x/z.apk"), run)
        later = {r["sha256"][0]: r for r in s.rows()}
        later_paths = {p["path"]: p for p in s.paths()}
    assert rows[0]["error_msg"] is None and paths[0]["error_msg"] is None
    for lang in ("zh", "en"):
        assert _error_cells(render_overview(rows, lang)) == [
            "/x/a.apk: not a zip/APK file (no zip signature)"]
    assert later["c"]["error_msg"]["id"] == "err_no_such"
    assert later_paths["/x/z.apk"]["error"] == "/x/z.apk: not a regular file"
    assert later_paths["/x/z.apk"]["error_msg"] == msg("err_not_regular", path="/x/z.apk")
    zh = _error_cells(render_overview(list(later.values()), "zh"))
    assert "y：找不到该文件" in zh  # by hand from zh.yaml: err_no_such, what_file


def test_a_damaged_message_column_falls_back_to_the_text(tmp_path):
    db = tmp_path / "b.sqlite"
    with Store(db) as s:
        run = s.begin_run("x", {})
        s.record(Outcome("d" * 64, "crash", "worker exited with code 3", 0.0, None), None, run)
    con = sqlite3.connect(db)
    con.execute("UPDATE apks SET error_msg = ?", ('{"not": "a message"',))
    con.commit()
    con.close()
    with Store(db) as s:
        rows = s.rows()
    assert rows[0]["error_msg"] is None
    assert _error_cells(render_overview(rows, "zh")) == ["worker exited with code 3"]
