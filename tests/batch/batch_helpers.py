"""Paths and expectations shared by the batch tests (imported as ``batch_helpers``)."""

from __future__ import annotations

import json
import os
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


def manifest_packages() -> dict[str, str]:
    """Corpus path → package named in MANIFEST.tsv's curator notes ("package=..."), if any."""
    out = {}
    manifest = SHARED_CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return out
    for line in manifest.read_text("utf-8").splitlines()[1:]:
        cols = line.split("\t")
        notes = cols[-1]
        for part in notes.split(";"):
            part = part.strip()
            if part.startswith("package=") and len(part) > len("package="):
                out[os.path.abspath(SHARED_CORPUS / cols[0])] = part[len("package="):]
    return out


# Row columns that say when, where and how fast, not what was found. The ruleset digest is
# left out of comparisons too: in a shared working tree the rulesets can change between two
# runs of a test, which is what that column exists to show.
ROW_TIMING = ("seconds", "cpu_seconds", "peak_rss_kb", "worker", "scanned_at", "run_id",
              "ruleset_sha256")
