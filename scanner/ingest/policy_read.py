"""Reading a privacy policy's text with the lexicon of rulesets/policy.yaml (Knowledge.policy):
which PI types it declares or denies, which permissions it names (with or without a stated
purpose), which SDKs it lists (tables and "名称：值" lists), who runs the app and how to
contact them, which required elements it contains. Generic code: every word comes from the
lexicon.

Contract:
    read_policy(text, tables, lexicon, sdk_names=()) -> PolicyReading
        ``tables`` as :func:`scanner.ingest.policy.policy_parts` gives them; ``sdk_names`` are
        (sdk id, names) pairs (the catalogue's names and the lexicon's aliases) against which
        the listed SDKs are matched. Linear in the text (one pass of one regular expression
        over it, then work per mention within SPAN characters of it, at most MAX_MENTIONS
        mentions looked at, marked in ``mentions_capped``).

How a mention is judged (see rulesets/policy.yaml's header for the words):
    * in a sentence with a definition word ("是指"): ignored;
    * a negation cue before it in its clause (or in the colon-ended clause that introduces
      the list it is an item of), or after it with no collection verb before it: negated,
      unless a condition stands in its clause, in the clause before it naming no PI, or in a
      later clause of the sentence naming none (then a conditional declaration);
    * a topic clause of PI words only, followed by a clause that negates and names no PI
      ("您的通讯录、短信和通话记录，本应用均不会访问"): negated;
    * a clause of PI words and list fillers only, after a clause whose negation reaches its
      end ("我们不会收集您的通讯录，或者短信"): negated (the list goes on);
    * inside the excepted words of an exception ("除手机号码外，我们不会收集…"): declared;
    * in a table row whose yes/no column ("是否收集") answers 否: negated;
    * cues are looked for in the text with the lexicon's ``not_negations`` blanked (words
      holding a negation word that negate no collection, double negations, the user's own
      negated choice);
    * inside a parenthesis of examples after a category word ("个人敏感信息（例如…）") in a
      sentence with no collection verb: ignored;
    * otherwise declared (``conditional`` when the sentence has a condition word).
    A parenthesis right after a word of several PI types or permissions keeps those it names
    ("位置权限（仅粗略位置）"). A PI type is declared when one mention declares it, denied when
    every mention negates it, or when a mention of it alone negates it and only words of
    several types or generic words declare it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.knowledge.policy import PolicyLexicon

QUOTE = 30
#: how far (characters) a mention's sentence, clause or line reaches on each side of it:
#: several times a long sentence (the 29 labelled policies read the same with 150, 300 and
#: unbounded); without it text with no sentence end made the judging quadratic (a 2.5 MB
#: "IMEI IMEI …" policy took over 60 CPU s)
SPAN = 300
#: lexicon terms judged in one text: a 200-page policy has about 5,300 (benchmarks/
#: policy_extraction.py's long_policy_html); a text of nothing but terms costs 1-2 ms a term.
#: Past it the reading is marked partial (PolicyReading.mentions_capped)
MAX_MENTIONS = 10_000
MAX_ROWS_UP = 200  # table rows looked up for a header
MAX_SDKS = 500
_SENTENCE = re.compile(r"[。！？!?；;\n\t]|\.(?=\s|$)")
#: clause ends; an English comma ends a clause only before a word that starts one (a
#: subject, a conjunction), so "we do not collect your contacts, photos or microphone" is one
_CLAUSE = re.compile(r"[。！？!?；;\n\t，]|,(?=\s*(?:we|you|they|it|this|these|that|which|"
                     r"but|so|and\s+we|and\s+you|if|when|unless|however|including)\b)|"
                     r"\.(?=\s|$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-•·*●▪◦○■□]|\d{1,2}\s*[.、)）]|[（(]\s*\d{1,2}\s*[)）]|"
                        r"[一二三四五六七八九十]{1,3}\s*[、.．]|[a-z]\s*[.)、])\s*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_PHONE = re.compile(r"(?<!\d)(?:[48]00[-\s]?\d{3}[-\s]?\d{4}|0\d{2,3}-\d{7,8}|1[3-9]\d{9})"
                    r"(?!\d)")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()·&]")
_NAME_CHAR_EN = re.compile(r"[A-Za-z0-9 &.,'()-]")
_NOT_FIRST = set("为是由：:，, （(“\"的及和与")
_PERMISSION = re.compile(r"android\.permission\.[A-Z_]{3,60}")
#: a list line "- Name (Vendor): data" / "· 友盟统计（友盟同欣）：设备标识符" naming one SDK
_INLINE_SDK = re.compile(r"^\s*(?:[-•·*●▪]|\d{1,2}\s*[.、)）])\s*(?P<name>[^()（）:：\n]{2,40}?)\s*"
                         r"[（(](?P<vendor>[^()（）:：\n]{2,60})[)）]\s*[:：]\s*(?P<pi>\S.*)$")
#: what follows a permission that starts a list line and is explained after it
_EXPLAINED = re.compile(r"\s*(?:[（(][^）)\n]{0,30}[）)])?\s*(?:[:：]|[-–—]\s)\s*\S")
#: a "label：value" line with a short label that is no SDK name ("收集方式：SDK本机采集")
_FIELD = re.compile(r"^\s*[\u4e00-\u9fffA-Za-z ]{2,8}[:：](?=\s*\S)")


def quote(text: str, start: int, end: int) -> str:
    """The words around ``text[start:end]`` on one line, with … where cut."""
    a, b = max(0, start - QUOTE), min(len(text), end + QUOTE)
    return ("…" if a else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")


def _fold(text: str) -> str:
    """Lower case, keeping every character's position (’ read as ', so "don’t" is "don't")."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low.replace("\u2019", "'")


def _ascii_word(term: str) -> bool:
    return term.isascii() and term[:1].isalnum() and term[-1:].isalnum()


def _alternation(words) -> str:
    parts = []
    for w in sorted({w.lower() for w in words}, key=len, reverse=True):
        e = re.escape(w)
        parts.append(rf"(?<![a-z0-9]){e}(?![a-z0-9])" if _ascii_word(w) else e)
    return "|".join(parts) or r"(?!x)x"


@dataclass(frozen=True)
class _Compiled:
    terms: re.Pattern
    #: folded term -> [("pi", type) | ("group", index) | ("perm", name)]
    meaning: dict[str, list[tuple[str, object]]]
    cues: re.Pattern | None
    conditions: re.Pattern | None
    breaks: re.Pattern | None
    verbs: re.Pattern | None
    definitions: re.Pattern | None
    purpose: re.Pattern | None
    masks: re.Pattern | None
    roles: list[tuple[str, str]]  # (folded label word, role), longest first
    label: re.Pattern | None
    definition_heads: re.Pattern | None
    permission_headers: tuple[str, ...]
    #: permission -> the PI types its own words name unambiguously ("粗略位置权限": coarse)
    perm_pi: dict[str, frozenset[str]]
    examples: re.Pattern | None
    #: words holding a negation word that negate nothing (blanked before cues are sought)
    not_neg: re.Pattern | None = None
    #: exception patterns, each with a group x ("除手机号码外")
    exceptions: tuple[re.Pattern, ...] = ()
    #: words that only join list items
    fillers: re.Pattern | None = None
    #: folded header words of yes/no columns and the answers that deny
    answer_headers: tuple[str, ...] = ()
    answer_negative: frozenset[str] = frozenset()
    #: (pi type, folded terms, own-use words, user's-data words), see PolicyLexicon.own_use
    own_use: tuple[tuple[str, tuple[str, ...], re.Pattern | None, re.Pattern | None], ...] = ()


