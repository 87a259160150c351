"""Algorithm-recommendation transparency lexicon (rulesets/transparency.yaml).

Loaded into ``Knowledge.transparency``; applied by :mod:`scanner.detectors.transparency`.
A malformed file (unknown source kind, a ``confirm`` that is not a regular expression, an
API that is not a Dalvik method descriptor) is a :class:`RulesetError` naming it (exit 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml
from scanner.messages import msg

SOURCES = ("resource", "resource_key", "xml", "asset", "dex")
_METHOD = re.compile(r"^L[^;\s]+;->[^(\s]+\([^)\s]*\)\S+$")
MAX_NEEDLES = 200


@dataclass(frozen=True)
class Signal:
    """One kind of evidence: phrases (and calls) that show it."""

    id: str
    zh: str
    en: str
    needles: tuple[str, ...] = ()
    confirm: re.Pattern[str] | None = None
    sources: tuple[str, ...] = SOURCES
    apis: tuple[str, ...] = ()
    exclude_policy_assets: bool = False

    def matches(self, kind: str, text: str) -> bool:
        """Whether a string of this kind that holds a needle counts for the signal."""
        if kind not in self.sources or not any(n in text for n in self.needles):
            return False
        return self.confirm is None or self.confirm.search(text) is not None


@dataclass(frozen=True)
class FilingFormat:
    """What a CAC algorithm filing number looks like."""

    prefix: str = "网信算备"
    digits: int = 21
    pattern: re.Pattern[str] = re.compile(r"网信算备\s*[:：]?\s*([0-9]{6,30})\s*号?")
    province_codes: frozenset[int] = frozenset()

    def well_formed(self, number: str) -> bool:
        """The digit count and a known province code (see transparency.yaml)."""
        return (len(number) == self.digits and number.isdigit()
                and (not self.province_codes or int(number[:2]) in self.province_codes))


@dataclass(frozen=True)
class TransparencyLexicon:
    """The signals and the filing-number format."""

    signals: dict[str, Signal] = field(default_factory=dict)
    filing: FilingFormat = field(default_factory=FilingFormat)
    #: class-descriptor prefixes of advertising-SDK parts that serve no ads (identifier readers)
    ad_identifier_only: tuple[str, ...] = ()

    @property
    def needles(self) -> tuple[str, ...]:
        """Every phrase any signal searches for, and the filing prefix, once each."""
        out = [n for s in self.signals.values() for n in s.needles]
        return tuple(dict.fromkeys([*out, self.filing.prefix]))

    @property
    def apis(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for s in self.signals.values() for a in s.apis))


def _strs(v: Any, where: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise RulesetError("err_rs_must_be", where=where, what=msg("rs_string_list"))
    return tuple(v)


def _regex(v: Any, where: str) -> re.Pattern[str] | None:
    if v is None:
        return None
    if not isinstance(v, str) or len(v) > 2000:
        raise RulesetError("err_rs_must_be", where=where, what=msg("rs_regex_string"))
    try:
        return re.compile(v)
    except re.error as e:
        raise RulesetError("err_rs_regex", where=where, regex=v, detail=str(e)) from e


def parse_transparency(doc: Any, where: str = "transparency.yaml") -> TransparencyLexicon:
    """Validate and index the lexicon document."""
    if doc is None:
        return TransparencyLexicon()
    if not isinstance(doc, dict) or not isinstance(doc.get("signals"), dict):
        raise RulesetError("err_rs_must_be", where=where,
                           what=msg("rs_mapping_with", key="signals"))
    signals: dict[str, Signal] = {}
    for sid, s in doc["signals"].items():
        w = f"{where}: signals.{sid}"
        if not isinstance(s, dict):
            raise RulesetError("err_rs_must_be", where=w, what=msg("rs_mapping"))
        unknown = set(s) - {"about", "needles", "confirm", "sources", "apis",
                            "exclude_policy_assets"}
        if unknown:
            raise RulesetError("err_rs_unknown_keys", where=w, keys=sorted(map(str, unknown)))
        about = s.get("about") or {}
        if not isinstance(about, dict) or not about.get("zh") or not about.get("en"):
            raise RulesetError("err_rs_needs_zh_en", where=f"{w}: about")
        needles = _strs(s.get("needles"), f"{w}.needles")
        apis = _strs(s.get("apis"), f"{w}.apis")
        if len(needles) > MAX_NEEDLES:
            raise RulesetError("err_rs_too_many", where=f"{w}.needles", max=MAX_NEEDLES)
        bad = [a for a in apis if not _METHOD.match(a)]
        if bad:
            raise RulesetError("err_rs_item_not", where=f"{w}.apis", value=bad[0],
                               what=msg("rs_dalvik_method_plain"))
        if not needles and not apis:
            raise RulesetError("err_rs_needs_one", where=w, keys=["needles", "apis"])
        sources = _strs(s.get("sources"), f"{w}.sources") or SOURCES
        if set(sources) - set(SOURCES):
            raise RulesetError("err_rs_must_be", where=f"{w}.sources",
                               what=msg("rs_one_of", choices=list(SOURCES)))
        signals[str(sid)] = Signal(
            id=str(sid), zh=str(about["zh"]), en=str(about["en"]), needles=needles,
            confirm=_regex(s.get("confirm"), f"{w}.confirm"), sources=sources, apis=apis,
            exclude_policy_assets=bool(s.get("exclude_policy_assets", False)))
    f = doc.get("filing") or {}
    if not isinstance(f, dict):
        raise RulesetError("err_rs_must_be", where=f"{where}: filing", what=msg("rs_mapping"))
    pattern = _regex(f.get("pattern"), f"{where}: filing.pattern")
    if pattern is not None and pattern.groups != 1:
        raise RulesetError("err_rs_one_group", where=f"{where}: filing.pattern")
    digits = f.get("digits", 21)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 6 <= digits <= 30:
        raise RulesetError("err_rs_must_be", where=f"{where}: filing.digits",
                           what=msg("rs_int_range", low=6, high=30))
    codes = f.get("province_codes") or []
    if not isinstance(codes, list) or not all(isinstance(c, int) and 10 <= c <= 99
                                              for c in codes):
        raise RulesetError("err_rs_must_be", where=f"{where}: filing.province_codes",
                           what=msg("rs_two_digit_ints"))
    prefix = f.get("prefix", "网信算备")
    if not isinstance(prefix, str) or not prefix:
        raise RulesetError("err_rs_must_be", where=f"{where}: filing.prefix",
                           what=msg("rs_nonempty_string"))
    filing = FilingFormat(prefix=prefix, digits=digits,
                          pattern=pattern or FilingFormat().pattern,
                          province_codes=frozenset(codes))
    ident = _strs(doc.get("ad_identifier_only"), f"{where}: ad_identifier_only")
    if any(not x.startswith("L") for x in ident):
        raise RulesetError("err_rs_must_be", where=f"{where}: ad_identifier_only",
                           what=msg("rs_class_prefixes"))
    return TransparencyLexicon(signals, filing, ident)


def load_transparency(folder: Path) -> TransparencyLexicon:
    """Read ``transparency.yaml`` of a rulesets folder (an empty lexicon when absent)."""
    path = Path(folder) / "transparency.yaml"
    if not path.is_file():
        return TransparencyLexicon()
    return parse_transparency(read_yaml(path), "transparency.yaml")
