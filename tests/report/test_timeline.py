"""The runtime timeline picture of the HTML report, on the planted hook log of
tests/runtime/test_runtime_log.py (its events are listed there with their times): one SVG,
no script, the consent line where the log's consent event is, one bar per runtime_calls
entry coloured by before_consent, a mark per prompt and start, labels in zh and en."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from scanner.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))
from test_runtime_log import planted_log  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tl")
    log = planted_log(tmp / "h.jsonl")
    out = {}
    for lang in ("zh", "en"):
        d = tmp / lang
        r = CliRunner().invoke(cli, ["runtime", str(log), "--out", str(d), "--format",
                                     "json,html", "--lang", lang])
        assert r.exit_code in (0, 1), r.output
        out[lang] = ((d / "report.html").read_text("utf-8"),
                     json.loads((d / "result.json").read_text("utf-8")))
    return out


def _svg(html: str):
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="timeline"')
    end = html.index("</svg>", start) + len("</svg>")
    return etree.fromstring(html[start:end].encode())


def test_one_picture_without_script(reports):
    for html, _ in reports.values():
        assert html.count('class="timeline"') == 2  # the figure and its svg
        svg = _svg(html)
        assert not svg.findall(f".//{SVG}script")
        assert not [a for el in svg.iter() for a in el.attrib if a.startswith("on")]


def test_bars_marks_and_consent_line(reports):
    html, doc = reports["zh"]
    svg = _svg(html)
    # reads: rect elements with a tooltip (lane backgrounds and legend swatches have none)
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == len(doc["runtime_calls"]) == 5
    colours = sorted(r.get("fill") for r in bars)
    # planted: umeng and the app read IMEI before consent (t=100, 101), three after
    assert colours == sorted(["#c0392b", "#c0392b", "#2e86c1", "#2e86c1", "#2e86c1"])
    marks = list(svg.iter(f"{SVG}path"))
    assert len(marks) == len(doc["permission_requests"]) + len(doc["app_starts"]) == 5
    # the consent line: x of t=110 on the axis from t=0.5 (first item: the boot launch) to
    # t=300 (last: the associated start, an aggregate of t=300 and 301 drawn at its first
    # time): LEFT + PAD + (110 - 0.5) / 299.5 * (960 - 250 - 24 - 2 * 10)
    line = next(ln for ln in svg.iter(f"{SVG}line") if ln.get("stroke") == "#1e8449")
    assert float(line.get("x1")) == pytest.approx(250 + 10 + 109.5 / 299.5 * 666, abs=0.1)
    # the associated start sits at the right end of the axis, inside the picture
    last = max(float(p.get("d").split()[0][1:].split(",")[0]) for p in marks)
    assert last == pytest.approx(250 + 10 + 666, abs=0.1) and last < 960


def test_both_languages(reports):
    zh, en = _svg(reports["zh"][0]), _svg(reports["en"][0])
    zh_text = "".join(zh.itertext())
    en_text = "".join(en.itertext())
    assert "用户同意" in zh_text and "权限申请" in zh_text and "同意前读取" in zh_text
    assert "User agreed" in en_text and "Permission prompts" in en_text
    assert "用户同意" not in en_text


def test_no_runtime_no_picture(tmp_path):
    from scanner.report.timeline import runtime_timeline

    assert runtime_timeline({"findings": []}, {}, str, str) is None
