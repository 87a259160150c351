"""Property tests for every parser of hostile input: any bytes (and mutations of real
inputs) give a result or the one typed input error, within a time budget.

Seeded (``derandomize``) so CI runs the same few hundred inputs every time in a few
seconds; ``benchmarks/fuzz_campaign.py`` runs the real CLI over thousands more. The
"one typed error" is :class:`scanner.errors.InputError` for inputs (and its subclasses:
ZipBombError, ManifestError, DexFormatError, ResourceTableError...), UsageError for the
command-line time values, RulesetError for rule files, and for the YAML loader
``yaml.YAMLError`` or :class:`scanner.safeyaml.YamlLimitError` (its callers map both).
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import InputError, RulesetError, UsageError
from scanner.model.damage import DamageLog
from tests.conftest import FIXTURE_APKS, REPO

BUDGET = 5.0  # seconds per input, far above what any of them takes
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
CLEAN = (FIXTURE_APKS / "clean.apk").read_bytes()
with zipfile.ZipFile(FIXTURE_APKS / "clean.apk") as _z:
    MANIFEST = _z.read("AndroidManifest.xml")
    ARSC = _z.read("resources.arsc")
    DEX = _z.read("classes.dex")
HAR = (REPO / "corpus" / "traffic" / "session.har").read_bytes()[:200_000]
FLOWS = (REPO / "corpus" / "traffic" / "session.mitm").read_bytes()[:200_000]
FACTS = (REPO / "corpus" / "traffic" / "device-facts.json").read_bytes()


@st.composite
def mutated(draw, seed: bytes):
    """``seed`` with a few byte flips, a truncation, a duplicated slice or an insertion."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "dup", "insert"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[i:]
        elif kind == "dup":
            j = draw(st.integers(i, min(len(data), i + 4096)))
            data[i:i] = data[i:j]
        else:
            data[i:i] = draw(st.binary(max_size=64))
    return bytes(data)


def any_bytes_or(seed: bytes):
    return st.one_of(st.binary(max_size=2048), mutated(seed))


def _timed(fn, *args):
    t0 = time.perf_counter()
    try:
        return fn(*args)
    finally:
        assert time.perf_counter() - t0 < BUDGET


@SETTINGS
@given(any_bytes_or(CLEAN))
def test_safezip(data):
    from scanner.ingest.safezip import SafeZip

    try:
        z = _timed(SafeZip, data, "x.apk")
    except InputError:
        return
    for name in z.names()[:5]:
        try:
            z.read(name, 1 << 20)
        except InputError:
            pass


@SETTINGS
@given(any_bytes_or(MANIFEST))
def test_manifest(data):
    from scanner.ingest.apk import ApkReader

    try:
        root = _timed(ApkReader._parse_manifest, data, "x.apk")
    except InputError:
        return
    assert root is not None


@SETTINGS
@given(any_bytes_or(ARSC))
def test_resource_table(data):
    from scanner.ingest.arsc import ResourceTable

    try:
        t = _timed(ResourceTable, data)
    except InputError:
        return
    for rid in (0x7F010000, 0x7F020000, 0x7F030000):
        try:
            t.resolve(rid)
        except InputError:
            pass


@SETTINGS
@given(any_bytes_or(DEX))
def test_dex(data):
    from scanner.ingest.dex import DexIndex

    try:
        idx = _timed(DexIndex.from_dex_files, [("classes.dex", data)])
    except InputError:
        return
    idx.class_names()
    idx.find_calls({"Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"})
    idx.find_strings(exact={"android_id"}, prefixes=("content://",))


@SETTINGS
@given(any_bytes_or(HAR))
def test_har(tmp_path_factory, data):
    from scanner.ingest.har import iter_har_file

    p = tmp_path_factory.mktemp("har") / "x.har"
    p.write_bytes(data)
    notes = DamageLog()
    try:
        _timed(lambda: list(iter_har_file(p, notes)))
    except InputError:
        return
    assert len(notes) <= 1


