"""Fuzz campaign: mutated fixtures and shared-corpus files through the real CLI, under a
time and memory cap, with counts by outcome.

Contract
--------
``python benchmarks/fuzz_campaign.py [--per-parser N] [--seed S] [--parsers a,b,...]
[--timeout 60] [--memory-mb 2048] [--max-input-mb 3] [--time-budget S] [--crashers DIR]
[--json FILE]``

``--time-budget`` (seconds for the whole campaign, shared equally by the parsers) stops a
parser early; the table then says how many inputs each parser really ran.

For each parser below it makes N inputs from its seeds (deterministically from ``--seed``)
and runs the real command line (``scanner.cli.main`` with ``sys.argv`` set, the same entry
point as the ``appaudit`` console script) once per input in a child forked from a warm
parent (imports and rulesets loaded once, so an input costs its own work, not start-up).
Each child runs under ``resource.setrlimit``: address space ``4 × --memory-mb`` (a runaway
is stopped; the peak resident memory is what is compared with ``--memory-mb``) and CPU
time ``--timeout + 5`` s; the parent kills it at ``--timeout`` s wall clock.

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

Mutations: byte flips, truncation, duplication of a slice, insertion of random bytes,
splicing two seeds; for zip members the member is mutated and the zip rebuilt (so the
parser behind the CRC check sees it); for JSON and YAML: type confusion (a value replaced
by a number, string, list, object, null, NaN, 1e999, a 5,000-digit number, a lone
surrogate, a huge string), deep nesting (20,000 levels), YAML alias bombs; bombs: brotli/
gzip bodies in HAR entries, a deflated zero-filled zip member, a 100,000-deep manifest.
Inputs larger than ``--max-input-mb`` are not made (the bar is about inputs under 3 MB).

Outcomes: ``ok`` (exit 0/1, and verify's TAMPERED), ``input`` (exit 3 with one line of our
own), ``ruleset`` (exit 4), ``usage`` (exit 2), and the failures: ``internal`` (a line
saying "internal error", or exit 5), ``traceback`` (a Python traceback, or a child that
died on a signal), ``timeout`` (over ``--timeout`` s), ``memory`` (peak RSS over
``--memory-mb``, or "out of memory"), ``noise`` (stderr lines that are not ours, such as
a library's ``WARNING:root:...``). Every failing input is copied to ``--crashers`` with its
command and stderr, to become a regression fixture. Prints one row per parser; exit 1 when
any failure was seen.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import os
import random
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

PARSERS = ("apk", "axml", "arsc", "dex", "har", "flows", "facts", "bundle", "batchdb", "rules")
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
    except ValueError:
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


def zip_members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i, z.read(i)) for i in z.infolist()]


def rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, blob in members:
            z.writestr(info, blob)
    return out.getvalue()


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
    return seeds


# ----------------------------------------------------------------------------- inputs

def make_input(parser: str, rng: random.Random, seeds: dict, work: Path, n: int,
               max_bytes: int) -> tuple[Path, list[str], Path | None, bytes | None]:
    """(input file, CLI args, file to restore afterwards, its original bytes)."""
    d = work / "inputs" / parser
    d.mkdir(parents=True, exist_ok=True)
    restore = original = None
    if parser in ("apk", "axml", "arsc", "dex"):
        seed = rng.choice(seeds["apk" if parser == "apk" else "zips"]).read_bytes()
        member = {"axml": "AndroidManifest.xml", "arsc": "resources.arsc",
                  "dex": "classes.dex"}.get(parser)
        if parser == "apk":
            r = rng.random()
            if r < 0.03:
                data = member_mutate(rng, seed, "classes.dex",
                                     lambda b: b + bytes(rng.choice((1, 8, 64)) << 20))
            else:
                data = byte_mutate(rng, seed, [p.read_bytes() for p in seeds["apk"][:3]])
        elif parser == "axml" and rng.random() < 0.02:
            sys.path.insert(0, str(REPO / "corpus"))
            from corpus.axml import Node, encode, manifest

            root = cur = Node("x")
            for _ in range(rng.choice((1000, 100_000))):
                nxt = Node("x")
                cur.children.append(nxt)
                cur = nxt
            data = member_mutate(rng, seed, member, lambda b: encode(manifest([root])))
        else:
            names = {i.filename for i, _ in zip_members(seed)}
            data = member_mutate(rng, seed, member if member in names else "AndroidManifest.xml")
        path = d / f"{n:05d}.apk"
        args = ["scan", str(path), "--format", "json"]
    elif parser == "har":
        seed = rng.choice(seeds["har"]).read_text("utf-8", "replace")
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
        data = byte_mutate(rng, rng.choice(seeds["flows"]).read_bytes(),
                           [p.read_bytes() for p in seeds["flows"][:4]])
        path = d / f"{n:05d}.mitm"
        args = ["traffic", str(path), "--format", "json"]
    elif parser == "facts":
        seed = seeds["facts"][0].read_text("utf-8")
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
        seed = seeds["bundle"][0].read_bytes()
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
        data = byte_mutate(rng, seeds["batchdb"][0].read_bytes())
        if rng.random() < 0.3:  # an edited database: values of other types
            data = _edit_db(rng, seeds["batchdb"][0], work)
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
    else:
        raise ValueError(parser)
    if len(data) > max_bytes:
        data = data[:max_bytes]
    path.write_bytes(data)
    return path, args, restore, original


def _bomb_har(rng: random.Random) -> str:
    import brotli

    body = bytes(rng.choice((16, 64, 256)) << 20)
    enc = rng.choice(("br", "gzip", "deflate"))
    blob = (brotli.compress(body, quality=5) if enc == "br" else
            gzip.compress(body, 9) if enc == "gzip" else zlib.compress(body, 9))
    text = base64.b64encode(blob).decode()
    entry = {"startedDateTime": "2024-01-01T00:00:00Z",
             "request": {"method": "POST", "url": "http://a.example.com/p",
                         "headers": [{"name": "Content-Encoding", "value": enc}],
                         "postData": {"text": text, "encoding": "base64"}},
             "response": {"status": 200,
                          "headers": [{"name": "Content-Encoding", "value": enc}],
                          "content": {"text": text, "encoding": "base64"}}}
    return json.dumps({"log": {"entries": [entry] * rng.choice((1, 50, 400))}})


def _edit_db(rng: random.Random, seed: Path, work: Path) -> bytes:
    tmp = work / "edit.sqlite"
    shutil.copy(seed, tmp)
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

def run_child(args: list[str], cwd: Path, env: dict[str, str], timeout: float,
              memory_mb: int) -> dict:
    """Fork; the child runs the CLI under rlimits; returns code, seconds, rss, output."""
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
            sys.argv = ["appaudit", *args]
            from scanner.cli import main

            code = 0
            try:
                main()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
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
        if time.monotonic() - t0 > timeout:
            os.kill(pid, signal.SIGKILL)
            killed = True
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.005)
    seconds = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    return {"code": code, "seconds": seconds, "rss_mb": usage.ru_maxrss / 1024,
            "killed": killed, "stdout": out_path.read_text("utf-8", "replace"),
            "stderr": err_path.read_text("utf-8", "replace")}


def _forget_rulesets() -> None:
    """Clear the per-process caches of loaded rulesets, so a child reads the mutated copy."""
    from scanner.knowledge import load_knowledge
    from scanner.rules.loader import load_rules

    for fn in (load_knowledge, load_rules):
        fn.cache_clear()


def classify(r: dict, timeout: float, memory_mb: int) -> str:
    err = r["stderr"]
    lines = [x for x in err.splitlines() if x.strip()]
    if r["killed"] or r["seconds"] > timeout:
        return "timeout"
    if "Traceback" in err or "Traceback" in r["stdout"] or r["code"] < 0 or r["code"] == 70:
        return "traceback"
    if r["rss_mb"] > memory_mb or "out of memory" in err:
        return "memory"
    if "internal error" in err or r["code"] == 5:
        return "internal"
    if any(not x.startswith("appaudit: error: ") for x in lines):
        return "noise"
    if r["code"] in (0, 1):
        return "ok"
    return {2: "usage", 3: "input", 4: "ruleset"}.get(r["code"], "traceback")


def warm() -> None:
    """Import and load what every command needs once, in the parent."""
    import scanner.cli.batch_cmd  # noqa: F401
    import scanner.cli.bundle_cmd  # noqa: F401
    import scanner.cli.rules_cmd  # noqa: F401
    import scanner.cli.scan_cmd  # noqa: F401
    import scanner.cli.traffic_cmd  # noqa: F401
    import scanner.ingest.apk  # noqa: F401
    import scanner.ingest.flowfile  # noqa: F401
    from scanner.knowledge import load_knowledge
    from scanner.rules.loader import load_rules
    from scanner.sdk.catalog import default_catalog

    load_knowledge()
    load_rules()
    default_catalog()
    import mitmproxy.http  # noqa: F401
    import mitmproxy.io  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-parser", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parsers", default=",".join(PARSERS))
    ap.add_argument("--timeout", type=float, default=60.0)
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
    max_bytes = int(a.max_input_mb * (1 << 20))
    work = Path(tempfile.mkdtemp(prefix="appaudit-fuzz-"))
    crashers = a.crashers or work / "crashers"
    keys_env = {"APPAUDIT_KEYS_DIR": str(work / "keys")}
    t_start = time.monotonic()
    seeds = build_seeds(work, max_bytes)
    warm()
    rng = random.Random(a.seed)
    stats: dict[str, dict] = {}
    for parser in parsers:
        counts = dict.fromkeys(OUTCOMES, 0)
        times, rss = [], []
        prng = random.Random(rng.randrange(1 << 30))
        t_parser = time.monotonic()
        share = a.time_budget / len(parsers) if a.time_budget else None
        ran = 0
        for n in range(a.per_parser):
            if share is not None and time.monotonic() - t_parser > share:
                break
            ran += 1
            path, args, restore, original = make_input(parser, prng, seeds, work, n,
                                                       max_bytes)
            cwd = work / "run"
            shutil.rmtree(cwd, ignore_errors=True)
            cwd.mkdir()
            env = dict(keys_env)
            if parser == "rules":
                env["APPAUDIT_RULESETS_DIR"] = str(work / "rulesets")
            try:
                r = run_child(args, cwd, env, a.timeout, a.memory_mb)
            finally:
                if restore is not None:
                    kept = restore.read_bytes()
                    restore.write_bytes(original)
            outcome = classify(r, a.timeout, a.memory_mb)
            counts[outcome] += 1
            times.append(r["seconds"])
            rss.append(r["rss_mb"])
            if outcome in FAILURES:
                dest = crashers / parser / f"{n:05d}-{outcome}"
                dest.mkdir(parents=True, exist_ok=True)
                blob = kept if restore is not None else path.read_bytes()
                (dest / ("input" + path.suffix)).write_bytes(blob)
                (dest / "run.json").write_text(json.dumps(
                    {"args": args, "env": env, **{k: r[k] for k in r}}, indent=1,
                    ensure_ascii=False), "utf-8")
                if not a.quiet:
                    print(f"  {parser} #{n}: {outcome}: {r['stderr'].strip()[-300:]}",
                          file=sys.stderr)
            if restore is None:
                path.unlink(missing_ok=True)
        stats[parser] = {"inputs": ran, **counts,
                         "max_seconds": round(max(times, default=0), 2),
                         "mean_seconds": round(sum(times) / max(len(times), 1), 3),
                         "max_rss_mb": round(max(rss, default=0)),
                         "wall_seconds": round(time.monotonic() - t_parser, 1)}
        if not a.quiet:
            print(f"{parser}: {stats[parser]}", file=sys.stderr, flush=True)
    _print_table(stats, a, time.monotonic() - t_start)
    if a.json:
        a.json.write_text(json.dumps({"seed": a.seed, "per_parser": a.per_parser,
                                      "timeout": a.timeout, "memory_mb": a.memory_mb,
                                      "parsers": stats}, indent=1), "utf-8")
    failed = sum(s[k] for s in stats.values() for k in FAILURES)
    if failed:
        print(f"{failed} failing inputs kept in {crashers}")
    shutil.rmtree(work / "inputs", ignore_errors=True)
    if not failed and a.crashers is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def _print_table(stats: dict, a, seconds: float) -> None:
    cols = ["inputs", *OUTCOMES, "max_seconds", "max_rss_mb"]
    head = ["parser", *cols]
    print(f"seed {a.seed}, {a.per_parser} inputs per parser, timeout {a.timeout:g} s, "
          f"memory {a.memory_mb} MiB, {seconds:.0f} s in all")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for p, s in stats.items():
        print("| " + " | ".join([p, *(str(s[c]) for c in cols)]) + " |")


if __name__ == "__main__":
    sys.exit(main())
