"""``appaudit serve`` over real HTTP on loopback: the REST contract, the token, upload limits,
hostile names, failed inputs, restarts and load (PRODUCT.md "Workbench")."""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from serve_helpers import APKS, REPO, TOKEN, Server, multipart

CATEGORY = "news"


def _cli_findings(tmp_path: Path, apk: Path, category: str, flows=()) -> list[tuple]:
    out = tmp_path / "cli-out"
    cmd = [sys.executable, "-m", "scanner", "scan", str(apk), "--category", category,
           "--out", str(out), "--format", "json"]
    for f in flows:
        cmd += ["--flows", str(f)]
    subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                   capture_output=True)
    return _key(json.loads((out / "result.json").read_text(encoding="utf-8")))


def _key(doc: dict) -> list[tuple]:
    return sorted((f["id"], f["rule"], f["severity"], tuple(f["pi_types"]))
                  for f in doc["findings"])


def test_token_required_everywhere(server):
    for path in ("/api/scans", "/api/scans/0123456789abcdef", "/", "/findings", "/overview",
                 "/scans/0123456789abcdef/report.html", "/api/scans/0123456789abcdef/bundle.zip"):
        status, headers, body = server.request(path, token=False)
        assert status == 401, path
        assert "script-src" not in headers.get("content-security-policy", "") and \
            "default-src 'none'" in headers["content-security-policy"]
    status, _, _ = server.request("/api/scans", headers={"Authorization": "Bearer wrong"},
                                  token=False)
    assert status == 401
    status, _, body = server.upload([("apk", "a.apk", b"PK")], token=False)
    assert status == 401
    assert not list((server.data / "uploads").iterdir())  # nothing stored before auth