@SETTINGS
@given(any_bytes_or(FLOWS))
def test_flow_file(tmp_path_factory, data):
    from scanner.ingest.flowfile import iter_flow_file

    p = tmp_path_factory.mktemp("flows") / "x.mitm"
    p.write_bytes(data)
    notes = DamageLog()
    _timed(lambda: list(iter_flow_file(p, notes)))
    assert len(notes) <= 1


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                             max_size=4), max_leaves=20)


@SETTINGS
@given(st.one_of(any_bytes_or(FACTS),
                 st.dictionaries(st.sampled_from(["imei", "lat", "lon", "location", "oaid",
                                                  "installed_apps", "mac", "x"]), JSONISH)
                 .map(lambda d: json.dumps(d).encode())))
def test_device_facts(tmp_path_factory, data):
    from scanner.ingest.device_facts import load_device_facts
    from scanner.pii.known import KnownValueMatcher

    p = tmp_path_factory.mktemp("facts") / "f.json"
    p.write_bytes(data)
    try:
        facts = _timed(load_device_facts, p)
    except InputError:
        return
    _timed(KnownValueMatcher, facts)


@SETTINGS
@given(st.one_of(st.binary(max_size=512).map(lambda b: b.decode("latin-1")),
                 JSONISH.map(lambda v: yaml.safe_dump(v, allow_unicode=True))))
def test_safe_yaml(text):
    from scanner.safeyaml import YamlLimitError, load

    try:
        _timed(load, text)
    except (yaml.YAMLError, YamlLimitError):
        pass


@SETTINGS
@given(st.text(max_size=40))
def test_parse_time(text):
    import math

    from scanner.timeparse import parse_time

    try:
        t = parse_time(text)
    except UsageError:
        return
    assert math.isfinite(t)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["id", "title", "severity", "match", "legal_basis",
                                        "tests", "status", "applies_to", "group_by"]),
                       JSONISH))
def test_rule_documents(doc):
    from scanner.knowledge import load_knowledge
    from scanner.rules.loader import parse_rule

    try:
        _timed(parse_rule, doc, Path("x.yaml"), load_knowledge())
    except RulesetError:
        pass


@pytest.fixture(scope="module")
def bundle_seed(tmp_path_factory):
    from scanner.bundle import generate_key, make_bundle

    base = tmp_path_factory.mktemp("bundle")
    generate_key("fuzz", base / "keys")
    result = base / "result.json"
    result.write_text((REPO / "tests" / "golden" / "clean.json").read_text("utf-8"), "utf-8")
    out = base / "case.zip"
    make_bundle(result, out, analyst="fuzz", keys_folder=base / "keys", formats=("json",))
    return out.read_bytes()


def test_bundle_verify(tmp_path_factory, bundle_seed):
    from scanner.bundle import verify_bundle

    @SETTINGS
    @given(any_bytes_or(bundle_seed))
    def run(data):
        p = tmp_path_factory.mktemp("b") / "case.zip"
        p.write_bytes(data)
        try:
            report = _timed(verify_bundle, p)
        except InputError:
            return
        assert report.ok == (data == bundle_seed) or not report.ok

    run()


@pytest.fixture(scope="module")
def db_seed(tmp_path_factory):
    import zlib

    from scanner.batch.isolate import Outcome
    from scanner.batch.store import Store

    db = tmp_path_factory.mktemp("db") / "a.sqlite"
    with Store(db) as s:
        run = s.begin_run("src", {})
        for i in range(20):
            s.record(Outcome(f"{i:064x}", "ok", None, 0.5, 1, None, zlib.compress(b"{}"),
                             {"package": f"p{i}", "sdks": [], "rules": {}, "partial": False}),
                     1, run)
        s.end_run(run, 20, False)
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db.read_bytes()