_CACHE: dict[int, tuple[object, _Compiled]] = {}


def _compile(lex: PolicyLexicon) -> _Compiled:
    hit = _CACHE.get(id(lex))
    if hit is not None and hit[0] is lex:
        return hit[1]
    meaning: dict[str, list[tuple[str, object]]] = {}
    for pi, words in lex.terms:
        for w in words:
            meaning.setdefault(w.lower(), []).append(("pi", pi))
    for n, (words, _) in enumerate(lex.group_terms):
        for w in words:
            meaning.setdefault(w.lower(), []).append(("group", n))
    for perm, words in lex.permissions:
        for w in words:
            meaning.setdefault(w.lower(), []).append(("perm", perm))
    # a permission word hides the PI words inside it from the scan ("麦克风权限" holds
    # "麦克风"): it carries their meanings too
    pi_words = [(w.lower(), pi) for pi, words in lex.terms for w in words]
    only_one = {w: pis[0] for w, pis in _pi_of_words(lex).items() if len(pis) == 1}
    perm_pi = {perm: frozenset(pi for w, pi in only_one.items() if any(w in x.lower()
                                                                         for x in words))
               for perm, words in lex.permissions}
    for term, means in meaning.items():
        if not any(kind == "perm" for kind, _ in means):
            continue
        if re.fullmatch(r"[a-z0-9_.]+", term) and "_" in term:
            # a manifest name ("ACCESS_COARSE_LOCATION") means its permissions' PI types,
            # not every PI word inside it ("location")
            for kind, v in list(means):
                for pi in sorted(perm_pi.get(str(v), ())) if kind == "perm" else ():
                    if ("pi", pi) not in means:
                        means.append(("pi", pi))
            continue
        for w, pi in pi_words:
            if w != term and w in term and ("pi", pi) not in means:
                means.append(("pi", pi))

    def opt(words) -> re.Pattern | None:
        return re.compile(_alternation(words)) if words else None

    # the longest label word decides; on a tie a more specific role than "name" ("SDK提供方"
    # holds the name word "SDK" and the vendor word "提供方")
    roles = sorted(((w.lower(), r) for r, ws in lex.sdk_roles.items() for w in ws),
                   key=lambda x: (-len(x[0]), x[1] == "name"))
    label = None
    if roles:
        label = re.compile(r"(" + "|".join(re.escape(w) for w, _ in roles) + r")\s*[:：]")
    cues = _with_patterns(opt(lex.cues), lex.cue_patterns)
    c = _Compiled(re.compile(_alternation(meaning)), meaning, cues,
                  _with_patterns(opt(lex.conditions), lex.condition_patterns),
                  opt(lex.breaks), opt(lex.verbs), opt(lex.definitions),
                  _with_patterns(opt(lex.purpose), lex.purpose_patterns),
                  _with_patterns(opt(lex.masks), lex.mask_patterns),
                  roles, label,
                  opt(lex.definition_headings),
                  tuple(w.lower() for w in lex.permission_table_headers), perm_pi,
                  opt(lex.example_categories),
                  _with_patterns(opt(lex.not_negations), lex.not_negation_patterns),
                  tuple(lex.exceptions), opt(lex.list_fillers),
                  tuple(w.lower() for w in lex.answer_headers),
                  frozenset(w.lower() for w in lex.answer_negative),
                  tuple((pi, tuple(w.lower() for w in ws), opt(own), opt(users))
                        for pi, ws, own, users in lex.own_use))
    _CACHE[id(lex)] = (lex, c)
    return c


def _with_patterns(words: re.Pattern | None, patterns) -> re.Pattern | None:
    """One expression for a word list and regular expressions of the same meaning."""
    if not patterns:
        return words
    return re.compile("|".join([*(f"(?:{p.pattern})" for p in patterns),
                                *([words.pattern] if words else [])]))


def _pi_of_words(lex: PolicyLexicon) -> dict[str, list[str]]:
    """{folded term: [PI types it names]}."""
    out: dict[str, list[str]] = {}
    for pi, words in lex.terms:
        for w in words:
            out.setdefault(w.lower(), []).append(pi)
    return out


@dataclass(frozen=True)
class PolicyReading:
    """What one policy text says (result.json ``policy``'s reading fields)."""

    declared_pi: tuple[dict, ...] = ()
    denied_pi: tuple[dict, ...] = ()
    permissions: tuple[dict, ...] = ()
    sdk_list: tuple[dict, ...] = ()
    operator: dict | None = None
    elements: dict = field(default_factory=dict)
    #: folded text (SDK names in prose are looked for in it)
    folded: str = ""
    #: the text had more than MAX_MENTIONS lexicon terms: those after it were not judged
    mentions_capped: bool = False