def test_upload_scan_equals_cli(server, tmp_path):
    apk = APKS / "privacy_heavy.apk"
    job_id = server.submit(apk, CATEGORY)
    job = server.wait(job_id)
    assert job["status"] == "done", job
    status, headers, raw = server.request(f"/api/scans/{job_id}/result.json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    doc = json.loads(raw)
    assert doc["category"]["id"] == CATEGORY
    assert _key(doc) == _cli_findings(tmp_path, apk, CATEGORY)
    assert len(doc["findings"]) > 5  # the fixture is built to trip many rules
    status, headers, html = server.request(f"/api/scans/{job_id}/report.html")
    assert status == 200 and b"<script" not in html.lower()
    assert "script-src" not in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    status, _, blob = server.request(f"/api/scans/{job_id}/bundle.zip")
    assert status == 200 and blob[:2] == b"PK"
    bundle = tmp_path / "case.zip"
    bundle.write_bytes(blob)
    verify = subprocess.run([sys.executable, "-m", "scanner", "verify", str(bundle)],
                            env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_category_by_chinese_name_and_unknown(server):
    apk = APKS / "clean.apk"
    status, _, body = server.upload([("apk", "clean.apk", apk.read_bytes())],
                                    {"category": "新闻资讯类"})
    assert status == 202, body
    job = server.wait(json.loads(body)["id"])
    assert job["category"] == "news"
    status, _, body = server.upload([("apk", "clean.apk", apk.read_bytes())],
                                    {"category": "no_such_type"})
    assert status == 400 and "no_such_type" in json.loads(body)["error"]


def test_flows_are_scanned_with_the_apk(server, tmp_path):
    flows = sorted((REPO / "corpus" / "traffic").glob("*.mitm"))
    if not flows:
        pytest.skip("no generated capture in corpus/traffic")
    apk = APKS / "privacy_heavy.apk"
    job = server.wait(server.submit(apk, CATEGORY, flows=(flows[0],)))
    assert job["status"] == "done", job
    doc = json.loads(server.request(f"/api/scans/{job['id']}/result.json")[2])
    assert any(i["kind"] in ("flows", "har") for i in doc["inputs"])
    assert _key(doc) == _cli_findings(tmp_path, apk, CATEGORY, flows=(flows[0],))


def test_bad_upload_fails_that_job_and_the_server_goes_on(server):
    status, _, body = server.upload([("apk", "notes.apk", b"this is not a zip file" * 10)])
    assert status == 202
    job = server.wait(json.loads(body)["id"])
    assert job["status"] == "failed"
    assert job["error"] and "\n" not in job["error"] and "Traceback" not in job["error"]
    ok = server.wait(server.submit(APKS / "clean.apk"))
    assert ok["status"] == "done"


def test_hostile_names_stay_inside_the_data_folder(server, tmp_path):
    apk = (APKS / "clean.apk").read_bytes()
    names = ["../../../../evil.apk", "/etc/passwd", "..\\..\\win.apk", "a\x00b.apk",
             "报告<script>.apk"]
    ids = []
    for name in names:
        status, _, body = server.upload([("apk", name, apk), ("flows", "../../f.mitm", b"x")])
        assert status == 202, body
        ids.append(json.loads(body)["id"])
    for job_id in ids:
        folder = server.data / "uploads" / job_id
        assert sorted(p.name for p in folder.iterdir()) == ["app.apk", "flows-0"]
        job = server.job(job_id)
        assert "/" not in job["apk"] and "\\" not in job["apk"] and "<" not in job["apk"]
    assert not (tmp_path / "evil.apk").exists() and not (server.data / "evil.apk").exists()
    for job_id in ids:
        server.wait(job_id)
    status, _, page = server.request("/")
    assert b"<script>" not in page
    # ids are checked before any lookup
    for bad in ("..%2f..%2fetc", "0123", "ZZZZZZZZZZZZZZZZ"):
        status, _, _ = server.request(f"/api/scans/{bad}")
        assert status == 404


def test_upload_limit_413(tmp_path):
    s = Server(tmp_path / "data", "--max-upload", "1").start()
    try:
        # declared too long: answered from the headers alone, before any of the body is sent
        # (sending the body too would race the server's close: a broken pipe on our side)
        port = int(s.base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.putrequest("POST", "/api/scans")
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        conn.putheader("Content-Type", "multipart/form-data; boundary=b")
        conn.putheader("Content-Length", str((1 << 20) + 10))
        conn.endheaders()
        r = conn.getresponse()
        assert r.status == 413 and b"limit" in r.read()
        conn.close()
        # without Content-Length (chunked): counted while streaming
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.putrequest("POST", "/api/scans")
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        conn.putheader("Content-Type", "multipart/form-data; boundary=b")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            head = (b'--b\r\nContent-Disposition: form-data; name="apk"; filename="a.apk"'
                    b"\r\nContent-Type: application/octet-stream\r\n\r\n")
            conn.send(b"%x\r\n%s\r\n" % (len(head), head))
            chunk = b"x" * 65536
            for _ in range(40):
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert conn.getresponse().status == 413
        conn.close()
        assert not list((s.data / "uploads").iterdir())
        ok = s.wait(s.submit(APKS / "clean.apk"))  # and the server goes on
        assert ok["status"] == "done"
    finally:
        s.stop()


def test_session_forms_need_csrf(server):
    status, headers, _ = server.request(
        "/login", data=f"token={TOKEN}".encode(), method="POST", token=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    # urllib follows the 303 to / without the cookie: read the cookie from a raw request
    conn = http.client.HTTPConnection("127.0.0.1", int(server.base.rsplit(":", 1)[1]))
    conn.request("POST", "/login", f"token={TOKEN}",
                 {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    cookie = r.getheader("set-cookie")
    assert r.status == 303 and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace(
        "SameSite=Strict", "SameSite=strict")
    session = cookie.split(";", 1)[0]
    status, _, page = server.request("/", headers={"Cookie": session}, token=False)
    assert status == 200 and b'name="csrf"' in page
    body, ctype = multipart(
        [("apk", "clean.apk", (APKS / "clean.apk").read_bytes())], {})
    status, _, _ = server.request("/upload", data=body, method="POST", token=False,
                                  headers={"Cookie": session, "Content-Type": ctype})
    assert status == 403
    status, _, _ = server.request("/login", data=b"token=wrong", method="POST", token=False,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401


def test_restart_and_killed_scans_lose_no_job(tmp_path):
    data = tmp_path / "data"
    s = Server(data, "--jobs", "1").start()
    apks = sorted(APKS.glob("*.apk"))
    ids = [s.submit(a) for a in apks]
    # wait until one scan is running, then kill the whole server (and its scans) hard
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            s.job(i)["status"] == "running" for i in ids):
        time.sleep(0.05)
    s.stop(signal.SIGKILL)
    s2 = Server(data, "--jobs", "1").start()
    try:
        jobs = [s2.wait(i) for i in ids]
        assert [j["status"] for j in jobs] == ["done"] * len(ids), jobs
        # a scan process killed from outside is retried, not lost
        job_id = s2.submit(APKS / "multidex_sdk.apk")
        deadline = time.monotonic() + 60
        killed = False
        while time.monotonic() < deadline and not killed:
            if s2.job(job_id)["status"] == "running":
                out = subprocess.run(["pgrep", "-f", "-g", str(os.getpgid(s2.proc.pid)),
                                      "scanner.batch"], capture_output=True, text=True)
                for pid in out.stdout.split():
                    if int(pid) != s2.proc.pid:
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                            killed = True
                        except ProcessLookupError:
                            pass
            time.sleep(0.02)
        assert s2.wait(job_id)["status"] == "done"
    finally:
        s2.stop()


def test_twenty_concurrent_uploads_and_a_responsive_ui(tmp_path):
    s = Server(tmp_path / "data", "--jobs", "2").start()
    try:
        apks = sorted(APKS.glob("*.apk"))
        ids: list[str] = []
        lock = threading.Lock()

        def one(n: int) -> None:
            job_id = s.submit(apks[n % len(apks)], CATEGORY)
            with lock:
                ids.append(job_id)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(ids) == 20
        times = []
        while sum(s.job(i)["status"] in ("queued", "running") for i in ids) and len(times) < 40:
            t0 = time.perf_counter()
            status, _, page = s.request("/")
            times.append(time.perf_counter() - t0)
            assert status == 200
            time.sleep(0.05)
        jobs = [s.wait(i) for i in ids]
        assert all(j["status"] == "done" for j in jobs), [j for j in jobs if j["status"] != "done"]
        print(f"job list page while scanning: n={len(times)} median "
              f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
        assert times and statistics.median(times) < 0.2
        status, _, page = s.request("/findings?rule=PRIV-CODE-0001")
        assert status == 200 and b"PRIV-CODE-0001" in page
        assert b"PRIV-MAN-" not in page.split(b'id="findings"', 1)[-1]
        status, _, page = s.request("/overview")
        assert status == 200
    finally:
        s.stop()


def test_policy_and_runtime_uploads_are_analysed(server, tmp_path):
    sys.path.insert(0, str(REPO / "tests" / "runtime"))
    from test_runtime_log import planted_log

    log = planted_log(tmp_path / "hooks.jsonl")
    policy = tmp_path / "policy.txt"
    policy.write_text("示例科技有限公司隐私政策：我们收集您的位置信息，用于推荐附近的新闻。",
                      encoding="utf-8")
    apk = APKS / "privacy_heavy.apk"
    files = [("apk", apk.name, apk.read_bytes()), ("policy", "policy.txt", policy.read_bytes()),
             ("runtime", "hooks.jsonl", log.read_bytes())]
    status, _, body = server.upload(files, {"category": CATEGORY})
    assert status == 202, body
    job = server.wait(json.loads(body)["id"])
    assert job["status"] == "done", job
    doc = json.loads(server.request(f"/api/scans/{job['id']}/result.json")[2])
    assert {i["kind"] for i in doc["inputs"]} == {"apk", "policy", "runtime"}
    assert doc["policy"]["found"] and doc["runtime_calls"]
    out = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "scanner", "scan", str(apk), "--category", CATEGORY,
                    "--policy", str(policy), "--runtime", str(log), "--out", str(out),
                    "--format", "json"], env=dict(os.environ, PYTHONPATH=str(REPO)),
                   capture_output=True)
    cli_doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert _key(doc) == _key(cli_doc)
    assert {f["rule"] for f in doc["findings"]} >= {"PRIV-POL-0002", "PRIV-RT-0001"}
