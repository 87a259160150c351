"""Privacy policy against behaviour: what the policy tells the user, compared with what the
code, the traffic and the runtime log show (runs in ``finish``, after every other detector).

The policy is the ``--policy`` files (``ctx.policy``), else a policy page in the captured
traffic, else the text/HTML policy assets inside the APK, else (when those are missing or
shorter than ``min_chars_to_judge``) the policy kept in the APK's resources: the longest
resources.arsc string value, text asset or res/raw file that reads as the app's own policy
(:func:`resource_policies`). :func:`scanner.ingest.policy_read.read_policy` reads it with
the lexicon of ``Knowledge.policy`` (rulesets/policy.yaml): declared and denied PI types,
permissions, the SDKs it lists, the operator and the notice's elements. Yields a :class:`PolicyInfo`
(result.json ``policy``) and facts:

``policy.pi_undeclared``     {pi_type, observed, sources, sdks}: a PI type read by effective
                             code (``sources`` has ``code``), sent in traffic or read at run
                             time (``observed``: seen on a real phone) that the policy names
                             nowhere
``policy.pi_contradicted``   {pi_type, observed, sources, sdks, quote}: a PI type the policy
                             says is not collected ("我们不会收集…") that the app collects
``policy.sdk_undeclared``    {sdk, name, name_zh, name_en, vendor}: a third-party SDK (not a
                             development library) in the app that the policy names nowhere
``policy.sdk_pi_undeclared`` {sdk, name_zh, name_en, pi_type, observed, sources, quote}: an
                             SDK the policy lists with the PI it collects, seen collecting
                             a type its entry does not name
``policy.element_missing``   {element, element_zh, element_en}: a required element of the
                             notice (PIPL Art. 17) not found
``policy.permission_purpose`` {permission, permission_zh, permission_en, pi_types, named,
                             purpose_stated, quote, used}: a dangerous permission the APK
                             requests, and whether the policy states a purpose for it: it
                             names the permission with a purpose in the same table row, list
                             line or short paragraph (``declared_permissions[].purpose``), or
                             declares the PI type the permission is for (the first of its
                             permissions.yaml ``pi_types``) in a sentence or row that states a
                             purpose
                             (``declared_pi[].purpose``). ``named`` false: the policy does not
                             name the permission at all; ``layout_lost``: the policy is a
                             PDF, whose permission tables are read as lines without their
                             columns (a purpose cell cannot be told from another cell)
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
from scanner.messages import msg, record
from scanner.model.facts import Fact
from scanner.model.policy import PolicyInfo
from scanner.model.result import ApiUse, SdkUse, Skipped, Transmission
from scanner.model.runtime import RuntimeCall


def _find(text: str, folded: str, terms: Iterable[str]) -> tuple[str, str] | None:
    """(term, quote) of the first term found in the folded text."""
    for term in terms:
        t = str(term).lower()
        if len(t) < 2:
            continue
        i = folded.find(t)
        if i >= 0:
            from scanner.ingest.policy_read import quote

            return str(term), quote(text, i, i + len(t))
    return None


_TRAILING_SDK = re.compile(r"\s*(sdk|SDK|\+)\s*$")


def _core(name: str) -> str:
    return _TRAILING_SDK.sub("", name).strip()


_NAMES: dict[tuple[int, int], tuple[object, object, tuple]] = {}


def catalog_names(catalog, aliases: dict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(sdk id, names) of every catalogue SDK: its name, Chinese name (each also without a
    trailing "SDK") and the lexicon's aliases; what the SDKs a policy lists are matched
    against. Cached per catalogue and alias table."""
    key = (id(catalog), id(aliases))
    hit = _NAMES.get(key)
    if hit is not None and hit[0] is catalog and hit[1] is aliases:
        return hit[2]
    out = []
    for s in catalog.sdks:
        names = [n for n in (s.name, s.name_zh) if n]
        names += [c for c in map(_core, list(names)) if c and c not in names]
        names += list(aliases.get(s.id, ()))
        out.append((s.id, tuple(names)))
    _NAMES.clear()
    _NAMES[key] = (catalog, aliases, tuple(out))
    return _NAMES[key][2]