class _Text:
    """Sentence, clause and line boundaries of a text, for mention judgement."""

    def __init__(self, text: str, folded: str, c: _Compiled) -> None:
        self.text, self.folded, self.c = text, folded, c
        self.sent = [m.start() for m in _SENTENCE.finditer(text)]
        self.clause = [m.start() for m in _CLAUSE.finditer(text)]
        self.lines = [m.start() for m in re.finditer("\n", text)]
        self.glossary = _glossary(text, c.definition_heads)
        #: the folded text with the words that hold a negation word but negate no collection
        #: blanked ("包括但不限于", "您可以选择不使用", "不会不"): where cues are looked for
        self.neg = _blank(folded, c.not_neg)
        #: (start, end) of the excepted words of exceptions ("除手机号码外"), sorted
        self.excepted = sorted(m.span("x") for p in c.exceptions for m in p.finditer(folded))
        #: starts and ends of the term mentions (set by read_policy), for list-item checks
        self.m_starts: list[int] = []
        self.m_ends: list[int] = []
        self._bare_cache: dict[tuple[int, int], bool] = {}

    @staticmethod
    def _span(bounds: list[int], i: int, n: int) -> tuple[int, int]:
        """The sentence, clause or line around position ``i``, clipped to ``SPAN`` characters
        on each side of it (every mention is judged by searching its spans)."""
        k = bisect.bisect_right(bounds, i)
        start = bounds[k - 1] + 1 if k else 0
        end = bounds[k] if k < len(bounds) else n
        return max(start, i - SPAN), min(end, i + SPAN)

    def sentence(self, i: int) -> tuple[int, int]:
        return self._span(self.sent, i, len(self.text))

    def clause_of(self, i: int) -> tuple[int, int]:
        return self._span(self.clause, i, len(self.text))

    def line(self, i: int) -> tuple[int, int]:
        return self._span(self.lines, i, len(self.text))

    def _negates(self, start: int, end: int, i: int, j: int) -> bool:
        """Whether a cue starting in [start, i) (before the mention; it may end inside it, as
        "不具备读取" in "读取短信") reaches the mention, or one in [j, end) follows it with no
        collection verb before it."""
        c, f = self.c, self.neg
        if c.cues is None:
            return False
        last = None
        for m in c.cues.finditer(f, start, end):
            if m.start() >= i:
                break
            last = m
        if last is not None and not (c.breaks and c.breaks.search(f, last.end(), i)):
            return True
        if c.cues.search(f, j, end) and not (c.verbs and c.verbs.search(self.folded, start, i)):
            return True
        return False

    def _bare(self, a: int, b: int) -> bool:
        """Whether folded[a:b] holds PI words and list fillers only (and at least one PI word):
        an item of a list, not a statement."""
        if b - a > 200:  # a list item is short (and the check stays linear in the text)
            return False
        hit = self._bare_cache.get((a, b))
        if hit is not None:
            return hit
        k = bisect.bisect_left(self.m_starts, a)
        seg = list(self.folded[a:b])
        found = False
        while k < len(self.m_starts) and self.m_starts[k] < b:
            s0, s1 = self.m_starts[k], min(self.m_ends[k], b)
            seg[s0 - a:s1 - a] = " " * (s1 - s0)
            found = True
            k += 1
        rest = "".join(seg)
        if found and self.c.fillers is not None:
            rest = self.c.fillers.sub(" ", rest)
        out = found and not _LIST_ITEM.sub("", rest).strip(" \t、,，:：;；.()（）")
        self._bare_cache[(a, b)] = out
        return out

    def _continued_negated(self, c0: int, c1: int) -> bool:
        """A clause of list items only after a clause (on the same line, not across a full
        stop) whose negation reaches its end: "我们不会收集您的通讯录，或者短信",
        "我们不会收集以下信息：通讯录；短信；通话记录"."""
        for _ in range(30):
            if c0 < 2 or not self._bare(c0, c1) or self.text[c0 - 1] not in "，,；;、":
                return False
            p0, p1 = self.clause_of(c0 - 2)
            if self._negates(p0, p1, p1, p1):
                return True
            c0, c1 = p0, p1
        return False

    def _list_negated(self, i: int) -> bool:
        """An item of a list introduced by a negated clause ending with a colon."""
        l0, l1 = self.line(i)
        if not (_LIST_ITEM.match(self.text[l0:l1]) or self._bare(l0, l1)):
            return False
        k = bisect.bisect_right(self.lines, i) - 1  # index of the newline before the line
        for _ in range(60):
            if k < 0:
                return False
            p0 = self.lines[k - 1] + 1 if k else 0
            p1 = self.lines[k]
            head = self.text[p0:p1].rstrip()
            if not head:
                return False
            if (_LIST_ITEM.match(head) or self._bare(p0, p1)) and \
                    not head.endswith((":", "：")):
                k -= 1
                continue
            if not head.endswith((":", "：")):
                return False
            c0, _ = self.clause_of(p0 + len(head) - 1)
            return self._negates(c0, p0 + len(head), p0 + len(head), p0 + len(head))
        return False

    def _heading_negated(self, i: int, j: int) -> bool:
        """A run-in heading ("Location. We do not collect…", "位置信息：我们不会…"): a short
        segment without a verb, ending with a full stop or colon, followed on the same line by
        the sentence it heads; it takes that sentence's first clause's negation."""
        l0, l1 = self.line(i)
        line = self.text[l0:l1]
        m = re.match(r"\s*(?:\d+(?:\.\d+)*\s*)?([^.:：。]{1,40})[.:：]\s+(?=\S)|"
                     r"\s*(?:\d+(?:\.\d+)*\s*)?([^.:：。]{1,40})[:：](?=\S)", line)
        if not m or l0 + m.end() <= i:
            return False
        head = m.group(1) or m.group(2) or ""
        if self.c.verbs and self.c.verbs.search(head.lower()):
            return False
        b0 = l0 + m.end()
        _, b1 = self.clause_of(b0)
        return self._negates(b0, b1, b1, b1)

    def _topic_negated(self, c0: int, c1: int, s1: int) -> bool:
        """A topic clause, a list of PI words with no verb and no cue, whose sentence goes on
        with a clause that negates and names no PI word of its own: "您的通讯录、短信和通话记录，
        本应用均不会访问"."""
        c, f = self.c, self.neg
        if c.cues is None or c1 >= s1 or c1 - c0 > 120 or c.cues.search(f, c0, c1):
            return False
        # the topic is PI words and list fillers only (not "您的位置信息仅保存在本地")
        if not self._bare(c0, c1):
            return False
        n0, n1 = self.clause_of(c1 + 1)
        m = c.cues.search(f, n0, n1)
        return bool(m) and c.terms.search(f, n0, n1) is None and not (
            c.verbs and c.verbs.search(f, n0, m.start()))

    def _example(self, i: int, s0: int, s1: int) -> bool:
        """A mention inside a parenthesis that opens right after a category word
        ("个人敏感信息（例如身份证件号码…）") in a sentence with no collection verb: an example
        of what the category means, not a statement that it is collected."""
        c, f = self.c, self.folded
        if c.examples is None:
            return False
        k = max(f.rfind("（", s0, i), f.rfind("(", s0, i))
        if k < 0 or max(f.rfind("）", k, i), f.rfind(")", k, i)) >= 0:
            return False
        ends = [x.end() for x in c.examples.finditer(f, max(s0, k - 20), k)]
        if not ends or f[ends[-1]:k].strip():
            return False
        return not (c.verbs and c.verbs.search(f, s0, s1))

    def negated_at(self, i: int, j: int) -> bool:
        """Whether the words at folded[i:j] stand in a negated clause (a cue before them or
        ending with them: "我们不会读取")."""
        c0, c1 = self.clause_of(i)
        if self._negates(c0, c1, i, j):
            return True
        c = self.c
        m = c.cues.search(self.neg, c0, j) if c.cues is not None else None
        return m is not None and m.end() > i

    def judge(self, i: int, j: int) -> str | None:
        """'declared', 'conditional', 'denied' or None (a definition)."""
        c, f = self.c, self.folded
        s0, s1 = self.sentence(i)
        if c.definitions and c.definitions.search(f, s0, s1):
            return None
        k = bisect.bisect_right(self.glossary, (i, len(f) + 1)) - 1
        if k >= 0 and self.glossary[k][0] <= i < self.glossary[k][1]:
            return None
        if self._example(i, s0, s1):
            return None
        c0, c1 = self.clause_of(i)
        if self._excepted(i, j):
            negated = False  # "除手机号码外，我们不会收集…": the exception is collected
        else:
            negated = self._negates(c0, c1, i, j) or self._list_negated(i) or \
                self._answered_no(i)
            if not negated:
                negated = self._heading_negated(i, j) or self._topic_negated(c0, c1, s1) or \
                    self._continued_negated(c0, c1)
        if negated:
            return "conditional" if self._negation_conditioned(c0, c1, s0, s1) else "denied"
        conditional = bool(c.conditions and c.conditions.search(f, s0, s1))
        return "conditional" if conditional else "declared"

    def _answered_no(self, i: int) -> bool:
        """A table row (tab- or "|"-separated) under a header with a yes/no column ("是否收集")
        whose answer in this row is negative ("否")."""
        c = self.c
        if not c.answer_headers:
            return False
        l0, l1 = self.line(i)
        row = self.folded[l0:l1]
        sep = "\t" if "\t" in row else "|" if row.count("|") >= 2 else None
        if sep is None:
            return False
        k = bisect.bisect_right(self.lines, i) - 1
        head = None
        for _ in range(MAX_ROWS_UP):
            if k < 0:
                break
            p0 = self.lines[k - 1] + 1 if k else 0
            line = self.folded[p0:self.lines[k]]
            if sep not in line:
                break
            head = line
            k -= 1
        if head is None:
            return False
        heads = [" ".join(x.split()) for x in head.strip(" |").split(sep)]
        body = row.lstrip(" |")
        cells = [" ".join(x.split()) for x in body.split(sep)]
        at = body[:max(i - l0 - (len(row) - len(body)), 0)].count(sep)
        for n, h in enumerate(heads):
            if n != at and n < len(cells) and any(w in h for w in c.answer_headers) and \
                    cells[n].strip(" 。.") in c.answer_negative:
                return True
        return False

    def _excepted(self, i: int, j: int) -> bool:
        k = bisect.bisect_right(self.excepted, (i, len(self.folded) + 1)) - 1
        while k >= 0 and self.excepted[k][0] <= i:
            if j <= self.excepted[k][1]:
                return True
            k -= 1
            if i - self.excepted[k + 1][0] > 80:
                break
        return False

    def _negation_conditioned(self, c0: int, c1: int, s0: int, s1: int) -> bool:
        """A condition turns a negation into a conditional declaration when it stands in the
        negated clause, in the clause right before it when that clause names no PI of its own
        ("未经您同意，我们不会…", "如您拒绝授权，我们将不会获取…"; not "仅在您授权后读取您的
        日历，不会读取您的短信"), or in a later clause of the sentence that names none ("…，
        除非您…")."""
        c, f = self.c, self.folded
        if c.conditions is None:
            return False
        if c.conditions.search(f, c0, c1):
            return True
        if c0 >= 2 and c0 - 1 > s0:
            p0, p1 = self.clause_of(c0 - 2)
            p0 = max(p0, s0)
            if c.terms.search(f, p0, p1) is None and c.conditions.search(f, p0, p1):
                return True
        a = c1
        for _ in range(20):
            if a >= s1:
                break
            n0, n1 = self.clause_of(a + 1)
            if n0 >= s1:
                break
            if c.terms.search(f, n0, min(n1, s1)) is None and \
                    c.conditions.search(f, n0, min(n1, s1)):
                return True
            a = n1
        return False

    def own_use_only(self, pi: str, i: int, j: int) -> bool:
        """Whether the words at folded[i:j] are one of the lexicon's ``own_use`` terms of
        ``pi`` whose line (a list line or table row, or else its sentence) states the app's
        own use and nothing of the user's data ("存储权限：保存离线书籍")."""
        word = self.folded[i:j]
        for t_pi, terms, own, users in self.c.own_use:
            if t_pi != pi or own is None or not any(w in word for w in terms):
                continue
            l0, l1 = self.line(i)
            a, b = (l0, l1) if l1 - l0 <= 300 else self.sentence(i)
            ctx = self.folded[a:i] + " " * (j - i) + self.folded[j:b]
            return bool(own.search(ctx)) and not (users and users.search(ctx))
        return False

    def _term_end(self, i: int) -> int:
        m = self.c.terms.match(self.folded, i)
        return m.end() if m else i

    def explained_after(self, i: int, j: int) -> bool:
        """Whether folded[i:j] starts a list line and is explained after a colon or dash."""
        l0, l1 = self.line(i)
        row = self.text[l0:l1]
        lead = _LIST_ITEM.sub("", row, count=1)
        at = l0 + len(row) - len(lead)
        return at <= i < at + 3 and bool(_EXPLAINED.match(self.folded[j:l1]))

    def has_purpose(self, i: int) -> bool:
        if self.c.purpose is None:
            return False
        l0, l1 = self.line(i)
        row = self.text[l0:l1]
        # a list line that starts with the permission and explains it after a colon or a
        # dash ("· 相机权限：扫码比价", "RECORD_AUDIO - voice chat")
        lead = _LIST_ITEM.sub("", row, count=1)
        at = l0 + len(row) - len(lead)
        if at <= i < at + 3 and _EXPLAINED.match(self.folded[self._term_end(i):l1]):
            return True
        # a table row, or a paragraph of a few sentences, states the purpose of what it
        # names; in a long paragraph only the sentence does
        short = "\t" in row or "|" in row or l1 - l0 <= 300
        a, b = (l0, l1) if short else self.sentence(i)
        if short and "\t" not in row and "|" not in row:
            # a line of "；"-separated items each naming something ("麦克风权限：用于语音输入；
            # 悬浮窗权限。"): the item states the purpose of what it names
            cuts = [m.start() for m in re.finditer(r"[；;]", row)]
            if cuts and sum(bool(self.c.terms.search(self.folded, x0, x1)) for x0, x1 in
                            zip([l0, *(l0 + k + 1 for k in cuts)],
                                [*(l0 + k for k in cuts), l1], strict=True)) >= 2:
                k = bisect.bisect_right(cuts, i - l0)
                a = l0 + cuts[k - 1] + 1 if k else l0
                b = l0 + cuts[k] if k < len(cuts) else l1
        return bool(self.c.purpose.search(self.folded, a, b))


