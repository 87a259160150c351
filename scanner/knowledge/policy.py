"""The privacy-policy lexicon (rulesets/policy.yaml), checked and compiled into
``Knowledge.policy``; applied by :mod:`scanner.ingest.policy_read`.

Contract:
    load_policy_lexicon(folder, pi_types, permissions) -> PolicyLexicon
        an empty lexicon when the folder has no policy.yaml; RulesetError (exit 4) naming the
        file and key when a value has the wrong shape, names an unknown PI type or
        permission, or an operator pattern is not a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml
from scanner.messages import msg

FILE = "policy.yaml"
SDK_ROLES = ("name", "vendor", "purpose", "pi", "link")
NEGATION_KEYS = ("cues", "patterns", "conditions", "condition_patterns", "breaks", "verbs",
                 "not_negations", "not_negation_patterns", "exceptions", "list_fillers")


@dataclass(frozen=True)
class PolicyElement:
    """A required (or recommended) element of the notice."""

    name: str
    required: bool
    zh: str
    en: str
    terms: tuple[str, ...]
    #: regular expressions over the folded text that also show the element
    patterns: tuple[re.Pattern, ...] = ()
    #: a word or pattern in a negated clause does not count
    positive_only: bool = False
    #: a word or pattern inside a match of one of these does not count ("账号注销后删除" is a
    #: time, not a way to cancel the account)
    not_in: tuple[re.Pattern, ...] = ()
    #: a glossary's definition counts too (a definition of sensitive PI tells which PI is)
    in_glossary: bool = False
    #: an SDK list, or a catalogue SDK named in the text (outside a negation), shows it
    sdk_named: bool = False


@dataclass(frozen=True)
class PolicyLexicon:
    """What rulesets/policy.yaml says, checked (see that file's header for the meaning)."""

    min_chars_to_judge: int = 0
    #: a resources.arsc string or a res/raw / asset text is the policy when it has at least
    #: this many characters, a title word and this many of the elements
    resource_min_chars: int = 800
    resource_min_elements: int = 4
    #: (pi type, terms)
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: (terms, pi types) of generic words
    group_terms: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    masks: tuple[str, ...] = ()
    #: masks as regular expressions ("公安部门的照片": an institution's photos)
    mask_patterns: tuple[re.Pattern, ...] = ()
    #: (pi type, terms, own-use words, user's-data words): the terms declare the PI type
    #: unless their line or sentence states only the app's own use ("存储权限：保存离线书籍")
    own_use: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = ()
    cues: tuple[str, ...] = ()
    #: cues as regular expressions ("不会" + a short adverbial + a collection verb)
    cue_patterns: tuple[re.Pattern, ...] = ()
    conditions: tuple[str, ...] = ()
    #: conditions as regular expressions (the user's refusal: "如您拒绝授权，…")
    condition_patterns: tuple[re.Pattern, ...] = ()
    #: words (and patterns) holding a negation word that negate no collection ("包括但不限于",
    #: "未成年人", "您不同意…", double negations "不会不"): blanked before cues are looked for
    not_negations: tuple[str, ...] = ()
    not_negation_patterns: tuple[re.Pattern, ...] = ()
    #: patterns with a group ``x``: an exception to a negation ("除手机号码外"); PI words in
    #: x are declared, whatever negation covers the clause
    exceptions: tuple[re.Pattern, ...] = ()
    #: words that join the items of a list ("、", "和", "您的", "or"): a clause of PI words and
    #: these only continues the list of the clause before it
    list_fillers: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    definitions: tuple[str, ...] = ()
    definition_headings: tuple[str, ...] = ()
    #: a parenthesis right after one of these words gives examples, declares nothing
    example_categories: tuple[str, ...] = ()
    permission_table_headers: tuple[str, ...] = ()
    #: header words of a yes/no column ("是否收集") and the answers that deny ("否")
    answer_headers: tuple[str, ...] = ()
    answer_negative: tuple[str, ...] = ()
    #: (android permission, terms)
    permissions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    purpose: tuple[str, ...] = ()
    #: purposes as regular expressions ("为扫描本地歌曲，我们需要…", "权限以读取…")
    purpose_patterns: tuple[re.Pattern, ...] = ()
    #: role (name|vendor|purpose|pi|link) -> label words
    sdk_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sdk_title_chars: int = 40
    #: sdk id -> names policies use for it
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    operator_suffixes: tuple[str, ...] = ()
    operator_before: tuple[re.Pattern, ...] = ()
    operator_after: tuple[re.Pattern, ...] = ()
    contact_headings: tuple[str, ...] = ()
    elements: tuple[PolicyElement, ...] = ()
    #: words that title a policy page, and words of a policy page's URL (captured traffic)
    titles: tuple[str, ...] = ()
    url_words: tuple[str, ...] = ()
    #: a text with none of these words is not read as a policy
    policy_words: tuple[str, ...] = ()


def _words(v: Any, where: str, allow_empty: bool = False) -> tuple[str, ...]:
    if v is None and allow_empty:
        return ()
    if not isinstance(v, list) or (not v and not allow_empty):
        raise RulesetError("err_rs_must_be", where=f"{FILE}: {where}", what=msg("rs_words"))
    for w in v:
        if not isinstance(w, str) or not w.strip():
            raise RulesetError("err_rs_item_not", where=f"{FILE}: {where}", value=repr(w),
                               what=msg("rs_nonempty_string"))
    return tuple(v)


def _mapping(v: Any, where: str) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise RulesetError("err_rs_must_be", where=f"{FILE}: {where}", what=msg("rs_mapping"))
    return v


def _patterns(v: Any, where: str) -> tuple[re.Pattern, ...]:
    out = []
    for n, p in enumerate(_words(v, where, allow_empty=True)):
        try:
            out.append(re.compile(p))
        except re.error as e:
            raise RulesetError("err_rs_regex", where=f"{FILE}: {where}[{n}]", regex=p,
                               detail=str(e)) from e
    return tuple(out)


def _exceptions(v: Any) -> tuple[re.Pattern, ...]:
    out = _patterns(v, "negation.exceptions")
    for n, p in enumerate(out):
        if "x" not in p.groupindex:
            raise RulesetError("err_rs_field_must_be", where=FILE,
                               field=f"negation.exceptions[{n}]", what=msg("rs_regex_group_x"))
    return out


def load_policy_lexicon(folder: Path, pi_types: Collection[str],
                        permissions: Collection[str]) -> PolicyLexicon:
    """Read and check ``policy.yaml`` of a rulesets folder."""
    path = Path(folder) / FILE
    if not path.is_file():
        return PolicyLexicon()
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_top_not_mapping", where=str(path), got=type(doc).__name__)

    def pi(name: Any, where: str) -> str:
        if name not in pi_types:
            raise RulesetError("err_rs_unknown_pi", where=f"{FILE}: {where}", pi=name)
        return str(name)

    minimum = doc.get("min_chars_to_judge", 0)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise RulesetError("err_rs_field_must_be", where=FILE, field="min_chars_to_judge",
                           what=msg("rs_int_min", min=0))
    res = _mapping(doc.get("in_resources"), "in_resources")
    for k in ("min_chars", "min_elements"):
        v = res.get(k, 1)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise RulesetError("err_rs_field_must_be", where=FILE, field=f"in_resources.{k}",
                               what=msg("rs_int_min", min=1))
    terms = tuple((pi(k, "terms"), _words(v, f"terms.{k}"))
                  for k, v in _mapping(doc.get("terms"), "terms").items())
    groups = []
    for n, g in enumerate(doc.get("group_terms") or ()):
        where = f"group_terms[{n}]"
        g = _mapping(g, where)
        groups.append((_words(g.get("terms"), f"{where}.terms"),
                       tuple(pi(x, where) for x in _words(g.get("pi_types"),
                                                          f"{where}.pi_types"))))
    own_use = []
    for n, g in enumerate(doc.get("own_use") or ()):
        where = f"own_use[{n}]"
        g = _mapping(g, where)
        own_use.append((pi(g.get("pi_type"), where), _words(g.get("terms"), f"{where}.terms"),
                        _words(g.get("own"), f"{where}.own"),
                        _words(g.get("users"), f"{where}.users")))
    neg = _mapping(doc.get("negation"), "negation")
    ans = _mapping(doc.get("answer_columns"), "answer_columns")
    for k in neg:
        if k not in NEGATION_KEYS:
            raise RulesetError("err_rs_unknown_key_known", where=FILE, key=f"negation.{k}",
                               known=list(NEGATION_KEYS))
    perms = []
    for k, v in _mapping(doc.get("permissions"), "permissions").items():
        if k not in permissions:
            raise RulesetError("err_rs_unknown_permission", where=f"{FILE}: permissions",
                               perm=k)
        perms.append((str(k), _words(v, f"permissions.{k}")))
    sdk = _mapping(doc.get("sdk_list"), "sdk_list")
    roles = {}
    for k, v in sdk.items():
        if k == "max_title_chars":
            continue
        if k not in SDK_ROLES:
            raise RulesetError("err_rs_unknown_key_known", where=FILE, key=f"sdk_list.{k}",
                               known=list(SDK_ROLES))
        roles[str(k)] = _words(v, f"sdk_list.{k}")
    title = sdk.get("max_title_chars", 40)
    if isinstance(title, bool) or not isinstance(title, int) or not 4 <= title <= 200:
        raise RulesetError("err_rs_field_must_be", where=FILE, field="sdk_list.max_title_chars",
                           what=msg("rs_int_range", low=4, high=200))
    aliases = {str(k): _words(v, f"aliases.{k}")
               for k, v in _mapping(doc.get("aliases"), "aliases").items()}
    op = _mapping(doc.get("operator"), "operator")
    elements = []
    for k, e in _mapping(doc.get("elements"), "elements").items():
        where = f"elements.{k}"
        e = _mapping(e, where)
        for flag in ("required", "positive_only", "in_glossary", "sdk_named"):
            if not isinstance(e.get(flag, False), bool):
                raise RulesetError("err_rs_field_must_be", where=FILE, field=f"{where}.{flag}",
                                   what=msg("rs_bool"))
        for lang in ("zh", "en"):
            if not isinstance(e.get(lang), str) or not e[lang]:
                raise RulesetError("err_rs_field_must_be", where=FILE,
                                   field=f"{where}.{lang}", what=msg("rs_nonempty_string"))
        elements.append(PolicyElement(str(k), bool(e.get("required", False)), e["zh"],
                                      e["en"], _words(e.get("terms"), f"{where}.terms"),
                                      _patterns(e.get("patterns"), f"{where}.patterns"),
                                      bool(e.get("positive_only", False)),
                                      _patterns(e.get("not_in"), f"{where}.not_in"),
                                      bool(e.get("in_glossary", False)),
                                      bool(e.get("sdk_named", False))))
    return PolicyLexicon(
        min_chars_to_judge=minimum,
        resource_min_chars=int(res.get("min_chars", 800)),
        resource_min_elements=int(res.get("min_elements", 4)),
        terms=terms,
        group_terms=tuple(groups),
        masks=_words(doc.get("masks"), "masks", allow_empty=True),
        mask_patterns=_patterns(doc.get("mask_patterns"), "mask_patterns"),
        own_use=tuple(own_use),
        cues=_words(neg.get("cues"), "negation.cues", allow_empty=True),
        cue_patterns=_patterns(neg.get("patterns"), "negation.patterns"),
        conditions=_words(neg.get("conditions"), "negation.conditions", allow_empty=True),
        condition_patterns=_patterns(neg.get("condition_patterns"),
                                     "negation.condition_patterns"),
        not_negations=_words(neg.get("not_negations"), "negation.not_negations",
                             allow_empty=True),
        not_negation_patterns=_patterns(neg.get("not_negation_patterns"),
                                        "negation.not_negation_patterns"),
        exceptions=_exceptions(neg.get("exceptions")),
        list_fillers=_words(neg.get("list_fillers"), "negation.list_fillers",
                            allow_empty=True),
        breaks=_words(neg.get("breaks"), "negation.breaks", allow_empty=True),
        verbs=_words(neg.get("verbs"), "negation.verbs", allow_empty=True),
        definitions=_words(doc.get("definitions"), "definitions", allow_empty=True),
        definition_headings=_words(doc.get("definition_headings"), "definition_headings",
                                   allow_empty=True),
        example_categories=_words(doc.get("example_categories"), "example_categories",
                                  allow_empty=True),
        answer_headers=_words(ans.get("headers"), "answer_columns.headers", allow_empty=True),
        answer_negative=_words(ans.get("negative"), "answer_columns.negative",
                               allow_empty=True),
        permission_table_headers=_words(doc.get("permission_table_headers"),
                                        "permission_table_headers", allow_empty=True),
        permissions=tuple(perms),
        purpose=_words(doc.get("purpose"), "purpose", allow_empty=True),
        purpose_patterns=_patterns(doc.get("purpose_patterns"), "purpose_patterns"),
        sdk_roles=roles,
        sdk_title_chars=title,
        aliases=aliases,
        operator_suffixes=_words(op.get("suffixes"), "operator.suffixes", allow_empty=True),
        operator_before=_patterns(op.get("before"), "operator.before"),
        operator_after=_patterns(op.get("after"), "operator.after"),
        contact_headings=_words(op.get("contact_headings"), "operator.contact_headings",
                                allow_empty=True),
        elements=tuple(elements),
        titles=_words(doc.get("titles"), "titles", allow_empty=True),
        url_words=_words(doc.get("url_words"), "url_words", allow_empty=True),
        policy_words=_words(doc.get("policy_words"), "policy_words", allow_empty=True),
    )
