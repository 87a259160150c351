"""Hostile APK inputs, made at test time from a good fixture APK (never committed).

Contract:
    make_all(dest: Path, source: Path | None = None) -> dict[str, Path]

writes one file per name in HOSTILE (``dest/<name>.apk``) and returns ``{name: path}``. ``source``
defaults to the committed ``corpus/apk/clean.apk``. Everything is deterministic (no randomness, no
clock), stdlib only, and cheap: the whole set takes well under a second or two and a few MB on
disk. The zip bomb is a few MB on disk and inflates to BOMB_UNCOMPRESSED bytes (> 2 GiB); its
deflate stream is one compressed 1 MiB block of zeros repeated, so making it never holds more
than a few MB in memory.

What each file is, and what Android itself does with it, is documented in HOSTILE below and in
corpus/README.md. Zip archives here are written byte by byte (``_write_zip``) so that names and
duplicates the stdlib zipfile would normalise or warn about are kept exactly.

Raises FileNotFoundError when ``source`` is missing and ValueError when it is not a usable APK.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
DEFAULT_SOURCE = CORPUS / "apk" / "clean.apk"
# A different manifest for the second AndroidManifest.xml entry of duplicate_manifest.apk.
SECOND_MANIFEST_SOURCE = CORPUS / "apk" / "privacy_heavy.apk"

BOMB_CHUNK = 1 << 20  # 1 MiB of zeros per repeated deflate block
BOMB_CHUNKS = 2200  # 2200 MiB = 2.15 GiB > 2 GiB, still < 4 GiB so no ZIP64 is needed
BOMB_UNCOMPRESSED = BOMB_CHUNK * BOMB_CHUNKS
BOMB_ENTRY = "assets/payload.bin"

# name -> what it is (the same text as corpus/README.md)
HOSTILE: dict[str, str] = {
    "empty": "0 bytes",
    "not_a_zip": "a short UTF-8 text file with an .apk name",
    "truncated": "the first half of a good APK (no end-of-central-directory record)",
    "no_manifest": "a valid zip holding only classes.dex",
    "zip_bomb": "AndroidManifest.xml plus assets/payload.bin: ~2.2 MB deflated, inflates to "
                f"{BOMB_UNCOMPRESSED} bytes (> 2 GiB); header sizes and CRC are honest",
    "traversal": "every entry of a good APK plus '../../evil.txt' and '/abs/evil'",
    "duplicate_manifest": "every entry of a good APK plus a second, different "
                          "AndroidManifest.xml entry after the first",
    "corrupt_dex": "good manifest and resources; classes.dex has its 0x70-byte header replaced "
                   "by garbage",
    "corrupt_axml": "good classes.dex and resources; AndroidManifest.xml is 2048 bytes of garbage",
}


@dataclass(frozen=True)
class _Entry:
    name: bytes
    method: int  # 0 stored, 8 deflated
    crc: int
    size: int  # uncompressed
    data: bytes  # as stored in the archive (compressed for method 8)


def _garbage(n: int, seed: bytes) -> bytes:
    """n deterministic pseudo-random bytes."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(8, "little")).digest()
        counter += 1
    return bytes(out[:n])


def _deflate(data: bytes) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def _entry(name: str | bytes, data: bytes, deflate: bool = True) -> _Entry:
    raw_name = name.encode("utf-8") if isinstance(name, str) else name
    if deflate:
        return _Entry(raw_name, 8, zlib.crc32(data), len(data), _deflate(data))
    return _Entry(raw_name, 0, zlib.crc32(data), len(data), data)


