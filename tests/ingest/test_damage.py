"""One channel for partial damage (scanner.model.damage): every reader records it as
``Damage`` records on its evidence, and the detectors turn each into one ``Skipped`` item of
the result, word for word."""

from __future__ import annotations

import json

from scanner.engine import ScanRequest, run
from scanner.ingest.dex import DexIndex
from scanner.ingest.traffic import open_traffic
from scanner.model.damage import Damage, DamageLog
from scanner.model.result import Skipped
from tests.conftest import REPO
from tests.ingest.dex.dexbuild import RETURN_VOID, ClassSpec, MethodSpec, build_dex

TRAFFIC = REPO / "corpus" / "traffic"


def test_damage_log_is_bounded_and_says_so():
    log = DamageLog(limit=3, more="more not listed")
    for i in range(10):
        log.add("code", f"d{i}")
    log.add("other", "x")
    assert [d.detail for d in log] == ["d0", "d1", "d2", "more not listed", "more not listed"]
    assert [d.part for d in log][-2:] == ["code", "other"]
    once = DamageLog()
    once.add_once("a.har", "first")
    once.add_once("a.har", "second")  # the same file read again: still one record
    assert once.items == (Damage("a.har", "first"),) and bool(once) and len(once) == 1
    assert not DamageLog()
    assert Skipped.from_damage(Damage("p", "why")) == Skipped("p", "why")


def test_capture_damage_is_a_record_and_a_skipped_item(tmp_path):
    data = (TRAFFIC / "session.har").read_bytes()
    cut = tmp_path / "cut.har"
    cut.write_bytes(data[: len(data) // 2])
    ev = open_traffic([cut])
    list(ev.exchanges())
    list(ev.exchanges())  # read twice: the damage is recorded once
    (d,) = ev.damage
    assert isinstance(d, Damage) and d.part == str(cut)
    assert d.detail.startswith("cut.har: unreadable after HAR entry #")
    res = run(ScanRequest(flows=(cut,)))
    assert res.partial and Skipped.from_damage(d) in res.skipped


def test_dex_damage_is_a_record_of_the_code_part():
    cls = ClassSpec("Lcom/x/A;", methods=[
        MethodSpec("f", "()V", 0x1, lambda r: [0x001A, 0xFFF0] + RETURN_VOID)])
    idx = DexIndex.from_dex_files([("classes.dex", build_dex([cls])),
                                   ("classes2.dex", b"dex\n035\0" + bytes(40))])
    for d in idx.dexes:  # damage inside code is met when the code is read
        d.operand_sites("string")
    assert idx.partial
    assert all(isinstance(d, Damage) and d.part == "code" for d in idx.damage)
    details = [d.detail for d in idx.damage]
    assert details[0].startswith("partly unreadable: classes2.dex: ")  # unreadable file
    assert any(x.startswith("partly unreadable: classes.dex: ") and "string" in x
               for x in details)


def test_container_damage_is_on_the_evidence_not_among_the_anomalies(tmp_path):
    import zipfile

    from scanner.ingest.apk import ApkReader
    from tests.conftest import FIXTURE_APKS

    src = FIXTURE_APKS / "clean.apk"
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo("assets/privacy_policy.html")
    data[info.header_offset:info.header_offset + 4] = b"XXXX"
    apk = tmp_path / "damaged.apk"
    apk.write_bytes(bytes(data))
    ev = ApkReader(apk).read()
    (d,) = ev.damage
    assert d.part == "APK container" and "local header" in d.detail
    assert d.detail.endswith("entries behind the damage may not have been checked")
    assert not any(a.kind == "container_damage" for a in ev.anomalies)
    res = run(ScanRequest(apk=apk))
    assert Skipped.from_damage(d) in res.skipped and res.partial
    doc = json.loads(json.dumps([s.__dict__ for s in res.skipped]))
    assert {"what": "APK container", "reason": d.detail} in [
        {k: x[k] for k in ("what", "reason")} for x in doc]
    # and as messages, which the reports render in their language
    (item,) = [x for x in doc if x["what"] == "APK container"]
    assert item["what_msg"] == {"id": "part_container", "params": {}}
    assert item["reason_msg"]["id"] == "skip_signature_zip"
