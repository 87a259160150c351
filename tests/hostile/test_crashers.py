"""Fuzz-campaign crashers (tests/hostile/crashers/README.md): the real CLI on each gives a
result or one line of our own, never "internal error"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli

HERE = Path(__file__).resolve().parent / "crashers"


@pytest.mark.parametrize("name,code,needle", [
    ("bundle-surrogate-in-manifest.zip", 1, "TAMPERED"),
    ("bundle-bad-local-offset.zip", 1, "cannot be read as listed"),
    ("bundle-zip-version.zip", 3, "not a readable zip file"),
])
def test_bundle_crashers(tmp_path, name, code, needle):
    res = CliRunner().invoke(cli, ["verify", str(HERE / name), "--lang", "en"])
    assert res.exit_code == code, res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    assert needle in res.output


def test_batch_database_crasher(tmp_path):
    db = tmp_path / "a.sqlite"
    db.write_bytes((HERE / "batchdb-int-in-pi-types.sqlite").read_bytes())
    res = CliRunner().invoke(cli, ["batch-report", str(db), "-o", str(tmp_path / "o.html"),
                                   "--lang", "en"])
    assert res.exit_code == 3, res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "damaged" in lines[0] and "apks.pi_types" in lines[0], lines


def test_runtime_log_with_a_list_as_a_stack_frame(tmp_path):
    """Stack frames that are lists, objects or numbers (a list made the owner lookup's cache
    key unhashable: TypeError) name no class; the first string frame is the caller; a launch
    cause that is a list is no self start."""
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["runtime", str(HERE / "runtime-list-in-stack.jsonl"),
                                   "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    calls = doc["runtime_calls"]
    assert [(c["pi_type"], c["caller"], c["sdk"]) for c in calls] == \
        [("device_id", "com.example.app.Main", None)]
    assert doc.get("app_starts", []) == []


def test_runtime_log_that_is_not_utf8(tmp_path):
    """A byte that is not UTF-8 (0xE9, 0xFF) and JSON escapes of lone surrogates (\\ud800,
    \\udc00) were kept as lone surrogates and failed writing result.json
    (UnicodeEncodeError); they are read as U+FFFD."""
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["runtime", str(HERE / "runtime-not-utf8.jsonl"),
                                   "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    assert [c["caller"] for c in doc["runtime_calls"]] == ["com.example.app.M\ufffd"]


def _post(app, raw: bytes) -> tuple[int, bytes]:
    """POST a fixture (a JSON line of headers, then the body) to /api/scans through ASGI."""
    import asyncio

    head, _, body = raw.partition(b"\n")
    headers = [(k.encode(), v.encode()) for k, v in json.loads(head).items()]
    chunks = [body]
    got: dict = {"body": b""}

    async def receive():
        if chunks:
            return {"type": "http.request", "body": chunks.pop(), "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
        elif message["type"] == "http.response.body":
            got["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/scans", "raw_path": b"/api/scans",
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8765)}
    asyncio.run(app(scope, receive, send))
    return got["status"], got["body"]


@pytest.mark.parametrize("name,detail", [
    ("upload-too-many-fields.http", "Too many fields"),
    ("upload-no-boundary.http", "Missing boundary"),
    ("upload-bad-header-name.http", "Invalid multipart data"),
])
def test_upload_that_is_not_a_readable_form(tmp_path, capsys, name, detail):
    """A multipart body the form parser refuses was answered by the framework with a plain
    text 400 (no JSON error, no upload form); it is one JSON error of ours, nothing stored.
    A part header with a space in its name also left the parser's own warning on stderr
    ("Found invalid character 32 in header"): the answer says it, the console stays quiet."""
    from scanner.serve.app import ServeConfig, create_app

    data = tmp_path / "data"
    data.mkdir()
    app = create_app(ServeConfig(data=data, db=data / "audit.sqlite",
                                 token="fuzz-token-0123456789abcdef", warm=False))
    status, body = _post(app, (HERE / name).read_bytes())
    assert status == 400, body
    # the API's error in English (as every API error), with the message to word it in the
    # user's language (serve_upload_unreadable of each catalog)
    answer = json.loads(body)
    error, message = answer["error"], answer["error_msg"]
    assert error.startswith("The upload could not be read: ") and detail in error, error
    assert message["id"] == "serve_upload_unreadable" and detail in message["params"]["detail"]
    from scanner.messages import render

    assert render(message["id"], message["params"], "zh").startswith("无法读取上传内容：")
    assert not (data / "uploads").exists()
    assert capsys.readouterr().err == ""


def test_batch_database_whose_check_is_not_utf8(tmp_path):
    """A batch database (made and mutated by the campaign) on which SQLite's integrity check
    answers with bytes that are not UTF-8: UnicodeDecodeError (exit 5) before; now exit 3
    naming the damage."""
    db = tmp_path / "a.sqlite"
    db.write_bytes((HERE / "batchdb-not-utf8-in-check.sqlite").read_bytes())
    res = CliRunner().invoke(cli, ["batch-report", str(db), "-o", str(tmp_path / "o.html"),
                                   "--lang", "en"])
    assert res.exit_code == 3, res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "batch database is damaged" in lines[0], lines


def test_policy_pdf_with_a_bad_flate_stream(tmp_path, capfd):
    """A PDF (written by the campaign) whose only content stream is not zlib: pypdf logged
    "Error -3 while decompressing data" on stderr through logging's last resort (noise);
    now exit 3 with one line of ours (giving pypdf's reason when pypdf reads the PDF; pdfium,
    when installed, reads it first and logs nothing)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    proc = subprocess.run([sys.executable, "-m", "scanner", "policy",
                           str(HERE / "policy-bad-flate.pdf"), "--out", str(tmp_path / "o"),
                           "--format", "json", "--lang", "en"], cwd=tmp_path, capture_output=True,
                               text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)},
                          timeout=120)
    assert proc.returncode == 3, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("appaudit: error: "), lines
    assert "no readable text" in lines[0]


