"""The HTML report: one self-contained file (inline CSS, no external requests), zh or en.

Texts come from the message catalogs in reports/i18n/; the layout from
reports/templates/report.html.j2.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
import yaml

from scanner.paths import reports_dir
from scanner.report.interface import ReportFormat

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


@functools.cache
def messages(lang: str) -> dict[str, str]:
    """The message catalog of a language (zh is the default and the fallback)."""
    base = yaml.safe_load((reports_dir() / "i18n" / "zh.yaml").read_text("utf-8"))
    if lang != "zh":
        base.update(yaml.safe_load((reports_dir() / "i18n" / f"{lang}.yaml").read_text("utf-8")))
    return base


@functools.cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_dir() / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.ChainableUndefined,
    )
    return env


def pick(value: Any, lang: str) -> str:
    """A bilingual ``{zh, en}`` value in the report language."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def group_by_basis(findings: list[dict], lang: str) -> list[dict]:
    """Findings grouped by their first legal basis (instrument), most severe first."""
    groups: dict[str, dict] = {}
    for f in findings:
        lb = (f.get("legal_basis") or [{}])[0]
        key = pick(lb.get("instrument"), lang) or "—"
        groups.setdefault(key, {"instrument": key, "findings": []})["findings"].append(f)
    for g in groups.values():
        g["findings"].sort(key=lambda f: SEVERITY_ORDER.index(f["severity"]))
    return sorted(groups.values(),
                  key=lambda g: min(SEVERITY_ORDER.index(f["severity"]) for f in g["findings"]))


class HtmlFormat(ReportFormat):
    """Self-contained HTML report for people."""

    name = "html"
    suffix = ".html"

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        env = _env()
        template = env.get_template("report.html.j2")
        html = template.render(
            doc=doc, lang=lang, m=messages(lang), pick=lambda v: pick(v, lang),
            severities=SEVERITY_ORDER,
            groups=group_by_basis(list(doc.get("findings") or ()), lang),
        )
        return html.encode("utf-8")
