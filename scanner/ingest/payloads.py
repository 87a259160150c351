"""Code payloads inside an APK: dex and jar files besides classes*.dex (plugin SDKs, packers).

Plugin SDKs ship code as a dex, jar or apk in ``assets/`` that they load at run time with
``DexClassLoader``; packers ship the app's real code as an encrypted file. :func:`find_payloads`
reads each candidate entry (a ``.dex`` outside the root, or a ``.jar``/``.apk``/``.zip`` under
``assets/``, ``res/raw/`` or the root) with the container's size caps and says what it is:

- a dex (``dex\\n`` magic): indexed like classes*.dex, named by its zip path;
- a jar/apk/zip (``PK`` magic) holding ``classes*.dex``: each inner dex is indexed, named
  ``<path>!classes.dex`` (one level only: zips inside the payload are not opened);
- anything else: not readable code; with high byte entropy it is reported as encrypted.

Bounds: at most :data:`MAX_PAYLOADS` candidates, each under the container's per-entry cap,
all payload bytes read together (dex or not) under :data:`MAX_PAYLOAD_DEX`; what is over a
bound is reported (status ``too_large`` / ``skipped``), never read.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from scanner.errors import InputError
from scanner.ingest.safezip import MAX_DEX, SafeZip
from scanner.model.evidence import DexFile, Payload

MAX_PAYLOADS = 32
MAX_PAYLOAD_DEX = 256 << 20
ENTROPY_SAMPLE = 64 << 10
ENCRYPTED_BITS = 7.5  # bits per byte above which unreadable bytes are taken as encrypted
_ROOT_DEX = re.compile(r"classes\d*\.dex")
_ARCHIVE = re.compile(r"(?:assets/.*|res/raw/.*|[^/]+)\.(?:jar|apk|zip)", re.IGNORECASE)
_INNER_DEX = re.compile(r"classes\d*\.dex")


def is_candidate(name: str) -> bool:
    """Whether a zip entry may hold code the platform does not load by itself."""
    low = name.lower()
    if low.endswith(".dex"):
        return not _ROOT_DEX.fullmatch(name)
    return bool(_ARCHIVE.fullmatch(name))


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte of (a sample of) ``data``."""
    sample = data[:ENTROPY_SAMPLE]
    if not sample:
        return 0.0
    n = len(sample)
    return -sum(c / n * math.log2(c / n) for c in Counter(sample).values())


def encrypted_threshold(n: int) -> float:
    """Entropy (bits/byte) above which ``n`` unreadable bytes are taken as encrypted: half a
    bit under what uniformly random bytes show in a sample of that size (Miller-Madow bias
    255 / (2 n ln 2)), at most :data:`ENCRYPTED_BITS`."""
    n = max(1, min(n, ENTROPY_SAMPLE))
    return min(ENCRYPTED_BITS, 8 - 255 / (2 * n * math.log(2)) - 0.5)


def find_payloads(zf: SafeZip, names: list[str]) -> tuple[list[Payload], list[DexFile]]:
    """(every payload found, the dex files to index from them)."""
    payloads: list[Payload] = []
    dexes: list[DexFile] = []
    total = 0
    candidates = [n for n in names if is_candidate(n)]
    for n, name in enumerate(candidates):
        size = zf.entries[name].size
        kind = name.rsplit(".", 1)[-1].lower()
        if n >= MAX_PAYLOADS:
            payloads.append(Payload(name, size, kind, "skipped",
                                    detail=f"more than {MAX_PAYLOADS} payload candidates"))
            continue
        if size > MAX_DEX or total + size > MAX_PAYLOAD_DEX:
            payloads.append(Payload(name, size, kind, "too_large"))
            continue
        try:
            # the remaining budget caps what is inflated, whatever the entry declares
            data = zf.read(name, min(MAX_DEX, MAX_PAYLOAD_DEX - total))
        except InputError as e:
            payloads.append(Payload(name, size, kind, "unreadable", detail=str(e)[:200]))
            continue
        total += len(data)
        if data.startswith(b"dex\n"):
            dexes.append(DexFile(name=name, size=len(data), data=data))
            payloads.append(Payload(name, size, "dex", "indexed", dex=(name,)))
        elif data.startswith(b"PK\x03\x04"):
            found, inner = _archive(name, data, MAX_PAYLOAD_DEX - total)
            total += sum(d.size for d in inner)
            dexes.extend(inner)
            payloads.append(found)
        else:
            bits = round(entropy(data), 2)
            status = "encrypted" if bits >= encrypted_threshold(len(data)) else "not_code"
            payloads.append(Payload(name, size, kind, status, entropy=bits))
    return payloads, dexes


def _archive(name: str, data: bytes, budget: int) -> tuple[Payload, list[DexFile]]:
    """A jar/apk/zip payload: its classes*.dex, read with the same caps (one level)."""
    kind = name.rsplit(".", 1)[-1].lower()
    try:
        inner = SafeZip(data, name)
        dex_names = [n for n in inner.names() if _INNER_DEX.fullmatch(n)]
        out = []
        for d in dex_names:
            raw = inner.read(d, min(MAX_DEX, max(budget, 0)))
            budget -= len(raw)
            if not raw.startswith(b"dex\n"):
                continue
            out.append(DexFile(name=f"{name}!{d}", size=len(raw), data=raw))
    except InputError as e:
        return Payload(name, len(data), kind, "unreadable", detail=str(e)[:200]), []
    if not out:
        return Payload(name, len(data), kind, "no_code"), []
    return Payload(name, len(data), kind, "indexed", dex=tuple(d.name for d in out)), out
