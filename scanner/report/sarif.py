"""SARIF 2.1.0 format, so findings land in code-scanning tools.

- One ``run``; ``tool.driver.rules`` has one entry per rule that produced a finding, with
  help text and the legal basis in ``properties`` (texts in the report language).
- ``artifacts`` are the inputs (with SHA-256 and SM3 hashes) and, nested under the APK
  (``parentIndex``), the dex files, AndroidManifest.xml and zip entries that evidence cites.
- Each result has one location per evidence locator (capped): code call sites as a logical
  location (class / method, ``kind: function``) plus the dex as artifact location with the
  instruction's ``byteOffset``; flows as a logical location (``kind: resource``) plus the
  flow file as artifact when it is known; manifest elements as logical ``element`` locations.
- ``partialFingerprints`` carry the finding id, which is stable across rescans.

Rule metadata comes from the findings themselves (``rule_title``, ``description``): the
SARIF log is rendered from result.json alone, whichever rulesets are installed.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.report.interface import ReportFormat
from scanner.report.view import notice_label, pick, skipped_text, sorted_findings

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
          "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0",
                     "info": "1.0"}
MAX_LOCATIONS = 20
TRAFFIC_KINDS = ("flows", "har")


class _Artifacts:
    """The run's artifact table, built as locations need entries."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.items: list[dict[str, Any]] = []
        self.index: dict[tuple[int | None, str], int] = {}
        self.apk: int | None = None
        self.traffic: list[tuple[str, int]] = []
        for inp in doc.get("inputs") or ():
            i = self.add(inp["path"], None, {
                "length": inp["bytes"], "roles": ["analysisTarget"],
                "hashes": {"sha-256": inp["sha256"], "sm3": inp["sm3"]},
                "properties": {"kind": inp["kind"]}})
            if inp["kind"] == "apk" and self.apk is None:
                self.apk = i
            if inp["kind"] in TRAFFIC_KINDS:
                self.traffic.append((inp["path"], i))

    def add(self, uri: str, parent: int | None, extra: dict[str, Any] | None = None) -> int:
        key = (parent, uri)
        if key not in self.index:
            art: dict[str, Any] = {"location": {"uri": uri}}
            if parent is not None:
                art["parentIndex"] = parent
            art.update(extra or {})
            self.index[key] = len(self.items)
            self.items.append(art)
        return self.index[key]

    def location(self, uri: str, parent: int | None) -> dict[str, Any]:
        return {"uri": uri, "index": self.add(uri, parent)}

    def flow_file(self, flow: str) -> int | None:
        if len(self.traffic) == 1:
            return self.traffic[0][1]
        for path, i in self.traffic:
            if flow.startswith(path):
                return i
        return None


def _location(loc: dict[str, Any], arts: _Artifacts) -> dict[str, Any] | None:
    kind = loc.get("kind")
    out: dict[str, Any] = {}
    if kind == "code":
        cls, method = loc.get("class", ""), loc.get("method", "")
        out["physicalLocation"] = {
            "artifactLocation": arts.location(loc.get("dex", "classes.dex"), arts.apk),
            "region": {"byteOffset": int(loc.get("offset", 0))}}
        out["logicalLocations"] = [{"name": method.split("(")[0], "kind": "function",
                                    "fullyQualifiedName": f"{cls}->{method}"}]
        if loc.get("api"):
            out["message"] = {"text": loc["api"]}
    elif kind == "flow":
        fq = f"{loc.get('flow')} {loc.get('where', '')}:{loc.get('key', '')}".rstrip(":")
        out["logicalLocations"] = [{"name": loc.get("host", ""), "kind": "resource",
                                    "fullyQualifiedName": fq}]
        idx = arts.flow_file(str(loc.get("flow", "")))
        if idx is not None:
            out["physicalLocation"] = {"artifactLocation": {
                "uri": arts.items[idx]["location"]["uri"], "index": idx}}
        text = " ".join(str(x) for x in (loc.get("url"), loc.get("excerpt")) if x)
        if text:
            out["message"] = {"text": text}
    elif kind == "manifest":
        out["physicalLocation"] = {"artifactLocation": arts.location(
            loc.get("file", "AndroidManifest.xml"), arts.apk)}
        name = loc.get("name") or loc.get("element", "manifest")
        out["logicalLocations"] = [{"name": name, "kind": "element",
                                    "fullyQualifiedName": f"{loc.get('element', '')}:{name}"}]
    elif kind == "zip":
        out["physicalLocation"] = {"artifactLocation": arts.location(loc["entry"], arts.apk)}
    elif kind == "pricing":
        out["logicalLocations"] = [{
            "name": str(loc.get("path") or loc.get("flow") or ""), "kind": "value",
            "fullyQualifiedName": f"{loc.get('profile', '')}/{loc.get('flow', '')}"
                                  f"/{loc.get('path', '')}"}]
    else:
        return None
    return out


