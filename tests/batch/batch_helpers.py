"""Paths and expectations shared by the batch tests (imported as ``batch_helpers``)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE_APKS = REPO / "corpus" / "apk"
FIXTURE_APPS = REPO / "corpus" / "apps"
SHARED_CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CORPUS_APKS = SHARED_CORPUS / "apks"

# What corpus/README.md says a reader must do with each hostile file: reject these ...
HOSTILE_REJECTED = ("empty", "not_a_zip", "truncated", "no_manifest", "zip_bomb",
                    "duplicate_manifest", "corrupt_axml")
# ... and flag (traversal) or report an unreadable dex (corrupt_dex) for these.
HOSTILE_FLAGGED = ("traversal", "corrupt_dex")


def groundtruth(name: str) -> dict:
    """Hand-written ground truth of a fixture app."""
    return json.loads((FIXTURE_APPS / name / "groundtruth.json").read_text("utf-8"))


def fixture_paths() -> list[Path]:
    """The committed fixture APKs that have a ground truth."""
    return sorted(p for p in FIXTURE_APKS.glob("*.apk")
                  if (FIXTURE_APPS / p.stem / "groundtruth.json").exists())


def corpus_smallest(n: int) -> list[Path]:
    """The n smallest distinct corpus APKs (empty when the corpus is absent)."""
    if not CORPUS_APKS.is_dir():
        return []
    return sorted(CORPUS_APKS.rglob("*.apk"), key=lambda p: (p.stat().st_size, str(p)))[:n]
