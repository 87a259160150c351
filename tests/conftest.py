"""Shared test fixtures: paths to the project's fixture APKs, the shared corpus, hostile inputs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_APKS = REPO / "corpus" / "apk"
FIXTURE_APPS = REPO / "corpus" / "apps"
# ../shared/corpus next to the checkout; APPAUDIT_SHARED_CORPUS points elsewhere (a worktree)
SHARED_CORPUS = Path(os.environ.get("APPAUDIT_SHARED_CORPUS") or REPO.parent / "shared" / "corpus")

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def fixture_names() -> list[str]:
    """Names of the fixture apps that have a built APK and a ground truth."""
    return sorted(p.stem for p in FIXTURE_APKS.glob("*.apk")
                  if (FIXTURE_APPS / p.stem / "groundtruth.json").exists())


def groundtruth(name: str) -> dict:
    """The hand-written ground truth of a fixture app."""
    return json.loads((FIXTURE_APPS / name / "groundtruth.json").read_text("utf-8"))


def corpus_apks() -> list[Path]:
    """Every APK of the shared corpus (empty when it is absent)."""
    root = SHARED_CORPUS / "apks"
    return sorted(root.rglob("*.apk")) if root.is_dir() else []


needs_corpus = pytest.mark.skipif(not (SHARED_CORPUS / "apks").is_dir(),
                                  reason="../shared/corpus is absent")


@pytest.fixture(scope="session")
def hostile_inputs(tmp_path_factory) -> dict[str, Path]:
    """Hostile APK-like files made at test time (see corpus/hostile.py)."""
    from corpus.hostile import make_all

    return make_all(tmp_path_factory.mktemp("hostile"))
