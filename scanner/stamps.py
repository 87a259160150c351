"""Writing and checking ``rulesets/_validated.json`` (``python -m scanner.knowledge``):
see :mod:`scanner.knowledge.validated` for what it holds and why.

The file is current when its ``rules`` and ``sdks`` digests equal those of the data as
validated now, and its ``validators`` digests those of the code that validates them
(the source's syntax tree without docstrings: editing a comment or a docstring keeps it
current). The pre-parsed YAML documents it also holds are an optimisation only: an
edited file (a translation in reports/i18n, a comment in a rule) is parsed as usual and
does not make the file stale; ``--check`` says how many are not pre-parsed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from pathlib import Path

from scanner.knowledge.validated import STAMP_FILE, decode_date, encode_date
from scanner.paths import reports_dir, rulesets_dir

_PKG = Path(__file__).resolve().parent
#: What validates each kind: a change to this code (beyond comments) makes its stamp stale.
VALIDATORS = {
    "rules": ("rules/schema.py", "rules/match.py", "rules/loader.py", "knowledge/facts.py"),
    "sdks": ("sdk/loader.py", "sdk/model.py"),
}


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def validators_digest(kind: str) -> str:
    """SHA-256 of the validator sources of ``kind``, comments and docstrings aside."""
    h = hashlib.sha256()
    for rel in VALIDATORS[kind]:
        tree = _without_docstrings(ast.parse((_PKG / rel).read_text("utf-8")))
        h.update(rel.encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    return h.hexdigest()


def yaml_files(folder: Path) -> dict[str, dict]:
    """sha256 -> {json, dates} of every YAML file of rulesets/ and reports/ that round-trips."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, dict] = {}
    for root in (folder, reports_dir()):
        for path in sorted(root.rglob("*.yaml")):
            if "_tools" in path.relative_to(root).parts:
                continue
            raw = path.read_bytes()
            doc = yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader
            try:
                text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                dates = False
            except TypeError:  # YAML dates: kept as {"$date": "..."}
                try:
                    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                                      default=encode_date)
                except (TypeError, ValueError):
                    continue
                dates = True
            except ValueError:
                continue
            if json.loads(text, object_hook=decode_date if dates else None) == doc:
                out[hashlib.sha256(raw).hexdigest()] = {"json": text, "dates": dates}
    return out


def current(folder: Path | None = None) -> dict:
    """Validate the rules and SDK catalogues of ``folder`` in full and return the stamp
    document (raises RulesetError on the first invalid entry)."""
    from scanner.rules.loader import load_rules_from, rule_files
    from scanner.sdk.loader import catalogue_files, load_files

    folder = Path(folder) if folder else rulesets_dir()
    rules = load_rules_from(folder, trust=False)
    sdks = load_files(catalogue_files(folder / "sdks"), trust=False)
    return {"rules": rules.digest, "sdks": sdks.digest, "yaml": yaml_files(folder),
            "validators": {kind: validators_digest(kind) for kind in VALIDATORS},
            "note": "written by python -m scanner.knowledge after full validation",
            "files": {"rules": [p for p, _ in rule_files(folder)],
                      "sdks": list(sdks.files)}}


def stale(recorded: dict, now: dict) -> list[str]:
    """What of ``recorded`` differs from ``now`` (the pre-parsed YAML aside)."""
    return [k for k in ("rules", "sdks", "validators") if recorded.get(k) != now.get(k)]


def main(argv: list[str] | None = None) -> int:
    """Write the stamps, or with ``--check`` exit 1 when they are stale."""
    argv = sys.argv[1:] if argv is None else argv
    folder = rulesets_dir()
    path = folder / STAMP_FILE
    now = current(folder)
    if "--check" in argv:
        try:
            recorded = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            recorded = {}
        bad = stale(recorded, now)
        if bad:
            print(f"{path} is out of date ({', '.join(bad)}): run python -m scanner.knowledge")
            return 1
        missing = set(now["yaml"]) - set(recorded.get("yaml") or {})
        if missing:
            print(f"{path}: {len(missing)} YAML files are not pre-parsed (slower to load, "
                  "still correct); python -m scanner.knowledge refreshes them")
        return 0
    path.write_text(json.dumps(now, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                    "utf-8")
    print(f"wrote {path}")
    return 0
