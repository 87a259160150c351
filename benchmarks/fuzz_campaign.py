"""Fuzz campaign: mutated fixtures and shared-corpus files through the real CLI, under a
time and memory cap, with counts by outcome.

Contract
--------
``python benchmarks/fuzz_campaign.py [--per-parser N] [--seed S] [--parsers a,b,...]
[--jobs J] [--isolate worker|input] [--recycle K] [--timeout 60] [--wall-timeout 240]
[--memory-mb 2048]
[--max-input-mb 3] [--time-budget S] [--crashers DIR] [--json FILE]``

``--time-budget`` (seconds for the whole campaign, shared equally by the parsers) stops a
parser early; the table then says how many inputs each parser really ran.

For each parser below it makes N inputs from its seeds (input n of a parser depends only on
``--seed``, the parser and n, so any number of workers makes the same inputs) and runs the
real command line (``scanner.cli.main`` with ``sys.argv`` set, the same entry point as the
``appaudit`` console script) once per input:

- ``--isolate worker`` (default): ``--jobs`` worker processes forked from a warm parent
  (imports, rulesets, SDK catalogue loaded once) each make and run many inputs in turn, in a
  fresh working folder per input, stdout/stderr sent to files per input. Per input the
  worker resets its peak-RSS counter (``/proc/self/clear_refs``) and reads ``VmHWM`` after
  the run, so "peak resident memory" means the same as a child's ``ru_maxrss``; its CPU
  limit is moved to "used so far + ``--timeout`` + 5 s"; the parent kills a worker whose
  input runs past ``--wall-timeout`` s wall clock and starts a new one. Whatever the CLI leaves
  behind (the garbage collector switched off by ``scan``, root-logger handlers, the cached
  rulesets of the ``rules`` parser) is put back after each input, and a worker is replaced
  after ``--recycle`` inputs, after any failing input, and when its resident memory grew by
  more than 512 MiB. Every failing input is run again in a fresh forked child and
  ``reproduced`` records whether that child failed the same way.
- ``--isolate input``: the first campaign's way, one child forked per input (slower; used to
  check that both ways give the same outcomes on the same inputs: see benchmarks/README.md).

Every run is under ``resource.setrlimit``: address space ``4 × --memory-mb`` (a runaway is
stopped; the peak resident memory is what is compared with ``--memory-mb``) and CPU time
``--timeout + 5`` s per input; the parent kills at ``--wall-timeout`` s wall clock.

Time bar: an input is over the bar when its run costs more than ``--timeout`` CPU seconds
(user + system of the process that ran it), or is still running after ``--wall-timeout``
(default 4 × ``--timeout``) wall-clock seconds. On an idle machine a run's wall time is its
CPU time (the CLI is single-threaded and does no waiting); on a machine shared with other
sessions at ``nice 19``, wall time measures the other sessions, so the bar is applied to CPU
time and the wall clock only catches runs that hang without computing. The table gives both.

parsers (seed files → command):
  apk       whole APK bytes mutated                        → scan APK --format json
  axml      AndroidManifest.xml mutated inside the APK zip  → scan APK --format json
  arsc      resources.arsc mutated inside the APK zip       → scan APK --format json
  dex       classes.dex mutated inside the APK zip          → scan APK --format json
  har       HAR text (bytes, JSON type confusion, bombs)    → traffic HAR --format json
  flows     mitmproxy dumps (bytes)                         → traffic FLOWS --format json
  facts     device facts JSON/YAML (bytes, types, bombs)    → traffic small.har --device-facts F
  bundle    a signed case bundle (bytes, members, manifest) → verify CASE.zip
  batchdb   a batch SQLite database (bytes)                 → batch-report DB -o x.html
  rules     one rule or knowledge YAML file of a copy of rulesets/ → rules list
  policy    privacy policies: HTML, UTF-8/GB18030 text, PDF (bytes, deep nesting, Flate
            bombs, page-tree loops, huge counts)            → policy FILE --format json
  runtime   hook logs, JSON Lines (lines typed wrong, NaN/huge numbers, long lines,
            many events, bytes)                             → runtime LOG --format json
  upload    the workbench's upload door: a multipart POST /api/scans to the real Starlette
            app (boundaries, headers, file names, field counts, bytes), in process through
            ASGI; 2xx/4xx answers are "ok", a 5xx or a file written outside the job's
            upload folder is "internal"      → POST /api/scans (the job is queued, not run:
            the scan itself is the apk/har/policy/runtime rows)

Mutations: byte flips, truncation, duplication of a slice, insertion of random bytes,
splicing two seeds; for zip members the member is mutated and the zip rebuilt (so the
parser behind the CRC check sees it); for JSON and YAML: type confusion (a value replaced
by a number, string, list, object, null, NaN, 1e999, a 5,000-digit number, a lone
surrogate, a huge string), deep nesting (20,000 levels), YAML alias bombs; bombs: brotli/
gzip bodies in HAR entries, a deflated zero-filled zip member, a 100,000-deep manifest,
Flate streams of 1 GiB of zeros in a PDF.
Inputs larger than ``--max-input-mb`` are not made (the bar is about inputs under 3 MB).

Outcomes: ``ok`` (exit 0/1, and verify's TAMPERED), ``input`` (exit 3 with one line of our
own), ``ruleset`` (exit 4), ``usage`` (exit 2), and the failures: ``internal`` (a line
saying "internal error", or exit 5), ``traceback`` (a Python traceback, or a process that
died on a signal), ``timeout`` (over ``--timeout`` CPU s, killed by its CPU limit, or
past ``--wall-timeout``),
``memory`` (peak RSS over ``--memory-mb``, or "out of memory"), ``noise`` (stderr lines
that are not ours, such as a library's ``WARNING:root:...``). Every failing input is copied
to ``--crashers`` with its command and stderr, to become a regression fixture. Prints one
row per parser; exit 1 when any failure was seen.
"""

from __future__ import annotations

import argparse
import base64
import copy
import functools
import gc
import gzip
import io
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
sys.path.insert(0, str(REPO))

PARSERS = ("apk", "axml", "arsc", "dex", "har", "flows", "facts", "bundle", "batchdb", "rules",
           "policy", "runtime", "upload")
FAILURES = ("internal", "traceback", "timeout", "memory", "noise")
OUTCOMES = ("ok", "input", "ruleset", "usage", *FAILURES)


# ----------------------------------------------------------------------------- mutators

def byte_mutate(rng: random.Random, data: bytes, others: list[bytes] | None = None) -> bytes:
    """A few byte-level mutations: flips, truncation, duplication, insertion, splicing."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            out += rng.randbytes(rng.randint(1, 64))
            continue
        kind = rng.choice(("flip", "flip", "flips", "cut", "dup", "insert", "splice", "zero"))
        i = rng.randrange(len(out))
        if kind == "flip":
            out[i] ^= 1 << rng.randrange(8)
        elif kind == "flips":
            for _ in range(rng.randint(2, 32)):
                out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind == "cut":
            del out[i:]
        elif kind == "dup":
            j = min(len(out), i + rng.choice((4, 16, 256, 4096, 65536)))
            out[i:i] = out[i:j] * rng.randint(1, 8)
        elif kind == "insert":
            out[i:i] = rng.randbytes(rng.choice((1, 4, 16, 256)))
        elif kind == "splice" and others:
            other = rng.choice(others)
            if other:
                j = rng.randrange(len(other))
                out[i:] = other[j:j + rng.randint(1, 65536)]
        elif kind == "zero":
            out[i:i + rng.choice((4, 64, 1024))] = bytes(min(len(out) - i, 4))
    return bytes(out)


HOSTILE_VALUES = [None, True, 0, -1, 2 ** 63, 1e308, "", "x" * 10000, [], {}, [[[]]],
                  "\ud800", "=cmd|' /C calc'!A0", "../../etc/passwd", "%s%n", "\x00", 3.5]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def json_mutate(rng: random.Random, text: str) -> str:
    """Type confusion, hostile numbers and deep nesting in a JSON document."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past the decoder's depth
        return text
    nodes: list[tuple[object, object]] = []

    def walk(obj, depth=0):
        if depth > 12 or len(nodes) > 5000:
            return
        if isinstance(obj, dict):
            for k, v in obj.items():
                nodes.append((obj, k))
                walk(v, depth + 1)
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                nodes.append((obj, i))
                walk(v, depth + 1)

    walk(doc)
    special = None
    for _ in range(rng.randint(1, 3)):
        if not nodes:
            break
        parent, key = rng.choice(nodes)
        if isinstance(parent, dict) and key not in parent:  # renamed by an earlier step
            continue
        choice = rng.randrange(6)
        if choice == 0:
            parent[key] = rng.choice(HOSTILE_VALUES)
        elif choice == 1:  # a value of another JSON type
            v = parent[key]
            parent[key] = ([v] if not isinstance(v, list) else {"k": v}) if rng.random() < .5 \
                else (len(str(v)) if isinstance(v, str) else str(v))
        elif choice == 2:
            special = ("NaN", "Infinity", "-Infinity", "1e999", "9" * 5000)[rng.randrange(5)]
            parent[key] = "__SPECIAL__"
        elif choice == 3:
            special = _nested(rng.choice((100, 2000, 20000)))
            parent[key] = "__SPECIAL__"
        elif choice == 4 and isinstance(parent, dict):
            parent[rng.choice(("\ud800", "=x", "", "a" * 300))] = parent.pop(key)
        else:
            parent[key] = "\ud800" + str(parent[key])[:40]
    out = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    if special is not None:
        out = out.replace('"__SPECIAL__"', special, 1)
    return out