_HEADING_PUNCT = re.compile(r"[：:。，,；;]")


def _glossary(text: str, heads: re.Pattern | None) -> list[tuple[int, int]]:
    """(start, end) of glossary sections: from a short line holding a definition heading word
    to the next short line without punctuation (the next heading)."""
    if heads is None:
        return []
    out = []
    pos, start = 0, None
    for line in text.split("\n"):
        s = line.strip()
        short = 0 < len(s) <= 30 and not _HEADING_PUNCT.search(s)
        if start is not None and short:
            out.append((start, pos))
            start = None
        if start is None and short and len(s) <= 20 and heads.search(s.lower()):
            start = pos + len(line) + 1
        pos += len(line) + 1
    if start is not None:
        out.append((start, len(text)))
    return out


def _mentions(folded: str, c: _Compiled):
    """(start, end, meanings) of every lexicon term, capped."""
    for n, m in enumerate(c.terms.finditer(folded)):
        if n >= MAX_MENTIONS:
            return
        yield m.start(), m.end(), c.meaning.get(m.group(0), ())


def _paren_end(text: str, j: int, limit: int = 300) -> int | None:
    """End of a parenthesis opening right after position j (within 2 characters)."""
    k = j
    while k < len(text) and k < j + 2 and text[k] in " \t":
        k += 1
    if k >= len(text) or text[k] not in "（(":
        return None
    depth = 0
    for p in range(k, min(len(text), k + limit)):
        if text[p] in "（(":
            depth += 1
        elif text[p] in "）)":
            depth -= 1
            if depth == 0:
                return p
    return None


def _paren_named(text: str, j: int, ms: list, starts: list[int],
                 c: _Compiled) -> frozenset[str]:
    """The PI types a parenthesis right after position j names (its PI words, and the PI
    types of the permissions it names): "设备标识符（IMEI、OAID）", "位置权限（仅粗略位置）",
    "location permission (ACCESS_COARSE_LOCATION)". Empty when there is none."""
    end = _paren_end(text, j)
    if end is None:
        return frozenset()
    named: set[str] = set()
    k = bisect.bisect_right(starts, j)
    while k < len(ms) and ms[k][0] < end:
        # a permission word stands for the PI types of its permissions, not for the PI
        # words inside it ("ACCESS_COARSE_LOCATION" holds "location")
        perms = [str(v) for kind, v in ms[k][2] if kind == "perm"]
        for v in perms:
            named.update(c.perm_pi.get(v, ()))
        if not perms:
            named.update(str(v) for kind, v in ms[k][2] if kind == "pi")
        k += 1
    return frozenset(named)


def _narrowed(means, named: frozenset[str], c: _Compiled):
    """The meanings of a mention a parenthesis after it narrows: a generic word declares only
    what the parenthesis names; a word of several PI types (or permissions) keeps those of
    them the parenthesis names."""
    if not named:
        return means
    n_pi = sum(kind == "pi" for kind, _ in means)
    n_perm = sum(kind == "perm" for kind, _ in means)
    out = []
    for kind, v in means:
        if kind == "group":
            continue
        if kind == "pi" and n_pi > 1 and str(v) not in named:
            continue
        if kind == "perm" and n_perm > 1 and c.perm_pi.get(str(v)) and \
                not c.perm_pi[str(v)] & named:
            continue
        out.append((kind, v))
    return out


