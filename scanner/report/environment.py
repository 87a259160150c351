"""The Jinja environment of the HTML report (templates in reports/templates), shared by
the renderer (:mod:`scanner.report.html`) and the precompiler
(:mod:`scanner.report.precompile`)."""

from __future__ import annotations

import functools

import jinja2

from scanner.names import readable_member
from scanner.paths import reports_dir
from scanner.report.view import dalvik_class, fmt_time, readable_caller, readable_method


@functools.cache
def environment() -> jinja2.Environment:
    """The report templates' environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_dir() / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["ts"] = fmt_time
    env.filters["cls"] = dalvik_class
    env.filters["member"] = readable_member  # TelephonyManager.getDeviceId()
    env.filters["method"] = readable_method  # getDeviceId()
    env.filters["caller"] = readable_caller  # com.a.B.m()
    return env