def yaml_bomb(rng: random.Random) -> str:
    depth = rng.randint(5, 9)
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth)]
    lines.append(f"imei: *a{depth - 1}")
    return "\n".join(lines) + "\n"


def yaml_mutate(rng: random.Random, text: str) -> str:
    import yaml

    r = rng.random()
    if r < 0.15:
        return yaml_bomb(rng)
    if r < 0.25:
        return "x: " + "[" * rng.choice((100, 5000, 50000)) + "\n"
    if r < 0.6:
        try:
            doc = yaml.safe_load(text)
            return yaml.safe_dump(json.loads(json_mutate(rng, json.dumps(doc, default=str))),
                                  allow_unicode=True)
        except Exception:  # not JSON-able YAML (dates...), fall back to bytes
            pass
    return byte_mutate(rng, text.encode()).decode("utf-8", "replace")


@functools.lru_cache(maxsize=32)
def zip_members(data: bytes) -> tuple[tuple[zipfile.ZipInfo, bytes], ...]:
    """The members of a seed zip (cached: seeds are read once per process)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return tuple((i, z.read(i)) for i in z.infolist())


def rezip(members) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, blob in members:
            z.writestr(copy.copy(info), blob)  # writestr updates its ZipInfo: keep the cache's
    return out.getvalue()


@functools.cache
def _read(path: Path) -> bytes:
    """A seed file's bytes, read once per process."""
    return path.read_bytes()


def member_mutate(rng: random.Random, apk: bytes, member: str,
                  fn=None) -> bytes:
    members = zip_members(apk)
    out = []
    for info, blob in members:
        if info.filename == member:
            blob = (fn or (lambda b: byte_mutate(rng, b)))(blob)
        out.append((info, blob))
    return rezip(out)


# ----------------------------------------------------------------------------- seeds

def _small(paths, limit: int) -> list[Path]:
    return sorted(p for p in paths if p.is_file() and p.stat().st_size <= limit)