def _blank(text: str, rx: re.Pattern | None) -> str:
    """``text`` with the matches of ``rx`` replaced by spaces (positions kept)."""
    if rx is None:
        return text
    return rx.sub(lambda m: " " * len(m.group(0)), text)


def _masked(folded: str, c: _Compiled) -> str:
    if c.masks is None:
        return folded
    return c.masks.sub(lambda m: " " * len(m.group(0)), folded)


def pi_types_in(text: str, lex: PolicyLexicon) -> tuple[list[str], list[str]]:
    """(specific, generic-only) PI types named in a short text (a table cell), no negation."""
    c = _compile(lex)
    folded = _masked(_fold(text), c)
    specific: set[str] = set()
    generic: set[str] = set()
    ms = list(_mentions(folded, c))
    starts = [m[0] for m in ms]
    for _i, j, means in ms:
        for kind, v in _narrowed(means, _paren_named(text, j, ms, starts, c), c):
            if kind == "pi":
                specific.add(str(v))
            elif kind == "group":
                generic.update(lex.group_terms[int(v)][1])  # type: ignore[arg-type]
    return sorted(specific), sorted(generic - specific)


def read_policy(text: str, tables=(), lex: PolicyLexicon | None = None,
                sdk_names=()) -> PolicyReading:
    """Read one policy text (see the module docstring)."""
    if lex is None:
        raise ValueError("a policy lexicon is needed")
    c = _compile(lex)
    folded = _masked(_fold(text), c)
    t = _Text(text, folded, c)
    ms = list(_mentions(folded, c))
    capped = len(ms) >= MAX_MENTIONS and c.terms.search(folded, ms[-1][1]) is not None
    starts = [m[0] for m in ms]
    t.m_starts, t.m_ends = starts, [m[1] for m in ms]
    pi_hits: dict[str, dict] = {}
    pi_denied: dict[str, dict] = {}
    perm_hits: dict[str, dict] = {}

    #: PI types a mention of that type alone declares, or denies (not a word of several
    #: types such as "位置信息" / "location", nor a generic word)
    specific_declared: set[str] = set()
    specific_denied: dict[str, dict] = {}
    #: PI types declared in a sentence or table row that states a purpose
    purposed: set[str] = set()

    def note(pi: str, how: str, i: int, j: int, generic: bool, broad: bool = False) -> None:
        if how == "denied":
            pi_denied.setdefault(pi, {"pi_type": pi, "quote": quote(text, i, j)})
            if not (generic or broad):
                specific_denied.setdefault(pi, pi_denied[pi])
            return
        if not (generic or broad):
            specific_declared.add(pi)
        if pi not in purposed and t.has_purpose(i):
            purposed.add(pi)
        old = pi_hits.get(pi)
        entry = {"pi_type": pi, "quote": quote(text, i, j)}
        if generic:
            entry["generic"] = True
        if how == "conditional":
            entry["conditional"] = True
        # a specific mention beats a generic one; an unconditional one a conditional one
        if old is None or (old.get("generic") and not generic) or (
                old.get("conditional") and how == "declared" and
                bool(old.get("generic")) == generic):
            pi_hits[pi] = entry

    for i, j, means in ms:
        how = None
        means = _narrowed(means, _paren_named(text, j, ms, starts, c), c)
        broad = sum(kind == "pi" for kind, _ in means) > 1
        for kind, v in means:
            if how is None:
                how = t.judge(i, j) or "ignored"
            if how == "ignored":
                break
            if kind == "pi":
                if how != "denied" and t.own_use_only(str(v), i, j):
                    continue  # the storage permission for the app's own downloads
                note(str(v), how, i, j, False, broad)
            elif kind == "group":
                for pi in lex.group_terms[int(v)][1]:  # type: ignore[arg-type]
                    note(pi, how, i, j, True)
            elif kind == "perm" and how != "denied":
                name = str(v)
                has = t.has_purpose(i)
                old = perm_hits.get(name)
                if old is None or (has and not old["purpose"]):
                    perm_hits[name] = {"name": name, "quote": quote(text, i, j),
                                       "purpose": has}
    for name, i, j in _shared_permission_words(text, lex):
        # "相机、麦克风、相册等权限", "相册（存储）权限": each item with the shared 权限
        has = t.has_purpose(i) or t.explained_after(i, j)
        if name not in perm_hits and not t.negated_at(i, j):
            perm_hits[name] = {"name": name, "quote": quote(text, i, j), "purpose": has}
        elif name in perm_hits and not perm_hits[name]["purpose"] and has:
            perm_hits[name]["purpose"] = True
    for name, q, has in _permission_tables(tables, lex, c):
        old = perm_hits.get(name)
        if old is None or (has and not old["purpose"]):
            perm_hits[name] = {"name": name, "quote": q, "purpose": has}
    for m in _PERMISSION.finditer(text):
        name = m.group(0)
        if name not in perm_hits and len(perm_hits) < 200:
            perm_hits[name] = {"name": name, "quote": quote(text, m.start(), m.end()),
                               "purpose": t.has_purpose(m.start())}
    # a specific denial ("我们不会获取您的精确位置", "we do not collect your precise
    # location") outweighs declarations that only words of several types or generic words
    # made ("位置信息", "location data"): the policy says which of them it means
    for pi, entry in specific_denied.items():
        if pi in pi_hits and pi not in specific_declared:
            del pi_hits[pi]
            pi_denied[pi] = entry
    denied = {k: v for k, v in pi_denied.items() if k not in pi_hits}
    for pi, entry in pi_hits.items():
        if pi in purposed:
            entry["purpose"] = True
    sdks, sdk_lines = _sdk_list(text, tables, lex, c, sdk_names)
    operator = _operator(text, lex, sdk_lines)
    elements = {}
    body = folded  # what a glossary defines is not what the policy states
    for g0, g1 in t.glossary:
        body = body[:g0] + " " * (g1 - g0) + body[g1:]
    for el in lex.elements:
        where = folded if el.in_glossary else body
        if el.positive_only or el.not_in:
            spans = [m.span() for p in el.not_in for m in p.finditer(where)]
            present = any(not (el.positive_only and t.negated_at(i, j)) and
                          not any(a <= i and j <= b for a, b in spans)
                          for i, j in _element_hits(where, el))
        else:
            present = any(_term_in(where, w) for w in el.terms) or any(
                p.search(where) for p in el.patterns)
        if el.name == "operator" and operator is not None:
            present = True
        if el.sdk_named and not present:
            present = bool(sdks) or any(not t.negated_at(i, j)
                                        for i, j in _sdks_named(body, lex))
        elements[el.name] = present
    return PolicyReading(
        declared_pi=tuple(v for _, v in sorted(pi_hits.items())),
        denied_pi=tuple(v for _, v in sorted(denied.items())),
        permissions=tuple(v for _, v in sorted(perm_hits.items())),
        sdk_list=tuple(sdks), operator=operator, elements=elements, folded=folded,
        mentions_capped=capped)


_PROSE: dict[int, tuple[object, re.Pattern | None]] = {}


