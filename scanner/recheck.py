"""Rectification re-check (整改复检): compare the results of two versions of one app.

Contract:
    compare(old, new, old_path=None, new_path=None, threshold="low") -> dict
        ``old`` and ``new`` are result.json documents (already schema-checked). Returns the
        re-check result document: a result.json (schema_version, tool, command "diff",
        inputs, findings, …) whose ``findings`` are the problems still present in the new
        version (remaining and new ones, as the new result states them) and whose ``diff``
        section holds both versions' identity and APK hashes (``versions{old, new}``), the
        lists ``fixed[]``,
        ``remaining[]``, ``new[]`` and ``not_rechecked[]``, and the verdict.

Findings are matched by what they are about, never by where the code sits: the rule and the
finding's subject (the values its rule groups by: PI type, permission, component, host,
SDK party …), which the rule engine also hashes into the finding id. Code offsets, dex names
and evidence rows change with every build and play no part. A finding of the old version
whose rule needs an input the new scan did not analyse (traffic rules when the new scan had
no captures, pricing rules when it was no pricing run) is neither fixed nor remaining: it is
listed in ``not_rechecked[]``.

The verdict is ``rectified`` (整改完成) when nothing remains, nothing is new and nothing went
unchecked at or above ``threshold`` (default ``low``: ``info`` findings are notes, not
problems); otherwise ``not_rectified`` (整改未完成). Raises InputError when the two results
are not two scans of one app package.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.errors import InputError

SEVERITIES = ("info", "low", "medium", "high", "critical")
VERDICTS = {"rectified": {"zh": "整改完成", "en": "Rectification complete"},
            "not_rectified": {"zh": "整改未完成", "en": "Rectification not complete"}}
#: input kinds of result.json → what rules apply to
_INPUT_SCOPE = {"apk": "apk", "flows": "traffic", "har": "traffic"}


def finding_key(f: dict[str, Any]) -> tuple[str, str]:
    """What a finding is about: its rule and its subject (canonical JSON). Results without a
    subject fall back to the finding id, which the engine derives from the same subject."""
    if isinstance(f.get("subject"), dict):
        return f["rule"], json.dumps(f["subject"], sort_keys=True, ensure_ascii=False)
    return f["rule"], "#" + str(f.get("id"))


def _sdks(f: dict[str, Any]) -> str | None:
    names = set()
    subject = f.get("subject") or {}
    if isinstance(subject.get("sdk"), str):
        names.add(subject["sdk"])
    for ev in f.get("evidence") or ():
        s = (ev or {}).get("summary") or {}
        v = s.get("sdk")
        if isinstance(v, str) and v:
            names.add(v)
        elif isinstance(v, list):
            names.update(x for x in v if isinstance(x, str) and x)
    return ",".join(sorted(names)) or None


def _entry(old: dict | None, new: dict | None) -> dict[str, Any]:
    f = new or old or {}
    return {
        "rule": f["rule"],
        "pi_types": list(f.get("pi_types") or []),
        "sdk": _sdks(f),
        "title": f.get("title"),
        "old_id": old["id"] if old else None,
        "new_id": new["id"] if new else None,
        "severity": f.get("severity"),
        "notice_category": f.get("notice_category"),
        "notice_category_id": f.get("notice_category_id"),
        "subject": f.get("subject") or {},
        "remediation": f.get("remediation"),
    }


def scopes(doc: dict[str, Any]) -> set[str]:
    """What a result analysed: apk, traffic and/or pricing."""
    out = {_INPUT_SCOPE[i["kind"]] for i in doc.get("inputs") or () if i.get("kind") in
           _INPUT_SCOPE}
    if doc.get("command") == "pricing" or doc.get("comparisons") is not None:
        out.add("pricing")
    return out


def _rule_scopes() -> dict[str, set[str]]:
    """Rule id → the input kinds it applies to, from the shipped rules ({} if unloadable)."""
    try:
        from scanner.rules.loader import load_rules

        return {r.id: set(r.applies_to) for r in load_rules().rules}
    except Exception:  # noqa: BLE001 - a re-check needs no rules; unknown rules are compared
        return {}


def _side(doc: dict[str, Any], path: str | None) -> dict[str, Any]:
    app = doc.get("app") or {}
    apk = next((i for i in doc.get("inputs") or () if i.get("kind") == "apk"), None)
    return {
        "result": path,
        "package": app.get("package"), "label": app.get("label"),
        "version_name": app.get("version_name"), "version_code": app.get("version_code"),
        "apk": ({"path": apk.get("path"), "sha256": apk.get("sha256"), "sm3": apk.get("sm3")}
                if apk else None),
        "scanned": doc.get("finished") or doc.get("started"),
        "ruleset_sha256": (doc.get("tool") or {}).get("ruleset_sha256"),
        "partial": bool(doc.get("partial")),
        "findings": len(doc.get("findings") or ()),
        "scopes": sorted(scopes(doc)),
    }


def _at_or_above(entry: dict, threshold: str) -> bool:
    sev = entry.get("severity")
    return sev in SEVERITIES and SEVERITIES.index(sev) >= SEVERITIES.index(threshold)


def compare(old: dict[str, Any], new: dict[str, Any], old_path: str | None = None,
            new_path: str | None = None, threshold: str = "low") -> dict[str, Any]:
    """The re-check result document (see module docstring)."""
    if threshold not in SEVERITIES:
        raise ValueError(f"unknown severity {threshold!r}")
    if old.get("diff") is not None or new.get("diff") is not None:
        raise InputError("err_recheck_of_recheck")
    p_old = (old.get("app") or {}).get("package")
    p_new = (new.get("app") or {}).get("package")
    if not p_old or not p_new:
        raise InputError("err_recheck_no_package", old=old_path or "OLD", new=new_path or "NEW")
    if p_old != p_new:
        raise InputError("err_recheck_other_app", old=old_path or "OLD", new=new_path or "NEW",
                         old_package=p_old, new_package=p_new)
    new_scopes = scopes(new)
    rule_scopes = _rule_scopes()
    old_by: dict[tuple, list[dict]] = {}
    for f in old.get("findings") or ():
        old_by.setdefault(finding_key(f), []).append(f)
    fixed, remaining, added, unchecked = [], [], [], []
    for f in new.get("findings") or ():
        matches = old_by.get(finding_key(f))
        if matches:
            remaining.append(_entry(matches.pop(0), f))
        else:
            added.append(_entry(None, f))
    for group in old_by.values():
        for f in group:
            needs = rule_scopes.get(f["rule"])
            if needs is not None and not (needs & new_scopes):
                unchecked.append(_entry(f, None))
            else:
                fixed.append(_entry(f, None))

    def order(rows: list[dict]) -> list[dict]:
        return sorted(rows, key=lambda e: (-SEVERITIES.index(e["severity"])
                                           if e.get("severity") in SEVERITIES else 1,
                                           e["rule"], json.dumps(e["subject"], sort_keys=True,
                                                                 ensure_ascii=False)))

    fixed, remaining, added, unchecked = map(order, (fixed, remaining, added, unchecked))
    open_items = [e for e in remaining + added + unchecked if _at_or_above(e, threshold)]
    verdict = "not_rectified" if open_items else "rectified"
    notes = []
    if (old.get("tool") or {}).get("ruleset_sha256") != (new.get("tool") or {}).get(
            "ruleset_sha256"):
        notes.append({"zh": "两次扫描使用的规则集不同：差异可能部分来自规则变化。",
                      "en": "The two scans used different rulesets: some differences may come "
                            "from rule changes."})
    if new.get("partial"):
        notes.append({"zh": "新版本的扫描结果不完整（部分内容未能分析）："
                            "列为已整改的问题可能只是未被看到。",
                      "en": "The new version's result is partial (some content could not be "
                            "analysed): problems listed as fixed may only be unseen."})
    if unchecked:
        notes.append({"zh": "新版本未分析旧版本曾分析的输入（如网络抓包），相关问题未能复检。",
                      "en": "The new scan lacks an input the old one analysed (e.g. captured "
                            "traffic); the problems that need it were not re-checked."})
    if (old.get("app") or {}).get("version_code") == (new.get("app") or {}).get("version_code"):
        notes.append({"zh": "两个结果的版本号相同。",
                      "en": "Both results have the same version code."})
    outstanding_ids = {e["new_id"] for e in remaining + added}
    findings = [f for f in new.get("findings") or () if f["id"] in outstanding_ids]
    inputs = [{**i, "role": side} for side, doc in (("old", old), ("new", new))
              for i in doc.get("inputs") or ()]
    return {
        "schema_version": new.get("schema_version") or old.get("schema_version"),
        "tool": new.get("tool") or old.get("tool"),
        "command": "diff",
        "inputs": inputs,
        "app": new.get("app"),
        "category": new.get("category"),
        "findings": findings,
        # names the report shows, from the two results themselves (never the installed rules)
        **{key: {**(old.get(key) or {}), **(new.get(key) or {})}
           for key in ("pi_type_names", "notice_category_names")},
        "diff": {
            "versions": {"old": _side(old, old_path), "new": _side(new, new_path)},
            "threshold": threshold,
            "fixed": fixed, "remaining": remaining, "new": added,
            "not_rechecked": unchecked,
            "counts": {"fixed": len(fixed), "remaining": len(remaining), "new": len(added),
                       "not_rechecked": len(unchecked)},
            "verdict": verdict, "verdict_text": VERDICTS[verdict],
            "notes": notes,
        },
    }
