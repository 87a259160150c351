"""The workbench's page text: both catalogs complete, and no page shows the other language."""

from __future__ import annotations

import re

import pytest

from scanner.knowledge import load_knowledge
from scanner.serve import pages
from scanner.serve.app import display_name
from scanner.serve.jobs import Job

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def test_catalogs_have_the_same_keys():
    assert set(pages.text("zh")) == set(pages.text("en"))
    assert all(v.strip() for lang in ("zh", "en") for v in pages.text(lang).values())


def _context(lang: str) -> dict:
    cats = load_knowledge().categories
    job = Job("0123456789abcdef", 1.7e9, "failed", "app.apk: not a zip/APK file (no zip "
              "signature)", "app.apk", "news", ("s.har",), "ab" * 32, 1.7e9, 1.7e9 + 3, 1,
              {"id": "err_apk_not_zip", "params": {"path": "app.apk"}})
    view = pages.job_view(job, lang, cats)
    finding = pages.finding_view({"rule": "PRIV-CODE-0001", "severity": "high",
                                  "title": {"zh": "代码读取非必要个人信息", "en": "Code reads PI"},
                                  "pi_types": ["device_id", "contacts"]}, lang)
    return {"jobs": [view], "job": view, "counts": {"queued": 1, "running": 0, "done": 2,
                                               "failed": 1},
                "categories": sorted(cats.values(), key=lambda c: c.number), "error": None,
                "max_mb": 200, "findings": [finding], "rows": [dict(finding, app="x", sdk_text="")],
                "total": 1, "limit": 1000, "filters": [("rule", "r", [("a", "a")])],
                "selected": {"rule": ""}, "failed": True,
            "fingerprint": "f" * 64, "message": ""}


@pytest.mark.parametrize("name", ["login", "jobs", "upload", "job", "findings", "message"])
def test_no_other_language_on_a_page(name):
    zh = pages.render(name, "zh", **_context("zh"))
    en = pages.render(name, "en", **_context("en"))
    # English pages: no Chinese except the language switch (中文) and the app types'
    # bilingual option labels on the upload form ("1. 地图导航类 / Map navigation")
    en_text = re.sub(r"<option[^>]*>[^<]*</option>", "", en).replace("中文", "")
    assert not CJK.findall(re.sub(r"<[^>]+>", " ", en_text)), name
    # Chinese pages: none of the English catalog's sentences
    zh_values = set(pages.text("zh").values())
    for key, value in pages.text("en").items():
        if value in zh_values or len(value) < 8 or "{" in value:
            continue
        assert value not in zh, (name, key)
    # the job's error in the page's language (err_apk_not_zip of each catalog)
    if name in ("jobs", "job"):
        assert "app.apk：不是 zip/APK 文件（没有 zip 文件标识）" in zh
        assert "app.apk: not a zip/APK file (no zip signature)" in en
    # no raw status or severity id shown as text
    for raw in (">failed<", ">high<", ">news<"):
        assert raw not in zh, (name, raw)


def test_display_names_are_never_paths():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\app.apk") == "app.apk"
    assert display_name("a\x00b<script>.apk") == "a_b_script_.apk"
    assert display_name("") == "upload" and display_name(None) == "upload"
    assert len(display_name("x" * 500)) == 120


def test_times_carry_their_offset():
    # Unix time 1,700,000,000 is 2023-11-14 22:13:20 UTC, i.e. 06:13:20 the next day in
    # Beijing; the page says which zone it means, in both languages.
    for lang in ("zh", "en"):
        page = pages.render("jobs", lang, **_context(lang))
        assert "2023-11-15 06:13:20 +08:00" in page, lang