def test_batch_store(tmp_path_factory, db_seed):
    from scanner.batch.store import Store

    @SETTINGS
    @given(any_bytes_or(db_seed))
    def run(data):
        p = tmp_path_factory.mktemp("s") / "a.sqlite"
        p.write_bytes(data)
        try:
            with Store(p) as s:
                s.rows()
                s.runs()
                s.paths()
        except InputError:
            pass

    run()


# ------------------------------------------- policy and runtime: the whole command

def _one_of_ours(res) -> None:
    """Exit 0/1 (a result) or 3 with one line of our own; never a traceback or exit 5."""
    assert res.exit_code in (0, 1, 3), res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    if res.exit_code == 3:
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        # (in Chinese by default)
        assert len(lines) == 1 and lines[0].startswith("appaudit：错误："), lines


def _command(tmp_path_factory, command, name, data):
    from click.testing import CliRunner

    from scanner.cli import cli

    base = tmp_path_factory.mktemp(command)
    p = base / name
    p.write_bytes(data)
    t0 = time.perf_counter()
    res = CliRunner().invoke(cli, [command, str(p), "--out", str(base / "o"), "--format",
                                   "json"])
    assert time.perf_counter() - t0 < 4 * BUDGET  # a whole command: imports, rules, output
    _one_of_ours(res)
    if res.exit_code in (0, 1):
        json.loads((base / "o" / "result.json").read_text("utf-8"))
    return res


POLICY_HTML = (REPO / "corpus" / "apps" / "clean" / "assets" / "privacy_policy.html").read_bytes()
POLICY_TEXT = ("隐私政策\n一、我们收集的信息\n"
               "我们会收集您的设备信息（IMEI、Android ID）"
               "和位置信息，用于安全风控。\n"
               "二、第三方SDK\n"
               "SDK名称：友盟统计SDK；提供方：友盟同欣；"
               "收集信息：设备标识符\n"
               "三、联系我们\n邮箱：privacy@example.com\n")


@settings(SETTINGS, max_examples=25)
@given(st.one_of(any_bytes_or(POLICY_HTML), any_bytes_or(POLICY_TEXT.encode("utf-8")),
                 any_bytes_or(POLICY_TEXT.encode("gb18030"))))
def test_policy_command(tmp_path_factory, data):
    _command(tmp_path_factory, "policy", "policy.html", data)


IMEI_API = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
RUNTIME_LOG = "\n".join(json.dumps(e, ensure_ascii=False) for e in [
    {"ts": 0, "event": "meta", "package": "com.example.app", "device": {"sdk_int": 30}},
    {"ts": 0.5, "event": "launch", "cause": "boot"},
    {"ts": 1, "event": "api", "api": IMEI_API, "args": [],
     "stack": ["com.umeng.commonsdk.A.b(A.java:1)", "com.example.app.App.onCreate(App.java:9)"]},
    {"ts": 3, "event": "permission_request", "permissions": ["android.permission.CAMERA"],
     "result": {"android.permission.CAMERA": "denied"}, "stack": ["com.example.app.M.c(M.java:3)"]},
    {"ts": 10, "event": "consent"},
    {"ts": 12, "event": "state", "state": "background"},
    {"ts": 13, "event": "api", "api": IMEI_API, "stack": ["com.example.app.M.c(M.java:3)"]},
]).encode("utf-8") + b"\n"


@st.composite
def runtime_lines(draw):
    """The seed log with some lines replaced by JSON of any shape (type confusion)."""
    lines = RUNTIME_LOG.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        doc = json.loads(lines[i])
        key = draw(st.sampled_from(sorted(doc)))
        doc[key] = draw(JSONISH)
        lines[i] = json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8", "replace")
    return b"\n".join(lines) + b"\n"


@settings(SETTINGS, max_examples=25)
@given(st.one_of(any_bytes_or(RUNTIME_LOG), runtime_lines()))
def test_runtime_command(tmp_path_factory, data):
    _command(tmp_path_factory, "runtime", "hooks.jsonl", data)