def _sdks_named(folded: str, lex: PolicyLexicon, limit: int = 50):
    """(start, end) of the names policies use for SDKs (the lexicon's ``aliases``, curated:
    the catalogue's own names include common words such as "Collect") in the folded text:
    names of at least two Chinese characters, or of at least four letters standing as words
    ("Bugly"), capped."""
    hit = _PROSE.get(id(lex))
    if hit is None or hit[0] is not lex:
        words = {a.strip() for names in lex.aliases.values() for a in names
                 if len(a.strip()) >= (4 if a.isascii() else 2)}
        rx = re.compile(_alternation(words)) if words else None
        if len(_PROSE) > 8:
            _PROSE.clear()
        _PROSE[id(lex)] = hit = (lex, rx)
    if hit[1] is None:
        return
    for n, m in enumerate(hit[1].finditer(folded)):
        if n >= limit:
            return
        yield m.start(), m.end()


def _element_hits(folded: str, el, limit: int = 200):
    """(start, end) of the element's words and patterns in the folded text, capped."""
    n = 0
    for w in el.terms:
        lw = w.lower()
        rx = re.compile(rf"(?<![a-z0-9]){re.escape(lw)}(?![a-z0-9])" if _ascii_word(w)
                        else re.escape(lw))
        for m in rx.finditer(folded):
            yield m.start(), m.end()
            n += 1
            if n >= limit:
                return
    for p in el.patterns:
        for m in p.finditer(folded):
            yield m.start(), m.end()
            n += 1
            if n >= limit:
                return


def _term_in(folded: str, word: str) -> bool:
    w = word.lower()
    if not _ascii_word(word):
        return w in folded
    return re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", folded) is not None


_SHARED_LIST = re.compile(r"((?:[\u4e00-\u9fff]{1,8}[、和及与/])+[\u4e00-\u9fff]{1,8})等?权限")
_SHARED_PAREN = re.compile(r"([\u4e00-\u9fff]{1,8})[（(]([\u4e00-\u9fff]{1,8})[)）]权限")


def _shared_permission_words(text: str, lex: PolicyLexicon, limit: int = 200):
    """(permission, start, end) of permissions named by items sharing one 权限: a list
    ("相机、麦克风、相册等权限") or a word with another in parentheses ("相册（存储）权限"):
    each item followed by 权限 that the lexicon knows."""
    words: dict[str, set[str]] = {}
    for perm, ws in lex.permissions:
        for w in ws:
            words.setdefault(w.lower(), set()).add(perm)
    n = 0
    for rx, split in ((_SHARED_LIST, True), (_SHARED_PAREN, False)):
        for m in rx.finditer(text):
            items = re.split(r"[、和及与/]", m.group(1)) if split else [m.group(1), m.group(2)]
            for item in items:
                item = item.strip().lower().removesuffix("等")
                # the longest end of the item that names a permission ("…中关闭相机": 相机)
                hit = next((words[item[k:] + "权限"] for k in range(len(item))
                            if item[k:] + "权限" in words), ())
                for perm in sorted(hit):
                    yield perm, m.start(), m.end()
                    n += 1
                    if n >= limit:
                        return


def _permission_tables(tables, lex: PolicyLexicon, c: _Compiled):
    """(permission, quote, purpose stated) from tables whose first header cell names
    permissions ("权限名称", "权限"): the first column names them, with or without 权限."""
    if not c.permission_headers:
        return
    words = [(w.lower(), perm) for perm, ws in lex.permissions for w in ws if not w.isascii()]
    for table in tables:
        head = [x.lower() for x in table[0]]
        if len(table) < 2 or not head or not any(w in head[0] for w in c.permission_headers):
            continue
        purpose_at = [k for k, x in enumerate(table[0]) if k and _role(x, c) == "purpose"]
        for row in table[1:]:
            cell = " ".join(row[0].lower().split()) if row else ""
            if not cell:
                continue
            hits = [(w, perm) for w, perm in words if w in cell or w == cell + "权限"]
            # a word inside a longer word found in the cell is not its own name
            # ("拨打电话权限" holds "电话权限")
            names = {perm for w, perm in hits
                     if not any(w != w2 and w in w2 and w2 in cell for w2, _ in hits)}
            has = any(k < len(row) and row[k].strip() for k in purpose_at) or bool(
                c.purpose and c.purpose.search(" ".join(row[1:]).lower()))
            for perm in sorted(names):
                yield perm, " | ".join(row)[:200], has


# ---- SDK lists -------------------------------------------------------------------------

def _role(cell: str, c: _Compiled, strict: bool = False) -> str | None:
    """The role of a header cell or label (longest label word it contains)."""
    f = " ".join(cell.lower().split())
    if not f or len(f) > 24:
        return None
    for w, r in c.roles:
        if w in f and (not strict or len(f) <= len(w) + 6):
            return r
    return None


def _norm(name: str) -> str:
    f = re.sub(r"[\s\-_·.,，、/（）()【】\[\]:：\"“”'’+]", "", name.lower())
    return f.replace("sdk", "")


_INDEX: dict[int, tuple[object, dict[str, str], int]] = {}


def _sdk_index(sdk_names) -> tuple[dict[str, str], int]:
    """{normalised name: sdk id} of the names given (the first SDK keeps a shared name) and
    the longest name's length; cached per object."""
    hit = _INDEX.get(id(sdk_names))
    if hit is not None and hit[0] is sdk_names:
        return hit[1], hit[2]
    pairs: dict[str, str] = {}
    for sid, names in sdk_names:
        for alias in names:
            a = _norm(alias)
            if len(a) >= (3 if a.isascii() else 2):
                pairs.setdefault(a, sid)
    longest = max(map(len, pairs), default=0)
    if len(_INDEX) > 8:
        _INDEX.clear()
    _INDEX[id(sdk_names)] = (sdk_names, pairs, longest)
    return pairs, longest


def _match_sdk(name: str, sdk_names) -> str | None:
    """The id of the SDK whose longest name is contained in ``name`` (normalised; the
    leftmost of equally long ones). Looks up the name's substrings: quadratic in the short
    name, independent of the catalogue's size."""
    n = _norm(name)[:80]
    if not n:
        return None
    pairs, longest = _sdk_index(sdk_names)
    for size in range(min(len(n), longest), 1, -1):
        for i in range(len(n) - size + 1):
            sid = pairs.get(n[i:i + size])
            if sid is None:
                continue
            if n[i].isascii() and n[i].isalnum() and not _latin_word(name, n[i:i + size]):
                continue  # a Latin name stands as a word ("CAT" is not in "Authentication")
            return sid
    return None


def _latin_word(name: str, key: str) -> bool:
    """Whether the normalised name ``key`` stands in ``name`` as a word: not inside a longer
    run of letters or digits (an "SDK" right after it is allowed: "JPushSDK")."""
    body = r"[\s\-_·.]*".join(re.escape(ch) for ch in key)
    return re.search(rf"(?<![a-z0-9]){body}(?![a-z0-9])|(?<![a-z0-9]){body}(?=sdk)",
                     name.lower()) is not None


def _sdk_like(name: str, sdk_names) -> bool:
    return "sdk" in name.lower() or _match_sdk(name, sdk_names) is not None


def _clean_name(name: str) -> str:
    name = _LIST_ITEM.sub("", name, count=1) if _LIST_ITEM.match(name) else name
    # a run-in heading in brackets before the first record ("【第三方SDK】微信SDK")
    name = re.sub(r"^\s*(?:【[^】]{1,20}】|\[[^\]]{1,20}\])\s*(?=\S)", "", name)
    return " ".join(name.split()).strip("：:")


