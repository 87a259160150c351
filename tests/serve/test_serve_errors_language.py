"""The workbench's errors in the page's language (issue 14): a failed scan stores its error as a
message (``jobs.error_msg``) beside the English text (``jobs.error``, the REST API's
``error``), and the pages say it in Chinese by default and in English with ``?lang=en`` (or
the ``lang`` cookie). Upload-form errors, the download paths of an unfinished scan, an
unknown scan and an upload over the limit too. A real ``appaudit serve`` on loopback."""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys

import pytest
from serve_helpers import REPO, TOKEN, Server

from scanner.messages import catalog
from scanner.serve.jobs import Jobs

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def _text(page: bytes) -> str:
    """The visible text of a page (no tags, no style), the language switch left out."""
    body = re.sub(r"<style.*?</style>|<[^>]+>", " ", page.decode("utf-8"), flags=re.S)
    return html.unescape(body).replace("中文", " ")


def _error_cell(page: bytes) -> str:
    m = re.search(r'id="error">([^<]*)<', page.decode("utf-8"))
    assert m, page[:2000]
    return html.unescape(m[1])


def test_a_failed_scan_says_its_error_in_the_page_language(server):
    status, _, body = server.upload([("apk", "notes.apk", b"this is not a zip file" * 10)])
    assert status == 202
    job = server.wait(json.loads(body)["id"])
    assert job["status"] == "failed"
    # the API: the English text as before, and the message to word it in any language
    message = job["error_msg"]
    assert message and message["id"] in catalog("zh") and message["id"] in catalog("en")
    assert not CJK.search(job["error"]), job["error"]
    zh = _error_cell(server.request(f"/scans/{job['id']}")[2])
    en = _error_cell(server.request(f"/scans/{job['id']}?lang=en")[2])
    assert zh != en and CJK.search(zh) and not CJK.search(en), (zh, en)
    # by hand: the reader says the upload is not a zip, in each catalog's words
    # (err_apk_not_zip: "{path}：不是 zip/APK 文件…" / "{path}: not a zip…"), naming the file
    # by the name it was uploaded under (not app.apk, the stored copy's)
    assert message == {"id": "err_apk_not_zip", "params": {"path": "notes.apk"}}, message
    assert zh == "notes.apk：不是 zip/APK 文件（没有 zip 文件标识）", zh
    assert en == job["error"] == "notes.apk: not a zip/APK file (no zip signature)", en
    # the scan list says it too, in the language the cookie keeps (set by ?lang=en)
    listing_zh = _text(server.request("/")[2])
    assert zh in listing_zh and en not in listing_zh
    listing_en = _text(server.request("/", headers={"Cookie": "lang=en"})[2])
    assert en in listing_en and not CJK.search(listing_en), listing_en[:500]


def test_upload_form_and_download_errors_in_the_page_language(server):
    # the form without an APK (a bearer token is enough for the form's POST)
    for lang, words in (("zh", "请选择一个 APK 文件。"), ("en", "Choose an APK file.")):
        q = "" if lang == "zh" else "?lang=en"
        status, _, page = server.upload([], {"category": ""}, path=f"/upload{q}")
        assert status == 400 and words in _text(page), _text(page)[:400]
        status, _, page = server.upload([("apk", "a.apk", b"x")], {"category": "no_such"},
                                        path=f"/upload{q}")
        bad = "未知的应用类型：no_such" if lang == "zh" else "Unknown app type: no_such"
        assert status == 400 and bad in _text(page)
    # the API answers the same error in English with its message
    status, _, body = server.upload([], {"category": ""})
    answer = json.loads(body)
    assert status == 400 and answer == {"error": "Choose an APK file.",
                                        "error_msg": {"id": "serve_upload_no_apk",
                                                      "params": {}}}
    # a scan that does not exist: a page on the pages' paths, JSON on the API's
    for path in ("/scans/0123456789abcdef", "/scans/0123456789abcdef/result.json"):
        status, _, page = server.request(path)
        assert status == 404 and "没有这个扫描任务。" in _text(page)
        status, _, page = server.request(path + "?lang=en")
        assert status == 404 and "No such scan." in _text(page) and not CJK.search(_text(page))
    status, _, body = server.request("/api/scans/0123456789abcdef/result.json")
    assert status == 404 and json.loads(body)["error"] == "No such scan."
    # a scan that failed: its downloads are refused with its error, in the page's language
    status, _, body = server.upload([("apk", "notes.apk", b"not a zip" * 10)])
    job = server.wait(json.loads(body)["id"])
    status, _, page = server.request(f"/scans/{job['id']}/report.html")
    assert status == 409 and "该扫描失败，没有结果：notes.apk：不是 zip/APK 文件" in _text(page), \
        _text(page)[:300]
    status, _, page = server.request(f"/scans/{job['id']}/bundle.zip?lang=en")
    assert status == 409 and "The scan failed and has no result: notes.apk: not a zip/APK " \
        "file (no zip signature)" in _text(page)
    status, _, body = server.request(f"/api/scans/{job['id']}/result.json")
    answer = json.loads(body)
    assert status == 409 and answer["status"] == "failed"
    assert answer["error"] == "The scan failed and has no result: notes.apk: not a zip/APK " \
        "file (no zip signature)"


