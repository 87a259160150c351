"""Hostile privacy-policy files (`appaudit policy FILE`): each case is a minimal file made
here. The outcome an analyst sees is checked: a clear one-line error and exit 3, or a
result that says it concludes nothing; bounded time and memory; nothing written outside
--out. Expected values follow from how each file is built (comments say how)."""

from __future__ import annotations

import json
import resource
import time

from click.testing import CliRunner

from scanner.cli import cli


def _run(tmp_path, policy):
    out = tmp_path / "out"
    before = set(tmp_path.iterdir())
    res = CliRunner().invoke(cli, ["policy", str(policy), "--out", str(out), "--format",
                                   "json", "--lang", "en"])
    assert "Traceback" not in res.output
    after = set(tmp_path.iterdir())
    assert after - before <= {out}  # nothing beside --out
    return res, out


def _one_error_line(res, *needles):
    assert res.exit_code == 3, res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("appaudit: error: "), lines
    for n in needles:
        assert n in lines[0], lines[0]


def test_html_nested_beyond_the_parser(tmp_path):
    # 100,000 nested <div>s around the only sentence: libxml2 stops at its depth limit
    f = tmp_path / "deep.html"
    f.write_text("<html><body>" + "<div>" * 100_000 + "我们收集您的手机号码。"
                 + "</div>" * 100_000 + "</body></html>", "utf-8")
    res, out = _run(tmp_path, f)
    _one_error_line(res, "deep.html", "no readable text", "nested")
    assert not out.exists() or not (out / "result.json").exists()


def test_text_in_an_encoding_read_wrongly_concludes_nothing(tmp_path):
    # Big5 bytes decode as GB18030 without error but into other characters: no 隐私 or
    # 个人信息 in the result, so the policy is not judged and no PRIV-POL finding is made
    f = tmp_path / "big5.txt"
    f.write_bytes("某某公司隱私政策：我們收集您的手機號碼和位置資訊。".encode("big5") * 100)
    res, out = _run(tmp_path, f)
    assert res.exit_code in (0, 1), res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    p = doc["policy"]
    assert p["judged"] is False and p["not_judged_kind"] == "not_a_policy"
    assert not [x for x in doc["findings"] if x["rule"].startswith("PRIV-POL")]


def test_utf16_without_bom_and_binary_are_refused(tmp_path):
    f = tmp_path / "u16.txt"
    f.write_bytes("隐私政策：我们收集您的手机号码。".encode("utf-16-le") * 100)
    res, _ = _run(tmp_path, f)
    _one_error_line(res, "u16.txt", "not text in UTF-8 or GB18030")


def test_broken_and_truncated_pdf(tmp_path):
    f = tmp_path / "broken.pdf"
    f.write_bytes(b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" + b"x" * 5000)
    res, _ = _run(tmp_path, f)
    _one_error_line(res, "broken.pdf", "PDF")


def test_over_the_size_limit(tmp_path):
    from scanner.ingest.policy import MAX_FILE_BYTES

    f = tmp_path / "huge.html"
    with open(f, "wb") as fh:  # sparse: the size is checked before anything is read
        fh.truncate(MAX_FILE_BYTES + 1)
    res, _ = _run(tmp_path, f)
    _one_error_line(res, "huge.html", "over the policy limit")


def test_a_huge_table_is_read_within_bounds(tmp_path):
    # one 5,000-cell header row and 100,000 rows of one cell: rows and cells are capped
    # (MAX_ROWS, MAX_CELLS), so the SDK list stays empty (no name column header) and the
    # command finishes in bounded CPU time
    from scanner.ingest.policy import MAX_CELLS, MAX_ROWS, policy_parts

    html = ("<table><tr>" + "<td>x</td>" * 5000 + "</tr>"
            + "<tr><td>SDK名称</td></tr>" * 100_000 + "</table>").encode()
    _, _, tables = policy_parts(html, "t.html")
    assert len(tables[0]) <= MAX_ROWS and max(len(r) for r in tables[0]) <= MAX_CELLS
    f = tmp_path / "table.html"
    f.write_bytes(html)
    t0 = resource.getrusage(resource.RUSAGE_SELF)
    w0 = time.monotonic()
    res, out = _run(tmp_path, f)
    t1 = resource.getrusage(resource.RUSAGE_SELF)
    assert res.exit_code in (0, 1), res.output
    assert (t1.ru_utime - t0.ru_utime) < 20 and time.monotonic() - w0 < 300
    doc = json.loads((out / "result.json").read_text("utf-8"))
    assert doc["policy"]["sdk_list"] == []
