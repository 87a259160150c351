"""scanner.batch.progress: plain lines off a terminal, a redrawn bar on one."""

from __future__ import annotations

import io
import re

from scanner.batch.progress import Progress


def test_plain_lines_when_not_a_tty():
    out = io.StringIO()
    p = Progress(3, out, tty=False, lang="en")
    p.advance("a.apk", "ok")
    p.advance("b.apk", "timeout")
    p.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue()
    assert re.match(r"1/3  [\d.]+ APK/min  ETA \d\d:\d\d  ok\s+a\.apk$", lines[0])
    assert lines[1].startswith("2/3") and "timed out" in lines[1]


def test_plain_lines_in_chinese_by_default():
    out = io.StringIO()
    p = Progress(3, out, tty=False)
    p.advance("a.apk", "ok")
    p.advance("b.apk", "timeout")
    lines = out.getvalue().splitlines()
    # by hand from the catalog: batch_progress, status_ok 成功, status_timeout 超时; the
    # status column padded by display width (成功: 4 columns + 9 spaces = 13)
    assert re.match(r"1/3  每分钟 [\d.]+ 个  预计剩余 \d\d:\d\d  成功 {9} a\.apk$", lines[0]), lines
    assert re.match(r"2/3  .*  超时 {9} b\.apk$", lines[1]), lines


def test_bar_on_a_tty():
    out = io.StringIO()
    p = Progress(4, out, tty=True, width=8, lang="en")
    p.advance("a.apk", "ok")
    p.advance("b.apk", "ok")
    p.close()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "[####....] 2/4" in text and "APK/min" in text and "ETA" in text
