"""Results written by earlier versions, completed before they are rendered.

The formats render from the result document alone. A result written before it carried
``pi_type_names``, ``notice_category_names``, ``sdks[].vendor_names`` or
``category.necessary_pi_text_en`` would show ids or English in their place; the commands that
render stored results (``report``, ``bundle``, ``batch-report``, the workbench) call
:func:`complete` first, which fills only what is missing from the installed rulesets and leaves
every value the document has as it is. Documents of this version pass through unchanged.
"""

from __future__ import annotations

from typing import Any

from scanner.errors import RulesetError


def needs_completion(doc: dict[str, Any]) -> bool:
    """Whether a document lacks a display name the formats read."""
    cat = doc.get("category") or {}
    return (("pi_type_names" not in doc and (doc.get("findings") or doc.get("api_uses")
                                             or doc.get("transmissions")))
            or ("notice_category_names" not in doc
                and any(f.get("notice_category") for f in doc.get("findings") or ()))
            or any(isinstance(s, dict) and "vendor_names" not in s for s in doc.get("sdks") or ())
            or bool(cat.get("id") and cat.get("known") and "necessary_pi_text_en" not in cat))


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with the display names it lacks filled from the installed rulesets (a new dict;
    ``doc`` itself is not changed). Without readable rulesets it is returned as it is."""
    if not isinstance(doc, dict) or not needs_completion(doc):
        return doc
    try:
        from scanner.knowledge import load_knowledge, notice_category_names, pi_type_names

        kb = load_knowledge()
    except RulesetError:
        return doc
    out = dict(doc)
    out.setdefault("pi_type_names", pi_type_names(kb))
    out.setdefault("notice_category_names", notice_category_names(kb))
    if any(isinstance(s, dict) and "vendor_names" not in s for s in doc.get("sdks") or ()):
        out["sdks"] = [
            {**s, "vendor_names": kb.sdk_vendors.for_sdk(
                s.get("vendor"), (s.get("evidence") or {}).get("packages") or ())}
            if isinstance(s, dict) and "vendor_names" not in s else s
            for s in doc.get("sdks") or ()]
    cat = doc.get("category") or {}
    known = kb.categories.get(cat.get("id") or "") if cat.get("known") else None
    if known is not None and "necessary_pi_text_en" not in cat:
        out["category"] = {**cat, "necessary_pi_text_en": list(known.necessary_pi_text_en)}
    return out
