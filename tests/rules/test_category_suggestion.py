"""The category suggestion matches keywords as words, not inside other words."""

from __future__ import annotations

from types import SimpleNamespace

from scanner.detectors.category import suggest
from scanner.knowledge import load_knowledge


def _suggest(package: str, label: str = "") -> list[str]:
    ctx = SimpleNamespace(apk=SimpleNamespace(package=package, label=label),
                          knowledge=load_knowledge())
    return suggest(ctx)


def test_substrings_do_not_match():
    # DroidBench's de.ecspride: "ride" inside "ecspride" is not ride hailing
    assert _suggest("de.ecspride.MainActivity") == []
    assert "map_navigation" not in _suggest("com.example.bitmapper")
    assert "instant_messaging" not in _suggest("com.example.image")


def test_words_and_chinese_labels_match():
    assert _suggest("com.sdu.didi.psnger") == ["ride_hailing"]
    assert _suggest("com.example.ride") == ["ride_hailing"]
    assert _suggest("com.example.app", "某某地图") == ["map_navigation"]
    assert "news" in _suggest("com.ss.android.article.news")
