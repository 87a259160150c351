"""Privacy policy against behaviour: what the policy tells the user, compared with what the
code, the traffic and the runtime log show (runs in ``finish``, after every other detector).

The policy is the ``--policy`` files (``ctx.policy``) or else the text/HTML policy assets
inside the APK. Declared PI types, SDKs and the notice's elements are found with the
lexicon of ``rulesets/policy.yaml``. Yields a :class:`PolicyInfo` (result.json ``policy``) and
facts:

``policy.pi_undeclared``     {pi_type, observed, sources, sdks}: a PI type read by effective
                             code (``sources`` has ``code``), sent in traffic or read at run
                             time (``observed``: seen on a real phone) that the policy names
                             nowhere
``policy.sdk_undeclared``    {sdk, name, name_zh, name_en, vendor}: a third-party SDK (not a
                             development library) in the app that the policy names nowhere
``policy.element_missing``   {element, element_zh, element_en}: a required element of the
                             notice (PIPL Art. 17) not found
No facts when no policy was found (absence is PRIV-CODE-0006's matter), nor from what a
short policy found in the APK leaves out (``min_chars_to_judge`` of rulesets/policy.yaml:
often a stub that links to the online policy; ``policy.judged`` is then false).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.errors import InputError
from scanner.knowledge import read_yaml
from scanner.model.facts import Fact
from scanner.model.policy import PolicyInfo
from scanner.model.result import ApiUse, SdkUse, Skipped, Transmission
from scanner.model.runtime import RuntimeCall

QUOTE = 30


def _quote(text: str, start: int, end: int) -> str:
    a, b = max(0, start - QUOTE), min(len(text), end + QUOTE)
    return ("…" if a else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")


def _find(text: str, folded: str, terms: Iterable[str]) -> tuple[str, str] | None:
    """(term, quote) of the first term found, case folded."""
    for term in terms:
        t = str(term).casefold()
        i = folded.find(t)
        if i >= 0:
            return str(term), _quote(text, i, i + len(t))
    return None


def _sdk_names(s: SdkUse) -> list[str]:
    names = []
    for n in (s.name_zh, s.name):
        if not n:
            continue
        names.append(n)
        core = re.sub(r"\s*(sdk|SDK|\+)\s*$", "", n).strip()
        if core and core != n and len(core) >= 2:
            names.append(core)
    return names


class PolicyTextDetector(Detector):
    name = "policy_text"

    def finish(self, ctx: ScanContext) -> Iterable[Item]:
        docs, problems = _documents(ctx)
        out: list[Item] = [Skipped("policy", p) for p in problems]
        if not docs:
            if ctx.policy is not None or (ctx.apk is not None and
                                          ctx.apk.privacy_policy_documents):
                out.append(PolicyInfo(False, None, None))
            return out
        source, sha, text = docs[0][0], docs[0][1], "\n".join(d[2] for d in docs)
        lex = read_yaml(ctx.knowledge.folder / "policy.yaml")
        folded = text.casefold()
        judged, why = True, None
        minimum = int(lex.get("min_chars_to_judge") or 0)
        if ctx.policy is None and len(text.strip()) < minimum:
            judged = False
            why = (f"the policy found in the APK has {len(text.strip())} characters, fewer than "
                   f"{minimum}: probably a stub of an online policy; give the full policy "
                   "with --policy")
        declared: dict[str, dict] = {}
        for pi, terms in (lex.get("terms") or {}).items():
            hit = _find(text, folded, terms)
            if hit:
                declared[pi] = {"pi_type": pi, "term": hit[0], "quote": hit[1]}
        for group in lex.get("group_terms") or ():
            hit = _find(text, folded, group.get("terms") or ())
            if hit:
                for pi in group.get("pi_types") or ():
                    declared.setdefault(pi, {"pi_type": pi, "term": hit[0], "quote": hit[1],
                                             "generic": True})
        # behaviour: PI types read by effective code, sent, or read at run time
        seen: dict[str, dict[str, Any]] = {}

        def note(pi: str, how: str, sdk: str | None) -> None:
            e = seen.setdefault(pi, {"sources": set(), "sdks": set()})
            e["sources"].add(how)
            if sdk:
                e["sdks"].add(sdk)

        for u in ctx.of_type(ApiUse):
            if getattr(u, "effective", True) is not False and u.pi_type:
                note(u.pi_type, "code", u.sdk)
        for t in ctx.of_type(Transmission):
            note(t.pi_type, "traffic", t.sdk)
        for r in ctx.of_type(RuntimeCall):
            note(r.pi_type, "runtime", r.sdk)
        for pi in sorted(seen) if judged else ():
            if pi in declared:
                continue
            e = seen[pi]
            out.append(Fact("policy.pi_undeclared", {
                "pi_type": pi, "observed": bool(e["sources"] & {"traffic", "runtime"}),
                "sources": sorted(e["sources"]), "sdks": sorted(e["sdks"])}))
        sdks_declared = []
        sdks = {s.id: s for s in ctx.of_type(SdkUse)}
        for sid in sorted(sdks):
            s = sdks[sid]
            if not s.tracker or "development" in s.categories:
                continue
            hit = _find(text, folded, _sdk_names(s))
            if hit:
                sdks_declared.append({"name": s.name, "sdk": sid, "quote": hit[1]})
            elif judged:
                out.append(Fact("policy.sdk_undeclared", {
                    "sdk": sid, "name": s.name, "name_zh": s.name_zh or s.name,
                    "name_en": s.name, "vendor": s.vendor or ""}))
        elements = {}
        for name, el in (lex.get("elements") or {}).items():
            present = _find(text, folded, el.get("terms") or ()) is not None
            elements[name] = present
            if not present and el.get("required") and judged:
                out.append(Fact("policy.element_missing", {
                    "element": name, "element_zh": str(el.get("zh", name)),
                    "element_en": str(el.get("en", name))}))
        perms = sorted(set(re.findall(r"android\.permission\.[A-Z_]{3,60}", text)))[:100]
        out.append(PolicyInfo(
            True, source, sha,
            declared_pi=tuple({k: v for k, v in d.items() if k != "term"}
                              for _, d in sorted(declared.items())),
            declared_sdks=tuple(sdks_declared),
            declared_permissions=tuple({"name": p, "quote": p} for p in perms),
            elements=elements, chars=len(text), judged=judged, not_judged_reason=why))
        return out


def _documents(ctx: ScanContext) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """[(source, sha256, text)] and problems."""
    if ctx.policy is not None:
        return [(f"option:{d.name}", d.input.sha256 if d.input else None, d.text)
                for d in ctx.policy], []
    if ctx.apk is None:
        return [], []
    from scanner.hashing import digest_bytes
    from scanner.ingest.policy import policy_text

    docs, problems = [], []
    for name, raw in ctx.apk.privacy_policy_documents:
        try:
            _, text = policy_text(raw, name)
        except InputError as e:
            problems.append(f"policy asset {name}: {e}")
            continue
        if text.strip():
            docs.append((f"apk:{name}", digest_bytes(raw).sha256, text))
    return docs, problems
