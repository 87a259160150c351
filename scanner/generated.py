"""Files generated from other files of the repository and committed with them.

Each generator has a ``main(argv)``: without arguments it writes its file, with
``--check`` it only says whether the committed file is current (exit status 1 when not),
which the test suite asserts.
"""

from __future__ import annotations

from pathlib import Path


def write_or_check(path: Path, text: str, command: str, argv: list[str]) -> int:
    """Write ``text`` to ``path``, or with ``--check`` in ``argv`` compare them; ``command``
    is what regenerates the file, named when it is stale."""
    if "--check" in argv:
        current = path.is_file() and path.read_text("utf-8") == text
        if not current:
            print(f"{path} is out of date: run {command}")
        return 0 if current else 1
    path.write_text(text, "utf-8")
    print(f"wrote {path}")
    return 0
