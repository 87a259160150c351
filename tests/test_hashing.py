"""SHA-256 and SM3 digests, checked against the standards' test vectors."""

from __future__ import annotations

import hashlib

import pytest

from scanner.hashing import PureSM3, digest_bytes, digest_file, new_sm3

# GB/T 32905-2016, Appendix A
VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_pure_sm3_standard_vectors(data, expected):
    assert PureSM3(data).hexdigest() == expected


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_sm3_in_use_matches_vectors(data, expected):
    assert new_sm3(data).hexdigest() == expected


def test_pure_sm3_incremental_equals_one_shot():
    data = bytes(range(256)) * 9
    h = PureSM3()
    for i in range(0, len(data), 37):
        h.update(data[i:i + 37])
    assert h.hexdigest() == PureSM3(data).hexdigest() == new_sm3(data).hexdigest()


def test_digest_file_streams(tmp_path):
    data = b"x" * (3 << 20) + b"tail"
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    d = digest_file(p, chunk_size=1 << 16)
    assert d.bytes == len(data)
    assert d.sha256 == hashlib.sha256(data).hexdigest()
    assert d == digest_bytes(data)


def test_digests_beside_the_caller_are_the_same():
    from scanner.hashing import digest_beside, digest_bytes

    data = bytes(range(256)) * 40000  # 10 MB: hashlib hashes it without the GIL
    wait = digest_beside(data)
    assert wait() == digest_bytes(data)
    assert wait() == digest_bytes(data)  # (asking again gives the same answer)


def test_an_error_while_hashing_beside_is_raised_by_the_wait(monkeypatch, capfd):
    from scanner import hashing

    def fail(data):
        raise MemoryError

    monkeypatch.setattr(hashing, "digest_bytes", fail)
    wait = hashing.digest_beside(b"x" * 100)
    with pytest.raises(MemoryError):
        wait()
    assert capfd.readouterr().err == ""  # not a thread's traceback on stderr
