"""Verification of case bundles, treating the zip as hostile.

``verify_bundle(path)`` reads the zip without extracting anything to disk, with caps on
the bundle size, the number of entries (read from the end records before the directory is
parsed), the manifest size and the bytes read from each
entry (never more than the manifest declares, plus one). It reports exactly what differs:

- ``changed``: an entry whose bytes, SHA-256 or SM3 differ from the manifest (or that
  cannot be decompressed: CRC error, corrupt deflate stream);
- ``missing``: a file the manifest lists that the zip lacks;
- ``added``: an entry the manifest does not list;
- ``duplicate`` / ``unsafe_name``: repeated entry names, or names that would escape a
  folder (absolute, ``..``, backslashes, drive letters, NUL);
- ``signature``: manifest.sig missing, malformed, or not a valid Ed25519 signature of
  manifest.json by the key the manifest names (or not by the trusted key, when given);
- ``manifest``: manifest.json missing, unreadable, inconsistent with itself, or with a
  field of the wrong type (``inputs`` not a list, ``tool`` not an object...: named);
- ``container``: bytes before the first entry or after the zip's end record (a bundle
  written by ``appaudit bundle`` has neither; a zip reader would silently skip them).

Once the signature does not hold, the members are not hashed (the manifest's hashes
cannot be trusted, and a forged manifest could list gigabytes to hash):
``VerifyReport.hashed`` is False and missing or added members are still named. Each
member is hashed up to the size the manifest lists (at most ``MAX_BUNDLE_MEMBER``), a
member whose zip header declares another size is reported changed without reading it,
and at most ``MAX_BUNDLE_HASHED`` bytes are hashed in all (limits in
:mod:`scanner.limits`).
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from scanner import limits
from scanner.bundle.bundle import MANIFEST, SIGNATURE
from scanner.bundle.keys import fingerprint, public_key_from_hex
from scanner.errors import InputError, UsageError
from scanner.hashing import new_sm3
from scanner.messages import english, is_message, msg, zip_reason

MAX_BUNDLE_BYTES = limits.MAX_BUNDLE_BYTES
MAX_ENTRIES = limits.MAX_BUNDLE_ENTRIES
MAX_CENTRAL_DIRECTORY = limits.MAX_BUNDLE_DIRECTORY
MAX_MANIFEST_BYTES = limits.MAX_BUNDLE_MANIFEST
MAX_SIG_BYTES = limits.MAX_BUNDLE_SIGNATURE
MAX_ENTRY_BYTES = limits.MAX_BUNDLE_MEMBER
# manifest fields and the JSON types the bundle writer gives them
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "files": (list,), "inputs": (list,), "tool": (dict,), "ruleset": (dict,),
    "signature": (dict,), "case_id": (str, type(None)), "analyst": (str, type(None)),
    "created": (str, type(None)), "command": (str, list, type(None)),
}
CHUNK = 1 << 20
_UNSAFE = re.compile(r"(^[/\\])|(^[A-Za-z]:)|\\|\x00|(^|/)\.\.(/|$)|(^|/)\.(/|$)|//")


@dataclass(frozen=True)
class Problem:
    """One way the bundle differs from what was signed."""

    kind: str  # changed | missing | added | duplicate | unsafe_name | signature | manifest
    # | container
    path: str
    detail: str  # English
    #: the detail as a message by catalog key (scanner.messages), rendered in the CLI's
    #: language; None when given as text
    detail_msg: Any = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.kind:<11} {self.path}: {self.detail}"


@dataclass
class VerifyReport:
    """The outcome of :func:`verify_bundle`."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)
    signature_ok: bool = False
    key_fingerprint: str | None = None
    trusted: bool | None = None  # None: no trusted key given
    #: False when the members were not hashed because the signature does not hold
    hashed: bool = True

    @property
    def ok(self) -> bool:
        """True when every hash and the signature check out."""
        return not self.problems and self.signature_ok

    def add(self, kind: str, path: str, detail: Any) -> None:
        """Record a problem: ``detail`` a message (:func:`scanner.messages.msg`) or text."""
        self.problems.append(Problem(kind, path, english(detail),
                                     detail if is_message(detail) else None))


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise ValueError(f"larger than {cap} bytes")
    return data


