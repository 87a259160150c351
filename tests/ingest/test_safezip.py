"""SafeZip.read on entries whose headers lie: bounded memory, one clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Builds a zip whose only entry inflates to 96 MB of zeros (about 100 KB deflated) but
# whose local and central headers both say 100 bytes, then reads it with a 512 MB cap and
# prints the error and how much the peak RSS grew while reading.
_PROBE = r"""
import io, resource, struct, zipfile
from scanner.ingest.safezip import SafeZip
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("classes.dex", b"\0" * (96 << 20))
raw = bytearray(buf.getvalue())
for sig, off in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
    i = raw.find(sig)
    raw[i + off:i + off + 4] = struct.pack("<I", 100)
raw = bytes(raw)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    SafeZip(raw, "x.apk").read("classes.dex", 512 << 20)
    print("READ")
except Exception as e:
    print(type(e).__name__)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_an_understated_entry_is_corrupt_without_inflating_it_in_memory():
    """zipfile inflates as much as it is asked for before cutting at the declared size:
    asking for the cap (not the declared size) would hold all 96 MB at once."""
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         cwd=REPO, check=True)
    error, grew_mib = out.stdout.split()
    assert error == "ApkContainerError"  # CRC mismatch: said as a corrupt entry
    assert int(grew_mib) < 24, f"peak RSS grew by {grew_mib} MiB"


# --- the ISA-L inflate: the same bytes as zipfile's, and zipfile's verdict on a bad entry

def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _outcome(raw: bytes, name: str, monkeypatch, fast: bool):
    from scanner.ingest import safezip

    with monkeypatch.context() as m:
        if not fast:
            m.setattr(safezip, "_fast_zlib", None)
        try:
            return "data", safezip.SafeZip(raw, "x.apk").read(name, 1 << 20)
        except safezip.InputError as e:
            return type(e).__name__, str(e)


def _patch(raw: bytes, sig: bytes, off: int, value: bytes) -> bytes:
    out = bytearray(raw)
    i = out.find(sig)
    out[i + off:i + off + len(value)] = value
    return bytes(out)


def test_isal_reads_the_bytes_zipfile_reads(monkeypatch):
    import random

    from scanner.ingest import safezip

    rng = random.Random(7)
    body = bytes(rng.randrange(256) for _ in range(5000)) + b"dex\n035\0" * 3000
    raw = _zip({"classes.dex": body, "res/名字.xml": b"<a/>" * 100, "empty": b""})
    z = safezip.SafeZip(raw, "x.apk")
    assert safezip._fast_zlib is not None  # isal is a dependency: the fast path runs
    for name in ("classes.dex", "res/名字.xml", "empty"):
        info = z._infos[z.entries[name].index]
        assert z._inflated(info, 1 << 20) is not None
        assert _outcome(raw, name, monkeypatch, True) == _outcome(raw, name, monkeypatch, False)
    assert z.read("classes.dex", 1 << 20) == body


def test_a_bad_entry_gets_zipfile_s_verdict(monkeypatch):
    import struct

    raw = _zip({"classes.dex": b"0123456789" * 500})
    bad = {
        # CRC-32 of the central directory (offset 16) wrong
        "crc": _patch(raw, b"PK\x01\x02", 16, struct.pack("<I", 1234)),
        # the local header names another file
        "name": _patch(raw, b"PK\x03\x04", 30, b"X"),
        # the local header's magic broken
        "magic": _patch(raw, b"PK\x03\x04", 0, b"PK\x09\x09"),
        # the central directory says fewer compressed bytes than the stream has
        "short": _patch(raw, b"PK\x01\x02", 20, struct.pack("<I", 10)),
        # the central directory says the entry is encrypted
        "encrypted": _patch(raw, b"PK\x01\x02", 8, struct.pack("<H", 1)),
    }
    for why, data in bad.items():
        fast = _outcome(data, "classes.dex", monkeypatch, True)
        assert fast[0] != "data", why
        assert fast == _outcome(data, "classes.dex", monkeypatch, False), why
