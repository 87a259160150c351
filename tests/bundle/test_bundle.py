"""Case bundles: make, verify, and every kind of tampering named by file."""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample import sample_result

from scanner.bundle import generate_key, make_bundle, verify_bundle
from scanner.bundle.bundle import MANIFEST, SIGNATURE, reproduce_command
from scanner.bundle.keys import load_private_key, safe_name
from scanner.cli import cli
from scanner.errors import InputError, UsageError
from scanner.hashing import digest_bytes
from scanner.model.evidence import InputFile
from scanner.report.browser import find_chromium
from scanner.report.json import dumps, result_document

APK_BYTES = b"PK\x03\x04 not really an apk, but bytes with a known digest"


FAST = ("html", "sarif", "csv", "xlsx")  # pdf (chromium, ~2 s) only in the shared bundle


@pytest.fixture(scope="module")
def _made(tmp_path_factory):
    """One bundle with every format (pdf too when chromium is installed), made once."""
    base = tmp_path_factory.mktemp("case")
    folder = base / "keys"
    generate_key("张三", folder)
    result = _result_file(base)
    out = base / "case.zip"
    make_bundle(result, out, analyst="张三", case_id="2026-网信-001", include_inputs=True,
                created="2026-01-02T03:04:05+00:00", keys_folder=folder)
    return folder, result, out


@pytest.fixture
def keys(tmp_path, monkeypatch, _made):
    folder = tmp_path / "keys"
    folder.mkdir()
    for p in _made[0].iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(folder))
    return folder


def _result_file(folder: Path) -> Path:
    """A result whose input file exists beside it with the recorded digests."""
    apk = folder / "news.apk"
    apk.write_bytes(APK_BYTES)
    d = digest_bytes(APK_BYTES)
    res = dataclasses.replace(sample_result(),
                              inputs=(InputFile("apk", "news.apk", d.bytes, d.sha256, d.sm3),))
    path = folder / "result.json"
    path.write_text(dumps(result_document(res)), encoding="utf-8")
    return path


@pytest.fixture
def result_file(tmp_path):
    return _result_file(tmp_path)


@pytest.fixture
def case(tmp_path, keys, _made):
    out = tmp_path / "case.zip"
    out.write_bytes(_made[2].read_bytes())
    return out


