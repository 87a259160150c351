"""The HTML report in a real headless browser (Debian's chromium): it renders, makes no
external requests, and a screenshot is produced. Skipped when chromium is absent
(CI installs the Debian packages ``chromium`` and ``fonts-noto-cjk``).

Set APPAUDIT_SCREENSHOT_DIR to keep the screenshots for a look by eye.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.report import get_format
from scanner.report.browser import find_chromium, run_chromium

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "report"))
from sample import pricing_doc, sample_doc  # noqa: E402

GOLDEN = HERE.parent / "golden"
pytestmark = pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed")


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "srcset", "action") and v]


def _external(dom: str) -> list[str]:
    p = _Refs()
    p.feed(dom)
    bad = [r[:80] for r in p.refs if not (r.startswith("#") or r.startswith("data:image/"))]
    bad += re.findall(r"url\((?!\s*['\"]?data:)[^)]*\)", dom)
    return bad + sorted(p.tags & {"script", "link", "iframe", "object", "embed"})


def _reports(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, data in (("sample_zh", get_format("html").render(sample_doc(), "zh")),
                       ("sample_en", get_format("html").render(sample_doc(), "en")),
                       ("pricing_zh", get_format("html").render(pricing_doc(), "zh"))):
        (tmp_path / f"{name}.html").write_bytes(data)
        out[name] = tmp_path / f"{name}.html"
    for name in ("privacy_heavy", "multidex_sdk"):  # fixture APKs' reports
        out[name] = GOLDEN / f"{name}.html"
    return out


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_reports_render_offline_and_screenshot(tmp_path):
    reports = _reports(tmp_path)
    assert {"privacy_heavy", "multidex_sdk", "sample_zh", "pricing_zh"} <= set(reports)
    keep = os.environ.get("APPAUDIT_SCREENSHOT_DIR")
    for name, path in reports.items():
        if name == "sample_zh":
            continue  # same layout as sample_en; keeps the test quick
        dom = run_chromium(["--dump-dom", path.as_uri()]).stdout.decode("utf-8", "replace")
        assert "<h1>" in dom and "</body>" in dom, name
        assert _external(dom) == [], name
        shot = tmp_path / f"{name}.png"
        run_chromium([f"--screenshot={shot}", "--window-size=1280,2000",
                      "--hide-scrollbars", path.as_uri()])
        data = shot.read_bytes()
        assert _png_size(data) == (1280, 2000), name
        assert len(data) > 20_000, name  # a blank page compresses to a few KB
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)


def test_titles_in_dom(tmp_path):
    reports = _reports(tmp_path)
    dom = run_chromium(["--dump-dom", reports["sample_en"].as_uri()]).stdout.decode()
    assert "App Personal Information Compliance Audit Report" in dom
    dom = run_chromium(["--dump-dom", reports["privacy_heavy"].as_uri()]).stdout.decode()
    assert "应用个人信息合规审计报告" in dom and "隐私测试" in dom
    dom = run_chromium(["--dump-dom", reports["pricing_zh"].as_uri()]).stdout.decode()
    assert 'src="data:image/png;base64,' in dom


def test_print_to_pdf(tmp_path):
    pdf = get_format("pdf").render(sample_doc(), "zh")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for w, h in boxes:  # A4 is 595.3 x 841.9 points
        assert abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5, (w, h)