def _sdk_names(s: SdkUse, aliases: dict) -> list[str]:
    names = []
    for n in (s.name_zh, s.name):
        if not n:
            continue
        names.append(n)
        core = _core(n)
        if core and core != n and len(core) >= 2:
            names.append(core)
    return names + list(aliases.get(s.id, ()))


class PolicyTextDetector(Detector):
    name = "policy_text"

    def finish(self, ctx: ScanContext) -> Iterable[Item]:
        docs, problems = _documents(ctx)
        out: list[Item] = [Skipped(*record(msg("part_policy"), p)) for p in problems]
        if not docs:
            if ctx.policy is not None or (ctx.apk is not None and
                                          ctx.apk.privacy_policy_documents):
                out.append(PolicyInfo(False, None, None))
            return out
        source, sha = docs[0][0], docs[0][1]
        text = "\n".join(d[2] for d in docs)
        tables = tuple(t for d in docs for t in d[3])
        lex = ctx.knowledge.policy
        judged, why, kind = True, None, None
        minimum = lex.min_chars_to_judge
        if source.startswith("apk:") and len(text.strip()) < minimum:
            judged, kind = False, "stub"
            why = (f"the policy found in the APK has {len(text.strip())} characters, fewer than "
                   f"{minimum}: probably a stub of an online policy; give the full policy "
                   "with --policy")
        from scanner.ingest.policy_read import MAX_MENTIONS, read_policy

        reading = read_policy(text, tables, lex,
                              catalog_names(ctx.sdk_catalog, lex.aliases))
        if reading.mentions_capped:
            out.append(Skipped(*record(msg("part_policy"),
                                       msg("policy_mentions_capped", max=MAX_MENTIONS))))
        if lex.policy_words and not any(w.lower() in reading.folded
                                        for w in lex.policy_words):
            judged, kind = False, "not_a_policy"
            why = ("the text does not read as a privacy policy (none of "
                   f"{', '.join(lex.policy_words[:4])}…): a wrong file, or text in an encoding "
                   "read wrongly; nothing is concluded from it")
        declared = {d["pi_type"]: d for d in reading.declared_pi}
        denied = {d["pi_type"]: d for d in reading.denied_pi}
        folded = reading.folded
        # a PDF's text keeps no table: its rows are split into lines, cell by cell, and a
        # name wrapped in a narrow cell ("高德定\n位SDK") is cut (tables are not rebuilt from
        # the PDF's layout)
        layout_lost = ctx.policy is not None and any(d.kind == "pdf" for d in ctx.policy)
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
            attrs = {"pi_type": pi, "observed": bool(e["sources"] & {"traffic", "runtime"}),
                     "sources": sorted(e["sources"]), "sdks": sorted(e["sdks"])}
            if pi in denied:
                out.append(Fact("policy.pi_contradicted", {**attrs,
                                                           "quote": denied[pi]["quote"]}))
            else:
                out.append(Fact("policy.pi_undeclared", attrs))
        sdks_declared = []
        listed = {e["sdk"]: e for e in reading.sdk_list if e.get("sdk")}
        by_sdk: dict[str, dict[str, set]] = {}
        for pi, e in seen.items():
            for sdk in e["sdks"]:
                by_sdk.setdefault(sdk, {}).setdefault(pi, set()).update(e["sources"])
        sdks = {s.id: s for s in ctx.of_type(SdkUse)}
        for sid in sorted(sdks):
            s = sdks[sid]
            if not s.tracker or "development" in s.categories:
                continue
            entry = listed.get(sid)
            hit = ((s.name, entry["quote"]) if entry is not None
                   else _find(text, folded, _sdk_names(s, lex.aliases)))
            if hit is None and layout_lost:
                hit = _find(text.replace("\n", ""), folded.replace("\n", ""),
                            _sdk_names(s, lex.aliases))
            if hit:
                sdks_declared.append({"name": s.name, "sdk": sid, "quote": hit[1]})
                said = set(entry.get("pi_types") or ()) | set(
                    entry.get("pi_types_generic") or ()) if entry is not None else set()
                # an SDK entry that lists what it collects, and the SDK collects more
                for pi in sorted(set(by_sdk.get(sid, {})) - said) if said and judged else ():
                    how = by_sdk[sid][pi]
                    out.append(Fact("policy.sdk_pi_undeclared", {
                        "sdk": sid, "name_zh": s.name_zh or s.name, "name_en": s.name,
                        "pi_type": pi, "observed": bool(how & {"traffic", "runtime"}),
                        "sources": sorted(how), "quote": entry["quote"]}))
            elif judged:
                out.append(Fact("policy.sdk_undeclared", {
                    "sdk": sid, "name": s.name, "name_zh": s.name_zh or s.name,
                    "name_en": s.name, "vendor": s.vendor or ""}))
        out.extend(_permission_purposes(ctx, reading, layout_lost) if judged else ())
        elements = dict(reading.elements)
        out.extend(Fact("policy.element_missing", {
            "element": el.name, "element_zh": el.zh, "element_en": el.en})
            for el in lex.elements if not elements.get(el.name) and el.required and judged)
        out.append(PolicyInfo(
            True, source, sha,
            declared_pi=reading.declared_pi,
            declared_sdks=tuple(sdks_declared),
            declared_permissions=reading.permissions,
            elements=elements, chars=len(text), judged=judged, not_judged_reason=why,
            denied_pi=reading.denied_pi, sdk_list=reading.sdk_list,
            operator=reading.operator, not_judged_kind=kind))
        return out


