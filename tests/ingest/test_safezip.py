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