def _rule(f: dict[str, Any], lang: str, rem_text: str | None = None) -> dict[str, Any]:
    title = pick(f.get("rule_title") or f.get("title"), lang)
    desc = pick(f.get("description"), lang)
    basis = [{"cite": lb["cite"], "instrument": pick(lb.get("instrument"), lang),
              "article": pick(lb.get("article"), lang), "summary": pick(lb.get("summary"), lang)}
             for lb in f.get("legal_basis") or ()]
    basis_text = "; ".join(f"{b['instrument']} {b['article']}" for b in basis)
    # the rule's help gives the remediation only when every finding of the rule has the same
    # one; one filled in per finding ("remove CAMERA") is in its result's properties
    rem = rem_text or ""
    help_text = desc + (f"\n{basis_text}" if basis_text else "") + (f"\n{rem}" if rem else "")
    md = f"{desc}\n\n" + "".join(f"- {b['instrument']} {b['article']}: {b['summary']}\n"
                                 for b in basis) + (f"\n{rem}\n" if rem else "")
    return {
        "id": f["rule"], "name": f["rule"],
        "shortDescription": {"text": title}, "fullDescription": {"text": desc},
        "help": {"text": help_text, "markdown": md},
        "defaultConfiguration": {"level": LEVELS.get(f["severity"], "warning")},
        "properties": {"legal_basis": basis, "tags": ["privacy", f["rule"].split("-")[1].lower()],
                       "security-severity": SECURITY_SEVERITY.get(f["severity"], "5.0"),
                       "confidence": f.get("confidence")},
    }


def sarif_document(doc: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The SARIF log (a dict) of a result document."""
    tool = doc.get("tool") or {}
    arts = _Artifacts(doc)
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results = []
    remediations: dict[str, set[str]] = {}
    for f in doc.get("findings") or ():
        remediations.setdefault(f["rule"], set()).add(pick(f.get("remediation"), lang))
    for f in sorted_findings(doc):
        if f["rule"] not in rule_index:
            rule_index[f["rule"]] = len(rules)
            same = remediations.get(f["rule"]) or set()
            rules.append(_rule(f, lang, next(iter(same)) if len(same) == 1 else None))
        locs = []
        for ev in f.get("evidence") or ():
            for loc in ev.get("locators") or ():
                sl = _location(loc, arts)
                if sl is not None and sl not in locs:
                    locs.append(sl)
        for n, loc in enumerate(locs):
            loc["id"] = n
        result: dict[str, Any] = {
            "ruleId": f["rule"], "ruleIndex": rule_index[f["rule"]],
            "level": LEVELS.get(f["severity"], "warning"),
            "message": {"text": pick(f.get("title"), lang)},
            "partialFingerprints": {"appauditFindingId/v1": f["id"]},
            "properties": {"severity": f["severity"], "confidence": f.get("confidence"),
                           "pi_types": list(f.get("pi_types") or ()),
                           "n_evidence": len(f.get("evidence") or ()),
                           "notice_category": notice_label(f, lang, doc) or None,
                           "remediation": pick(f.get("remediation"), lang) or None},
        }
        if locs:
            result["locations"] = locs[:1]
            if len(locs) > 1:
                result["relatedLocations"] = locs[1:MAX_LOCATIONS]
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": tool.get("name", "appaudit"), "version": tool.get("version", ""),
            "semanticVersion": tool.get("version", ""), "rules": rules,
            "properties": {"ruleset_version": tool.get("ruleset_version"),
                           "ruleset_sha256": tool.get("ruleset_sha256")}}},
        "artifacts": arts.items,
        "results": results,
        "language": "zh-CN" if lang == "zh" else "en-US",
        "columnKind": "unicodeCodePoints",
        "properties": {"schema_version": doc.get("schema_version"), "command": doc.get("command"),
                       "partial": bool(doc.get("partial")),
                       "notice": pick(doc.get("notice"), lang)},
    }
    if doc.get("started") or doc.get("finished"):
        inv: dict[str, Any] = {"executionSuccessful": True}
        if doc.get("started"):
            inv["startTimeUtc"] = doc["started"]
        if doc.get("finished"):
            inv["endTimeUtc"] = doc["finished"]
        notes = [{"message": {"text": skipped_text(s, lang)}, "level": "warning"}
                 for s in doc.get("skipped") or ()]
        if notes:
            inv["toolExecutionNotifications"] = notes
        run["invocations"] = [inv]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifFormat(ReportFormat):
    """SARIF 2.1.0 JSON."""

    name = "sarif"
    suffix = ".sarif"

    def render(self, doc: dict[str, Any], lang: str = "zh") -> bytes:
        return (json.dumps(sarif_document(doc, lang), ensure_ascii=False, indent=2)
                + "\n").encode("utf-8")