def test_runtime_log_with_a_number_as_permissions(tmp_path):
    """permission_request events whose permissions are a number (TypeError: 'float' object
    is not iterable, exit 5) or an object name none; one given as a single string is that
    one permission."""
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["runtime", str(HERE / "runtime-number-as-permissions.jsonl"),
                                   "--out", str(out), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    doc = json.loads((out / "result.json").read_text("utf-8"))
    asked = [p["permissions"] for p in doc["permission_requests"]]
    assert asked == [[], [], ["android.permission.CAMERA"]], asked


def test_citation_that_is_a_number(tmp_path):
    """A citations catalogue whose entry is a number, not a mapping (found by the campaign's
    rules parser: AttributeError, exit 5): a ruleset error naming the entry, exit 4."""
    import shutil
    import subprocess
    import sys

    import yaml

    from scanner.paths import rulesets_dir
    from tests.conftest import REPO

    rules = tmp_path / "rulesets"
    shutil.copytree(rulesets_dir(), rules)
    cat = rules / "_catalog" / "citations.yaml"
    doc = yaml.safe_load(cat.read_text("utf-8"))
    key = sorted(doc["citations"])[0]
    doc["citations"][key] = 3.5
    cat.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    proc = subprocess.run([sys.executable, "-m", "scanner", "rules", "list"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO),
                               "APPAUDIT_RULESETS_DIR": str(rules)})
    assert proc.returncode == 4, proc.stderr
    # by hand from zh.yaml: err_ruleset, err_rs_must_be, rs_mapping
    assert f"规则集错误：_catalog/citations.yaml: {key}：应为映射（键: 值）" in proc.stderr
    assert len([x for x in proc.stderr.splitlines() if x.strip()]) == 1
    proc = subprocess.run([sys.executable, "-m", "scanner", "rules", "list", "--lang", "en"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO),
                               "APPAUDIT_RULESETS_DIR": str(rules)})
    assert proc.returncode == 4, proc.stderr
    assert f"ruleset error: _catalog/citations.yaml: {key}: must be a mapping" in proc.stderr


def test_flow_dump_with_an_unknown_field_in_a_flow(tmp_path):
    """Two flows written by mitmproxy's own FlowWriter (``mitmproxy.test.tflow``), the second
    one's ``backup`` key renamed ``beckup`` (same length, so the dump stays well-formed):
    mitmproxy's ``Flow.set_state`` asserts that no field is left over (AssertionError, once
    "internal error"). The first flow is read; the second is recorded as damage."""
    from scanner.ingest.flowfile import iter_flow_file
    from scanner.model.damage import DamageLog

    path = HERE / "flows-unknown-state-key.mitm"
    notes = DamageLog()
    exchanges = list(iter_flow_file(path, notes))
    assert [(e.method, e.host, e.path) for e in exchanges] == [("GET", "address", "/path")]
    (note,) = list(notes)
    assert "unreadable after flow #1" in str(note) and "fields mitmproxy does not know" in str(note)
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["traffic", str(path), "--out", str(out), "--format", "json",
                                   "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "internal error" not in res.output
    assert json.loads((out / "result.json").read_text("utf-8"))["partial"] is True
