"""Summary columns of one result.json, as stored per APK in the batch database.

Contract:
    summary_row(doc: dict) -> dict
        ``doc`` is a result.json document (scanner.report.json.result_document). Keys:
        package, label, version_name, version_code, target_sdk, category (declared id or None),
        sdk_count, sdks (sorted [[id, name]]: third-party SDKs only, not development libraries
        such as Kotlin, Butter Knife or the support libraries), pi_types (PI type ids whose
        APIs the code uses), pi_count, over_scope_pi (PI type ids named by over-scope
        findings), over_scope_count (None when no category was known: over-scope
        collection could not be judged),
        findings, critical, high, medium, low, info (counts by severity),
        rules ({rule id: hits}), partial (bool), skipped (count), ruleset_sha256 (the digest of
        the rulesets that judged it: a batch resumed after a ruleset change shows it).
    List/dict values are JSON-encoded by the store; this module has no heavy imports so it is
    cheap in every worker.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.model.findings import SEVERITY_NAMES_DESC
from scanner.report.json import is_library

SEVERITIES = SEVERITY_NAMES_DESC
# The rules whose findings mean "collects PI not necessary for the app's type" (static and
# dynamic); see rulesets/rules/code/PRIV-CODE-0001-* and rulesets/rules/traffic/PRIV-NET-0001-*.
OVER_SCOPE_RULES = frozenset({"PRIV-CODE-0001", "PRIV-NET-0001"})


def summary_row(doc: dict[str, Any]) -> dict[str, Any]:
    """The per-APK summary columns of a result document (see module docstring)."""
    app = doc.get("app") or {}
    cat = doc.get("category") or {}
    findings = doc.get("findings") or []
    sev = Counter(f.get("severity") for f in findings)
    rules = Counter(f.get("rule") for f in findings)
    over = sorted({p for f in findings if f.get("rule") in OVER_SCOPE_RULES
                   for p in (f.get("pi_types") or ())})
    sdks = sorted([s["id"], s.get("name") or s["id"]] for s in doc.get("sdks") or ()
                  if not is_library(s))
    pi = sorted({u["pi_type"] for u in doc.get("api_uses") or ()})
    row: dict[str, Any] = {
        "package": app.get("package"),
        "label": app.get("label"),
        "version_name": app.get("version_name"),
        "version_code": app.get("version_code"),
        "target_sdk": app.get("target_sdk"),
        "category": cat.get("id") if cat.get("known") else None,
        "sdk_count": len(sdks),
        "sdks": sdks,
        "pi_types": pi,
        "pi_count": len(pi),
        "over_scope_pi": over,
        "over_scope_count": len(over) if cat.get("known") else None,
        "findings": len(findings),
    }
    for s in SEVERITIES:
        row[s] = sev.get(s, 0)
    row["rules"] = dict(sorted(rules.items()))
    row["partial"] = bool(doc.get("partial"))
    row["skipped"] = len(doc.get("skipped") or ())
    row["ruleset_sha256"] = (doc.get("tool") or {}).get("ruleset_sha256")
    return row