def _hash_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> tuple[int, str, str]:
    import hashlib

    sha, sm3, size = hashlib.sha256(), new_sm3(), 0
    with zf.open(info) as fh:
        while True:
            block = fh.read(min(CHUNK, cap + 1 - size))
            if not block:
                break
            size += len(block)
            if size > cap:
                raise ValueError(f"more than the {cap} bytes the manifest lists")
            sha.update(block)
            sm3.update(block)
    return size, sha.hexdigest(), sm3.hexdigest()


def _container_problems(path: Path, size: int) -> list[tuple[str, Any]]:
    """Bytes before the first local header or after the end record, as (path, detail)."""
    out = []
    with open(path, "rb") as fh:
        head = fh.read(4)
        tail_len = min(size, 22 + 65535)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return out
    _, _, _, _, _, cd_size, cd_offset, comment = struct.unpack("<4s4H2LH", tail[at:at + 22])
    end = size - tail_len + at + 22 + comment
    if end != size:
        out.append(("(zip end)", msg("verify_after_end", n=size - end)))
    eocd = size - tail_len + at
    z64 = at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07"
    if not z64:
        before = eocd - cd_size - cd_offset
        if before > 0:
            out.append(("(zip start)", msg("verify_before_first", n=before)))
        elif cd_offset > 0 and head != b"PK\x03\x04":
            out.append(("(zip start)", msg("verify_no_entry_first")))
    return out


