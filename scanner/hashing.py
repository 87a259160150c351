"""Streaming file digests: SHA-256 and SM3 (GB/T 32905-2016), as evidence needs both.

SM3 comes from OpenSSL through :mod:`hashlib` when the local OpenSSL provides it,
otherwise from the pure-Python implementation below (slow but correct; it is
checked against the standard's test vectors in the tests).
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
       0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)
_MASK = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _MASK


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


_T = [0x79CC4519 if j < 16 else 0x7A879D8A for j in range(64)]


class PureSM3:
    """Incremental SM3 with the ``update``/``hexdigest`` interface of :mod:`hashlib`."""

    name = "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._v = list(_IV)
        self._buf = b""
        self._count = 0
        if data:
            self.update(data)

    def _compress(self, block: bytes) -> None:
        w = list(struct.unpack(">16I", block))
        for j in range(16, 68):
            x = _p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15))
            w.append(x ^ _rotl(w[j - 13], 7) ^ w[j - 6])
        w1 = [w[j] ^ w[j + 4] for j in range(64)]
        a, b, c, d, e, f, g, h = self._v
        for j in range(64):
            ss1 = _rotl((_rotl(a, 12) + e + _rotl(_T[j], j)) & _MASK, 7)
            ss2 = ss1 ^ _rotl(a, 12)
            if j < 16:
                ff = a ^ b ^ c
                gg = e ^ f ^ g
            else:
                ff = (a & b) | (a & c) | (b & c)
                gg = (e & f) | (~e & g)
            tt1 = (ff + d + ss2 + w1[j]) & _MASK
            tt2 = (gg + h + ss1 + w[j]) & _MASK
            d, c, b, a = c, _rotl(b, 9), a, tt1
            h, g, f, e = g, _rotl(f, 19), e, _p0(tt2)
        self._v = [x ^ y for x, y in zip(self._v, (a, b, c, d, e, f, g, h), strict=True)]

    def update(self, data: bytes) -> None:
        """Feed more bytes."""
        self._count += len(data)
        buf = self._buf + data
        full = len(buf) - len(buf) % 64
        for i in range(0, full, 64):
            self._compress(buf[i:i + 64])
        self._buf = buf[full:]

    def digest(self) -> bytes:
        """Digest of everything fed so far (the object stays usable)."""
        saved = (list(self._v), self._buf, self._count)
        bits = self._count * 8
        pad = b"\x80" + b"\x00" * ((55 - self._count) % 64) + struct.pack(">Q", bits)
        self.update(pad)
        out = struct.pack(">8I", *self._v)
        self._v, self._buf, self._count = saved
        return out

    def hexdigest(self) -> str:
        """Hex form of :meth:`digest`."""
        return self.digest().hex()


def new_sm3(data: bytes = b""):
    """An SM3 hasher: OpenSSL's when available, else :class:`PureSM3`."""
    try:
        h = hashlib.new("sm3")
    except ValueError:
        return PureSM3(data)
    h.update(data)
    return h


@dataclass(frozen=True)
class Digests:
    """Size and digests of one byte stream."""

    bytes: int
    sha256: str
    sm3: str


def digest_chunks(chunks: Iterable[bytes]) -> Digests:
    """Digest a stream of chunks without holding it in memory."""
    sha = hashlib.sha256()
    sm3 = new_sm3()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        sha.update(chunk)
        sm3.update(chunk)
    return Digests(size, sha.hexdigest(), sm3.hexdigest())


def digest_bytes(data: bytes) -> Digests:
    """Digests of an in-memory byte string."""
    return digest_chunks([data])


def digest_beside(data: bytes) -> Callable[[], Digests]:
    """Start the digests of ``data`` in a thread and return the call that waits for them.

    hashlib releases the GIL while it hashes a large buffer, so an APK's SHA-256 and SM3
    (about 0.1 CPU s for the 13 MB benchmark APK, mostly SM3) are computed on another core
    while the caller reads the container."""
    out: list[Digests | BaseException] = []

    def work() -> None:
        try:
            out.append(digest_bytes(data))
        except BaseException as e:  # (MemoryError): raised by the caller's wait instead
            out.append(e)

    worker = threading.Thread(target=work, name="appaudit-digest")
    worker.start()

    def result() -> Digests:
        worker.join()
        if isinstance(out[0], BaseException):
            raise out[0]
        return out[0]

    return result


def digest_file(path: Path, chunk_size: int = 1 << 20) -> Digests:
    """Digests of a file, read in chunks."""
    def chunks():
        with open(path, "rb") as fh:
            while block := fh.read(chunk_size):
                yield block
    return digest_chunks(chunks())