def _write_zip(path: Path, entries: list[_Entry]) -> None:
    """Write a plain (non-ZIP64) zip with exactly these entries, in order, names kept verbatim."""
    dos_time, dos_date = 0, (2020 - 1980) << 9 | 1 << 5 | 1
    central = bytearray()
    with path.open("wb") as fh:
        for e in entries:
            offset = fh.tell()
            flags = 0x800 if any(b > 0x7F for b in e.name) else 0
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, e.method, dos_time,
                                 dos_date, e.crc, len(e.data), e.size, len(e.name), 0))
            fh.write(e.name)
            fh.write(e.data)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, e.method,
                                   dos_time, dos_date, e.crc, len(e.data), e.size, len(e.name),
                                   0, 0, 0, 0, 0, offset)
            central += e.name
        cd_offset = fh.tell()
        fh.write(central)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                             len(central), cd_offset, 0))


def _read_entries(apk: Path) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(apk) as zf:
            return [(i.filename, zf.read(i)) for i in zf.infolist()]
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{apk} is not a zip: {exc}") from exc


def _bomb_entry() -> _Entry:
    chunk = bytes(BOMB_CHUNK)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor has no history, so every later chunk compresses to
    # the same bytes; check once instead of assuming.
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    if block != first:
        raise RuntimeError("zlib did not repeat the flushed block; cannot build the bomb cheaply")
    stream = block * BOMB_CHUNKS + co.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(BOMB_CHUNKS):
        crc = zlib.crc32(chunk, crc)
    return _Entry(BOMB_ENTRY.encode(), 8, crc, BOMB_UNCOMPRESSED, stream)


def make_all(dest: Path, source: Path | None = None) -> dict[str, Path]:
    """Write every hostile input into dest (created if needed); return {name: path}."""
    source = Path(source) if source is not None else DEFAULT_SOURCE
    if not source.is_file():
        raise FileNotFoundError(source)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    good_bytes = source.read_bytes()
    good = _read_entries(source)
    by_name = dict(good)
    for needed in ("AndroidManifest.xml", "classes.dex"):
        if needed not in by_name:
            raise ValueError(f"{source} has no {needed}")
    good_entries = [_entry(n, d, deflate=not n.endswith(".arsc")) for n, d in good]
    out: dict[str, Path] = {name: dest / f"{name}.apk" for name in HOSTILE}

    out["empty"].write_bytes(b"")
    out["not_a_zip"].write_text(
        "This is not an APK. It is a text file given an .apk name to test input checks.\n",
        encoding="utf-8")
    out["truncated"].write_bytes(good_bytes[: len(good_bytes) // 2])
    _write_zip(out["no_manifest"], [_entry("classes.dex", by_name["classes.dex"])])
    _write_zip(out["zip_bomb"], [_entry("AndroidManifest.xml", by_name["AndroidManifest.xml"]),
                                 _bomb_entry()])
    _write_zip(out["traversal"], [*good_entries,
                                  _entry("../../evil.txt", b"written outside the output folder\n"),
                                  _entry("/abs/evil", b"written to an absolute path\n")])

    second = by_name["AndroidManifest.xml"]
    if SECOND_MANIFEST_SOURCE.is_file() and SECOND_MANIFEST_SOURCE != source:
        second = dict(_read_entries(SECOND_MANIFEST_SOURCE)).get("AndroidManifest.xml", second)
    if second == by_name["AndroidManifest.xml"]:
        second = second + b"\0" * 4  # still different, if no other manifest is at hand
    _write_zip(out["duplicate_manifest"], [*good_entries, _entry("AndroidManifest.xml", second)])

    dex = by_name["classes.dex"]
    bad_dex = _garbage(0x70, b"corrupt_dex") + dex[0x70:]
    _write_zip(out["corrupt_dex"],
               [e if e.name != b"classes.dex" else _entry("classes.dex", bad_dex)
                for e in good_entries])
    bad_axml = _garbage(2048, b"corrupt_axml")
    _write_zip(out["corrupt_axml"],
               [e if e.name != b"AndroidManifest.xml" else _entry("AndroidManifest.xml", bad_axml)
                for e in good_entries])
    return out


if __name__ == "__main__":
    import sys
    import tempfile

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hostile-"))
    for n, p in make_all(target).items():
        print(f"{n:20} {p.stat().st_size:>10} {p}")
