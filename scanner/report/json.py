"""result.json: the machine contract (field names of spec/PRODUCT.md), deterministic order."""

from __future__ import annotations

import json
from typing import Any

import orjson

from scanner.model.findings import SEVERITY_NAMES_DESC
from scanner.model.result import ScanResult
from scanner.model.serial import to_jsonable
from scanner.report.interface import ReportFormat

NOTICE = {
    "zh": "本报告为技术证据，不构成法律意见；是否违法由执法机关依法认定。",
    "en": "This report is technical evidence, not legal advice; whether a law was broken "
          "is for the competent authority to decide.",
}


def is_library(sdk: dict[str, Any]) -> bool:
    """A development library (Kotlin, Butter Knife, the support libraries, OkHttp…): the
    catalogue marks it ``tracker: false`` with the category ``development`` only. It is code
    the developer builds with, not a third-party SDK that collects or receives PI."""
    cats = set(sdk.get("categories") or ())
    return sdk.get("tracker") is False and cats == {"development"}


def result_document(result: ScanResult) -> dict[str, Any]:
    """The result as the JSON document users' scripts rely on."""
    doc = to_jsonable(result)
    extra = doc.pop("extra", {}) or {}
    out: dict[str, Any] = {"schema_version": doc.pop("schema_version")}
    out.update(doc)
    out.update(extra)
    out["partial"] = bool(result.skipped)
    out["summary"] = summarize(out)
    out["notice"] = NOTICE
    return out


def summarize(doc: dict[str, Any]) -> dict[str, Any]:
    """Counts shown at the top of every report."""
    sev = dict.fromkeys(SEVERITY_NAMES_DESC, 0)
    for f in doc.get("findings") or ():
        sev[f["severity"]] = sev.get(f["severity"], 0) + 1
    pi_code = sorted({u["pi_type"] for u in doc.get("api_uses") or ()
                      if u.get("effective", True)})
    pi_sent = sorted({t["pi_type"] for t in doc.get("transmissions") or ()})
    return {"findings": sum(sev.values()), "by_severity": sev,
            "sdks": sum(1 for s in doc.get("sdks") or () if not is_library(s)),
            "libraries": sum(1 for s in doc.get("sdks") or () if is_library(s)),
            "api_uses": len(doc.get("api_uses") or ()),
            "transmissions": len(doc.get("transmissions") or ()),
            "pi_types_in_code": pi_code, "pi_types_sent": pi_sent}


_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def dumps(doc: dict[str, Any]) -> str:
    """Stable JSON text (UTF-8, Chinese kept readable, two-space indent, a final newline):
    orjson's, the same text as the standard library's ``indent=2, ensure_ascii=False`` on
    result documents (checked on the golden results) in a twentieth of the time; the
    standard library for what orjson refuses (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(doc, option=_ORJSON).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


class JsonFormat(ReportFormat):
    """result.json itself."""

    name = "json"
    suffix = ".json"
    output_name = "result.json"

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        return dumps(doc).encode("utf-8")
