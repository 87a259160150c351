"""Case bundles: one zip with the result, the report in every format, the inputs (or only
their hashes), a manifest and an Ed25519 signature over the manifest.

Layout of CASE.zip (entries in this order, fixed timestamps)::

    result.json              the stored result, byte for byte
    report/report.html …     every format of scanner.report.FORMATS (csv as report/csv/*.csv;
                             pdf only when chromium is installed)
    inputs/<n>-<name>        with --include-inputs, inputs up to MAX_INPUT_BYTES each
    manifest.json            files[] {path, bytes, sha256, sm3}, inputs[], case, versions
    manifest.sig             hex Ed25519 signature over the exact bytes of manifest.json

The manifest records what a rescan needs to give the same findings: tool version,
ruleset version and sha256, the command and its options, and the inputs' digests.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.bundle.keys import ALGORITHM, fingerprint, load_private_key
from scanner.errors import InputError, UsageError
from scanner.hashing import digest_bytes
from scanner.messages import json_detail, msg, os_reason
from scanner.report import FORMATS, get_format
from scanner.report.legacy import complete
from scanner.report.schema import validate_result

BUNDLE_FORMAT = "1.0"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RESULT = "result.json"
MAX_INPUT_BYTES = 200 * 1024 * 1024
MAX_RESULT_BYTES = 256 * 1024 * 1024
REPORT_NAMES = {"html": "report.html", "sarif": "report.sarif", "xlsx": "report.xlsx",
                "pdf": "report.pdf"}


@dataclass(frozen=True)
class BundleInfo:
    """What :func:`make_bundle` wrote."""

    path: Path
    files: tuple[str, ...]
    inputs_included: tuple[str, ...]
    inputs_hash_only: tuple[str, ...]
    key_fingerprint: str
    skipped_formats: tuple[str, ...]


def load_result_bytes(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The bytes and parsed document of a result.json, validated against the schema."""
    try:
        if path.stat().st_size > MAX_RESULT_BYTES:
            raise InputError("err_result_large", path=str(path), mib=MAX_RESULT_BYTES >> 20)
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise InputError("err_no_such", path=str(path), what=msg("what_file")) from e
    except OSError as e:
        raise InputError("err_unreadable", path=str(path), reason=os_reason(e)) from e
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError("err_not_json_result", path=str(path), detail=json_detail(e)) from e
    if not isinstance(doc, dict) or "schema_version" not in doc or "tool" not in doc:
        raise InputError("err_not_result", path=str(path))
    validate_result(doc)
    return data, doc


def render_reports(doc: dict[str, Any], lang: str,
                   formats: tuple[str, ...] | None = None) -> tuple[dict[str, bytes], list[str]]:
    """Report formats (default: all) as bundle path → bytes; those that cannot render are
    listed (e.g. pdf without chromium)."""
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    for name in sorted(formats or FORMATS):
        if name == "json":
            continue
        if name not in FORMATS:
            raise UsageError("err_unknown_formats", bad=[name], known=sorted(FORMATS))
        try:
            data = get_format(name).render(complete(doc), lang)
        except UsageError:  # e.g. pdf without chromium
            skipped.append(name)
            continue
        if isinstance(data, dict):
            for fname, blob in sorted(data.items()):
                files[f"report/{name}/{fname}"] = blob
        else:
            files[f"report/{REPORT_NAMES.get(name, 'report.' + name)}"] = data
    return files, skipped


def _input_name(i: int, path: str) -> str:
    base = re.sub(r"[^\w.\-]+", "_", Path(path).name)[:100] or "input"
    return f"inputs/{i:02d}-{base}"


def _locate_input(path: str, result_dir: Path, abs_path: str | None = None) -> Path | None:
    """Where an input is now: its absolute path at scan time, else the path as given (from
    the current folder, then beside result.json); the caller checks the hash."""
    p = Path(path)
    cands = [Path(abs_path)] if abs_path else []
    cands += [p] if p.is_absolute() else [Path.cwd() / p, result_dir / p]
    for cand in cands:
        if cand.is_file():
            return cand
    return None


_FLAG_NAMES = {"profiles": "--profile", "controls": "--control", "first_party": "--first-party"}


