"""scanner.batch.child: which errors count as the memory limit."""

from __future__ import annotations

from scanner.batch.child import _one_line, _out_of_memory


def test_out_of_memory_recognised_in_disguise():
    assert _out_of_memory(ImportError("x.so: failed to map segment from shared object"))
    assert _out_of_memory(OSError(12, "Cannot allocate memory"))
    assert not _out_of_memory(ImportError("No module named x"))
    assert not _out_of_memory(ValueError("Cannot allocate memory"))


def test_one_line():
    assert _one_line("a\n  b\tc") == "a b c"
    assert len(_one_line("x" * 1000)) == 300
