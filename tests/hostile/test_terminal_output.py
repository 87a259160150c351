"""Hostile text on the terminal: what the CLI prints quotes the input (a SQLite error quotes
a damaged schema's bytes, the summary shows the APK's label and version), so control
characters are shown escaped, never raw: an error stays one line (``\\x1e`` ends a line
for ``str.splitlines``) and an ESC sequence or a bidirectional override cannot redraw or
reorder the analyst's terminal."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from corpus.axml import Node, apk_with_manifest, encode, manifest
from scanner.cli import cli, terminal_line

HERE = Path(__file__).resolve().parent / "crashers"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def test_terminal_line():
    assert terminal_line("a\nb\tc\r") == "a b c "
    assert terminal_line("x\x1e\x1b[2J\x85\u2028\u202eY") == \
        "x\\x1e\\x1b[2J\\x85\\u2028\\u202eY"
    # Chinese text, full-width punctuation and the ideographic space are shown as they are
    assert terminal_line("批量数据库已损坏：表\u3000meta，") == "批量数据库已损坏：表\u3000meta，"


def test_batch_database_whose_schema_quotes_control_characters(tmp_path):
    """The campaign's batch databases 980 and 1230 (seed 2026): a byte flip in the schema
    text of a table; SQLite answers 'unrecognized token: "\\x1e"' with the byte raw, which
    split the one error line in two. Fixture: an empty database whose table ``meta`` was
    given the schema ``CREATE TABLE meta(key TEXT, \\x1e\\x1b[2J\\x1b]0;pwned\\x07 value
    TEXT)`` through ``PRAGMA writable_schema`` (12 KiB)."""
    db = tmp_path / "a.sqlite"
    db.write_bytes((HERE / "batchdb-control-chars-in-schema.sqlite").read_bytes())
    for args in (["batch-report", str(db), "-o", str(tmp_path / "o.html")],
                 ["batch", str(HERE / "README.md"), "--db", str(db), "--jobs", "1"]):
        res = CliRunner().invoke(cli, [*args, "--lang", "en"])
        assert res.exit_code == 3, res.output
        assert not RAW.search(res.stderr), repr(res.stderr)
        lines = res.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("appaudit: error: "), lines
        assert 'unrecognized token: "\\x1e"' in lines[0], lines[0]
    assert not (tmp_path / "o.html").exists()


def test_missing_file_named_with_an_escape_sequence(tmp_path):
    res = CliRunner().invoke(cli, ["scan", str(tmp_path / "a\x1b[2J\u202eb.apk")])
    assert res.exit_code == 3
    assert not RAW.search(res.stderr), repr(res.stderr)
    assert "a\\x1b[2J\\u202eb.apk" in res.stderr


def test_summary_of_an_apk_with_control_characters_in_label_and_version(tmp_path):
    root = manifest([Node("uses-sdk", {"minSdkVersion": 21, "targetSdkVersion": 30}),
                     Node("application", {"label": "Good\x1b[2J\x1b]0;t\x07\u202eppa"}, {}, [])],
                    package="com.example.esc")
    root.attrs["versionName"] = "1.0\x1e\r\nFAKE"
    apk = apk_with_manifest(encode(root), tmp_path / "esc.apk")
    res = CliRunner().invoke(cli, ["scan", str(apk), "--out", str(tmp_path / "o"),
                                   "--format", "json", "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert not RAW.search(res.stdout), repr(res.stdout)
    (app_line,) = [x for x in res.stdout.splitlines() if "com.example.esc" in x]
    # the manifest reader already writes C0 controls as "_"; the right-to-left override
    # (which would show the label as "Goodapp") reaches the summary and is escaped there, and
    # the version's line break does not start a line of its own
    assert "Good_[2J_]0;t_\\u202eppa" in app_line
    assert "v1.0_  FAKE" in app_line