def _permission_purposes(ctx: ScanContext, reading, layout_lost: bool) -> Iterable[Fact]:
    """One ``policy.permission_purpose`` fact per dangerous permission the APK requests."""
    named = {p["name"]: p for p in reading.permissions}
    purposed = {d["pi_type"] for d in reading.declared_pi if d.get("purpose")}
    kb = ctx.knowledge.permissions
    for f in ctx.facts("apk.permission"):
        a = f.attrs
        if not a.get("dangerous"):
            continue
        name = str(a["name"])
        info = kb.get(name)
        pis = list(a.get("pi_types") or ())
        said = named.get(name)
        # the permission's own PI type (listed first in permissions.yaml: precise location
        # for ACCESS_FINE_LOCATION, whose list also has the coarse one it implies)
        via = pis[:1] if pis and pis[0] in purposed else []
        yield Fact("policy.permission_purpose", {
            "permission": name, "permission_zh": info.zh if info else name,
            "permission_en": info.en if info else name, "pi_types": pis,
            "named": said is not None,
            "purpose_stated": bool(said and said.get("purpose")) or bool(via),
            "purpose_via_pi": via, "quote": said["quote"] if said else "",
            "used": a.get("used"), "layout_lost": layout_lost}, f.evidence[:1])


def _documents(ctx: ScanContext) -> tuple[list[tuple[str, str | None, str, tuple]], list[dict]]:
    """[(source, sha256, text, tables)] and problems: the --policy files, else a policy page
    in the captured traffic, else the policy assets of the APK."""
    if ctx.policy is not None:
        return [(f"option:{d.name}", d.input.sha256 if d.input else None, d.text, d.tables)
                for d in ctx.policy], []
    problems: list[dict] = []  # messages
    if ctx.traffic is not None:
        found = _traffic_policy(ctx, problems)
        if found:
            return [found], problems
    if ctx.apk is None:
        return [], problems
    from scanner.hashing import digest_bytes
    from scanner.ingest.policy import policy_parts

    docs = []
    for name, raw in ctx.apk.privacy_policy_documents:
        try:
            _, text, tables = policy_parts(raw, name)
        except InputError as e:
            problems.append(msg("skip_item", what=name, reason=e.message()))
            continue
        if text.strip():
            docs.append((f"apk:{name}", digest_bytes(raw).sha256, text, tables))
    lex = ctx.knowledge.policy
    if sum(len(d[2].strip()) for d in docs) < lex.min_chars_to_judge:
        found, trouble = resource_policies(ctx)
        problems.extend(trouble)
        if found:
            docs = [found[0], *docs]
    return docs, problems


