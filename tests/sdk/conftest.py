"""Fixtures for scanner.sdk tests: the shipped catalogue and a writer for tiny catalogues."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.sdk import SdkCatalog

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"


@pytest.fixture(scope="session")
def shipped() -> SdkCatalog:
    """The catalogue built from the repository's rulesets/sdks."""
    return SdkCatalog.load(REPO / "rulesets" / "sdks")


def _make_entry(ident: str, **fields: Any) -> dict[str, Any]:
    """A minimal valid catalogue entry; ``fields`` override or extend it."""
    entry: dict[str, Any] = {
        "id": ident,
        "name": ident.replace("_", " ").title(),
        "categories": ["analytics"],
        "source": "test",
    }
    entry.update(fields)
    return entry


@pytest.fixture
def make_entry() -> Callable[..., dict[str, Any]]:
    """Factory of minimal valid entries: ``make_entry("id", code_signature=[...])``."""
    return _make_entry


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[..., Path]:
    """Write ``{file name: (precedence, [entries])}`` as YAML files; return the folder."""

    def write(files: dict[str, tuple[int, list[dict[str, Any]]]]) -> Path:
        folder = tmp_path / "sdks"
        folder.mkdir(exist_ok=True)
        for name, (precedence, entries) in files.items():
            doc = {"version": 1, "precedence": precedence, "source": {"name": "test"},
                   "sdks": entries}
            (folder / name).write_text(yaml.safe_dump(doc), encoding="utf-8")
        return folder

    return write
