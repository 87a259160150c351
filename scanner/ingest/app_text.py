"""Strings people read in an APK, searched for given phrases: resources, layouts, assets.

Contract: :func:`search_text` takes the ``text_files`` of :class:`ApkEvidence` (read by
:mod:`scanner.ingest.apk` within ``limits.MAX_TEXT_*``) and a tuple of phrases, and returns
a :class:`TextHit` for every string that contains one of them:

- ``resource``: a value of resources.arsc's global string pool (every string resource in
  every language, plus file paths), ``resource_key``: a resource entry name of a
  package's key pool (``personalized_recommend`` of ``R.string.personalized_recommend``);
- ``xml``: a string of a compiled XML file's pool (res/xml preference screens, layouts,
  menus: element and attribute names, ``android:key`` values, literal titles);
- ``asset``: a text asset (UTF-8, UTF-16 with BOM, or GB18030 when not UTF-8); the hit's
  text is the line holding the phrase, cut to :data:`MAX_HIT_CHARS` around it.

:func:`long_texts` gives whole texts instead of hits: the resources.arsc string values of at
least ``min_chars`` characters that contain a phrase, and the text assets and res/raw files
(``raw``) of at least that length that do; where a policy kept in the resources is looked for.

Matching is substring and case-sensitive (callers list the spellings they want). Pools are
searched as raw bytes first (:func:`scanner.ingest.arsc.pool_strings_containing`), so a
file without any phrase costs one byte search per phrase. Damage is not fatal: a file
whose pool cannot be read is named in ``problems``. Nothing here decides what a phrase
means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scanner.ingest.arsc import ResourceTable, ResourceTableError, xml_strings_containing
from scanner.messages import msg
from scanner.model.evidence import TextFile

MAX_HIT_CHARS = 160  # characters of a hit's text kept (around the phrase for assets)
MAX_HITS_PER_FILE = 200


@dataclass(frozen=True)
class TextHit:
    """One string that contains one of the phrases searched for."""

    kind: str  # resource | resource_key | xml | asset
    file: str  # resources.arsc, res/xml/settings.xml, assets/about.html
    text: str


@dataclass(frozen=True)
class TextSearch:
    """What :func:`search_text` found, and which files could not be searched."""

    hits: tuple[TextHit, ...]
    problems: tuple[dict, ...] = field(default=())  # messages (scanner.messages.msg)


def _cut(text: str, needles: Sequence[str]) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_HIT_CHARS:
        return text
    at = min((text.find(n) for n in needles if n in text), default=0)
    lo = max(0, at - MAX_HIT_CHARS // 3)
    return ("…" if lo else "") + text[lo:lo + MAX_HIT_CHARS] + "…"


def _decode(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", "replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def _asset_lines(raw: bytes, needles: Sequence[str]) -> list[str]:
    forms = [n.encode("utf-8") for n in needles] + [n.encode("utf-16-le") for n in needles]
    if not any(f in raw for f in forms if f) and not raw.startswith(b"\xfe\xff"):
        try:
            raw.decode("utf-8")
            return []  # UTF-8 text without any phrase
        except UnicodeDecodeError:
            pass  # maybe GB18030: decode and look
    out = []
    for line in _decode(raw).splitlines():
        if any(n and n in line for n in needles):
            out.append(_cut(line, needles))
            if len(out) >= MAX_HITS_PER_FILE:
                break
    return out


def search_text(files: Iterable[TextFile], needles: Sequence[str]) -> TextSearch:
    """Every string of ``files`` containing one of ``needles`` (see the module contract)."""
    needles = tuple(dict.fromkeys(n for n in needles if n))
    hits: list[TextHit] = []
    problems: list[dict] = []
    if not needles:
        return TextSearch(())
    for f in files:
        try:
            if f.kind == "arsc":
                table = ResourceTable(f.data)
                found = [("resource", s) for s in table.strings_containing(needles)]
                found += [("resource_key", s) for s in table.keys_containing(needles)]
            elif f.kind == "xml":
                found = [("xml", s) for s in xml_strings_containing(f.data, needles)]
            elif f.kind == "asset":
                found = [("asset", s) for s in _asset_lines(f.data, needles)]
            else:
                continue
        except ResourceTableError as e:
            problems.append(msg("skip_item", what=f.name, reason=e.message()))
            continue
        seen: set[tuple[str, str]] = set()
        for kind, text in found[:MAX_HITS_PER_FILE]:
            text = _cut(text, needles) if kind != "asset" else text
            if (kind, text) not in seen:
                seen.add((kind, text))
                hits.append(TextHit(kind, f.name, text))
    return TextSearch(tuple(hits), tuple(problems))


MAX_LONG_TEXTS = 20
MAX_LONG_CHARS = 2_000_000


@dataclass(frozen=True)
class LongText:
    """A whole text of the APK: a string value of resources.arsc, or a text file."""

    kind: str  # resource | asset | raw
    file: str
    text: str
    #: the file's bytes; a string value's UTF-8 encoding
    data: bytes = field(default=b"", repr=False, compare=False)


def long_texts(files: Iterable[TextFile], needles: Sequence[str],
               min_chars: int) -> tuple[list[LongText], list[dict]]:
    """Texts of at least ``min_chars`` characters holding one of ``needles``, longest first
    (at most :data:`MAX_LONG_TEXTS`), and the files that could not be read."""
    needles = tuple(dict.fromkeys(n for n in needles if n))
    out: list[LongText] = []
    problems: list[dict] = []
    if not needles:
        return [], []
    for f in files:
        try:
            if f.kind == "arsc":
                out.extend(LongText("resource", f.name, t[:MAX_LONG_CHARS],
                                    t[:MAX_LONG_CHARS].encode("utf-8"))
                           for t in ResourceTable(f.data).strings_containing(needles)
                           if len(t) >= min_chars)
            elif f.kind in ("asset", "raw"):
                forms = [n.encode("utf-8") for n in needles] + \
                        [n.encode("utf-16-le") for n in needles]
                raw = f.data
                if not any(x in raw for x in forms):
                    try:
                        raw.decode("utf-8")
                        continue  # UTF-8 without any phrase
                    except UnicodeDecodeError:
                        pass  # maybe GB18030: decode and look
                text = _decode(raw)[:MAX_LONG_CHARS]
                if len(text) >= min_chars and any(n in text for n in needles):
                    out.append(LongText(f.kind, f.name, text, raw))
        except ResourceTableError as e:
            problems.append(msg("skip_item", what=f.name, reason=e.message()))
    out.sort(key=lambda x: -len(x.text))
    return out[:MAX_LONG_TEXTS], problems