def _central_directory(path: Path, size: int) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the end records, read before zipfile parses
    the directory, so a hostile directory cannot make it build millions of entries."""
    with open(path, "rb") as fh:
        tail_len = min(size, 22 + 65535 + 20)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        _, _, _, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
        if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= 20 \
                and tail[at - 20:at - 16] == b"PK\x06\x07":
            (z64_offset,) = struct.unpack("<Q", tail[at - 12:at - 4])
            if z64_offset + 56 > size:
                return None
            fh.seek(z64_offset)
            rec = fh.read(56)
            if rec[:4] != b"PK\x06\x06":
                return None
            entries, cd_size = struct.unpack("<QQ", rec[32:48])
        return entries, cd_size


def _open(path: Path) -> zipfile.ZipFile:
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise InputError("err_no_such", path=str(path), what=msg("what_file")) from e
    if size > MAX_BUNDLE_BYTES:
        raise InputError("err_bundle_large", path=str(path), gib=MAX_BUNDLE_BYTES >> 30)
    cd = _central_directory(path, size)
    if cd is not None and (cd[0] > MAX_ENTRIES or cd[1] > MAX_CENTRAL_DIRECTORY):
        raise InputError("err_bundle_directory", path=str(path), n=cd[0], size=cd[1],
                         max=MAX_ENTRIES)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
        raise InputError("err_bundle_zip", path=str(path), detail=zip_reason(e)) from e


def _valid_file_entry(f: Any) -> bool:
    return (isinstance(f, dict) and isinstance(f.get("path"), str)
            and isinstance(f.get("bytes"), int) and f["bytes"] >= 0
            and isinstance(f.get("sha256"), str) and isinstance(f.get("sm3"), str))


def verify_bundle(path: Path, trusted_key: str | None = None,
                  trusted_fingerprint: str | None = None) -> VerifyReport:
    """Check every hash and the signature of a case bundle. The signer is checked against
    ``trusted_key`` (hex public key) or ``trusted_fingerprint`` (the key's SHA-256, as
    ``appaudit keys`` prints it and a case file can record) when one is given."""
    report = VerifyReport(path=path)
    zf = _open(path)
    for where, detail in _container_problems(path, path.stat().st_size):
        report.add("container", where, detail)
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise InputError("err_bundle_entries", path=str(path), n=len(infos), max=MAX_ENTRIES)
        counts = Counter(i.filename for i in infos)
        if MANIFEST not in counts and SIGNATURE not in counts:
            # neither the manifest nor its signature: some other zip, not a damaged bundle
            raise InputError("err_not_bundle", path=str(path), manifest=MANIFEST,
                             signature=SIGNATURE)
        for name, n in sorted(counts.items()):
            if n > 1:
                report.add("duplicate", name, msg("verify_duplicate", n=n))
        for name in sorted(counts):
            if _UNSAFE.search(name) or os.path.isabs(name):
                report.add("unsafe_name", name, msg("verify_unsafe_name"))
        entries = {i.filename: i for i in infos if counts[i.filename] == 1}
        manifest_bytes = _manifest_bytes(zf, entries, report)
        if manifest_bytes is None:
            return report
        _check_signature(zf, entries, manifest_bytes, report, trusted_key, trusted_fingerprint)
        _check_field_types(report)
        files = report.manifest.get("files")
        if not isinstance(files, list) or not all(_valid_file_entry(f) for f in files):
            report.add("manifest", MANIFEST, msg("verify_files_malformed"))
            return report
        listed: dict[str, dict] = {}
        for f in files:
            if f["path"] in listed or f["path"] in (MANIFEST, SIGNATURE):
                report.add("manifest", MANIFEST, msg("verify_listed_twice", path=f["path"]))
            listed[f["path"]] = f
        report.hashed = report.signature_ok
        budget = [limits.MAX_BUNDLE_HASHED]
        for name, f in sorted(listed.items()):
            _check_file(zf, entries, counts, name, f, report, hash_it=report.signature_ok,
                        budget=budget)
        for name in sorted(counts):
            if name not in listed and name not in (MANIFEST, SIGNATURE):
                report.add("added", name, msg("verify_added"))
        _check_inputs(report, listed)
    report.problems.sort(key=lambda p: (p.path, p.kind))
    return report


def _manifest_bytes(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo],
                    report: VerifyReport) -> bytes | None:
    info = entries.get(MANIFEST)
    if info is None:
        if not any(p.path == MANIFEST for p in report.problems):
            report.add("missing", MANIFEST, msg("verify_no_manifest"))
        return None
    try:
        data = _read_capped(zf, info, MAX_MANIFEST_BYTES)
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError,
            UnicodeDecodeError, NotImplementedError, OSError, RecursionError) as e:
        report.add("manifest", MANIFEST, msg("verify_manifest_unreadable", detail=str(e)))
        return None
    if not isinstance(manifest, dict):
        report.add("manifest", MANIFEST, msg("verify_not_object"))
        return None
    report.manifest = manifest
    return data


def normalize_fingerprint(text: str) -> str:
    """A key fingerprint as 64 lower-case hex digits (colons and spaces allowed in the
    input); :class:`UsageError` for anything else: a shorter prefix would be forgeable."""
    fp = re.sub(r"[\s:]", "", text).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", fp):
        raise UsageError("err_fingerprint", text=repr(text))
    return fp


def _check_signature(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], mbytes: bytes,
                     report: VerifyReport, trusted_key: str | None,
                     trusted_fingerprint: str | None = None) -> None:
    sig_info = entries.get(SIGNATURE)
    if sig_info is None:
        report.add("signature", SIGNATURE, msg("verify_sig_missing"))
        return
    sig_meta = report.manifest.get("signature")
    pub_hex = sig_meta.get("public_key") if isinstance(sig_meta, dict) else None
    if not isinstance(pub_hex, str):
        report.add("signature", MANIFEST, msg("verify_no_public_key"))
        return
    try:
        pub = public_key_from_hex(pub_hex)
        sig = bytes.fromhex(_read_capped(zf, sig_info, MAX_SIG_BYTES).decode("ascii").strip())
    except (InputError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error,
            NotImplementedError, OSError,
            RuntimeError) as e:
        report.add("signature", SIGNATURE, msg("verify_sig_malformed", detail=e.message()
                   if isinstance(e, InputError) else str(e)))
        return
    report.key_fingerprint = fingerprint(pub_hex)
    try:
        pub.verify(sig, mbytes)
    except InvalidSignature:
        report.add("signature", MANIFEST, msg("verify_sig_mismatch"))
        return
    report.signature_ok = True
    expected = (fingerprint(trusted_key.strip()) if trusted_key is not None
                else normalize_fingerprint(trusted_fingerprint) if trusted_fingerprint else None)
    if expected is not None:
        report.trusted = report.key_fingerprint == expected
        if not report.trusted:
            report.add("signature", SIGNATURE, msg(
                "verify_untrusted", key=report.key_fingerprint[:16], trusted=expected[:16]))


def _check_field_types(report: VerifyReport) -> None:
    """Name each manifest field whose JSON type is not the one the bundle writer gives it."""
    m = report.manifest
    for key, types in FIELD_TYPES.items():
        if key in m and not isinstance(m[key], types):
            want = [msg("verify_type_" + ("null" if t is type(None) else
                                          {list: "list", dict: "object", str: "string"}[t]))
                    for t in types]
            report.add("manifest", MANIFEST, msg(
                "verify_field_type", field=repr(key), type=type(m[key]).__name__,
                want=want[0] if len(want) == 1 else msg("verify_or", a=want[0], b=want[1])
                if len(want) == 2 else msg("verify_or3", a=want[0], b=want[1], c=want[2])))
    inputs = m.get("inputs")
    if isinstance(inputs, list):
        for n, inp in enumerate(inputs):
            if not isinstance(inp, dict):
                report.add("manifest", MANIFEST, msg("verify_input_type", n=n,
                                                     type=type(inp).__name__))


def manifest_field(manifest: dict[str, Any], key: str) -> dict[str, Any]:
    """A manifest field that should be an object, or {} when it is missing or of another
    type (for display; :func:`verify_bundle` reports the wrong type)."""
    v = manifest.get(key)
    return v if isinstance(v, dict) else {}


def _check_file(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], counts: Counter,
                name: str, f: dict, report: VerifyReport, hash_it: bool = True,
                budget: list[int] | None = None) -> None:
    info = entries.get(name)
    if info is None:
        if counts.get(name, 0) == 0:
            report.add("missing", name, msg("verify_missing"))
        return  # duplicates were reported already
    if not hash_it:
        return
    report.checked += 1
    if info.file_size != f["bytes"]:
        report.add("changed", name, msg(
            "verify_header_more" if info.file_size > f["bytes"] else "verify_header_fewer",
            n=info.file_size, listed=f["bytes"]))
        return
    if budget is not None:
        if budget[0] < f["bytes"]:
            report.add("changed", name, msg("verify_not_hashed", max=limits.MAX_BUNDLE_HASHED))
            return
        budget[0] -= f["bytes"]
    try:
        size, sha, sm3 = _hash_entry(zf, info, min(f["bytes"], MAX_ENTRY_BYTES))
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError,
            NotImplementedError, OSError) as e:  # OSError: a local header offset out of range
        report.add("changed", name, msg("verify_unreadable", detail=zip_reason(e)))
        return
    diffs = []
    if size != f["bytes"]:
        diffs.append(msg("verify_diff_bytes", now=size, then=f["bytes"]))
    if sha != f["sha256"]:
        diffs.append(msg("verify_diff_hash", algo="sha256", now=sha[:16],
                         then=f["sha256"][:16]))
    if sm3 != f["sm3"]:
        diffs.append(msg("verify_diff_hash", algo="sm3", now=sm3[:16], then=f["sm3"][:16]))
    if diffs:
        detail = diffs[0]
        for d in diffs[1:]:  # "a; b; c" in the catalog's words
            detail = msg("skip_and", a=detail, b=d)
        report.add("changed", name, detail)


def _check_inputs(report: VerifyReport, listed: dict[str, dict]) -> None:
    inputs = report.manifest.get("inputs")
    for inp in inputs if isinstance(inputs, list) else ():
        if not isinstance(inp, dict) or not inp.get("included"):
            continue
        bp = inp.get("bundle_path")
        f = listed.get(bp) if isinstance(bp, str) else None
        if f is None:
            report.add("manifest", str(bp), msg("verify_input_not_listed"))
        elif f.get("sha256") != inp.get("sha256"):
            report.add("manifest", str(bp), msg("verify_input_sha"))