def _entry(fields: dict[str, str], source: str, quote_text: str, lex: PolicyLexicon,
           sdk_names) -> dict:
    name = _clean_name(fields.get("name", ""))
    specific, generic = pi_types_in(" ".join(fields.get(k, "") for k in ("pi", "purpose")), lex)
    e = {"name": name, "vendor": " ".join(fields.get("vendor", "").split()) or None,
         "purpose": " ".join(fields.get("purpose", "").split())[:300] or None,
         "pi_types": specific, "link": (fields.get("link") or "").strip()[:300] or None,
         "from": source, "quote": " ".join(quote_text.split())[:200]}
    if generic:
        e["pi_types_generic"] = generic
    sid = _match_sdk(name, sdk_names)
    e["sdk"] = sid
    return e


def _table_entries(table, c: _Compiled, lex, sdk_names) -> list[dict]:
    out: list[dict] = []
    header, start = None, 0
    for n, row in enumerate(table[:3]):
        roles = [_role(x, c) for x in row]
        if "name" not in roles and len({r for r in roles if r}) >= 2:
            # no column headed as the name ("第三方名称 | 使用目的 | … | 第三方主体"): the
            # column whose cells are mostly SDK names is it
            body = [r for r in table[n + 1:] if len(r) == len(row)]
            best = max(range(len(row)), key=lambda k: sum(_sdk_like(r[k], sdk_names)
                                                          for r in body), default=None)
            if best is not None and body and roles[best] in (None, "vendor") and \
                    2 * sum(_sdk_like(r[best], sdk_names) for r in body) > len(body) and \
                    ("vendor" in roles[:best] + roles[best + 1:] or roles[best] is None):
                roles[best] = "name"
        if "name" in roles and len({r for r in roles if r}) >= 2:
            header, start = roles, n + 1
            break
    if header is not None:
        name_at = header.index("name")
        cur: dict[str, str] | None = None
        for row in table[start:]:
            if len(row) == 1 and len(header) > 1:
                # a section heading inside the table ("广告类" spanning every column)
                if cur is not None:
                    out.append(_entry(cur, "table", cur["_q"], lex, sdk_names))
                    cur = None
                continue
            if len(row) < len(header) or not row[name_at].strip():
                if cur is not None:  # a row spanned by the one above
                    cur["pi"] = (cur.get("pi", "") + " " + " ".join(row)).strip()
                continue
            if cur is not None and row[name_at].strip() == cur.get("name"):
                # the name spans this row too (HTML rowspan expanded): more of the same SDK
                for role, cell in zip(header, row, strict=False):
                    if role == "pi" and cell not in cur.get("pi", ""):
                        cur["pi"] = (cur.get("pi", "") + " " + cell).strip()
                continue
            if cur is not None:
                out.append(_entry(cur, "table", cur["_q"], lex, sdk_names))
            cur = {"_q": " | ".join(row)}
            for role, cell in zip(header, row, strict=False):
                if role:
                    cur[role] = (cur.get(role, "") + " " + cell).strip()
        if cur is not None:
            out.append(_entry(cur, "table", cur["_q"], lex, sdk_names))
        out = [e for e in out if e["name"]]
        # a table whose name column is not headed "SDK…" lists SDKs only when most of its
        # names look like SDKs (a permission table has "权限名称" too)
        head = table[start - 1][name_at].lower()
        if "sdk" not in head and 2 * sum(_sdk_like(e["name"], sdk_names) for e in out) \
                < len(out):
            return []
        return out
    # key | value rows: one record per name row
    keyed = [(_role(row[0], c, strict=True), row) for row in table if len(row) >= 2]
    if sum(r == "name" for r, _ in keyed) < 1 or sum(r is not None for r, _ in keyed) < 2:
        return []
    cur = None
    for role, row in keyed:
        if role == "name":
            if cur is not None:
                out.append(_entry(cur, "table", cur["_q"], lex, sdk_names))
            cur = {"name": row[1], "_q": " | ".join(row)}
        elif role and cur is not None:
            cur[role] = (cur.get(role, "") + " " + " ".join(row[1:])).strip()
    if cur is not None:
        out.append(_entry(cur, "table", cur["_q"], lex, sdk_names))
    return [e for e in out if e["name"]]


def _segments(line: str, c: _Compiled) -> list[tuple[str, str]] | None:
    """[(role, value)] of a line made of "label：value" parts, None when it does not start
    with a label."""
    if c.label is None:
        return None
    body = _LIST_ITEM.sub("", line, count=1).strip()
    found = []
    low = body.lower()
    for m in c.label.finditer(low):
        start = m.start()
        # a label must start the line or follow a separator; a short qualifier before the
        # label word belongs to it ("收集个人信息类型：" holds the word "个人信息类型")
        if start and body[start - 1] not in " \t;；，,。|":
            sep = max(low.rfind(x, 0, start) for x in " \t;；，,。|")
            if start - (sep + 1) > 4 or re.search(r"[:：]", low[sep + 1:start]):
                continue
            start = sep + 1
        role = _role(low[start:m.end()].rstrip(":： "), c, strict=True)
        if role is None:
            continue
        found.append((start, m.end(), role))
    if not found:
        return None
    lead = None
    if found[0][0] != 0:
        # "XX SDK，提供方：…": a leading name before the first label
        lead = body[:found[0][0]].strip(" ;；，,。|")
        if not lead or len(lead) > 40 or "sdk" not in lead.lower() or \
                all(r == "name" for _, _, r in found):
            return None
    out = [("name", lead)] if lead else []
    for k, (_a, b, role) in enumerate(found):
        end = found[k + 1][0] if k + 1 < len(found) else len(body)
        out.append((role, body[b:end].strip(" ;；，,。|")))
    return out


#: "N. 名称：由某公司提供，用于…；会收集…" (a list line naming an SDK, then prose)
_PROSE_ITEM = re.compile(r"^\s*(?:[-•·*●▪]|\d{1,2}\s*[.、)）]|[（(]\d{1,2}[)）])\s*"
                         r"(?P<name>[^：:\n（(]{2,40}?)\s*[：:]\s*(?P<rest>\S.*)$")
_BY = re.compile(r"由(?P<v>[^，,。；;]{2,60}?)(?:提供|开发|运营|负责)")
#: a name right before a parenthesis ("…SDK：阿里云移动推送（阿里云计算有限公司，…）"); the
#: parenthesis may hold one nested pair ("友盟同欣（北京）科技有限公司")
_PAREN = re.compile(r"[（(](?P<inner>[^（）()\n]*(?:[（(][^（）()\n]*[）)][^（）()\n]*)*)[）)]")
_NAME_CUT = re.compile(r".*[：:、，,。；;了括和及与]")


def _company(text: str, lex: PolicyLexicon) -> bool:
    t = text.strip()
    return any(t.endswith(x) for x in lex.operator_suffixes) and 4 <= len(t) <= 60


def _prose_entries(line: str, lex: PolicyLexicon, sdk_names, parens: bool = True) -> list[dict]:
    """SDK records written as prose: a list line "名称：由X公司提供，用于…，会收集…" and names
    followed by a parenthesis opening with their provider ("友盟+统计SDK（友盟同欣（北京）科技
    有限公司），用于…，会收集…"). A provider is a company name (operator suffixes): a name
    with a bare word in parentheses ("Bugly (Tencent)") is a mention, not a record."""
    if "\t" in line or len(line) > 2000:
        return []
    m = _PROSE_ITEM.match(line)
    if m and _sdk_like(m["name"], sdk_names):
        rest = m["rest"]
        by = _BY.search(rest)
        if by and _company(by["v"], lex):
            return [{"name": m["name"].strip(), "vendor": by["v"].strip(), "pi": rest,
                     "_q": line}]
    out: list[dict] = []
    if not parens:  # a "名称：值" line of a labelled record: not prose
        return out
    parens = list(_PAREN.finditer(line))
    for n, p in enumerate(parens):
        before = line[parens[n - 1].end() if n else 0:p.start()]
        name = _NAME_CUT.sub("", before).strip()
        inner = p["inner"]
        parts = re.split(r"[，,；;]", inner, maxsplit=1)
        if not name or len(name) > 40 or not _sdk_like(name, sdk_names) or \
                not _company(parts[0], lex):
            continue
        pi = parts[1] if len(parts) > 1 else ""
        if not pi.strip():
            # the record goes on after the parenthesis, to the sentence end or the next name
            tail = line[p.end():parens[n + 1].start() if n + 1 < len(parens) else len(line)]
            pi = re.split(r"[。！？!?]", tail, maxsplit=1)[0]
        out.append({"name": name, "vendor": parts[0].strip(), "pi": pi, "_q": line})
    return out