def _entries(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def _rewrite(src: Path, dst: Path, change=None, drop=(), add=()) -> Path:
    """Copy a zip entry by entry, changing, dropping or adding entries."""
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in _entries(src):
            if info.filename in drop:
                continue
            if change and info.filename in change:
                data = change[info.filename](data)
            zf.writestr(info, data)
        for name, data in add:
            zf.writestr(name, data)
    return dst


def _flip(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _problems(path: Path, **kw) -> set[tuple[str, str]]:
    return {(p.kind, p.path) for p in verify_bundle(path, **kw).problems}


def test_bundle_contents_and_manifest(case, _made, keys):
    result_file = _made[1]
    names = [i.filename for i, _ in _entries(case)]
    assert names[-2:] == [MANIFEST, SIGNATURE]
    assert "result.json" in names and "inputs/00-news.apk" in names
    assert {"report/report.html", "report/report.sarif", "report/report.xlsx",
            "report/csv/findings.csv"} <= set(names)
    assert ("report/report.pdf" in names) == (find_chromium() is not None)
    with zipfile.ZipFile(case) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        assert zf.read("result.json") == result_file.read_bytes()
        assert zf.read("inputs/00-news.apk") == APK_BYTES
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(names) - {MANIFEST, SIGNATURE}
    d = digest_bytes(APK_BYTES)
    assert listed["inputs/00-news.apk"] == {"path": "inputs/00-news.apk", "bytes": d.bytes,
                                            "sha256": d.sha256, "sm3": d.sm3}
    assert manifest["case_id"] == "2026-网信-001" and manifest["analyst"] == "张三"
    assert manifest["created"] == "2026-01-02T03:04:05+00:00"
    assert manifest["tool"] == {"name": "appaudit", "version": "9.9.9"}
    assert manifest["ruleset"] == {"version": "2099.01", "sha256": "a" * 64}
    assert manifest["reproduce"]["argv"] == ["appaudit", "scan", "news.apk",
                                             "--category", "news"]
    assert manifest["inputs"][0]["included"] is True
    _, info = load_private_key("张三", keys)
    assert manifest["signature"]["public_key"] == info.public_hex


def test_untouched_bundle_verifies(case, keys):
    report = verify_bundle(case)
    assert report.problems == [] and report.signature_ok and report.ok
    assert report.checked == len(report.manifest["files"])
    own = (keys / f"{safe_name('张三')}.pub").read_text().strip()
    assert verify_bundle(case, trusted_key=own).trusted is True


def test_every_file_with_a_changed_byte_is_named(case, tmp_path):
    names = [i.filename for i, _ in _entries(case) if i.filename not in (MANIFEST, SIGNATURE)]
    assert len(names) >= 10
    for name in names:
        bad = _rewrite(case, tmp_path / "bad.zip", change={name: lambda b: _flip(b, len(b) // 2)})
        assert _problems(bad) == {("changed", name)}, name


def test_removed_file(case, tmp_path):
    bad = _rewrite(case, tmp_path / "bad.zip", drop={"report/report.sarif"})
    assert _problems(bad) == {("missing", "report/report.sarif")}


def test_added_file(case, tmp_path):
    bad = _rewrite(case, tmp_path / "bad.zip", add=[("report/extra.txt", b"planted")])
    assert _problems(bad) == {("added", "report/extra.txt")}


def test_changed_manifest(case, tmp_path):
    def edit(data: bytes) -> bytes:
        m = json.loads(data)
        m["case_id"] = "2026-网信-999"
        return (json.dumps(m, ensure_ascii=False, indent=2) + "\n").encode()

    bad = _rewrite(case, tmp_path / "bad.zip", change={MANIFEST: edit})
    report = verify_bundle(bad)
    assert {(p.kind, p.path) for p in report.problems} == {("signature", MANIFEST)}
    assert not report.ok


def test_manifest_and_file_changed_together(case, tmp_path):
    """Re-hashing a changed file into the manifest still breaks the signature."""
    new_html = b"<html>forged</html>"

    def edit(data: bytes) -> bytes:
        m = json.loads(data)
        for f in m["files"]:
            if f["path"] == "report/report.html":
                d = digest_bytes(new_html)
                f.update(bytes=d.bytes, sha256=d.sha256, sm3=d.sm3)
        return (json.dumps(m, ensure_ascii=False, indent=2) + "\n").encode()

    bad = _rewrite(case, tmp_path / "bad.zip",
                   change={MANIFEST: edit, "report/report.html": lambda _: new_html})
    assert _problems(bad) == {("signature", MANIFEST)}


def test_wrong_signature(case, tmp_path, keys):
    other = generate_key("李四")
    key, _ = load_private_key("李四")
    with zipfile.ZipFile(case) as zf:
        forged = key.sign(zf.read(MANIFEST)).hex().encode() + b"\n"
    bad = _rewrite(case, tmp_path / "bad.zip", change={SIGNATURE: lambda _: forged})
    assert _problems(bad) == {("signature", MANIFEST)}
    garbage = _rewrite(case, tmp_path / "bad2.zip", change={SIGNATURE: lambda _: b"zz\n"})
    assert _problems(garbage) == {("signature", SIGNATURE)}
    nosig = _rewrite(case, tmp_path / "bad3.zip", drop={SIGNATURE})
    assert _problems(nosig) == {("signature", SIGNATURE)}
    # valid signature, but not by the trusted key
    assert _problems(case, trusted_key=other.public_hex) == {("signature", SIGNATURE)}


def test_raw_byte_flip_in_zip_is_caught(case, tmp_path):
    data = bytearray(case.read_bytes())
    with zipfile.ZipFile(case) as zf:
        info = zf.getinfo("report/report.html")
    # a byte inside the compressed data of report.html (after its 30-byte local header + name)
    at = info.header_offset + 30 + len(info.filename.encode()) + info.compress_size // 2
    data[at] ^= 0xFF
    bad = tmp_path / "flipped.zip"
    bad.write_bytes(bytes(data))
    assert _problems(bad) == {("changed", "report/report.html")}


def test_hostile_names_and_duplicates(case, tmp_path):
    bad = _rewrite(case, tmp_path / "bad.zip",
                   add=[("../evil.sh", b"x"), ("/etc/passwd", b"x"), ("a\\..\\b", b"x")])
    got = _problems(bad)
    for name in ("../evil.sh", "/etc/passwd", "a\\..\\b"):
        assert ("unsafe_name", name) in got and ("added", name) in got
    with zipfile.ZipFile(case) as zf:
        html = zf.read("report/report.html")
    dup = tmp_path / "dup.zip"
    dup.write_bytes(case.read_bytes())
    with pytest.warns(UserWarning), zipfile.ZipFile(dup, "a") as zf:
        zf.writestr("report/report.html", html + b"<!-- second copy -->")
    assert _problems(dup) == {("duplicate", "report/report.html")}
    assert not (tmp_path / "evil.sh").exists()


def test_bomb_entry_is_bounded(case, tmp_path):
    """An entry far larger than the manifest says is read only up to the listed size."""
    bomb = b"\0" * (50 * 1024 * 1024)
    bad = _rewrite(case, tmp_path / "bomb.zip", change={"report/report.sarif": lambda _: bomb})
    report = verify_bundle(bad)
    assert [(p.kind, p.path) for p in report.problems] == [("changed", "report/report.sarif")]
    assert "more than" in report.problems[0].detail


def test_not_a_zip_is_bad_input(tmp_path):
    p = tmp_path / "x.zip"
    p.write_bytes(b"not a zip")
    with pytest.raises(InputError):
        verify_bundle(p)
    with pytest.raises(InputError):
        verify_bundle(tmp_path / "absent.zip")


def test_no_manifest(case, tmp_path):
    bad = _rewrite(case, tmp_path / "bad.zip", drop={MANIFEST})
    assert _problems(bad) == {("missing", MANIFEST)}


def test_large_input_recorded_by_hash_only(tmp_path, keys, result_file):
    out = tmp_path / "case.zip"
    info = make_bundle(result_file, out, analyst="张三", include_inputs=True, max_input_bytes=10,
                       formats=FAST)
    assert info.inputs_hash_only == ("news.apk",) and info.inputs_included == ()
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        assert not any(n.startswith("inputs/") for n in zf.namelist())
    inp = manifest["inputs"][0]
    assert inp["included"] is False and "hashes only" in inp["reason"]
    assert inp["sha256"] == digest_bytes(APK_BYTES).sha256
    assert verify_bundle(out).ok


def test_changed_input_is_refused(tmp_path, keys, result_file):
    (tmp_path / "news.apk").write_bytes(APK_BYTES + b"!")
    with pytest.raises(InputError, match="changed since the scan"):
        make_bundle(result_file, tmp_path / "c.zip", analyst="张三", include_inputs=True,
                    formats=FAST)


def test_missing_key_and_invalid_result(tmp_path, keys, result_file):
    with pytest.raises(UsageError, match="keys generate"):
        make_bundle(result_file, tmp_path / "c.zip", analyst="王五")
    bad = tmp_path / "bad.json"
    doc = json.loads(result_file.read_text("utf-8"))
    doc["findings"][0]["severity"] = "severe"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"findings\[0\]\.severity"):
        make_bundle(bad, tmp_path / "c.zip", analyst="张三", formats=FAST)
    with pytest.raises(UsageError, match="exists"):
        generate_key("张三")


def test_reproduce_command_shapes():
    traffic = {"command": "traffic",
               "inputs": [{"kind": "apk", "path": "x.apk"}, {"kind": "flows", "path": "a.mitm"}],
               "options": {"category": "news", "flows": ["a.mitm"], "apk": "x.apk",
                           "first_party": ["a.com", "b.com"], "consent_at": None}}
    assert reproduce_command(traffic) == [
        "appaudit", "traffic", "a.mitm", "--apk", "x.apk", "--category", "news",
        "--first-party", "a.com", "--first-party", "b.com"]
    pricing = {"command": "pricing", "inputs": [],
               "options": {"profiles": {"new": ["n1.mitm", "n2.mitm"], "loyal": ["l.mitm"]},
                           "controls": {"new": ["nc.mitm"]}, "baseline": "new"}}
    assert reproduce_command(pricing) == [
        "appaudit", "pricing", "--baseline", "new", "--control", "new=nc.mitm",
        "--profile", "new=n1.mitm,n2.mitm", "--profile", "loyal=l.mitm"]
    scan = {"command": "scan", "inputs": [{"kind": "apk", "path": "a.apk"},
                                          {"kind": "device_facts", "path": "d.json"}],
            "options": {}}
    assert reproduce_command(scan) == ["appaudit", "scan", "a.apk", "--device-facts", "d.json"]


def _manifest_of(case_zip: Path) -> dict:
    with zipfile.ZipFile(case_zip) as zf:
        return json.loads(zf.read(MANIFEST))


def _findings(doc: dict) -> list[tuple]:
    return [(f["id"], f["rule"], f["severity"], tuple(f["pi_types"]), len(f["evidence"]))
            for f in doc["findings"]]


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fixture", ["privacy_heavy", "pricing"])
def test_manifest_reproduces_the_findings(tmp_path, keys, fixture, monkeypatch):
    """Running the manifest's argv again (same tool, same rulesets) gives the same findings."""
    runner = CliRunner()
    if fixture == "pricing":
        folder = REPO / "corpus" / "pricing" / "shop-discriminating"
        if not folder.is_dir():
            pytest.skip("no pricing fixture")
        monkeypatch.chdir(folder)
        first = ["pricing", "--profile", "new=new.mitm", "--profile", "loyal=loyal.mitm",
                 "--control", "new=new-control.mitm", "--control", "loyal=loyal-control.mitm"]
    else:
        first = ["scan", str(REPO / "corpus" / "apk" / "privacy_heavy.apk"),
                 "--category", "news"]
    res = runner.invoke(cli, [*first, "--out", str(tmp_path / "a"), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    result = tmp_path / "a" / "result.json"
    make_bundle(result, tmp_path / "case.zip", analyst="张三", formats=("csv",))
    manifest = _manifest_of(tmp_path / "case.zip")
    argv = manifest["reproduce"]["argv"]
    assert argv[:2] == ["appaudit", fixture if fixture == "pricing" else "scan"]
    res = runner.invoke(cli, [*argv[1:], "--out", str(tmp_path / "b"), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    a = json.loads(result.read_text("utf-8"))
    b = json.loads((tmp_path / "b" / "result.json").read_text("utf-8"))
    assert _findings(a) == _findings(b) and a["findings"]
    assert b["tool"]["version"] == manifest["tool"]["version"]
    assert b["tool"]["ruleset_sha256"] == manifest["ruleset"]["sha256"]
    assert [i["sha256"] for i in b["inputs"]] == [i["sha256"] for i in manifest["inputs"]]


def test_cli_bundle_verify_keys(tmp_path, result_file, monkeypatch):
    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(tmp_path / "k"))
    r = CliRunner()
    res = r.invoke(cli, ["keys", "generate", "--analyst", "analyst1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "k" / "analyst1.key").stat().st_mode & 0o777 == 0o600
    out = tmp_path / "case.zip"
    res = r.invoke(cli, ["bundle", str(result_file), "--case-id", "C-7", "--analyst", "analyst1",
                         "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = r.invoke(cli, ["verify", "--lang", "en", str(out), "--key",
                         str(tmp_path / "k" / "analyst1.pub")])
    assert res.exit_code == 0, res.output
    assert "OK" in res.output and "trusted key" in res.output
    bad = _rewrite(out, tmp_path / "bad.zip", drop={"report/report.html"},
                   change={"result.json": lambda b: b.replace(b"news", b"nevs", 1)})
    res = r.invoke(cli, ["verify", "--lang", "en", str(bad)])
    assert res.exit_code == 1
    assert re.search(r"^missing +report/report\.html: ", res.output, re.M), res.output
    assert re.search(r"^changed +result\.json: ", res.output, re.M), res.output
    (tmp_path / "junk.zip").write_bytes(b"junk")
    res = r.invoke(cli, ["verify", "--lang", "en", str(tmp_path / "junk.zip")])
    assert res.exit_code == 3
    res = r.invoke(cli, ["keys", "list"])
    assert "analyst1" in res.output


def test_verify_reads_nothing_to_disk(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    verify_bundle(case)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_entry_count_checked_before_parsing(tmp_path, monkeypatch):
    import scanner.bundle.verify as v

    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}", b"")
    monkeypatch.setattr(v, "MAX_ENTRIES", 10)
    parsed = []
    monkeypatch.setattr(v.zipfile, "ZipFile", lambda *a, **k: parsed.append(a))
    with pytest.raises(InputError, match="30 entries"):
        verify_bundle(many)
    assert parsed == []
    assert v._central_directory(many, many.stat().st_size)[0] == 30


def test_cli_verify_against_a_fingerprint(tmp_path, result_file, monkeypatch):
    """A fingerprint given out of band (a case file, a letter) stands for the trusted key."""
    from scanner.bundle import list_keys

    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(tmp_path / "k"))
    r = CliRunner()
    assert r.invoke(cli, ["keys", "generate", "--analyst", "a1", "--lang", "en"]).exit_code == 0
    assert r.invoke(cli, ["keys", "generate", "--analyst", "a2", "--lang", "en"]).exit_code == 0
    fps = {k.analyst: k.fingerprint for k in list_keys()}
    out = tmp_path / "case.zip"
    res = r.invoke(cli, ["bundle", str(result_file), "--analyst", "a1", "-o", str(out), "--lang",
                         "en"])
    assert res.exit_code == 0, res.output
    spaced = ":".join(fps["a1"][i:i + 4] for i in range(0, 64, 4)).upper()
    res = r.invoke(cli, ["verify", "--lang", "en", str(out), "--fingerprint", spaced, "--lang",
                         "en"])
    assert res.exit_code == 0, res.output
    assert "(trusted key)" in res.output
    res = r.invoke(cli, ["verify", "--lang", "en", str(out), "--fingerprint", fps["a2"], "--lang",
                         "en"])
    assert res.exit_code == 1
    assert "not by the trusted key" in res.output and fps["a2"][:16] in res.output
    res = r.invoke(cli, ["verify", "--lang", "en", str(out), "--fingerprint", fps["a1"][:16],
                         "--lang", "en"])
    assert res.exit_code == 2 and "64 hex digits" in res.output
    res = r.invoke(cli, ["verify", "--lang", "en", str(out), "--fingerprint", fps["a1"],
                         "--key", str(tmp_path / "k" / "a1.pub"), "--lang", "en"])
    assert res.exit_code == 2


def test_passphrase_protected_key(tmp_path, result_file, monkeypatch):
    """A key generated with --passphrase is encrypted at rest; bundle needs the passphrase."""
    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(tmp_path / "k"))
    monkeypatch.setenv("APPAUDIT_KEY_PASSPHRASE", "correct horse")
    r = CliRunner()
    res = r.invoke(cli, ["keys", "generate", "--analyst", "a1", "--passphrase", "--lang", "en"])
    assert res.exit_code == 0, res.output
    pem = (tmp_path / "k" / "a1.key").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    out = tmp_path / "case.zip"
    res = r.invoke(cli, ["bundle", str(result_file), "--analyst", "a1", "-o", str(out), "--lang",
                         "en"])
    assert res.exit_code == 0, res.output
    res = r.invoke(cli, ["verify", "--lang", "en", str(out), "--key",
                         str(tmp_path / "k" / "a1.pub"), "--lang", "en"])
    assert res.exit_code == 0 and "(trusted key)" in res.output
    monkeypatch.setenv("APPAUDIT_KEY_PASSPHRASE", "wrong")
    res = r.invoke(cli, ["bundle", str(result_file), "--analyst", "a1", "-o", str(out), "--lang",
                         "en"])
    assert res.exit_code == 2 and "wrong passphrase" in res.output
    monkeypatch.delenv("APPAUDIT_KEY_PASSPHRASE")
    res = r.invoke(cli, ["bundle", str(result_file), "--analyst", "a1", "-o", str(out), "--lang",
                         "en"])
    assert res.exit_code == 2 and "APPAUDIT_KEY_PASSPHRASE" in res.output
    res = r.invoke(cli, ["keys", "generate", "--analyst", "a2", "--passphrase", "--lang", "en"],
                   input="s3cret\ns3cret\n")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "k" / "a2.key").read_bytes().startswith(b"-----BEGIN ENCRYPTED")