def reproduce_command(doc: dict[str, Any]) -> list[str]:
    """The command line that rescans the same inputs with the same options (run it from
    the folder the scan was run in: paths are as they were given)."""
    command = str(doc.get("command") or "scan")
    opts = dict(doc.get("options") or {})
    inputs = doc.get("inputs") or ()
    by_kind: dict[str, list[str]] = {}
    for inp in inputs:
        by_kind.setdefault(inp["kind"], []).append(inp["path"])
    traffic = by_kind.get("flows", []) + by_kind.get("har", [])
    argv = ["appaudit", command]
    if command == "scan":
        argv += by_kind.get("apk", [])[:1]
        opts.pop("apk", None)
        if "flows" not in opts and traffic:
            opts["flows"] = traffic
    elif command == "traffic":
        argv += list(opts.pop("flows", None) or traffic)
        if "apk" not in opts and by_kind.get("apk"):
            opts["apk"] = by_kind["apk"][0]
    if command in ("scan", "traffic") and "device_facts" not in opts \
            and by_kind.get("device_facts"):
        opts["device_facts"] = by_kind["device_facts"][0]
    for key in sorted(opts):
        value = opts[key]
        flag = _FLAG_NAMES.get(key, "--" + key.replace("_", "-"))
        if isinstance(value, dict):
            for name, files in value.items():
                files = files if isinstance(files, list) else [files]
                argv += [flag, f"{name}={','.join(str(f) for f in files)}"]
        elif isinstance(value, list):
            for v in value:
                argv += [flag, str(v)]
        elif value is True:
            argv.append(flag)
        elif value not in (False, None, ""):
            argv += [flag, str(value)]
    return argv


def make_bundle(result_path: Path, out: Path, *, analyst: str, case_id: str | None = None,
                include_inputs: bool = False, lang: str = "zh", keys_folder: Path | None = None,
                max_input_bytes: int = MAX_INPUT_BYTES, created: str | None = None,
                formats: tuple[str, ...] | None = None) -> BundleInfo:
    """Write the signed case bundle of ``result_path`` to ``out`` (``formats``: which
    report formats to include, default all of FORMATS)."""
    key, keyinfo = load_private_key(analyst, keys_folder)
    raw, doc = load_result_bytes(result_path)
    files: dict[str, bytes] = {RESULT: raw}
    inputs, included, hash_only = [], [], []
    for i, inp in enumerate(doc.get("inputs") or ()):
        entry = {k: inp[k] for k in ("kind", "path", "bytes", "sha256", "sm3")}
        entry["included"] = False
        if not include_inputs:
            entry["reason"] = "not requested (--include-inputs)"
        elif inp["bytes"] > max_input_bytes:
            entry["reason"] = f"larger than {max_input_bytes >> 20} MiB: hashes only"
        else:
            found = _locate_input(inp["path"], result_path.parent, inp.get("abs_path"))
            if found is None:
                where = msg("bundle_looked_at", path=inp["abs_path"]) \
                    if inp.get("abs_path") else ""
                raise InputError("err_bundle_input_missing", path=inp["path"], where=where,
                                 result=str(result_path))
            data = found.read_bytes()
            dig = digest_bytes(data)
            if dig.sha256 != inp["sha256"]:
                raise InputError("err_bundle_input_changed", path=str(found),
                                 now=dig.sha256[:16], then=inp["sha256"][:16])
            name = _input_name(i, inp["path"])
            files[name] = data
            entry["included"] = True
            entry["bundle_path"] = name
        (included if entry["included"] else hash_only).append(inp["path"])
        inputs.append(entry)
    reports, skipped = render_reports(doc, lang, formats)
    files.update(reports)
    created = created or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    tool = doc["tool"]
    manifest = {
        "bundle_format": BUNDLE_FORMAT,
        "case_id": case_id,
        "analyst": analyst,
        "created": created,
        "tool": {"name": tool["name"], "version": tool["version"]},
        "ruleset": {"version": tool["ruleset_version"], "sha256": tool["ruleset_sha256"]},
        "result_schema_version": doc["schema_version"],
        "reproduce": {"command": doc.get("command"), "options": doc.get("options") or {},
                      "argv": reproduce_command(doc), "started": doc.get("started"),
                      "finished": doc.get("finished")},
        "inputs": inputs,
        "files": [{"path": name, **_digest(blob)} for name, blob in sorted(files.items())],
        "skipped_formats": skipped,
        "signature": {"algorithm": ALGORITHM, "public_key": keyinfo.public_hex,
                      "fingerprint": keyinfo.fingerprint, "file": SIGNATURE,
                      "signed": MANIFEST},
        "notice": doc.get("notice"),
    }
    mbytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    sig = key.sign(mbytes).hex().encode("ascii") + b"\n"
    stamp = _zip_time(created)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, blob in [*sorted(files.items()), (MANIFEST, mbytes), (SIGNATURE, sig)]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, blob)
    tmp.replace(out)
    return BundleInfo(out, tuple(sorted(files)), tuple(included), tuple(hash_only),
                      fingerprint(keyinfo.public_hex), tuple(skipped))


def _digest(blob: bytes) -> dict[str, Any]:
    d = digest_bytes(blob)
    return {"bytes": d.bytes, "sha256": d.sha256, "sm3": d.sm3}


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    try:
        t = _dt.datetime.fromisoformat(iso).astimezone(_dt.UTC)
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)


__all__ = ["BUNDLE_FORMAT", "BundleInfo", "make_bundle", "reproduce_command"]
