"""The SDK signature catalogue and its matcher: which SDKs an app's classes and hosts belong to.

Contract
--------
* :meth:`SdkCatalog.load` reads ``rulesets/sdks/*.yaml`` (validated by
  :mod:`scanner.sdk.loader`) and raises :class:`scanner.errors.RulesetError` on bad data.
* Class names may be Dalvik descriptors (``Lcom/umeng/analytics/MobclickAgent;``, array
  descriptors too) or dotted names (``com.umeng.analytics.MobclickAgent``). A code prefix
  matches on whole name segments, splitting on ``.`` and ``$``; so obfuscated classes under
  a kept package (``Lcom/umeng/a/b;``) still match the prefix ``com.umeng.``.
* Every class is attributed to at most one SDK: the owner of the **longest** matching
  prefix; code regexes are consulted only when no prefix matches.
* Hosts match host suffixes on a dot boundary (``umeng.com`` matches ``alog.umeng.com`` but
  not ``notumeng.com``); the longest suffix wins; host regexes (full match) are a fallback.
* Native libraries: of an APK's entry names only ``lib/<abi>/<name>.so`` (exactly one
  folder under ``lib/``, the layout Android installs) count; ``<name>.so`` is looked up in
  the exact names, then the native regexes (full match, in precedence order) are tried.

Overlaps are resolved once, at load time, deterministically:

1. An entry that declares ``exodus_id: X`` replaces every entry of *lower* precedence that
   declares the same Exodus id (the curated Umeng entry replaces the imported Exodus one).
2. When two entries list the identical prefix, host or native library name, the higher
   file ``precedence`` wins (curated 100 > exodus 50 > android-libraries 10); on a tie,
   the smaller id.
3. Otherwise the more specific (longer) prefix/host wins at match time, whichever file it
   comes from.

Performance: prefixes live in a dict keyed by dotted prefix; a class costs one dict lookup
per package segment, and packages are cached per call, so thousands of classes against a
few thousand signatures take milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

try:  # the regex parser moved in Python 3.11; used only to find required literals
    import re._constants as _sre_constants  # type: ignore[import-not-found]
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse

from scanner.errors import RulesetError
from scanner.paths import rulesets_dir
from scanner.sdk.loader import MAX_NATIVE_NAME, catalogue_files, load_files
from scanner.sdk.model import SdkMatch, SdkSignature

DEFAULT_SAMPLE = 20
# distinct native library names looked at per APK; real apps ship at most a few hundred
MAX_NATIVE_NAMES = 4096


def native_libraries(entry_names: Iterable[str]) -> dict[str, list[str]]:
    """``{file name: [entry paths]}`` of the native libraries among an APK's entry names.

    Only ``lib/<abi>/<name>.so`` counts (a deeper path is not Android's layout and is never
    installed); names longer than 255 characters are ignored, and at most
    ``MAX_NATIVE_NAMES`` distinct names (the first in sorted order) are kept, so hostile
    entry lists cost bounded work.
    """
    out: dict[str, list[str]] = {}
    for entry in entry_names:
        if not (entry.startswith("lib/") and entry.endswith(".so")) or entry.count("/") != 2:
            continue
        _, abi, name = entry.split("/")
        if abi and len(name) > 3 and len(name) <= MAX_NATIVE_NAME:
            out.setdefault(name, []).append(entry)
    if len(out) > MAX_NATIVE_NAMES:
        out = {n: out[n] for n in sorted(out)[:MAX_NATIVE_NAMES]}
    return out


def normalize_class_name(name: str) -> str:
    """``Lcom/a/B;`` / ``[Lcom/a/B;`` / ``com/a/B`` / ``com.a.B`` -> ``com.a.B``."""
    n = name.strip().lstrip("[")
    if n.startswith("L") and n.endswith(";"):
        n = n[1:-1]
    return n.replace("/", ".")


def normalize_host(host: str) -> str:
    """Lower-case host without scheme, port, brackets or trailing dot."""
    h = host.strip().lower()
    if "://" in h:
        h = h.split("://", 1)[1]
    h = h.split("/", 1)[0]
    if h.startswith("["):  # IPv6 literal
        return h[1:].split("]", 1)[0]
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.rstrip(".")


def _key(prefix: str) -> str:
    """Dotted prefix ``com.a.B$C.`` -> segment key ``com.a.B.C``."""
    return prefix.rstrip(".").replace("$", ".")


def _required_literal(pattern: str) -> str | None:
    """Longest run of literal characters that every match of ``pattern`` contains.

    Only top-level literals count (not those inside groups, branches or repeats); None
    when there is none or the pattern is case-insensitive.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    best = run = ""
    for op, arg in parsed:
        if op is _sre_constants.LITERAL:
            run += chr(arg)
            best = max(best, run, key=len)
        else:
            run = ""
    return best or None


@dataclass(frozen=True)
class Overlap:
    """Two entries listed the same prefix/host; ``winner`` keeps it (see module doc)."""

    kind: str  # "code", "host" or "native"
    signature: str
    winner: str
    loser: str


class SdkCatalog:
    """Validated SDK signatures plus the lookup indexes built from them (immutable)."""

    def __init__(
        self,
        signatures: Iterable[SdkSignature],
        *,
        version: int = 1,
        sha256: str = "",
        files: tuple[str, ...] = (),
    ) -> None:
        all_sigs = tuple(signatures)
        ids = [s.id for s in all_sigs]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise RulesetError("err_rs_duplicate_sdks", ids=dupes)
        self.version = version
        self.sha256 = sha256
        self.files = files

        # 1. exodus_id supersession
        best: dict[int, int] = {}
        sharing: dict[int, list[SdkSignature]] = {}  # exodus id -> signatures naming it
        for s in all_sigs:
            for x in s.exodus_ids:
                best[x] = max(best.get(x, s.precedence), s.precedence)
                sharing.setdefault(x, []).append(s)
        superseded: dict[str, tuple[str, ...]] = {}
        active: list[SdkSignature] = []
        for s in all_sigs:
            over = [x for x in s.exodus_ids if best[x] > s.precedence]
            if over:
                superseded[s.id] = tuple(sorted(
                    o.id for o in sharing[over[0]] if o.precedence == best[over[0]]))
            else:
                active.append(s)
        # rank: lower wins ties (higher precedence, then smaller id)
        active.sort(key=lambda s: (-s.precedence, s.id))
        self._sdks: tuple[SdkSignature, ...] = tuple(active)
        self._by_id = {s.id: s for s in self._sdks}
        self.superseded: Mapping[str, tuple[str, ...]] = superseded

        # 2. identical prefixes / hosts
        overlaps: list[Overlap] = []
        self._prefix: dict[str, int] = {}
        self._prefix_text: dict[str, str] = {}
        self._hosts: dict[str, int] = {}
        self._native: dict[str, int] = {}
        for rank, s in enumerate(self._sdks):
            for p in s.code_prefixes:
                k = _key(p)
                if k in self._prefix:
                    if self._prefix[k] != rank:
                        overlaps.append(Overlap("code", p, self._sdks[self._prefix[k]].id, s.id))
                    continue
                self._prefix[k] = rank
                self._prefix_text[k] = p
            for h in s.hosts:
                if h in self._hosts:
                    if self._hosts[h] != rank:
                        overlaps.append(Overlap("host", h, self._sdks[self._hosts[h]].id, s.id))
                    continue
                self._hosts[h] = rank
            for n in s.native_names:
                if n in self._native:
                    if self._native[n] != rank:
                        overlaps.append(
                            Overlap("native", n, self._sdks[self._native[n]].id, s.id))
                    continue
                self._native[n] = rank
        self.overlaps: tuple[Overlap, ...] = tuple(overlaps)
        self._depth = max((k.count(".") + 1 for k in self._prefix), default=0)

        # code regexes, in rank order, each with a literal every match must contain so that
        # most class names are rejected by a substring test instead of a regex search
        self._code_rx = [
            (rank, re.compile(rx), _required_literal(rx), rx)
            for rank, s in enumerate(self._sdks)
            for rx in s.code_regexes
        ]
        # native regexes are compiled on first use (most start-ups never match a .so)
        self._native_rx_src = [
            (rank, rx) for rank, s in enumerate(self._sdks) for rx in s.native_regexes
        ]
        self._native_rx_compiled: list[tuple[int, re.Pattern[str], str | None, str]] | None
        self._native_rx_compiled = None
        self._host_rx = [
            (rank, re.compile(rx, re.IGNORECASE))
            for rank, s in enumerate(self._sdks)
            for rx in s.host_regexes
        ]

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, dir: Path | None = None) -> SdkCatalog:  # noqa: A002 - public API name
        """Load ``*.yaml`` from ``dir`` (default: ``rulesets_dir() / 'sdks'``)."""
        folder = Path(dir) if dir is not None else rulesets_dir() / "sdks"
        if not folder.is_dir():
            raise RulesetError("err_rs_no_sdk_folder", path=str(folder))
        loaded = load_files(catalogue_files(folder))
        return cls(loaded.signatures, version=loaded.version, sha256=loaded.sha256,
                   files=loaded.files)

    # ------------------------------------------------------------------ container
    @property
    def version_fields(self) -> frozenset[str]:
        """Field descriptors whose constant values give SDK versions (for ``field_values``)."""
        return frozenset(s.version_field for s in self._sdks if s.version_field)

    @property
    def sdks(self) -> tuple[SdkSignature, ...]:
        """Active signatures (superseded entries removed), highest precedence first."""
        return self._sdks

    def __len__(self) -> int:
        return len(self._sdks)

    def __iter__(self) -> Iterator[SdkSignature]:
        return iter(self._sdks)

    def __contains__(self, sdk_id: object) -> bool:
        return sdk_id in self._by_id

    def get(self, sdk_id: str) -> SdkSignature | None:
        """The active signature with this id, or None."""
        return self._by_id.get(sdk_id)

    # ------------------------------------------------------------------ code
    def _longest_prefix(self, key: str) -> tuple[int, str] | None:
        """(rank, prefix key) of the longest catalogue prefix of a segment key, or None.

        Only the first ``_depth`` segments can match, so the work is bounded whatever the
        length of a (possibly hostile) class name.
        """
        best = None
        pos = -1
        for _ in range(self._depth):
            pos = key.find(".", pos + 1)
            sub = key if pos == -1 else key[:pos]
            rank = self._prefix.get(sub)
            if rank is not None:
                best = (rank, sub)
            if pos == -1:
                break
        return best

    def _longest_cached(self, key: str, cache: dict[str, tuple[int, str] | None]
                        ) -> tuple[int, str] | None:
        """:meth:`_longest_prefix` of ``key``, kept in ``cache`` with that of each of its
        parents on the way: the answer for a package is its own (as a prefix of at most
        ``_depth`` segments) or else its parent's, so the packages of one app, which share
        their parents, cost one lookup each (5,284 packages of the 30 MB-dex benchmark APK:
        a third of the time)."""
        chain = []
        while key not in cache:
            chain.append(key)
            key, dot, _ = key.rpartition(".")
            if not dot:
                break
        found = cache.get(key) if key in cache else None
        for k in reversed(chain):
            rank = self._prefix.get(k) if k.count(".") < self._depth else None
            if rank is not None:
                found = (rank, k)
            cache[k] = found
        return found

    def _owner_of_key(
        self, key: str, cache: dict[str, tuple[int, str] | None]
    ) -> tuple[int, str] | None:
        """Longest prefix of a class key; results for its package are cached per call."""
        parent, dot, _ = key.rpartition(".")
        if not dot:
            return self._longest_prefix(key)
        found = cache[parent] if parent in cache else self._longest_cached(parent, cache)
        if key.count(".", 0, len(parent) + 1) < self._depth:
            rank = self._prefix.get(key)
            if rank is not None:
                found = (rank, key)
        return found

    def _attribute(
        self, name: str, cache: dict[str, tuple[int, str] | None]
    ) -> tuple[int, str] | None:
        dotted = normalize_class_name(name)
        if not dotted:
            return None
        hit = self._owner_of_key(dotted.replace("$", "."), cache)
        if hit is None:
            for rank, rx, literal, text in self._code_rx:
                if literal and literal not in dotted:
                    continue
                if rx.search(dotted):
                    return rank, "regex:" + text
        return hit

    def sdk_for_class(self, descriptor: str) -> SdkSignature | None:
        """The SDK a class belongs to (longest prefix, then regex), e.g. to attribute a
        call site's caller; None for app or unknown code."""
        hit = self._attribute(descriptor, {})
        return self._sdks[hit[0]] if hit else None

    def match_classes(
        self,
        class_names: Iterable[str],
        *,
        field_values: Mapping[str, str] | None = None,
        sample: int = DEFAULT_SAMPLE,
    ) -> list[SdkMatch]:
        """SDKs present among ``class_names``, sorted by id, each with its class evidence.

        ``field_values`` maps Dalvik field descriptors to their constant string values
        (from the dex reader); when an SDK has a ``version_hint`` field present there, the
        match carries that version.
        """
        cache: dict[str, tuple[int, str] | None] = {}
        hits: dict[int, list[str]] = {}
        via: dict[int, set[str]] = {}
        for name in set(class_names):
            hit = self._attribute(name, cache)
            if hit is None:
                continue
            rank, key = hit
            hits.setdefault(rank, []).append(name)
            via.setdefault(rank, set()).add(self._prefix_text.get(key, key))
        out = []
        for rank, names in hits.items():
            sdk = self._sdks[rank]
            version = None
            if field_values and sdk.version_field:
                value = field_values.get(sdk.version_field)
                version = str(value) if value else None
            names.sort()
            out.append(
                SdkMatch(
                    sdk=sdk,
                    classes=tuple(names[: max(sample, 0)]),
                    class_count=len(names),
                    version=version,
                    matched_by=tuple(sorted(via[rank])),
                )
            )
        out.sort(key=lambda m: m.sdk.id)
        return out

    # ------------------------------------------------------------------ native libraries
    @property
    def _native_rx(self) -> list[tuple[int, re.Pattern[str], str | None, str]]:
        if self._native_rx_compiled is None:
            self._native_rx_compiled = [
                (rank, re.compile(rx), _required_literal(rx), rx)
                for rank, rx in self._native_rx_src
            ]
        return self._native_rx_compiled

    def sdk_for_native(self, name: str) -> tuple[SdkSignature, str] | None:
        """(SDK, what matched: the name or ``regex:<pattern>``) of a native library file
        name such as ``libjcore220.so``; exact names first, then regexes; None if unknown."""
        rank = self._native.get(name)
        if rank is not None:
            return self._sdks[rank], name
        if len(name) > MAX_NATIVE_NAME:
            return None
        for rank, rx, literal, text in self._native_rx:
            if literal and literal not in name:
                continue
            if rx.fullmatch(name):
                return self._sdks[rank], "regex:" + text
        return None

    def match_native(self, entry_names: Iterable[str]) -> list[SdkMatch]:
        """SDKs whose native libraries are among an APK's entry names, sorted by id.

        Each match has no classes; ``native_libs`` holds the sorted entry paths
        (``lib/arm64-v8a/libjcore220.so``, ...) and ``matched_by`` the exact names or
        ``regex:<pattern>`` that attributed them. See :func:`native_libraries` for which
        entries count.
        """
        hits: dict[str, list[str]] = {}
        via: dict[str, set[str]] = {}
        sdks: dict[str, SdkSignature] = {}
        for name, paths in native_libraries(entry_names).items():
            found = self.sdk_for_native(name)
            if found is None:
                continue
            sdk, by = found
            sdks[sdk.id] = sdk
            hits.setdefault(sdk.id, []).extend(paths)
            via.setdefault(sdk.id, set()).add(by)
        return [
            SdkMatch(sdk=sdks[i], classes=(), class_count=0, matched_by=tuple(sorted(via[i])),
                     native_libs=tuple(sorted(hits[i])))
            for i in sorted(hits)
        ]

    # ------------------------------------------------------------------ network
    def sdk_for_host(self, host: str) -> SdkSignature | None:
        """The SDK a host belongs to: longest suffix on a dot boundary, then regexes."""
        h = normalize_host(host)
        if not h:
            return None
        labels = h.split(".")
        for i in range(len(labels)):
            rank = self._hosts.get(".".join(labels[i:]))
            if rank is not None:
                return self._sdks[rank]
        for rank, rx in self._host_rx:
            if rx.fullmatch(h):
                return self._sdks[rank]
        return None


@lru_cache(maxsize=4)
def catalog_for(rulesets: Path) -> SdkCatalog:
    """The catalogue of a rulesets folder (its ``sdks/``), loaded once per process."""
    return SdkCatalog.load(Path(rulesets) / "sdks")


def default_catalog() -> SdkCatalog:
    """The catalogue of the shipped (or ``APPAUDIT_RULESETS_DIR``) rulesets folder; detectors
    use ``ScanContext.sdk_catalog``, the catalogue of the knowledge they scan with."""
    return catalog_for(rulesets_dir())