def _opens(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "AndroidManifest.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def build_seeds(work: Path, max_bytes: int) -> dict[str, object]:
    """Seed files of every parser (fixtures, shared corpus, and made here)."""
    apks = _small(list((REPO / "corpus" / "apk").glob("*.apk"))
                  + list((SHARED / "apks").rglob("*.apk")), max_bytes // 2)
    hars = _small(list((REPO / "corpus").rglob("*.har"))
                  + list((SHARED / "traffic").rglob("*.har")), max_bytes // 2)
    flows = _small(list((REPO / "corpus").rglob("*.mitm"))
                   + list((SHARED / "traffic").rglob("*.mitm"))
                   + list((SHARED / "traffic").rglob("*.flows")), max_bytes // 2)
    facts = [REPO / "corpus" / "traffic" / "device-facts.json"]
    seeds: dict[str, object] = {"apk": apks, "har": hars, "flows": flows, "facts": facts}
    # member mutations need seeds the stdlib zip reader opens (the corpus has hostile ones)
    seeds["zips"] = [p for p in apks if _opens(p)]
    # a signed bundle of the clean fixture's golden result
    from scanner.bundle import generate_key, make_bundle

    keys = work / "keys"
    generate_key("fuzz", keys)
    result = work / "result.json"
    result.write_text((REPO / "tests" / "golden" / "clean.json").read_text("utf-8"), "utf-8")
    make_bundle(result, work / "case.zip", analyst="fuzz", keys_folder=keys,
                formats=("json", "csv"))
    seeds["bundle"] = [work / "case.zip"]
    # a batch database of a few outcomes
    from scanner.batch.isolate import Outcome
    from scanner.batch.store import Store

    db = work / "seed.sqlite"
    with Store(db) as s:
        run = s.begin_run("fuzz", {})
        for i in range(30):
            doc = {"app": {"package": f"p{i}"}, "findings": []}
            s.record(Outcome(f"{i:064x}", "ok" if i % 5 else "error", None if i % 5 else "x",
                             0.5, 100, "news", zlib.compress(json.dumps(doc).encode()),
                             {"package": f"p{i}", "label": f"L{i}", "sdks": [["jpush", "JPush"]],
                              "pi_types": ["imei"], "rules": {"R": 1}, "findings": 1,
                              "high": 1, "partial": False}), 1000, run)
        s.end_run(run, 30, False)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    seeds["batchdb"] = [db]
    # a copy of the rulesets: one file is replaced per input and restored after
    rules = work / "rulesets"
    from scanner.paths import rulesets_dir

    shutil.copytree(rulesets_dir(), rules)
    seeds["rules"] = sorted(p for p in rules.rglob("*.yaml") if "_tools" not in p.parts)
    # a small HAR for the facts runs
    small = work / "small.har"
    imei = "356938035643809"
    small.write_text(json.dumps({"log": {"entries": [{
        "startedDateTime": "2024-01-01T00:00:00Z",
        "request": {"method": "GET", "url": f"http://a.example.com/x?imei={imei}&lat=31.2304",
                    "headers": []}}]}}), "utf-8")
    seeds["small_har"] = small
    # privacy policies: the fixtures' HTML, a text policy written here (UTF-8 and GB18030)
    # and a PDF of it built here
    pol = work / "policy"
    pol.mkdir()
    (pol / "policy.txt").write_text(POLICY_TEXT, "utf-8")
    (pol / "policy-gb.txt").write_bytes(POLICY_TEXT.encode("gb18030"))
    (pol / "policy.pdf").write_bytes(make_pdf([POLICY_PDF_LINES, POLICY_PDF_LINES[:2]]))
    seeds["policy"] = sorted((REPO / "corpus" / "apps").glob("*/assets/privacy_policy.html")) \
        + sorted(pol.iterdir())
    # a hook log written here (events of every kind the reader knows)
    log = work / "hooks.jsonl"
    log.write_text(runtime_log_text(), "utf-8")
    seeds["runtime"] = [log]
    return seeds


POLICY_TEXT = """示例应用隐私政策
一、我们收集的信息：您的位置信息（用于推荐附近内容）；设备标识符（IMEI、Android ID，用于安全风控）。
二、第三方SDK：友盟统计SDK，收集设备标识符，用于统计分析。
三、保存期限：实现目的所必需的最短时间。您可以查阅、更正、删除您的个人信息，或撤回同意。
联系方式：privacy@example.com
"""
POLICY_PDF_LINES = ["Privacy policy of the example app",
                    "We collect your location to recommend nearby content.",
                    "We collect device identifiers (IMEI, Android ID) for security.",
                    "Third-party SDK: Umeng analytics collects device identifiers.",
                    "Contact: privacy@example.com"]


def _pdf_stream(content: bytes, compress: bool = True) -> bytes:
    if compress:
        content = zlib.compress(content)
        return (b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
                + content + b"\nendstream")
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def make_pdf(pages: list[list[str]], *, compress: bool = True,
             streams: list[bytes] | None = None, kids: bytes | None = None,
             count: int | None = None, extra: bytes = b"") -> bytes:
    """A small PDF written by hand: one page per line list (Helvetica text), or the given
    raw content ``streams``; ``kids``/``count`` replace the page tree's (for loops, lies)."""
    contents = streams if streams is not None else [
        ("BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
            "(" + line.replace("\\", "").replace("(", "").replace(")", "") + ") '"
            for line in lines) + " ET").encode("latin-1") for lines in pages]
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    page_ids = []
    font_id = 3
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for content in contents:
        objs.append(content if content.startswith(b"<<") and b"stream" in content
                    else _pdf_stream(content, compress))
        cid = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R >> >> %s>>" % (cid, font_id, extra))
        page_ids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        kids if kids is not None else b" ".join(b"%d 0 R" % i for i in page_ids),
        count if count is not None else len(page_ids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return bytes(out)


@functools.cache
def _flate_zeros(mib: int) -> bytes:
    """zlib of ``mib`` MiB of zeros, made in 1 MiB steps (made once per process)."""
    c = zlib.compressobj(6)
    chunk = bytes(1 << 20)
    return b"".join([*(c.compress(chunk) for _ in range(mib)), c.flush()])


def runtime_log_text() -> str:
    """A hook log of every event kind: meta, launch, api reads (an SDK's and the app's, in
    the foreground and background), permission requests, consent, state, start."""
    imei = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    loc = "Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)" \
          "Landroid/location/Location;"
    app = ["com.example.app.MainActivity.onCreate(MainActivity.java:30)"]
    sdk = ["com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:12)",
           "com.example.app.App.onCreate(App.java:9)"]

    def ev(ts, event, **kw):
        return json.dumps({"ts": ts, "event": event, **kw}, ensure_ascii=False)

    lines = [ev(0, "meta", package="com.example.app", device={"sdk_int": 30}),
             ev(0.5, "launch", cause="boot"), ev(1, "api", api=imei, args=[], stack=sdk),
             ev(2, "api", api=imei, args=[], stack=app),
             ev(3, "permission_request", permissions=["android.permission.CAMERA"],
                result={"android.permission.CAMERA": "denied"}, stack=app),
             ev(10, "consent"),
             ev(11, "permission_request",
                permissions=["android.permission.ACCESS_FINE_LOCATION"],
                result={"android.permission.ACCESS_FINE_LOCATION": "granted"}, stack=app),
             ev(12, "state", state="background"), ev(13, "api", api=loc, stack=app),
             ev(14, "state", state="foreground"),
             ev(20, "start", via="bindService", target="com.other.app/.PushService",
                stack=sdk)]
    lines += [ev(30 + 2 * i, "api", api=loc, args=["gps"], stack=sdk) for i in range(10)]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- inputs

def make_input(parser: str, rng: random.Random, seeds: dict, work: Path, n: int,
               max_bytes: int) -> tuple[Path, list[str], Path | None, bytes | None]:
    """(input file, CLI args, file to restore afterwards, its original bytes)."""
    d = work / "inputs" / parser
    d.mkdir(parents=True, exist_ok=True)
    restore = original = None
    if parser in ("apk", "axml", "arsc", "dex"):
        seed = _read(rng.choice(seeds["apk" if parser == "apk" else "zips"]))
        member = {"axml": "AndroidManifest.xml", "arsc": "resources.arsc",
                  "dex": "classes.dex"}.get(parser)
        if parser == "apk":
            r = rng.random()
            if r < 0.03:
                data = member_mutate(rng, seed, "classes.dex",
                                     lambda b: b + bytes(rng.choice((1, 8, 64)) << 20))
            else:
                data = byte_mutate(rng, seed, [_read(p) for p in seeds["apk"][:3]])
        elif parser == "axml" and rng.random() < 0.02:
            deep = _deep_manifest(rng.choice((1000, 100_000)))
            data = member_mutate(rng, seed, member, lambda b: deep)
        else:
            names = {i.filename for i, _ in zip_members(seed)}
            data = member_mutate(rng, seed, member if member in names else "AndroidManifest.xml")
        path = d / f"{n:05d}.apk"
        args = ["scan", str(path), "--format", "json"]
    elif parser == "har":
        seed = _read(rng.choice(seeds["har"])).decode("utf-8", "replace")
        r = rng.random()
        if r < 0.45:
            text = json_mutate(rng, seed)
        elif r < 0.55:
            text = _bomb_har(rng)
        else:
            text = None
        data = (text.encode("utf-8", "surrogatepass") if text is not None
                else byte_mutate(rng, seed.encode()))
        if rng.random() < 0.1:
            data = gzip.compress(data, 1) if rng.random() < .5 else zlib.compress(data, 1)
        path = d / f"{n:05d}.har"
        args = ["traffic", str(path), "--format", "json"]
    elif parser == "flows":
        data = byte_mutate(rng, _read(rng.choice(seeds["flows"])),
                           [_read(p) for p in seeds["flows"][:4]])
        path = d / f"{n:05d}.mitm"
        args = ["traffic", str(path), "--format", "json"]
    elif parser == "facts":
        seed = _read(seeds["facts"][0]).decode("utf-8")
        r = rng.random()
        if r < 0.4:
            text, ext = json_mutate(rng, seed), "json"
        elif r < 0.7:
            import yaml

            text, ext = yaml_mutate(rng, yaml.safe_dump(json.loads(seed))), "yaml"
        elif r < 0.75:
            text, ext = json.dumps({"accounts": [f"u{i}@x.cn" for i in range(100_000)]}), "json"
        else:
            text, ext = byte_mutate(rng, seed.encode()).decode("utf-8", "replace"), "json"
        data = text.encode("utf-8", "surrogatepass")
        path = d / f"{n:05d}.{ext}"
        args = ["traffic", str(seeds["small_har"]), "--device-facts", str(path),
                "--format", "json"]
    elif parser == "bundle":
        seed = _read(seeds["bundle"][0])
        r = rng.random()
        if r < 0.4:
            data = byte_mutate(rng, seed)
        elif r < 0.8:
            data = member_mutate(rng, seed, "manifest.json",
                                 lambda b: json_mutate(rng, b.decode()).encode(
                                     "utf-8", "surrogatepass"))
        elif r < 0.9:
            names = [i.filename for i, _ in zip_members(seed)]
            data = member_mutate(rng, seed, rng.choice(names))
        else:
            data = rng.randbytes(rng.randint(0, 64)) + seed if rng.random() < .5 \
                else seed + rng.randbytes(rng.randint(1, 64))
        path = d / f"{n:05d}.zip"
        args = ["verify", str(path)]
    elif parser == "batchdb":
        data = byte_mutate(rng, _read(seeds["batchdb"][0]))
        if rng.random() < 0.3:  # an edited database: values of other types
            data = _edit_db(rng, seeds["batchdb"][0], d)
        path = d / f"{n:05d}.sqlite"
        args = ["batch-report", str(path), "-o", "overview.html"]
    elif parser == "rules":
        target = rng.choice(seeds["rules"])
        original = target.read_bytes()
        restore = target
        text = yaml_mutate(rng, original.decode("utf-8"))
        data = text.encode("utf-8", "surrogatepass")
        path = target
        args = ["rules", "list"]
    elif parser == "policy":
        data, ext = _policy_input(rng, seeds)
        path = d / f"{n:05d}.{ext}"
        args = ["policy", str(path), "--format", "json"]
    elif parser == "runtime":
        data = _runtime_input(rng, _read(seeds["runtime"][0]).decode("utf-8"))
        path = d / f"{n:05d}.jsonl"
        args = ["runtime", str(path), "--format", "json"]
    elif parser == "upload":
        data = _upload_input(rng, seeds)
        path = d / f"{n:05d}.http"
        args = [UPLOAD, str(path)]
    else:
        raise ValueError(parser)
    if len(data) > max_bytes:
        data = data[:max_bytes]
    path.write_bytes(data)
    return path, args, restore, original


@functools.cache
def _bomb_body(mib: int, enc: str) -> str:
    """Base64 of ``mib`` MiB of zeros compressed with ``enc`` (made once per process)."""
    import brotli

    body = bytes(mib << 20)
    blob = (brotli.compress(body, quality=5) if enc == "br" else
            gzip.compress(body, 6) if enc == "gzip" else zlib.compress(body, 6))
    return base64.b64encode(blob).decode()


@functools.cache
def _deep_manifest(depth: int) -> bytes:
    """A binary manifest nested ``depth`` elements deep (made once per process)."""
    sys.path.insert(0, str(REPO / "corpus"))
    from corpus.axml import Node, encode, manifest

    root = cur = Node("x")
    for _ in range(depth):
        nxt = Node("x")
        cur.children.append(nxt)
        cur = nxt
    return encode(manifest([root]))


def _policy_input(rng: random.Random, seeds: dict) -> tuple[bytes, str]:
    seed_path = rng.choice(seeds["policy"])
    seed = _read(seed_path)
    ext = seed_path.suffix.lstrip(".")
    r = rng.random()
    if ext == "pdf" and r < 0.5:
        kind = rng.choice(("bomb", "ops", "loop", "count", "nest", "kids", "filters"))
        if kind == "bomb":  # a content stream of 256 MiB or 1 GiB of zeros
            z = _flate_zeros(rng.choice((256, 1024)))
            stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(z) + z + \
                b"\nendstream"
            return make_pdf([], streams=[stream]), ext
        if kind == "ops":  # millions of text operators in a small compressed stream
            body = b"BT /F1 1 Tf " + b"(A) Tj 0 -1 Td " * rng.choice((10_000, 2_000_000)) + b"ET"
            return make_pdf([], streams=[body]), ext
        if kind == "loop":  # a page tree that contains itself
            return make_pdf([POLICY_PDF_LINES], kids=b"2 0 R 5 0 R 2 0 R"), ext
        if kind == "count":  # a page count that lies
            return make_pdf([POLICY_PDF_LINES], count=rng.choice((0, -1, 10 ** 9, 2 ** 64))), ext
        if kind == "nest":  # arrays nested 100,000 deep in the page dictionary
            depth = rng.choice((1000, 100_000))
            return make_pdf([POLICY_PDF_LINES],
                            extra=b"/Annots " + b"[" * depth + b"]" * depth + b" "), ext
        if kind == "kids":  # the same page listed 200,000 times
            return make_pdf([POLICY_PDF_LINES], kids=b"5 0 R " * 200_000,
                            count=200_000), ext
        filt = rng.choice((b"/ASCIIHexDecode", b"/LZWDecode", b"/RunLengthDecode",
                           b"[/FlateDecode /FlateDecode]", b"/DCTDecode", b"/JBIG2Decode"))
        junk = rng.randbytes(rng.choice((16, 4096)))
        stream = b"<< /Length %d /Filter %s >>\nstream\n" % (len(junk), filt) + junk + \
            b"\nendstream"
        return make_pdf([], streams=[stream]), ext
    if ext == "html" and r < 0.3:
        kind = rng.choice(("nest", "entities", "scripts", "tags"))
        if kind == "nest":
            depth = rng.choice((1000, 100_000))
            return (b"<html><body>" + b"<div>" * depth + "设备标识符".encode() +
                    b"</div>" * depth + b"</body></html>"), ext
        if kind == "entities":
            return b"<html><body><p>" + b"&amp;&#x4f4d;&#999999999;" * 100_000 + b"</p>", ext
        if kind == "scripts":
            return b"<html><body>" + b"<script>x</script><p>IMEI</p>" * 50_000, ext
        return b"<html><body>" + b"<p><b><i><span>" * 60_000, ext
    if ext == "txt" and r < 0.2:
        return (rng.choice(("位置信息 ", "IMEI ", "\u3000", "x")) * 500_000).encode(
            rng.choice(("utf-8", "gb18030"))), ext
    return byte_mutate(rng, seed, [_read(p) for p in seeds["policy"]]), ext


def _runtime_input(rng: random.Random, seed: str) -> bytes:
    lines = seed.splitlines()
    r = rng.random()
    if r < 0.35:  # some lines with type confusion, hostile numbers, deep nesting
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            lines[i] = json_mutate(rng, lines[i])
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    if r < 0.45:  # many events: reads every few ms, distinct stacks, or start storms
        n = rng.choice((2_000, 20_000))
        kind = rng.randrange(3)
        extra = []
        for i in range(n):
            if kind == 0:
                extra.append(json.dumps({"ts": 100 + i / 1000, "event": "api",
                                         "api": json.loads(lines[3])["api"],
                                         "stack": [f"com.s{i % 50}.A.b(A.java:1)"]}))
            elif kind == 1:
                extra.append(json.dumps({"ts": 100 + i, "event": "start", "via": "startService",
                                         "target": f"com.o{i}/.S", "stack": [f"c{i}.A.b(X)"]}))
            else:
                extra.append(json.dumps({"ts": 100 + i, "event": rng.choice(
                    ("permission_request", "state", "launch", "consent", "meta")),
                    "permissions": [f"android.permission.P{i}"], "state": "background",
                    "result": {f"android.permission.P{i}": "granted"}}))
        return "\n".join(lines + extra).encode()
    if r < 0.5:  # one line over the reader's line limit, or a line of deep nesting
        big = rng.choice(('{"ts": 1, "event": "api", "x": "' + "a" * (2 << 20) + '"}',
                          '{"ts": 1, "event": "api", "args": ' + _nested(50_000) + "}",
                          "[" * 500_000))
        lines.insert(rng.randrange(len(lines)), big)
        return "\n".join(lines).encode()
    if r < 0.55:  # hostile values in every field of one event
        doc = {"ts": rng.choice((1e308, -1e308, 2 ** 80, 0, -5)), "event": "api",
               "api": rng.choice(HOSTILE_VALUES), "args": rng.choice(HOSTILE_VALUES),
               "stack": rng.choice(HOSTILE_VALUES), "permissions": rng.choice(HOSTILE_VALUES),
               "result": rng.choice(HOSTILE_VALUES), "state": rng.choice(HOSTILE_VALUES),
               "target": rng.choice(HOSTILE_VALUES), "via": rng.choice(HOSTILE_VALUES),
               "package": rng.choice(HOSTILE_VALUES), "device": rng.choice(HOSTILE_VALUES),
               "cause": rng.choice(HOSTILE_VALUES)}
        lines.insert(rng.randrange(len(lines)), json.dumps(doc))
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    return byte_mutate(rng, seed.encode())


UPLOAD = "@upload"  # the pseudo-command that posts an input to the workbench's upload door
UPLOAD_TOKEN = "fuzz-token-0123456789abcdef"
UPLOAD_LIMIT_MB = 2


def _upload_input(rng: random.Random, seeds: dict) -> bytes:
    """A POST /api/scans request: a first line of headers as JSON, then the body. Half are
    well-formed requests (so the storing path runs) with hostile file names, field values
    and contents; half are also broken in their framing (boundaries, headers, bytes)."""
    sane = rng.random() < 0.5
    boundary = "b0undary" if sane else rng.choice(("b0undary", "x" * 70, "a" * 300, "",
                                                   "=?\"b\"", "ü-ß"))
    apk = _read(rng.choice(seeds["apk"][:6]))[: rng.choice((64, 4096, 1 << 20))]
    har = _read(seeds["har"][0])[:200_000]
    # names a browser can send (traversal, absolute, Windows, formula, markup, long, CJK)
    names = ["app.apk", "../../../../tmp/evil.apk", "/etc/passwd", "名字.apk", "x" * 300,
             "..", "C:\\Windows\\x.apk", "=cmd|' /C calc'!A0", "<b>x</b>.apk", "."]
    if not sane:  # and names no browser sends
        names += ["a\x00b.apk", "x" * 5000, "\ud800.apk", "a\r\nb", ""]
    parts = []
    fields = [("apk", rng.choice(names), apk)]
    flows = rng.choice((0, 1, 2) if sane else (0, 1, 2, 17, 40))
    fields += [("flows", rng.choice(names), har) for _ in range(flows)]
    if rng.random() < 0.5:
        fields.append(("policy", rng.choice(names), _read(rng.choice(seeds["policy"]))))
    if rng.random() < 0.5:
        fields.append(("runtime", rng.choice(names), _read(seeds["runtime"][0])))
    cats = ("news", "新闻资讯类", "") if sane else \
        ("news", "新闻资讯类", "", "nope", "x" * 10000, "\ud800", "=1+1", "NEWS")
    values = [("category", rng.choice(cats))]
    values += [(rng.choice(("csrf", "x", "", "名")), rng.choice(("1", "")))
               for _ in range(rng.choice((0, 1, 2) if sane else (0, 1, 9, 50)))]
    rng.shuffle(fields)
    for k, v in values:
        parts.append((f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                      f"{v}\r\n").encode("utf-8", "surrogatepass"))
    for k, name, blob in fields:
        disp = f'form-data; name="{k}"; filename="{name}"' if sane else rng.choice((
            f'form-data; name="{k}"; filename="{name}"',
            f"form-data; name={k}; filename*=UTF-8''{name}",
            f'form-data; name="{k}"', "form-data", f'attachment; name="{k}"'))
        parts.append((f"--{boundary}\r\nContent-Disposition: {disp}\r\n"
                      f"Content-Type: application/octet-stream\r\n\r\n"
                      ).encode("utf-8", "surrogatepass") + blob + b"\r\n")
    body = b"".join(parts) + (f"--{boundary}--\r\n".encode()
                              if sane or rng.random() < 0.9 else b"")
    if not sane and rng.random() < 0.4:
        body = byte_mutate(rng, body)
    ctype = f"multipart/form-data; boundary={boundary}" if sane else rng.choice((
        f"multipart/form-data; boundary={boundary}",
        f'multipart/form-data; boundary="{boundary}"', "multipart/form-data",
        "application/x-www-form-urlencoded", "text/plain", "",
        f"multipart/form-data; boundary={boundary}; charset=gb18030"))
    headers = {"content-type": ctype,
               "authorization": f"Bearer {UPLOAD_TOKEN}" if sane else rng.choice(
                   [f"Bearer {UPLOAD_TOKEN}"] * 8 + ["Bearer x", "", "Basic Zm9vOmJhcg=="])}
    r = rng.random()
    if sane or 0.1 <= r < 0.6:
        headers["content-length"] = str(len(body))
    elif r < 0.1:
        headers["content-length"] = rng.choice(("0", "-1", "1e9", "x", str(1 << 40)))
    return json.dumps(headers, ensure_ascii=False).encode("utf-8", "surrogatepass") + \
        b"\n" + body


def _bomb_har(rng: random.Random) -> str:
    mib = rng.choice((16, 64, 256))
    enc = rng.choice(("br", "gzip", "deflate"))
    text = _bomb_body(mib, enc)
    entry = {"startedDateTime": "2024-01-01T00:00:00Z",
             "request": {"method": "POST", "url": "http://a.example.com/p",
                         "headers": [{"name": "Content-Encoding", "value": enc}],
                         "postData": {"text": text, "encoding": "base64"}},
             "response": {"status": 200,
                          "headers": [{"name": "Content-Encoding", "value": enc}],
                          "content": {"text": text, "encoding": "base64"}}}
    return json.dumps({"log": {"entries": [entry] * rng.choice((1, 50, 400))}})


def _edit_db(rng: random.Random, seed: Path, folder: Path) -> bytes:
    tmp = folder / "edit.sqlite"
    tmp.write_bytes(_read(seed))
    con = sqlite3.connect(tmp)
    col = rng.choice(("sdks", "pi_types", "rules", "findings", "label", "status", "partial",
                      "seconds", "result_z", "package"))
    val = rng.choice(("7", "[1,2]", "{}", "null", "x", 1.5, -1, b"\x00\xff", "\ud800x",
                      "=1+1", "9" * 5000))
    if isinstance(val, str):
        val = val.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    con.execute(f"UPDATE apks SET {col}=? WHERE rowid IN (SELECT rowid FROM apks LIMIT 3)",
                (val,))
    con.commit()
    con.close()
    return tmp.read_bytes()


# ----------------------------------------------------------------------------- runner

def input_rng(seed: int, parser: str, n: int) -> random.Random:
    """The generator of input n of a parser: the same whichever worker makes it."""
    return random.Random(f"{seed}/{parser}/{n}")


def _exit_code(e: SystemExit) -> int:
    return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)


def _invoke(args: list[str]) -> int:
    """Run one input's command in this process: the CLI (as the console script does), or
    the workbench's upload door. Returns the exit code."""
    if args[0] == UPLOAD:
        return _post_upload(Path(args[1]))
    sys.argv = ["appaudit", *args]
    from scanner.cli import main

    try:
        main()
    except SystemExit as e:
        return _exit_code(e)
    return 0


_UPLOADED = re.compile(r"^data(/(audit\.sqlite(-wal|-shm|-journal)?|uploads|uploads/[0-9a-f]{16}"
                       r"|uploads/[0-9a-f]{16}/(app\.apk|flows-\d+|policy|runtime)))?$")


def _post_upload(path: Path) -> int:
    """POST the request in ``path`` (a JSON line of headers, then the body) to /api/scans of
    a workbench app made here with its data in ``./data``, through ASGI in this process.
    Exit code: 0 for 202, 3 (one ``appaudit: error:`` line) for a 4xx with a JSON error,
    5 ("internal error") for anything else or a file written outside the job's uploads."""
    import asyncio

    from scanner.serve.app import ServeConfig, create_app

    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n")
    try:
        headers = json.loads(head.decode("utf-8", "surrogatepass"))
    except ValueError:
        headers = {}
    data = Path.cwd() / "data"
    data.mkdir()
    app = create_app(ServeConfig(data=data, db=data / "audit.sqlite", token=UPLOAD_TOKEN,
                                 max_upload_mb=UPLOAD_LIMIT_MB, warm=False))
    chunks = [body[i:i + (64 << 10)] for i in range(0, len(body), 64 << 10)] or [b""]
    sent: dict = {"body": bytearray()}

    async def receive():
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        elif message["type"] == "http.response.body":
            sent["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/scans",
             "raw_path": b"/api/scans", "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8765),
             "headers": [(str(k).lower().encode("latin-1", "replace"),
                          str(v).encode("utf-8", "surrogateescape"))
                         for k, v in headers.items()]}
    try:
        asyncio.run(app(scope, receive, send))
    except Exception as e:  # a server would answer 500 and log it: a bug of ours
        import traceback

        where = traceback.extract_tb(e.__traceback__)[-1]
        print(f"appaudit: error: internal error: upload raised {type(e).__name__}: "
              f"{str(e)[:200]} at {Path(where.filename).name}:{where.lineno}",
              file=sys.stderr)
        return 5
    status = sent.get("status")
    stray = sorted(str(q.relative_to(Path.cwd())) for q in data.parent.rglob("*")
                   if q.is_relative_to(data) or q.name not in ("stdout.txt", "stderr.txt"))
    stray = [q for q in stray if not _UPLOADED.match(q)]
    if stray or Path("/tmp/evil.apk").exists():
        print(f"appaudit: error: internal error: upload wrote outside its job folder: "
              f"{stray[:5]}", file=sys.stderr)
        return 5
    if status == 202:
        return 0
    try:
        error = json.loads(bytes(sent["body"]))["error"]
    except (ValueError, KeyError, TypeError):
        error = None
    if status is not None and 400 <= status < 500 and isinstance(error, str):
        print(f"appaudit: error: upload refused: HTTP {status}: {error[:200]}"
              .replace("\n", " "), file=sys.stderr)
        return 3
    print(f"appaudit: error: internal error: upload answered HTTP {status}: "
          f"{bytes(sent['body'][:200])!r}", file=sys.stderr)
    return 5


def _hwm_kib() -> int:
    with open("/proc/self/status", "rb") as fh:
        return int(re.search(rb"VmHWM:\s+(\d+)", fh.read()).group(1))


def _rss_kib() -> int:
    with open("/proc/self/status", "rb") as fh:
        return int(re.search(rb"VmRSS:\s+(\d+)", fh.read()).group(1))


def _reset_hwm() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def in_process_supported() -> bool:
    """Whether this kernel lets a process reset its peak-RSS counter (Linux ≥ 4.0)."""
    try:
        _reset_hwm()
        return _hwm_kib() > 0
    except OSError:
        return False


def run_in_process(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> dict:
    """Run one input in this (worker) process; the same fields as :func:`run_child`.

    Peak RSS: the kernel's counter is reset before the run and read after (VmHWM), so it is
    this input's peak, as a child's ``ru_maxrss`` is. CPU: the soft limit is set to what
    this process has used plus ``timeout + 5`` s (SIGXCPU ends the worker, as it ends a
    child). What the CLI changes in the process is put back afterwards."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    old_env = {k: os.environ.get(k) for k in env}
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    os.chdir(cwd)
    os.environ.update(env)
    if "APPAUDIT_RULESETS_DIR" in env:
        _forget_rulesets()
    sys.stdout.flush()
    sys.stderr.flush()
    for fd, target in ((1, out_path), (2, err_path)):
        f = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(f, fd)
        os.close(f)
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + timeout + 5) + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu if hard == resource.RLIM_INFINITY
                                             else min(cpu, hard), hard))
    _reset_hwm()
    t0 = time.monotonic()
    cpu0 = used.ru_utime + used.ru_stime
    try:
        code = _invoke(args)
    except BaseException:  # a traceback of our own making
        import traceback

        traceback.print_exc()
        code = 70
    seconds = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = after.ru_utime + after.ru_stime - cpu0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    rss_mb = _hwm_kib() / 1024
    # put back what the run changed
    for k, v in old_env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if "APPAUDIT_RULESETS_DIR" in env:
        _forget_rulesets()
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)
    gc.enable()  # `scan` switches the collector off for its one-APK process
    gc.collect()
    os.chdir(cwd.parent)
    return {"code": code, "seconds": seconds, "cpu": cpu_seconds, "rss_mb": rss_mb,
            "killed": False,
            "stdout": out_path.read_text("utf-8", "replace"),
            "stderr": err_path.read_text("utf-8", "replace")}


def run_child(args: list[str], cwd: Path, env: dict[str, str], timeout: float,
              memory_mb: int, wall_timeout: float | None = None) -> dict:
    """Fork; the child runs the CLI under rlimits (CPU ``timeout + 5`` s); the parent kills
    it after ``wall_timeout`` s; returns code, wall and CPU seconds, rss, output."""
    wall_timeout = wall_timeout or timeout
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.chdir(cwd)
            fd_out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd_out, 1)
            os.dup2(fd_err, 2)
            sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), "utf-8",
                                          line_buffering=True)
            sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), "utf-8",
                                          line_buffering=True)
            cap = memory_mb * 4 << 20
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            cpu = int(timeout) + 5
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
            os.environ.update(env)
            if "APPAUDIT_RULESETS_DIR" in env:
                _forget_rulesets()  # the parent's warm caches hold the shipped rulesets
            code = _invoke(args)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        except BaseException:  # a traceback of our own making
            import traceback

            traceback.print_exc()
            try:
                sys.stderr.flush()
            finally:
                os._exit(70)
    killed = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - t0 > wall_timeout:
            os.kill(pid, signal.SIGKILL)
            killed = True
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.005)
    seconds = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    return {"code": code, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "killed": killed or code == -signal.SIGXCPU,
            "stdout": out_path.read_text("utf-8", "replace"),
            "stderr": err_path.read_text("utf-8", "replace")}


def _forget_rulesets() -> None:
    """Clear the per-process caches of loaded rulesets, so a run reads the current copy."""
    from scanner.knowledge import load_knowledge
    from scanner.rules.loader import load_rules

    for fn in (load_knowledge, load_rules):
        fn.cache_clear()


def _catalog_prefix(key: str, lang: str) -> str:
    """The fixed start of catalog message ``key`` in ``lang`` (the text before its first
    placeholder): the CLI says errors in the user's language, Chinese by default."""
    from scanner.messages import catalog

    return catalog(lang)[key].split("{", 1)[0]


# one line of our own starts with the CLI's error prefix in either language; an internal
# error is said in either language (and exits 5)
_ERROR_PREFIXES = tuple(_catalog_prefix("err_line", lang) for lang in ("zh", "en"))
_INTERNAL_MARKERS = tuple(_catalog_prefix("err_internal", lang) for lang in ("zh", "en"))


def classify(r: dict, timeout: float, memory_mb: int) -> str:
    err = r["stderr"]
    lines = [x for x in err.splitlines() if x.strip()]
    if r["killed"] or r.get("cpu", r["seconds"]) > timeout:
        return "timeout"
    if "Traceback" in err or "Traceback" in r["stdout"] or r["code"] < 0 or r["code"] == 70:
        return "traceback"
    if r["rss_mb"] > memory_mb or "out of memory" in err:
        return "memory"
    if any(marker in err for marker in _INTERNAL_MARKERS) or r["code"] == 5:
        return "internal"
    if any(not x.startswith(_ERROR_PREFIXES) for x in lines):
        return "noise"
    if r["code"] in (0, 1):
        return "ok"
    return {2: "usage", 3: "input", 4: "ruleset"}.get(r["code"], "traceback")


def warm() -> None:
    """Import and load what every command needs once, in the parent."""
    import scanner.cli.batch_cmd  # noqa: F401
    import scanner.cli.bundle_cmd  # noqa: F401
    import scanner.cli.policy_cmd  # noqa: F401
    import scanner.cli.rules_cmd  # noqa: F401
    import scanner.cli.runtime_cmd  # noqa: F401
    import scanner.cli.scan_cmd  # noqa: F401
    import scanner.cli.traffic_cmd  # noqa: F401
    import scanner.ingest.apk  # noqa: F401
    import scanner.ingest.flowfile  # noqa: F401
    import scanner.ingest.policy  # noqa: F401
    import scanner.ingest.runtime_log  # noqa: F401
    from scanner.knowledge import load_knowledge
    from scanner.rules.loader import load_rules
    from scanner.sdk.catalog import default_catalog

    load_knowledge()
    load_rules()
    default_catalog()
    import mitmproxy.http  # noqa: F401
    import mitmproxy.io  # noqa: F401


def prepare(seeds: dict, parsers: list[str]) -> None:
    """Read the seeds and make the bombs once in the parent (the workers inherit them)."""
    for key in ("apk", "zips", "har", "flows", "facts", "bundle", "batchdb", "policy",
                "runtime"):
        for q in seeds.get(key, []):
            _read(q)
    if "har" in parsers:
        for mib in (16, 64, 256):
            for enc in ("br", "gzip", "deflate"):
                _bomb_body(mib, enc)
    if "axml" in parsers:
        for depth in (1000, 100_000):
            _deep_manifest(depth)
    if "policy" in parsers:
        for mib in (256, 1024):
            _flate_zeros(mib)


# ----------------------------------------------------------------------------- workers

class Config:
    """What a worker needs (set in the parent before the workers are forked)."""

    def __init__(self, a, work: Path, seeds: dict, crashers: Path, max_bytes: int) -> None:
        self.seed, self.timeout, self.memory_mb = a.seed, a.timeout, a.memory_mb
        self.wall_timeout = a.wall_timeout or 4 * a.timeout
        self.isolate, self.recycle = a.isolate, a.recycle
        self.work, self.seeds, self.crashers, self.max_bytes = work, seeds, crashers, max_bytes


def _env_for(parser: str, rulesets: Path, keys: Path) -> dict[str, str]:
    env = {"APPAUDIT_KEYS_DIR": str(keys)}
    if parser == "rules":
        env["APPAUDIT_RULESETS_DIR"] = str(rulesets)
    return env


def _keep(cfg: Config, parser: str, n: int, outcome: str, blob: bytes, suffix: str,
          args: list[str], env: dict, r: dict, rules_file: str | None) -> Path:
    """Copy a failing input and its run to the crashers folder."""
    dest = cfg.crashers / parser / f"{n:05d}-{outcome}"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / ("input" + suffix)).write_bytes(blob)
    (dest / "run.json").write_text(json.dumps(
        {"args": args, "env": env, "rules_file": rules_file, **{k: r[k] for k in r}},
        indent=1, ensure_ascii=False), "utf-8")
    return dest


def _worker(idx: int, conn, cfg: Config) -> None:
    """A worker's loop: make input (parser, n), run it, send its outcome; exit when told,
    after ``recycle`` inputs, after a failure, or when its memory grew too much."""
    wdir = cfg.work / f"w{idx}-{os.getpid()}"
    wdir.mkdir()
    seeds = dict(cfg.seeds)
    rulesets = cfg.work / "rulesets"
    if cfg.isolate == "worker":
        cap = cfg.memory_mb * 4 << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    base = _rss_kib()
    done = 0
    while True:
        msg = conn.recv()
        if msg is None:
            break
        parser, n = msg
        if parser == "rules" and not (wdir / "rulesets").exists():
            shutil.copytree(rulesets, wdir / "rulesets")
            seeds["rules"] = [wdir / "rulesets" / q.relative_to(rulesets)
                              for q in cfg.seeds["rules"]]
        try:
            path, args, restore, original = make_input(
                parser, input_rng(cfg.seed, parser, n), seeds, wdir, n, cfg.max_bytes)
        except Exception as e:  # a bug of the campaign's own generator: reported, skipped
            conn.send(("skip", n, f"{type(e).__name__}: {str(e)[:200]}"))
            continue
        env = _env_for(parser, wdir / "rulesets", cfg.work / "keys")
        rules_file = str(restore.relative_to(wdir / "rulesets")) if restore else None
        cwd = wdir / "run"
        shutil.rmtree(cwd, ignore_errors=True)
        cwd.mkdir()
        conn.send(("start", n, str(path), args, env, rules_file))
        try:
            if cfg.isolate == "worker":
                r = run_in_process(args, cwd, env, cfg.timeout)
            else:
                r = run_child(args, cwd, env, cfg.timeout, cfg.memory_mb, cfg.wall_timeout)
        finally:
            kept = path.read_bytes() if restore is not None else None
            if restore is not None:
                restore.write_bytes(original)
        outcome = classify(r, cfg.timeout, cfg.memory_mb)
        done += 1
        if outcome in FAILURES:
            blob = kept if kept is not None else path.read_bytes()
            _keep(cfg, parser, n, outcome, blob, path.suffix, args, env, r, rules_file)
        if restore is None:
            path.unlink(missing_ok=True)
        retire = cfg.isolate == "worker" and (
            outcome in FAILURES or done >= cfg.recycle or _rss_kib() - base > 512 << 10)
        conn.send(("done", n, outcome, (round(r["cpu"], 3), round(r["seconds"], 3)),
                   round(r["rss_mb"], 1),
                   r["stderr"].strip()[-300:], retire))
        if retire:
            break
    conn.close()


class _Slot:
    def __init__(self, idx: int) -> None:
        self.idx, self.pid, self.conn, self.job = idx, 0, None, None


def _spawn(slot: _Slot, cfg: Config, others: list) -> None:
    import multiprocessing

    mine, theirs = multiprocessing.Pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            mine.close()
            for c in others:
                if c is not None:
                    c.close()
            _worker(slot.idx, theirs, cfg)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 70
        finally:
            os._exit(code)
    theirs.close()
    slot.pid, slot.conn, slot.job = pid, mine, None


def _reap(slot: _Slot, kill: bool = False) -> int:
    if kill:
        try:
            os.kill(slot.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(slot.pid, 0)
    slot.conn.close()
    slot.pid, slot.conn = 0, None
    return status


def _confirm(cfg: Config, parser: str, n: int, outcome: str, args: list[str], env: dict,
             path: str, rules_file: str | None) -> bool:
    """Run a failing input again in a fresh child forked from the warm parent: whether it
    fails the same way (a worker's failure is then not something an earlier input left)."""
    dest = cfg.crashers / parser / f"{n:05d}-{outcome}"
    kept = next(dest.glob("input*"))
    blob = kept.read_bytes()
    cwd = cfg.work / "confirm"
    shutil.rmtree(cwd, ignore_errors=True)
    cwd.mkdir()
    env = dict(env)
    run_args = list(args)
    if rules_file is not None:  # the mutated file goes into a fresh copy of the rulesets
        rules = cfg.work / "confirm-rules"
        shutil.rmtree(rules, ignore_errors=True)
        shutil.copytree(cfg.work / "rulesets", rules)
        (rules / rules_file).write_bytes(blob)
        env["APPAUDIT_RULESETS_DIR"] = str(rules)
    else:
        copy_path = cfg.work / f"confirm-input{kept.suffix}"
        copy_path.write_bytes(blob)
        run_args = [str(copy_path) if x == path else x for x in args]
    r = run_child(run_args, cwd, env, cfg.timeout, cfg.memory_mb, cfg.wall_timeout)
    again = classify(r, cfg.timeout, cfg.memory_mb)
    (dest / "confirm.json").write_text(json.dumps(
        {"args": run_args, "env": env, "outcome": again, **r}, indent=1, ensure_ascii=False),
        "utf-8")
    return again == outcome


def run_parser(parser: str, cfg: Config, slots: list[_Slot], per_parser: int,
               share: float | None, quiet: bool) -> dict:
    """Inputs 0..per_parser-1 of one parser over the workers; counts, times, outcomes."""
    import multiprocessing.connection

    pending = list(range(per_parser - 1, -1, -1))
    outcomes: dict[int, str] = {}
    times: dict[int, float] = {}
    rss: dict[int, float] = {}
    reproduced = 0
    generator_errors: list[tuple[int, str]] = []
    t_parser = time.monotonic()

    def record(slot: _Slot, n: int, outcome: str, seconds: float, rss_mb: float,
               tail: str) -> None:
        nonlocal reproduced
        outcomes[n], times[n], rss[n] = outcome, seconds, rss_mb
        if not quiet and len(outcomes) % 250 == 0:  # progress, for runs stopped midway
            seen = dict.fromkeys(OUTCOMES, 0)
            for x in outcomes.values():
                seen[x] += 1
            print(f"  {parser}: {len(outcomes)} inputs so far, "
                  f"{ {k: v for k, v in seen.items() if v} }, "
                  f"{time.monotonic() - t_parser:.0f} s", file=sys.stderr, flush=True)
        if outcome in FAILURES:
            job = slot.job or {}
            same = _confirm(cfg, parser, n, outcome, job.get("args", []), job.get("env", {}),
                            job.get("path", ""), job.get("rules_file"))
            reproduced += same
            if not quiet:
                print(f"  {parser} #{n}: {outcome} (fresh process: "
                      f"{'same' if same else 'not reproduced'}): {tail}", file=sys.stderr)

    def respawn(slot: _Slot) -> None:
        _spawn(slot, cfg, [x.conn for x in slots if x is not slot])

    while True:
        if share is not None and time.monotonic() - t_parser > share:
            pending.clear()
        for slot in slots:
            if slot.conn is None:
                respawn(slot)
            if slot.job is None and pending:
                n = pending.pop()
                slot.conn.send((parser, n))
                slot.job = {"n": n, "sent": time.monotonic(), "t0": None}
        busy = [x for x in slots if x.job is not None]
        if not busy:
            break
        ready = multiprocessing.connection.wait([x.conn for x in busy], timeout=0.2)
        now = time.monotonic()
        for slot in busy:
            if slot.conn in ready:
                try:
                    msg = slot.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None:  # the worker died
                    status = _reap(slot)
                    job, slot.job = slot.job, None
                    if job.get("t0") is None:
                        raise RuntimeError(f"fuzz worker died making {parser} input "
                                           f"{job['n']} (status {status})")
                    code = os.waitstatus_to_exitcode(status)
                    r = {"code": code, "seconds": now - job["t0"], "cpu": 0.0, "rss_mb": 0.0,
                         "killed": code == -signal.SIGXCPU, "stdout": "",
                         "stderr": _tail(cfg, slot, job)}
                    outcome = classify(r, cfg.timeout, cfg.memory_mb)
                    _keep_killed(cfg, parser, job, outcome, r)
                    slot.job = job
                    record(slot, job["n"], outcome, (0.0, r["seconds"]), 0.0,
                           r["stderr"][-300:])
                    slot.job = None
                    continue
                if msg[0] == "skip":  # the generator failed on this input
                    generator_errors.append((msg[1], msg[2]))
                    print(f"  {parser} #{msg[1]}: not made (generator error: {msg[2]})",
                          file=sys.stderr)
                    slot.job = None
                elif msg[0] == "start":
                    _, n, path, args, env, rules_file = msg
                    slot.job.update(t0=now, path=path, args=args, env=env,
                                    rules_file=rules_file)
                elif msg[0] == "done":
                    _, n, outcome, seconds, rss_mb, tail, retire = msg
                    record(slot, n, outcome, seconds, rss_mb, tail)
                    slot.job = None
                    if retire:
                        _reap(slot)
            elif slot.job.get("t0") is not None and \
                    now - slot.job["t0"] > cfg.wall_timeout:  # the wall-clock guard
                job, slot.job = slot.job, None
                status = _reap(slot, kill=True)
                r = {"code": os.waitstatus_to_exitcode(status), "seconds": now - job["t0"],
                     "cpu": 0.0, "rss_mb": 0.0, "killed": True, "stdout": "",
                     "stderr": _tail(cfg, slot, job)}
                _keep_killed(cfg, parser, job, "timeout", r)
                slot.job = job
                record(slot, job["n"], "timeout", (0.0, r["seconds"]), 0.0, "")
                slot.job = None
    ran = sorted(outcomes)
    counts = dict.fromkeys(OUTCOMES, 0)
    for n in ran:
        counts[outcomes[n]] += 1
    failed = sum(counts[k] for k in FAILURES)
    return {"inputs": len(ran), **counts, "reproduced": f"{reproduced}/{failed}",
            "generator_errors": len(generator_errors),
            "max_cpu_s": round(max((c for c, _ in times.values()), default=0), 2),
            "mean_cpu_s": round(sum(c for c, _ in times.values()) / max(len(times), 1), 3),
            "max_wall_s": round(max((w for _, w in times.values()), default=0), 2),
            "max_rss_mb": round(max(rss.values(), default=0)),
            "wall_seconds": round(time.monotonic() - t_parser, 1),
            "outcomes": [outcomes[n] for n in ran]}


def _tail(cfg: Config, slot: _Slot, job: dict) -> str:
    """The stderr so far of the input a killed worker was running."""
    for d in cfg.work.glob(f"w{slot.idx}-*/run"):
        err = d / "stderr.txt"
        if err.exists() and err.stat().st_mtime >= time.time() - cfg.wall_timeout * 2:
            return err.read_text("utf-8", "replace")[-2000:]
    return ""


def _keep_killed(cfg: Config, parser: str, job: dict, outcome: str, r: dict) -> None:
    """Keep the input of a worker that was killed or died while running it."""
    path = Path(job["path"])
    blob = path.read_bytes() if path.exists() else b""
    _keep(cfg, parser, job["n"], outcome, blob, path.suffix, job["args"], job["env"], r,
          job.get("rules_file"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-parser", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parsers", default=",".join(PARSERS))
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="worker processes (default: 2, or 1 on a 1-core machine)")
    ap.add_argument("--isolate", choices=("worker", "input"), default="worker",
                    help="worker: many inputs per worker process (default); input: a child "
                         "forked per input")
    ap.add_argument("--recycle", type=int, default=250,
                    help="a worker is replaced after this many inputs")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="the bar: CPU seconds one input may cost (default 60)")
    ap.add_argument("--wall-timeout", type=float, default=None,
                    help="wall-clock guard: an input still running after this many seconds "
                         "is killed and counted as over the bar (default 4 x --timeout)")
    ap.add_argument("--memory-mb", type=int, default=2048)
    ap.add_argument("--max-input-mb", type=float, default=3.0)
    ap.add_argument("--crashers", type=Path, default=None,
                    help="copy failing inputs here (default: a folder under the work dir)")
    ap.add_argument("--json", type=Path, default=None, help="write counts and timings here")
    ap.add_argument("--time-budget", type=float, default=None,
                    help="seconds for the whole campaign, shared equally by the parsers")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    parsers = [p for p in a.parsers.split(",") if p]
    bad = [p for p in parsers if p not in PARSERS]
    if bad:
        ap.error(f"unknown parser(s) {bad}; choose from {PARSERS}")
    if a.isolate == "worker" and not in_process_supported():
        print("no /proc/self/clear_refs: running a child per input", file=sys.stderr)
        a.isolate = "input"
    max_bytes = int(a.max_input_mb * (1 << 20))
    work = Path(tempfile.mkdtemp(prefix="appaudit-fuzz-"))
    crashers = (a.crashers or work / "crashers").resolve()
    t_start = time.monotonic()
    seeds = build_seeds(work, max_bytes)
    warm()
    if a.per_parser >= 100:  # else each worker makes the few bombs it needs (the same bytes)
        prepare(seeds, parsers)
    gc.collect()
    gc.freeze()  # the warm state is shared by the workers, not scanned by their collectors
    cfg = Config(a, work, seeds, crashers, max_bytes)
    slots = [_Slot(i) for i in range(max(1, a.jobs))]
    stats: dict[str, dict] = {}
    share = a.time_budget / len(parsers) if a.time_budget else None
    try:
        for parser in parsers:
            stats[parser] = run_parser(parser, cfg, slots, a.per_parser, share, a.quiet)
            if not a.quiet:
                print(f"{parser}: { {k: v for k, v in stats[parser].items() if k != 'outcomes'} }",
                      file=sys.stderr, flush=True)
    finally:
        for slot in slots:
            if slot.conn is not None:
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
                _reap(slot)
    _print_table(stats, a, time.monotonic() - t_start)
    if a.json:
        a.json.write_text(json.dumps({"seed": a.seed, "per_parser": a.per_parser,
                                      "timeout": a.timeout, "memory_mb": a.memory_mb,
                                      "isolate": a.isolate, "jobs": a.jobs,
                                      "seconds": round(time.monotonic() - t_start),
                                      "parsers": stats}, indent=1), "utf-8")
    failed = sum(s[k] for s in stats.values() for k in FAILURES)
    if failed:
        print(f"{failed} failing inputs kept in {crashers}")
    if not failed and a.crashers is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        for d in work.glob("w*-*"):
            shutil.rmtree(d, ignore_errors=True)
    return 1 if failed else 0


def _print_table(stats: dict, a, seconds: float) -> None:
    cols = ["inputs", *OUTCOMES, "max_cpu_s", "max_wall_s", "max_rss_mb"]
    head = ["parser", *cols]
    print(f"seed {a.seed}, {a.per_parser} inputs per parser, timeout {a.timeout:g} s, "
          f"memory {a.memory_mb} MiB, {a.jobs} worker(s), a {a.isolate} per process, "
          f"{seconds:.0f} s in all")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for p, s in stats.items():
        print("| " + " | ".join([p, *(str(s[c]) for c in cols)]) + " |")


if __name__ == "__main__":
    sys.exit(main())
