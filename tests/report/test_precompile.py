"""The precompiled report template is current and renders exactly what the source does."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest

from scanner.report import precompile
from scanner.report.environment import environment
from scanner.report.html import HtmlFormat

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "privacy_heavy.json"


def test_compiled_module_is_current():
    from scanner.report import _report_template as mod

    if mod.JINJA2_VERSION != jinja2.__version__:
        pytest.skip(f"compiled with Jinja {mod.JINJA2_VERSION}, running {jinja2.__version__}")
    assert precompile.main(["--check"]) == 0, "run python -m scanner.report.precompile"


def test_precompiled_and_source_render_the_same(monkeypatch):
    from scanner.report import html

    doc = json.loads(GOLDEN.read_text("utf-8"))
    html._template.cache_clear()
    assert html._template().filename.endswith("_report_template.py")  # precompiled
    compiled = {lang: HtmlFormat().render(doc, lang) for lang in ("zh", "en")}
    html._template.cache_clear()
    monkeypatch.setattr(precompile, "_source_digest", lambda: "stale")
    assert html._template().filename.endswith(precompile.TEMPLATE)  # compiled from source
    try:
        for lang in ("zh", "en"):
            assert HtmlFormat().render(doc, lang) == compiled[lang]
    finally:
        html._template.cache_clear()


def test_stale_module_is_not_used(monkeypatch):
    env = environment()
    monkeypatch.setattr(precompile, "_source_digest", lambda: "0" * 64)
    t = precompile.load(env)
    assert t.filename and t.filename.endswith(precompile.TEMPLATE)  # compiled from source
