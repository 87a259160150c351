"""Algorithm-recommendation transparency: what the APK's strings and calls show.

Yields one ``apk.algorithm_transparency`` fact per APK (rulesets/facts.yaml): whether its
strings show a personalised feed, which advertising SDKs it ships (category advertising,
found with more than a leftover host string and more than an advertising-identifier
reader), and the evidence of a switch for personalised recommendation, a switch for
personalised ads, an explanation of the algorithm and algorithm filing numbers
(well-formed or not). The phrases and calls are data (rulesets/transparency.yaml,
``Knowledge.transparency``); the strings come from :mod:`scanner.ingest.app_text` (resources,
compiled XML, text assets) and the DEX index (string constants). Absence can only be told
when every string was visible: ``code_incomplete`` (packed build, unanalysed payload, no
DEX index) and ``text_complete`` (a text bound hit, an unreadable resource table) say when it
could not. Rules decide what an absence means.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.detectors.packer import code_incomplete
from scanner.ingest.app_text import TextHit, search_text
from scanner.model.facts import Fact
from scanner.model.locator import Locator
from scanner.model.result import SdkUse

MAX_EVIDENCE = 10  # strings listed per signal in the fact
MAX_LOCATORS = 40


def _show(hit: TextHit) -> str:
    return f"{hit.text} ({hit.file})"


def _identifier_only(use: SdkUse, prefixes: tuple[str, ...]) -> bool:
    """Whether the SDK was found only through classes that read an advertising identifier:
    code the only evidence kind, and every class (all of them listed) under ``prefixes``."""
    classes = list(use.evidence.get("classes") or ())
    if not prefixes or not classes or set(use.evidence_kinds) - {"code"}:
        return False
    if int(use.evidence.get("class_count") or len(classes)) > len(classes):
        return False
    return all(c.startswith(prefixes) for c in classes)


class TransparencyDetector(Detector):
    """Yields the ``apk.algorithm_transparency`` fact."""

    name = "transparency"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        ev = ctx.apk
        lex = ctx.knowledge.transparency
        if ev is None or not lex.signals:
            return
        needles = lex.needles
        found = search_text(ev.text_files, needles)
        hits = list(found.hits)
        index = ctx.dex_index
        if index is not None:  # only the phrases of signals that count dex strings
            dex_needles = tuple(dict.fromkeys(
                [n for sig in lex.signals.values() if "dex" in sig.sources
                 for n in sig.needles] + [lex.filing.prefix]))
            hits.extend(TextHit("dex", name, text)
                        for name, text in index.strings_containing(dex_needles))
        policy_files = set(ev.privacy_policy_assets)
        by_signal: dict[str, list[TextHit]] = {}
        for sid, sig in lex.signals.items():
            by_signal[sid] = [h for h in hits if sig.matches(h.kind, h.text)
                              and not (sig.exclude_policy_assets and h.file in policy_files)]
        calls = []
        if index is not None and lex.apis:
            calls = sorted(index.find_calls(set(lex.apis)), key=lambda c: (c.dex, c.offset))
        api_by_signal = {sid: [c for c in calls if c.callee in sig.apis]
                         for sid, sig in lex.signals.items()}

        numbers: dict[str, TextHit] = {}
        for h in hits:
            for m in lex.filing.pattern.finditer(h.text):
                numbers.setdefault(m.group(1), h)
        good = sorted(n for n in numbers if lex.filing.well_formed(n))
        bad = sorted(n for n in numbers if not lex.filing.well_formed(n))

        # advertising SDKs with more than a leftover host string as evidence, and more than
        # an advertising-identifier reader
        ads = {u.id: u for u in ctx.of_type(SdkUse)
               if "advertising" in u.categories and u.confidence != "low"
               and not _identifier_only(u, lex.ad_identifier_only)}
        ad_sdks = sorted(ads)

        def listed(*sids: str) -> list[str]:
            out = [_show(h) for s in sids for h in by_signal.get(s, ())]
            out += [f"{c.callee} ← {c.caller_class}->{c.caller_method} ({c.dex})"
                    for s in sids for c in api_by_signal.get(s, ())]
            return list(dict.fromkeys(out))[:MAX_EVIDENCE]

        switch = listed("switch", "switch_key")
        ad_switch = listed("ad_switch", "ad_switch_key", "ad_switch_api")
        attrs = {
            "feed": bool(by_signal.get("feed")),
            "feed_evidence": listed("feed"),
            "ad_sdks": ad_sdks,
            "ad_sdks_zh": "、".join(ads[i].name_zh or ads[i].name for i in ad_sdks),
            "ad_sdks_en": ", ".join(ads[i].name for i in ad_sdks),
            "switch": bool(switch),
            "switch_evidence": switch,
            "ad_switch": bool(ad_switch),
            "ad_switch_evidence": ad_switch,
            "explanation": bool(by_signal.get("explanation")),
            "explanation_evidence": listed("explanation"),
            "filing_numbers": good,
            "filing_malformed": bad,
            "filing_text": "、".join(f"{lex.filing.prefix}{n}号" for n in good),
            "filing_malformed_text": "、".join(f"{lex.filing.prefix}{n}号" for n in bad),
            "filing_digits": ", ".join(good),
            "filing_malformed_digits": ", ".join(bad),
            "filing_mentioned": bool(by_signal.get("filing_mention")) or bool(numbers),
            "code_searched": index is not None,
            "code_incomplete": code_incomplete(ctx) or index is None,
            "text_complete": ev.text_complete and not found.problems,
        }
        locs: list[Locator] = []
        shown = [h for sid in ("feed", "switch", "switch_key", "ad_switch", "ad_switch_key",
                               "explanation", "filing_mention") for h in by_signal.get(sid, ())]
        shown += [numbers[n] for n in good + bad]
        for h in dict.fromkeys(shown):
            if h.kind == "dex":
                locs.append(Locator("string", dex=h.file, text=h.text))
            else:
                locs.append(Locator("zip", entry=h.file, text=h.text))
        locs.extend(Locator("code", dex=c.dex, **{"class": c.caller_class},
                            method=c.caller_method, offset=c.offset, api=c.callee)
                    for c in calls)
        yield Fact("apk.algorithm_transparency", attrs,
                   tuple(dict.fromkeys(locs))[:MAX_LOCATORS])