def test_an_upload_over_the_limit_in_the_page_language(tmp_path):
    s = Server(tmp_path / "data", "--max-upload", "1").start()
    try:
        port = int(s.base.rsplit(":", 1)[1])
        answers = {}
        for path, cookie in (("/upload", ""), ("/upload", "lang=en"), ("/api/scans", "")):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.putrequest("POST", path)
            conn.putheader("Authorization", f"Bearer {TOKEN}")
            if cookie:
                conn.putheader("Cookie", cookie)
            conn.putheader("Content-Type", "multipart/form-data; boundary=b")
            conn.putheader("Content-Length", str((1 << 20) + 10))
            conn.endheaders()
            r = conn.getresponse()
            answers[(path, cookie)] = (r.status, r.getheader("Content-Type"), r.read())
            conn.close()
        status, ctype, page = answers[("/upload", "")]
        assert status == 413 and ctype.startswith("text/html")
        assert "上传内容超过 1 MB 的上限" in _text(page)
        status, ctype, page = answers[("/upload", "lang=en")]
        assert status == 413 and "upload larger than the limit of 1 MB" in _text(page)
        assert not CJK.search(_text(page))
        status, ctype, body = answers[("/api/scans", "")]
        assert status == 413 and json.loads(body) == {
            "error": "upload larger than the limit of 1 MB",
            "error_msg": {"id": "serve_upload_too_large", "params": {"mb": 1}}}
    finally:
        s.stop()


def test_a_jobs_table_written_before_error_msg_still_opens(tmp_path):
    # a database of an older workbench: its jobs table has no error_msg column; opening it
    # adds the column, and the old rows show their stored text
    db = tmp_path / "audit.sqlite"
    with Jobs(db):
        pass
    con = sqlite3.connect(db)
    con.execute("DROP TABLE jobs")
    con.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, created REAL NOT NULL, status TEXT "
                "NOT NULL, error TEXT, apk_name TEXT, category TEXT, flows TEXT, sha256 TEXT, "
                "started REAL, finished REAL, attempts INTEGER NOT NULL DEFAULT 0, "
                "result_z BLOB)")
    con.execute("INSERT INTO jobs(id, created, status, error, apk_name, flows) VALUES "
                "('0123456789abcdef', 1.0, 'failed', 'an old error text', 'a.apk', '[]')")
    con.commit()
    con.close()
    with Jobs(db) as j:
        job = j.get("0123456789abcdef")
        assert job.error_msg is None and job.error_text("zh") == "an old error text"
        from scanner.messages import msg

        j.add("fedcba9876543210", "b.apk", None)
        j.fail("fedcba9876543210", msg("err_upload_unreadable", reason=msg("os_EACCES")))
        new = j.get("fedcba9876543210")
    assert new.error_text("zh").startswith("上传的文件无法读取：")
    assert new.error == new.error_text("en") and new.error.startswith("uploaded file unreadable: ")


@pytest.mark.parametrize(("lang", "line"), [
    ("zh", "appaudit：错误：无法在 127.0.0.1 的端口 {port} 上监听："
           "地址已被占用（另一个程序正在使用该端口）"),
    ("en", "appaudit: error: cannot listen on 127.0.0.1 port {port}: address already in use "
           "(another program uses this port)"),
])
def test_a_taken_port_is_one_line_in_the_language(tmp_path, lang, line):
    # a real listening socket holds the port: serve says so in its --lang, exit 2 (usage),
    # before printing its start lines, instead of the web server's English log line
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "scanner", "serve", "--data", str(tmp_path / "d"),
             "--port", str(port), "--token", TOKEN, "--lang", lang], capture_output=True,
            text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and proc.stderr.splitlines() == [line.format(port=port)]


def test_serve_lang_sets_the_pages_default_language(tmp_path):
    """``serve --lang en``: pages are English until a visitor picks Chinese (query or
    cookie); the visitor's choice wins over the server's default."""
    s = Server(tmp_path / "data", "--lang", "en").start()
    try:
        status, _h, page = s.request("/login", token=False)
        assert status == 200
        assert "appaudit workbench" in _text(page) and not CJK.search(_text(page))
        status, _h, page = s.request("/upload")
        # (the app types' options are bilingual on purpose: "1. 地图导航类 / Map navigation")
        page = re.sub(rb"<option[^>]*>[^<]*</option>", b"", page)
        assert status == 200 and "Upload an app" in _text(page) and not CJK.search(_text(page))
        status, _h, page = s.request("/login?lang=zh", token=False)
        assert "appaudit 工作台" in _text(page)
        status, _h, page = s.request("/login", token=False, headers={"Cookie": "lang=zh"})
        assert "appaudit 工作台" in _text(page)
    finally:
        s.stop()
