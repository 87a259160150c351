"""The notice list of a batch (存在问题的应用软件名单), in the form regulators attach to their
notices: 序号, 应用名称, 应用开发者, 应用来源, 应用版本, 所涉问题.

Contract:
    load_sources(path) -> Sources
        Reads the 应用来源 of APKs from a category map (CSV with a header row naming a
        ``source`` column, e.g. ``key,category,source``; or YAML, a list of
        ``{key, category?, source}``). A key is a file name (with or without .apk) or a
        package name, as in the category map. Raises UsageError when the file cannot be read
        or has no source column.
    notice_rows(store, min_severity="medium", sources=None, vocabulary=None) -> list[dict]
        One row per app version (package, version name and code) whose stored result has a
        finding at or above ``min_severity`` in a notice problem category printed in
        published notices (``in_notices: true`` in rulesets/notice-categories.yaml; a
        result stored before findings carried ``notice_category_id`` is read with the
        current rules' categories of its rule ids). Each
        row: ``no, name, developer, developer_basis (policy|certificate|none), source,
        version, problems[] (category ids, deduplicated, in the vocabulary's order),
        package, sha256[]``. 应用开发者 is the privacy policy's operator identity when the
        result has one (``policy.operator``), else the signing certificate subject's O= (or
        CN=, or the whole subject). 应用来源 is the mapped source, else the folder the APK
        was found in below the batch source folder, else empty. Rows are sorted by name,
        package and version.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.messages import msg, os_reason

SEVERITIES = ("info", "low", "medium", "high", "critical")
APK_SUFFIX = ".apk"


@dataclass(frozen=True)
class Sources:
    """应用来源 by file name (and stem) and by package name."""

    by_name: dict[str, str] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)

    def lookup(self, paths: list[str], package: str | None) -> str | None:
        for p in paths:
            name = os.path.basename(p)
            stem = name[:-len(APK_SUFFIX)] if name.lower().endswith(APK_SUFFIX) else name
            for key in (name, stem):
                if key in self.by_name:
                    return self.by_name[key]
        if package and package in self.packages:
            return self.packages[package]
        return None


def load_sources(path: Path) -> Sources:
    """The source column of a category map (see module docstring)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError("err_map_unreadable", path=str(path),
                         reason=os_reason(e) if isinstance(e, OSError)
                         else msg("reason_not_utf8")) from e
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise UsageError("err_map_yaml", path=str(path), detail=str(e).splitlines()[0]) from e
        if not isinstance(doc, list):
            raise UsageError("err_sources_shape", path=str(path))
        pairs.extend((str(x["key"]).strip(), str(x["source"]).strip()) for x in doc
                     if isinstance(x, dict) and x.get("key") and x.get("source"))
    else:
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        head = [c.strip().lower() for c in rows[0]] if rows else []
        if "source" not in head:
            raise UsageError("err_sources_column", path=str(path))
        k = head.index("key") if "key" in head else 0
        s = head.index("source")
        for row in rows[1:]:
            if len(row) > max(k, s) and row[k].strip() and not row[k].startswith("#"):
                if row[s].strip():
                    pairs.append((row[k].strip(), row[s].strip()))
    by_name, packages = {}, {}
    for key, src in pairs:
        if key.lower().endswith(APK_SUFFIX) or "." not in key or "/" in key:
            by_name[os.path.basename(key)] = src
        else:
            packages[key] = src
            by_name.setdefault(key, src)
    return Sources(by_name, packages)


_RDN = re.compile(r"(?:^|,)\s*(O|CN)\s*=\s*((?:\\,|[^,])+)")


def developer(doc: dict[str, Any]) -> tuple[str, str]:
    """(应用开发者, basis): the policy's operator, else the certificate subject's O/CN."""
    policy = doc.get("policy") or {}
    op = policy.get("operator")
    if isinstance(op, dict):
        op = op.get("name")
    if isinstance(op, str) and op.strip():
        return op.strip(), "policy"
    for s in (doc.get("app") or {}).get("signers") or ():
        subject = str(s.get("subject") or "")
        parts = {k: v.strip().replace("\\,", ",") for k, v in _RDN.findall(subject)}
        name = parts.get("O") or parts.get("CN") or subject.strip()
        if name:
            return name, "certificate"
    return "", "none"