_RESOURCE_CACHE: dict[int, tuple[object, tuple]] = {}


def resource_policies(ctx: ScanContext) -> tuple[list[tuple[str, str, str, tuple]], list[dict]]:
    """[(source, sha256, text, tables)] of the policies kept in the APK's resources, best
    first, and the files that could not be read. A candidate is a resources.arsc string
    value, a text asset or a res/raw file (not one of the policy-named assets, read anyway)
    of at least ``in_resources.min_chars`` characters holding a ``titles`` word; it is the
    app's own policy text when at least ``in_resources.min_elements`` of the notice's
    elements are found in it (a consent dialog or a link to the policy has far fewer).
    Cached per APK evidence."""
    ev = ctx.apk
    if ev is None:
        return [], []
    hit = _RESOURCE_CACHE.get(id(ev))
    if hit is not None and hit[0] is ev:
        return list(hit[1][0]), list(hit[1][1])
    from scanner.hashing import digest_bytes
    from scanner.ingest.app_text import long_texts
    from scanner.ingest.policy import policy_parts

    lex = ctx.knowledge.policy
    needles = [*lex.titles, *(t.title() for t in lex.titles if t.isascii()),
               *(t.upper() for t in lex.titles if t.isascii())]
    texts, problems = long_texts(ev.text_files, needles, lex.resource_min_chars)
    assets = set(ev.privacy_policy_assets)
    out = []
    for t in texts[:8]:
        if t.file in assets:
            continue
        raw = t.data
        try:
            _, text, tables = policy_parts(raw, t.file)
        except InputError as e:
            problems.append(msg("skip_item", what=t.file, reason=e.message()))
            continue
        if len(text.strip()) < lex.resource_min_chars:
            continue
        from scanner.ingest.policy_read import read_policy  # (its patterns: ~20 ms to load)

        reading = read_policy(text[:200_000], tables, lex)
        if sum(bool(v) for v in reading.elements.values()) < lex.resource_min_elements:
            continue
        sha = digest_bytes(raw).sha256
        out.append((f"apk:{t.file}", sha, text, tables))
    _RESOURCE_CACHE.clear()
    _RESOURCE_CACHE[id(ev)] = (ev, (tuple(out), tuple(problems)))
    return out, problems


_TEXTUAL = ("text/html", "text/plain", "application/xhtml")


def _traffic_policy(ctx: ScanContext, problems: list[dict]):
    """(source, sha256, text, tables) of the longest captured response that is a privacy
    policy page (see ``titles`` in rulesets/policy.yaml), or None."""
    from urllib.parse import unquote, urlsplit

    from scanner.hashing import digest_bytes
    from scanner.ingest.policy import policy_parts

    lex = ctx.knowledge.policy
    if not lex.titles:
        return None
    titles = [w.lower() for w in lex.titles]
    url_words = [w.lower() for w in lex.url_words]
    code_urls = {u for f in ctx.facts("apk.privacy_policy") for u in f.attrs.get("urls") or ()}
    best = None
    for ex in ctx.traffic.exchanges():
        if ex.status != 200 or len(ex.response_body) < 200:
            continue
        ctype = {k.lower(): v for k, v in ex.response_headers}.get("content-type", "")
        head = ex.response_body[:512].lstrip().lower()
        if not (any(t in ctype.lower() for t in _TEXTUAL) or head.startswith((b"<!doctype",
                                                                              b"<html"))):
            continue
        try:
            _, text, tables = policy_parts(ex.response_body, ex.url)
        except InputError:
            continue
        if not any(t in text.lstrip()[:300].lower() for t in titles):
            continue
        path = unquote(urlsplit(ex.url).path).lower()
        by_url = ex.url in code_urls or any(w in path for w in url_words)
        if not (by_url or len(text.strip()) >= lex.min_chars_to_judge):
            continue
        if ex.truncated:
            problems.append(msg("skip_policy_page_cut", url=ex.url))
        if best is None or len(text) > len(best[2]):
            best = (f"traffic:{ex.url}", digest_bytes(ex.response_body).sha256, text, tables)
    return best
