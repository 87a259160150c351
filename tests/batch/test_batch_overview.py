"""scanner.batch.overview: a self-contained page with embedded charts, Chinese by default."""

from __future__ import annotations

import re

from scanner.batch.overview import render_overview


def _row(sha, status="ok", sdks=(), over=(), high=0, low=0):
    return {"sha256": sha, "status": status, "error": None if status == "ok" else "坏<文件>",
            "paths": [f"/x/{sha}.apk"], "package": f"p.{sha}", "label": "<b>x</b>",
            "version_name": "1", "version_code": "1", "category": None,
            "sdk_count": len(sdks), "sdks": [[s, s] for s in sdks], "pi_types": list(over),
            "pi_count": len(over), "over_scope_pi": list(over), "over_scope_count": len(over),
            "findings": high + low, "critical": 0, "high": high, "medium": 0, "low": low,
            "info": 0, "rules": {"R1": high + low} if high + low else {}, "partial": False,
            "seconds": 1.0, "peak_rss_kb": 1}


ROWS = [_row("a", sdks=["jpush"], over=["imsi"], high=2, low=1), _row("b", sdks=["jpush"]),
        _row("c", status="input_error")]


def test_overview_zh_self_contained_with_three_charts():
    page = render_overview(ROWS)
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    assert "批量审计总览" in page and "超范围" in page
    imgs = re.findall(r'<img alt="[^"]*" src="([^"]+)"', page)
    assert len(imgs) == 3 and all(u.startswith("data:image/png;base64,") for u in imgs)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from outside
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # escaped
    assert "坏&lt;文件&gt;" in page


def test_overview_en_and_empty_charts():
    page = render_overview([_row("b"), _row("c", status="timeout")], lang="en")
    assert "Batch audit overview" in page and 'lang="en"' in page
    assert page.count("<img") == 0
    assert page.count('class="none"') == 3
