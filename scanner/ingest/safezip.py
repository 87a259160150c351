"""Defensive reading of an APK's zip container.

APKs are attacker-controlled. This module reads the central directory with
the standard library (as Android's own zip code does), refuses what Android
would refuse (duplicate names of the manifest or dex files), records what is
odd but harmless (path-traversal names, absolute names, NUL bytes), and
inflates entries only up to a size cap, so a zip bomb costs bounded time and
memory. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass

from scanner import limits
from scanner.errors import InputError
from scanner.messages import zip_reason
from scanner.model.evidence import ZipAnomaly

try:  # ISA-L inflates dex files about twice as fast as zlib (an optional speed-up)
    from isal import isal_zlib as _fast_zlib
except ImportError:  # pragma: no cover - isal is a declared dependency
    _fast_zlib = None

# the limits live in scanner/limits.py (documented in the README); aliases for callers
MAX_ENTRIES = limits.MAX_ZIP_ENTRIES
MAX_MANIFEST = limits.MAX_MANIFEST
MAX_ARSC = limits.MAX_ARSC
MAX_DEX = limits.MAX_DEX
MAX_TOTAL_DEX = limits.MAX_TOTAL_DEX
MAX_SMALL = limits.MAX_SMALL  # certificates, small assets
MAX_DECLARED_TOTAL = limits.MAX_DECLARED_TOTAL
BIG_ENTRY_RATIO = 100  # an entry over MAX_DEX compressed this well is a bomb
MAX_RATIO = limits.MAX_RATIO  # inflated / compressed, above which an entry is a bomb

DEX_NAME = re.compile(r"^classes(\d*)\.dex$")


class ZipBombError(InputError):
    """An entry inflates beyond the scanner's limits."""


class ApkContainerError(InputError):
    """The file is not a readable APK container."""


@dataclass(frozen=True)
class Entry:
    """A central-directory entry."""

    name: str
    compressed: int
    size: int
    method: int
    index: int


