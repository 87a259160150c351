"""Shared factories for detector tests (as mitmproxy's test/tflow.py): evidence with
sensible defaults, overridden per test, and real capture files to read through the real
ingest.

- :func:`apk_evidence` — an :class:`ApkEvidence` without dex files unless given;
- :func:`apk_context` — a :class:`ScanContext` for an APK (a fixture APK or the above);
- :func:`har_entry` / :func:`write_har` — HAR 1.2 entries and files, with the capture
  addon's ``_appaudit`` labels when asked;
- :func:`traffic_context` — a :class:`ScanContext` whose traffic is a HAR written by
  :func:`write_har` and opened by the real reader;
- :func:`run_detectors` — run the hooks of some detectors in order, as the engine does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.knowledge import load_knowledge
from scanner.model.evidence import ApkEvidence, DexFile, Flags, InputFile, Permission

REPO = Path(__file__).resolve().parents[2]
FIXTURE_APKS = REPO / "corpus" / "apk"
DEVICE_FACTS = REPO / "corpus" / "traffic" / "device-facts.json"
IMEI = "356938035643809"  # the IMEI of DEVICE_FACTS
T0 = 1_700_000_000.0  # a capture's start, Unix seconds


def apk_evidence(package: str = "com.example.app", *, permissions: Sequence[str] = (),
                 dex: Sequence[tuple[str, bytes]] = (), **kw: Any) -> ApkEvidence:
    """An APK's evidence with defaults; ``dex`` as (name, bytes) pairs."""
    fields: dict[str, Any] = {
        "input": InputFile("apk", f"{package}.apk", 0, "0" * 64, "0" * 64),
        "package": package, "label": None, "version_name": "1.0", "version_code": "1",
        "min_sdk": 21, "target_sdk": 33,
        "permissions": tuple(Permission(p, dangerous=False) for p in permissions),
        "declared_permissions": (), "components": (), "application_class": None,
        "flags": Flags(), "signers": (),
        "dex_files": tuple(DexFile(n, len(b), b) for n, b in dex),
        "entry_names": tuple(n for n, _ in dex)}
    fields.update(kw)
    return ApkEvidence(**fields)


def apk_context(apk: ApkEvidence | str, category: str | None = None) -> ScanContext:
    """A context for an APK: evidence, or the name of a fixture APK (``clean``...) read
    by the real reader."""
    if isinstance(apk, str):
        from scanner.ingest.apk import ApkReader

        apk = ApkReader(FIXTURE_APKS / f"{apk}.apk").read()
    return ScanContext(knowledge=load_knowledge(), apk=apk, category=category)


def har_entry(url: str, *, t: float = T0, method: str = "GET", body: str | None = None,
              headers: Iterable[tuple[str, str]] = (), labels: dict | None = None,
              flow_id: str | None = None) -> dict:
    """One HAR entry sent at ``t`` (Unix seconds)."""
    req: dict[str, Any] = {
        "method": method, "url": url, "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in headers],
        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1}
    if body is not None:
        req["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": body}
    started = dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="milliseconds")
    entry: dict[str, Any] = {
        "startedDateTime": started.replace("+00:00", "Z"), "time": 1, "request": req,
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [], "cookies": [], "content": {"size": 0, "text": ""},
                     "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
    if labels:
        entry["_appaudit"] = labels
    if flow_id:
        entry["_flow_id"] = flow_id
    return entry


def write_har(path: Path, entries: Iterable[dict]) -> Path:
    """A HAR 1.2 file of ``entries``."""
    doc = {"log": {"version": "1.2", "creator": {"name": "tests", "version": "0"},
                   "entries": list(entries)}}
    path.write_text(json.dumps(doc), "utf-8")
    return path


def traffic_context(tmp_path: Path, entries: Iterable[dict], *, device_facts: Path | None =
                    DEVICE_FACTS, consent_at: float | None = None,
                    apk: ApkEvidence | None = None, category: str | None = None,
                    body_limit: int | None = None) -> ScanContext:
    """A context whose traffic is a HAR of ``entries`` read by the real ingest."""
    from scanner.ingest.traffic import BODY_LIMIT, open_traffic

    har = write_har(tmp_path / "capture.har", entries)
    tr = open_traffic([har], device_facts, consent_at, (), body_limit or BODY_LIMIT)
    return ScanContext(knowledge=load_knowledge(), apk=apk, category=category, traffic=tr)


def run_detectors(ctx: ScanContext, *detectors: Detector) -> list[Item]:
    """Run the hooks of ``detectors`` in order, as the engine does; the collected items."""
    for det in detectors:
        if ctx.apk is not None:
            ctx.collected.extend(det.apk(ctx))
        if ctx.traffic is not None:
            ctx.collected.extend(det.traffic(ctx))
    for det in detectors:
        ctx.collected.extend(det.finish(ctx))
    return ctx.collected
