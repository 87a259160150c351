"""Value types of the SDK catalogue: one signature per SDK and one match per SDK found.

Both are frozen and hold only tuples, so they can be shared between scans and threads.
Nothing here does I/O; :mod:`scanner.sdk.loader` builds signatures from YAML and
:mod:`scanner.sdk.catalog` produces matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SdkSignature:
    """What identifies one third-party SDK in code and on the network.

    ``code_prefixes`` are dotted package/class prefixes ending in ``.``; a prefix matches a
    class whose name, split on ``.`` and ``$``, starts with the prefix's segments (so
    ``com.umeng.`` matches ``com.umeng.a.b`` but not ``com.umengx.A``). ``hosts`` are host
    suffixes matched on a dot boundary; ``code_regexes`` / ``host_regexes`` are fallbacks
    (searched in dotted class names / matched against the whole lower-case host).
    ``native_names`` are exact file names of native libraries (``libjcore.so``) shipped in
    ``lib/<abi>/``; ``native_regexes`` must match a whole such file name (fallback).
    """

    id: str
    name: str
    categories: tuple[str, ...]
    name_zh: str | None = None
    vendor: str | None = None
    country: str | None = None
    code_prefixes: tuple[str, ...] = ()
    code_regexes: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    host_regexes: tuple[str, ...] = ()
    native_names: tuple[str, ...] = ()
    native_regexes: tuple[str, ...] = ()
    #: evidence beyond class names (obfuscated and shrunk builds keep these): regexes over the
    #: manifest's component class names, <meta-data> names (a trailing "*" is a prefix),
    #: permission names (a leading "." is a suffix) and zip path prefixes (assets, config)
    component_regexes: tuple[str, ...] = ()
    meta_data: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    version_hint: tuple[tuple[str, str], ...] = ()
    source: str = ""
    source_url: str | None = None
    exodus_ids: tuple[int, ...] = ()
    tracker: bool = True
    precedence: int = 0
    file: str = ""

    @property
    def version_field(self) -> str | None:
        """Dalvik field descriptor whose constant value is the SDK version, if known."""
        return dict(self.version_hint).get("field")


@dataclass(frozen=True)
class SdkMatch:
    """One SDK found among an app's classes, with the class evidence backing it.

    ``classes`` is a sorted sample (at most the ``sample`` size asked for) of the class
    names attributed to the SDK, as given by the caller; ``class_count`` is the full count.
    ``version`` is set only when the caller supplied the value of the SDK's version field.
    ``native_libs`` (from :meth:`SdkCatalog.match_native`) are the sorted APK entry paths
    (``lib/<abi>/<name>.so``) of the native libraries attributed to the SDK.
    """

    sdk: SdkSignature
    classes: tuple[str, ...]
    class_count: int
    version: str | None = None
    matched_by: tuple[str, ...] = field(default=())
    native_libs: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The matched SDK's id (shortcut for ``match.sdk.id``)."""
        return self.sdk.id
