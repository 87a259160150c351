"""Shared helpers of the pricing tests: the fixture captures and their ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CAPTURES = REPO / "corpus" / "pricing"
AIRLINE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "pricing"
           / "airline-price-discrimination")


def truth(scenario: str) -> dict:
    """ground_truth.json of a generated scenario."""
    return json.loads((CAPTURES / scenario / "ground_truth.json").read_text("utf-8"))


def noisy_items(gt: dict) -> set[str]:
    """Items whose price noise moved in at least one capture of the scenario."""
    return set().union(*(set(v) for v in gt["noise_factors"].values()))


@pytest.fixture
def captures() -> Path:
    """The committed fixture captures folder."""
    return CAPTURES