def _folder_source(paths: list[str], roots: list[str]) -> str | None:
    """The folder below a batch source folder that holds the APK (e.g. samples/华为应用市场/x.apk
    → 华为应用市场)."""
    for p in paths:
        for root in roots:
            try:
                rel = Path(p).resolve().relative_to(Path(root).resolve())
            except (ValueError, OSError):
                continue
            if len(rel.parts) > 1:
                return rel.parts[0]
    return None


def _rule_category(rule_id: Any) -> str | None:
    """The notice category of a rule in the current rules, for results stored before
    findings carried ``notice_category_id``."""
    from scanner.rules.loader import load_rules

    for r in load_rules().rules:
        if r.id == rule_id:
            return r.notice_category
    return None


def notice_rows(store: Any, min_severity: str = "medium", sources: Sources | None = None,
                vocabulary: dict[str, dict] | None = None) -> list[dict[str, Any]]:
    """The rows of the notice list (see module docstring)."""
    if min_severity not in SEVERITIES:
        raise UsageError("err_unknown_severity", severity=repr(min_severity))
    if vocabulary is None:
        from scanner.knowledge import load_knowledge

        vocabulary = load_knowledge().notice_categories
    order = {cid: n for n, cid in enumerate(vocabulary)}
    threshold = SEVERITIES.index(min_severity)
    roots = [r["source"] for r in store.runs() if r.get("source") and
             Path(r["source"]).is_dir()]
    groups: dict[tuple, dict[str, Any]] = {}
    for row in store.rows():
        if row.get("status") != "ok":
            continue
        doc = store.result(row["sha256"]) or {}
        problems = set()
        for f in doc.get("findings") or ():
            cid = f.get("notice_category_id") or _rule_category(f.get("rule"))
            if (cid in vocabulary and vocabulary[cid].get("in_notices")
                    and f.get("severity") in SEVERITIES
                    and SEVERITIES.index(f["severity"]) >= threshold):
                problems.add(cid)
        if not problems:
            continue
        app = doc.get("app") or {}
        key = (app.get("package") or row.get("package"), app.get("version_name"),
               app.get("version_code"))
        paths = list(row.get("paths") or [])
        src = (sources.lookup(paths, key[0]) if sources else None) or \
            _folder_source(paths, roots) or ""
        dev, basis = developer(doc)
        g = groups.setdefault(key, {
            "name": app.get("label") or row.get("label") or key[0] or "",
            "developer": dev, "developer_basis": basis, "sources": [],
            "version": app.get("version_name") or str(app.get("version_code") or ""),
            "problems": set(), "package": key[0], "sha256": []})
        g["problems"] |= problems
        g["sha256"].append(row["sha256"])
        if src and src not in g["sources"]:
            g["sources"].append(src)
        if g["developer_basis"] != "policy" and basis == "policy":
            g["developer"], g["developer_basis"] = dev, basis
    out = []
    for n, g in enumerate(sorted(groups.values(), key=lambda g: (g["name"], g["package"] or "",
                                                                 g["version"])), 1):
        out.append({"no": n, "name": g["name"], "developer": g["developer"],
                    "developer_basis": g["developer_basis"],
                    "source": "、".join(g["sources"]), "version": g["version"],
                    "problems": sorted(g["problems"], key=lambda c: order.get(c, 999)),
                    "problem_names": [{"zh": str(vocabulary[c].get("zh") or c),
                                       "en": str(vocabulary[c].get("en") or c)}
                                      for c in sorted(g["problems"],
                                                      key=lambda c: order.get(c, 999))],
                    "package": g["package"], "sha256": sorted(g["sha256"])})
    return out