class SafeZip:
    """Read-only view of an APK zip with size-capped reads.

    ``source`` is the APK's bytes (already size-checked by the caller).
    """

    def __init__(self, data: bytes, label: str) -> None:
        self.label = label
        self.anomalies: list[ZipAnomaly] = []
        if not data:
            raise ApkContainerError("err_apk_empty", path=label)
        if not data.startswith(b"PK"):
            raise ApkContainerError("err_apk_not_zip", path=label)
        try:
            self._data = memoryview(data)
            self._zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
                IndexError, NotImplementedError) as e:
            raise ApkContainerError("err_zip_corrupt", path=label, detail=zip_reason(e)) from e
        if len(infos) > MAX_ENTRIES:
            raise ApkContainerError("err_zip_entries", path=label, n=len(infos), max=MAX_ENTRIES)
        self._infos = infos
        declared = sum(i.file_size for i in infos)
        if declared > MAX_DECLARED_TOTAL:
            raise ZipBombError("err_zip_declared", path=label, n=declared,
                               max=MAX_DECLARED_TOTAL)
        for i in infos:
            if i.file_size > MAX_DEX and i.file_size > max(i.compress_size, 1) * BIG_ENTRY_RATIO:
                raise ZipBombError("err_zip_ratio", path=label, entry=repr(i.filename),
                                   packed=i.compress_size, n=i.file_size, ratio=BIG_ENTRY_RATIO)
        counts = Counter(i.filename for i in infos)
        self.entries: dict[str, Entry] = {}
        for n, info in enumerate(infos):
            name = info.filename
            if counts[name] > 1 and (name == "AndroidManifest.xml" or DEX_NAME.match(name)):
                raise ApkContainerError("err_zip_duplicate", path=label, entry=repr(name))
            if name in self.entries:
                self.anomalies.append(ZipAnomaly("duplicate_entry", name,
                                                 "entry name occurs more than once"))
                continue
            self._check_name(name)
            self.entries[name] = Entry(name, info.compress_size, info.file_size,
                                       info.compress_type, n)

    def _check_name(self, name: str) -> None:
        parts = name.replace("\\", "/").split("/")
        if ".." in parts:
            self.anomalies.append(ZipAnomaly("path_traversal", name,
                                              "entry name climbs out of its folder with '..'"))
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            self.anomalies.append(ZipAnomaly("absolute_path", name, "entry name is absolute"))
        if "\x00" in name:
            self.anomalies.append(ZipAnomaly("nul_in_name", name.replace("\x00", "\\0"),
                                              "entry name contains a NUL byte"))

    def names(self) -> list[str]:
        """Entry names in central-directory order (first of any duplicate)."""
        return list(self.entries)

    def has(self, name: str) -> bool:
        """Whether an entry of that name exists."""
        return name in self.entries

    def read(self, name: str, cap: int) -> bytes:
        """Inflate one entry, refusing to produce more than ``cap`` bytes.

        Both the declared size and the actual inflated size are checked, since a
        hostile zip can lie in its headers.
        """
        entry = self.entries.get(name)
        if entry is None:
            raise ApkContainerError("err_zip_no_entry", path=self.label, entry=repr(name))
        if entry.size > cap:
            raise ZipBombError("err_zip_entry_large", path=self.label, entry=repr(name),
                               n=entry.size, max=cap)
        limit = cap
        if entry.compressed and entry.size > (8 << 20):
            limit = min(cap, max(entry.compressed * MAX_RATIO, 8 << 20))
        info = self._infos[entry.index]
        data = self._inflated(info, min(limit, entry.size))
        if data is not None:
            return data
        try:
            with self._zf.open(info) as fh:
                # zipfile stops at the declared size and checks the CRC at the end. One read
                # of the declared size (+1), not chunks: no copy through a buffer (30 MB of
                # dex inflate ~15 % faster). zipfile inflates up to the size asked for before
                # it cuts at the declared size, so asking for the declared size, not the
                # limit, keeps a header that understates its entry to a few KB per step.
                data = fh.read(min(limit, entry.size) + 1)
                if len(data) > limit:
                    raise ZipBombError("err_zip_inflates", path=self.label,
                                       entry=repr(name), max=limit)
        except ZipBombError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError) as e:
            raise ApkContainerError("err_zip_entry_corrupt", path=self.label, entry=repr(name),
                                    detail=zip_reason(e)) from e
        return data

    def _inflated(self, info: zipfile.ZipInfo, most: int) -> bytes | None:
        """A deflated entry of at most ``most`` bytes inflated by ISA-L, when every check
        zipfile makes holds: the local header's magic and name, no encryption or patch
        flag, a deflate stream that ends, the declared size and the CRC-32. Otherwise None,
        and zipfile reads the entry, so that it decides what is wrong with it, as always."""
        if _fast_zlib is None or info.compress_type != zipfile.ZIP_DEFLATED \
                or info.flag_bits & 0x61:  # (encrypted, patched data, strong encryption)
            return None
        head = info.header_offset
        raw = self._data
        if len(raw) < head + 30 or raw[head:head + 4] != b"PK\x03\x04":
            return None
        flags, = struct.unpack_from("<H", raw, head + 6)
        n_name, n_extra = struct.unpack_from("<HH", raw, head + 26)
        start = head + 30 + n_name + n_extra
        end = start + info.compress_size
        try:
            name = bytes(raw[head + 30:head + 30 + n_name]).decode(
                "utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if end > len(raw) or name != info.orig_filename:
            return None
        try:
            inflater = _fast_zlib.decompressobj(-15)
            data = inflater.decompress(raw[start:end], most + 1)
        except _fast_zlib.error:
            return None
        if not inflater.eof or len(data) != info.file_size or \
                _fast_zlib.crc32(data) != info.CRC:
            return None
        return data

    def dex_names(self) -> list[str]:
        """The dex files Android loads: classes.dex, classes2.dex, ... in order."""
        found = []
        for name in self.entries:
            m = DEX_NAME.match(name)
            if m:
                found.append((int(m.group(1) or 1), name))
        return [n for _, n in sorted(found)]