def _list_entries(text: str, c: _Compiled, lex, sdk_names) -> tuple[list[dict], set[int]]:
    """SDK entries of "名称：值" lists and of titled blocks; the line numbers they use."""
    lines = text.split("\n")
    out: list[dict] = []
    used: set[int] = set()
    cur: dict[str, str] | None = None
    cur_lines: list[int] = []
    open_role: str | None = None

    def close() -> None:
        nonlocal cur, open_role
        if cur is not None and cur.get("name") and len(set(cur) - {"name", "_q"}) >= 1:
            out.append(_entry(cur, "list", cur["_q"], lex, sdk_names))
            used.update(cur_lines)
        cur, open_role = None, None
        cur_lines.clear()

    def field(line: str) -> bool:
        m = _FIELD.match(_LIST_ITEM.sub("", line, count=1))
        return bool(m) and not _sdk_like(m.group(0).rstrip(":： \t"), sdk_names)

    def is_title(k: int) -> bool:
        s = _LIST_ITEM.sub("", lines[k], count=1).strip()
        if not s or len(s) > lex.sdk_title_chars or "\t" in s or "|" in s or field(s):
            return False
        if s.endswith(("：", ":", "。")) or _segments(lines[k], c) is not None:
            return False
        if "sdk" not in s.lower() and _match_sdk(s, sdk_names) is None:
            return False
        for k2 in range(k + 1, min(len(lines), k + 4)):
            if lines[k2].strip():
                seg = _segments(lines[k2], c)
                return seg is not None and seg[0][0] != "name"
        return False

    pieces: list[tuple[int, str]] = []
    for k, line in enumerate(lines):
        # records on one line separated by "；" ("XX SDK，提供方：…；YY SDK，提供方：…")
        parts = re.split(r"[；;]", line) if "\t" not in line and _segments(line, c) else []
        if len(parts) > 1 and sum(_segments(x, c) is not None for x in parts) > 1:
            pieces.extend((k, x) for x in parts if x.strip())
        else:
            pieces.append((k, line))
    for n, (k, line) in enumerate(pieces):
        if len(out) >= MAX_SDKS:
            break
        if "\t" in line:
            close()
            continue
        prose = _prose_entries(line, lex, sdk_names, _segments(line, c) is None)
        if prose:
            close()
            out.extend(_entry(f, "list", f["_q"], lex, sdk_names) for f in prose)
            used.add(k)
            continue
        inline = _INLINE_SDK.match(line)
        if inline and _sdk_like(inline["name"], sdk_names):
            close()
            cur = {"name": inline["name"].strip(), "vendor": inline["vendor"].strip(),
                   "pi": inline["pi"], "_q": line}
            cur_lines.append(k)
            close()
            continue
        seg = _segments(line, c)
        if seg is not None:
            for role, value in seg:
                if role == "name":
                    close()
                    cur = {"name": value, "_q": line}
                    cur_lines.append(k)
                    open_role = None
                elif cur is not None:
                    cur[role] = (cur.get(role, "") + " " + value).strip()
                    cur_lines.append(k)
                    open_role = role if not value else None
            continue
        if not line.strip():
            continue
        if cur is not None and field(line):
            # a field of the record the list has no role for ("收集方式：SDK本机采集")
            cur_lines.append(k)
            open_role = None
            continue
        if pieces[n][1] is lines[k] and is_title(k):
            close()
            cur = {"name": line.strip(), "_q": line}
            cur_lines.append(k)
            continue
        if cur is not None and open_role is not None:
            cur[open_role] = (cur.get(open_role, "") + " " + line.strip()).strip()
            cur_lines.append(k)
            continue
        close()
    close()
    return out, used


def _sdk_list(text: str, tables, lex, c: _Compiled, sdk_names) -> tuple[list[dict], set[int]]:
    out: list[dict] = []
    for table in tables:
        out.extend(_table_entries(table, c, lex, sdk_names))
    listed, used = _list_entries(text, c, lex, sdk_names)
    seen = {_norm(e["name"]) for e in out}
    out.extend(e for e in listed if _norm(e["name"]) not in seen)
    return out[:MAX_SDKS], used


# ---- operator ---------------------------------------------------------------------------

def _operator(text: str, lex: PolicyLexicon, sdk_lines: set[int]) -> dict | None:
    if not lex.operator_suffixes:
        return None
    suffix = re.compile("|".join(re.escape(s) for s in sorted(lex.operator_suffixes,
                                                              key=len, reverse=True)))
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    best: tuple[int, int, str, int, int] | None = None
    for n, m in enumerate(suffix.finditer(text)):
        if n > 2000:
            break
        line_no = bisect.bisect_right(line_starts, m.start()) - 1
        line = text[line_starts[line_no]:text.find("\n", m.start()) % (len(text) + 1)]
        if line_no in sdk_lines or "\t" in line:
            continue
        # the run of name characters ending at the suffix
        a = m.start()
        ascii_name = m.group(0).isascii()
        chars = _NAME_CHAR_EN if ascii_name else _NAME_CHAR
        while a > 0 and m.start() - a < (80 if ascii_name else 40) and \
                chars.match(text, a - 1):
            a -= 1
        after = text[m.end():m.end() + 160]
        close = _paren_end(text, m.end(), 160)
        afters = [after] + ([text[close + 1:close + 160]] if close is not None else [])
        after_cue = any(p.search(x) for p in lex.operator_after for x in afters)
        cut = None
        for k in range(a, m.start() - 1):  # the longest name a cue stands right before
            if text[k] in _NOT_FIRST or (ascii_name and (k > a and text[k - 1] != " ")):
                continue
            if any(p.search(text[max(0, k - 30):k]) for p in lex.operator_before):
                cut = k
                break
        if cut is None and after_cue:
            cut = a
        if cut is None or m.start() - cut < 2:
            continue
        score = 2 * after_cue + (cut != a or any(p.search(text[max(0, a - 30):a])
                                                for p in lex.operator_before))
        if best is None or score > best[0]:
            best = (score, m.start(), text[cut:m.end()].strip(), cut, m.end())
        if best is not None and best[0] >= 3:
            break
    if best is None:
        return None
    _, _, name, k, end = best
    emails, phones = _contacts(text, lex, sdk_lines, line_starts)
    return {"name": name, "quote": quote(text, k, end), "emails": emails, "phones": phones}


def _contacts(text: str, lex, sdk_lines: set[int], line_starts: list[int]):
    emails: list[str] = []
    phones: list[str] = []
    for rx, out in ((_EMAIL, emails), (_PHONE, phones)):
        for m in rx.finditer(text):
            if bisect.bisect_right(line_starts, m.start()) - 1 in sdk_lines:
                continue
            v = m.group(0)
            if v not in out:
                out.append(v)
            if len(out) >= 5:
                break
    return emails, phones
