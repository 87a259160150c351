"""The workbench in a real browser (Playwright driving Debian's chromium): log in with the
token, upload an app through the form, watch the job finish, open its report, filter the
findings. Skipped when chromium or Playwright is absent.

Set APPAUDIT_SCREENSHOT_DIR to keep the screenshots for a look by eye.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from serve_helpers import APKS, TOKEN

from scanner.report.browser import find_chromium

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _shot(page, name: str) -> None:
    folder = os.environ.get("APPAUDIT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"serve-{name}.png"), full_page=True)


def test_upload_to_report_in_a_browser(server):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            blocked = []
            page.on("request", lambda r: None if r.url.startswith(server.base)
                    else blocked.append(r.url))
            page.goto(server.base + "/")
            assert page.title().startswith("登录工作台")  # 401 shows the login form
            page.fill("#token", "wrong")
            page.click("button[type=submit]")
            assert page.locator(".error").inner_text() == "令牌不正确。"
            page.fill("#token", TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(server.base + "/")
            page.click("text=上传应用")
            options = page.locator("#category option").all_inner_texts()
            assert len(options) == 40 and "新闻资讯类 / News" in " ".join(options)
            page.set_input_files("#apk", str(APKS / "privacy_heavy.apk"))
            page.select_option("#category", "news")
            _shot(page, "upload")
            page.click("button.primary")
            page.wait_for_url(re.compile(r".*/scans/[0-9a-f]{16}$"))
            deadline = time.monotonic() + 120
            while page.locator("#status").inner_text() != "已完成":
                assert time.monotonic() < deadline, page.content()
                page.wait_for_timeout(500)
                page.reload()
            findings = page.locator("#findings tr")
            assert findings.count() > 5
            assert "新闻资讯类" in page.content()
            _shot(page, "job")
            t0 = time.perf_counter()
            page.click("text=报告")
            page.wait_for_load_state()
            assert time.perf_counter() - t0 < 5
            assert "应用个人信息合规审计报告" in page.title() or \
                "应用个人信息合规审计报告" in page.content()
            _shot(page, "report")
            page.goto(server.base + "/findings?severity=high")
            rows = page.locator("#findings tr")
            assert rows.count() > 1
            sev = page.locator("#findings td:nth-child(2)").all_inner_texts()
            assert sev and set(sev) == {"高"}
            _shot(page, "findings")
            page.goto(server.base + "/?lang=en")
            assert page.locator("#jobs").count() == 1
            assert "done" in page.locator("#jobs").inner_text()
            _shot(page, "jobs-en")
            assert not blocked, blocked
        finally:
            browser.close()


def test_a_failed_scan_in_each_language_in_a_browser(server):
    """The error of a failed scan on its page and in the list, in the page's language: in
    Chinese first, then after the menu's language switch (a cookie keeps it) in English."""
    import json

    status, _, body = server.upload([("apk", "notes.apk", b"this is not a zip file" * 10)])
    assert status == 202
    job = server.wait(json.loads(body)["id"])
    assert job["status"] == "failed"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(server.base + "/login")
            page.fill("#token", TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(server.base + "/")
            page.goto(f"{server.base}/scans/{job['id']}")
            # by hand from err_apk_not_zip of each catalog, with the uploaded file's name
            assert page.locator("#error").inner_text() == \
                "notes.apk：不是 zip/APK 文件（没有 zip 文件标识）"
            _shot(page, "failed-zh")
            page.click("text=English")
            assert page.locator("#error").inner_text() == \
                "notes.apk: not a zip/APK file (no zip signature)"
            _shot(page, "failed-en")
            page.goto(server.base + "/")  # the cookie keeps English
            assert "notes.apk: not a zip/APK file" in page.locator("#jobs").inner_text()
            page.goto(f"{server.base}/scans/{job['id']}/report.html?lang=zh")
            assert page.locator("h1").inner_text() == "出错了"
            assert "该扫描失败，没有结果：notes.apk：" in page.content()
        finally:
            browser.close()
