"""The workbench's HTML pages: Jinja templates in ``reports/templates/serve/`` and the text of
``reports/i18n/serve.<lang>.yaml`` (Chinese by default), with no script anywhere.

Contract:
    text(lang) -> dict             the page catalog (zh is the fallback for a missing key)
    render(name, lang, **context) -> str
    job_view(job, lang, categories) -> dict, finding_view(f, lang) -> dict
                                   what the templates show of a job and of one finding
"""

from __future__ import annotations

import datetime as _dt
import functools
import time
from typing import Any

import jinja2

from scanner.knowledge import read_yaml
from scanner.paths import reports_dir
from scanner.report.html import messages
from scanner.report.view import pi_label, pick
from scanner.serve.jobs import Job

LANGS = ("zh", "en")
BEIJING = _dt.timezone(_dt.timedelta(hours=8))


@functools.cache
def text(lang: str) -> dict[str, str]:
    base = dict(read_yaml(reports_dir() / "i18n" / "serve.zh.yaml"))
    if lang != "zh":
        base.update(read_yaml(reports_dir() / "i18n" / f"serve.{lang}.yaml"))
    return base


@functools.cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_dir() / "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)


def render(name: str, lang: str, **context: Any) -> str:
    context.setdefault("refresh", None)
    context.setdefault("authed", True)
    context.setdefault("csrf", "")
    context.setdefault("page_title", text(lang)["app_title"])
    return _env().get_template(f"serve/{name}.html.j2").render(lang=lang, t=text(lang),
                                                                **context)


def _when(ts: float | None) -> str:
    if not ts:
        return ""
    # With its offset: an analyst in another zone must not read it as local time.
    return _dt.datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S +08:00")


def job_view(job: Job, lang: str, categories: dict) -> dict[str, Any]:
    cat = categories.get(job.category) if job.category else None
    if job.started:
        end = job.finished or time.time()
        elapsed = f"{max(0.0, end - job.started):.1f} {text(lang)['seconds']}"
    else:
        elapsed = ""
    return {"id": job.id, "apk_name": job.apk_name, "status": job.status,
            "error": job.error_text(lang), "sha256": job.sha256, "flows": list(job.flows),
            "created_text": _when(job.created), "elapsed": elapsed,
            "category_text": (getattr(cat, lang) if cat else
                              text(lang)["upload_category_none"])}


def finding_view(f: dict[str, Any], lang: str, doc: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """A finding as a page row; PI types named by its result document ``doc``."""
    sev = f.get("severity") or "info"
    return {"rule": f.get("rule") or "", "severity": sev,
            "severity_text": messages(lang).get(f"sev_{sev}", sev),
            "title": pick(f.get("title"), lang),
            "pi_text": ("、" if lang == "zh" else ", ").join(
                pi_label(p, lang, doc) for p in f.get("pi_types") or ())}
