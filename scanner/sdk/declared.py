"""SDK evidence beyond class names: what the manifest, the zip and the code's strings say.

Obfuscated, shrunk or packed builds often rename or hide an SDK's classes, but they keep what
the SDK needs declared to work: its manifest components (``cn.jpush.android.service.PushService``,
``<package>.wxapi.WXEntryActivity``), its ``<meta-data>`` keys (``UMENG_APPKEY``,
``com.amap.api.v2.apikey``), the permissions it declares (``<package>.permission.JPUSH_MESSAGE``),
its asset and configuration files (``assets/ShareSDK.xml``), and the hosts of its API in the
code's strings. :func:`declared_evidence` matches the first four against the catalogue's
``code_signature``/``component_regex``/``meta_data``/``permission_signature``/``file_signature``
data; :func:`string_hosts` matches URL hosts against ``network_signature``. Both return
``{sdk id: {evidence kind: [values]}}`` and read no bytes.

Evidence kinds: ``manifest_components``, ``meta_data`` (``NAME=value``), ``permissions``,
``files``, ``code_hosts``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scanner.sdk.catalog import SdkCatalog
from scanner.sdk.model import SdkSignature

MAX_VALUES = 20  # values kept per SDK and kind
MAX_NAMES = 20000  # entries / strings looked at
#: categories whose hosts are not SDK evidence in code strings: whole-company domains
#: (X-Ray owners) and development libraries
NO_STRING_EVIDENCE = frozenset({"host_owner", "development"})
#: only the hand-curated catalogue's hosts count in code strings: its hosts are the vendors'
#: documented SDK endpoints, where imported lists name whole company domains (Exodus' "Google
#: Ads" is google.com)
CURATED_PRECEDENCE = 100


@dataclass(frozen=True)
class _Index:
    meta_exact: dict[str, tuple[SdkSignature, ...]]
    meta_prefix: tuple[tuple[str, SdkSignature], ...]
    perm_exact: dict[str, tuple[SdkSignature, ...]]
    perm_suffix: tuple[tuple[str, SdkSignature], ...]
    files: tuple[tuple[str, SdkSignature], ...]
    components: tuple[tuple[re.Pattern, SdkSignature], ...]


@functools.lru_cache(maxsize=4)
def _index(catalog: SdkCatalog) -> _Index:
    meta_exact: dict[str, list[SdkSignature]] = {}
    perm_exact: dict[str, list[SdkSignature]] = {}
    meta_prefix, perm_suffix, files, components = [], [], [], []
    for sdk in catalog.sdks:
        for m in sdk.meta_data:
            if m.endswith("*"):
                meta_prefix.append((m[:-1], sdk))
            else:
                meta_exact.setdefault(m, []).append(sdk)
        for p in sdk.permissions:
            if p.startswith("."):
                perm_suffix.append((p, sdk))
            else:
                perm_exact.setdefault(p, []).append(sdk)
        files.extend((f, sdk) for f in sdk.files)
        components.extend((re.compile(rx), sdk) for rx in sdk.component_regexes)
    return _Index({k: tuple(v) for k, v in meta_exact.items()}, tuple(meta_prefix),
                  {k: tuple(v) for k, v in perm_exact.items()}, tuple(perm_suffix),
                  tuple(files), tuple(components))


def _add(out: dict[str, dict[str, list[str]]], sdk: SdkSignature, kind: str, value: str) -> None:
    values = out.setdefault(sdk.id, {}).setdefault(kind, [])
    if value not in values and len(values) < MAX_VALUES:
        values.append(value)


def declared_evidence(catalog: SdkCatalog, components: Iterable[str],
                      meta_data: Iterable[tuple[str, str | None]],
                      permissions: Iterable[str], entry_names: Iterable[str],
                      ) -> dict[str, dict[str, list[str]]]:
    """Manifest components, meta-data, permissions and zip files attributed to SDKs."""
    idx = _index(catalog)
    out: dict[str, dict[str, list[str]]] = {}
    for name in components:
        sdk = catalog.sdk_for_class("L" + name.replace(".", "/") + ";")
        if sdk is not None:
            _add(out, sdk, "manifest_components", name)
        for rx, sdk_ in idx.components:
            if rx.fullmatch(name):
                _add(out, sdk_, "manifest_components", name)
    for name, value in meta_data:
        hits = list(idx.meta_exact.get(name, ()))
        hits += [sdk for prefix, sdk in idx.meta_prefix if name.startswith(prefix)]
        # a key several SDKs share (one AMap key for map and location) only corroborates:
        # see resolve_shared
        kind = "meta_data" if len(hits) == 1 else "shared_meta_data"
        for sdk in hits:
            _add(out, sdk, kind, name if value is None else f"{name}={value}")
    for perm in permissions:
        hits = list(idx.perm_exact.get(perm, ()))
        hits += [sdk for suffix, sdk in idx.perm_suffix if perm.endswith(suffix)]
        for sdk in hits:
            _add(out, sdk, "permissions", perm)
    if idx.files:
        for n, path in enumerate(entry_names):
            if n >= MAX_NAMES:
                break
            for prefix, sdk in idx.files:
                if path.startswith(prefix):
                    _add(out, sdk, "files", path)
    return out


def resolve_shared(evidence: dict[str, dict[str, list[str]]], found: set[str]) -> None:
    """Turn ``shared_meta_data`` into ``meta_data`` evidence, in place: a key several SDKs
    share goes to those of them supported by other evidence (``found``: ids with code or
    native evidence; or other declared evidence); when none of them is, to all of them (the
    key is then their only trace)."""
    support = {sid: sid in found or any(v for k, v in kinds.items() if k != "shared_meta_data")
               for sid, kinds in evidence.items()}
    sharers: dict[str, set[str]] = {}
    for sid, kinds in evidence.items():
        for v in kinds.get("shared_meta_data", ()):
            sharers.setdefault(v, set()).add(sid)
    for sid, kinds in list(evidence.items()):
        for v in kinds.pop("shared_meta_data", ()):
            if support[sid] or not any(support[s] for s in sharers[v]):
                _add_value(kinds, "meta_data", v)
        if not any(kinds.values()):
            del evidence[sid]


def _add_value(kinds: dict[str, list[str]], kind: str, value: str) -> None:
    values = kinds.setdefault(kind, [])
    if value not in values and len(values) < MAX_VALUES:
        values.append(value)


def url_host(value: str) -> str | None:
    """The lower-case host of an http(s) URL string, None when it has none."""
    try:
        host = urlsplit(value.strip()).hostname
    except ValueError:
        return None
    return host.lower() if host and "." in host else None


def string_hosts(catalog: SdkCatalog, urls: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """Hosts of URL strings found in the code, attributed to SDKs by their network signature.

    Whole-company domains (X-Ray owners such as qq.com) and development libraries are no
    evidence of an SDK here; an SDK found only this way is the weakest kind of finding.
    """
    out: dict[str, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for n, url in enumerate(urls):
        if n >= MAX_NAMES:
            break
        host = url_host(url)
        if host is None or host in seen:
            continue
        seen.add(host)
        sdk = catalog.sdk_for_host(host)
        if (sdk is None or sdk.precedence < CURATED_PRECEDENCE
                or set(sdk.categories) & NO_STRING_EVIDENCE):
            continue
        _add(out, sdk, "code_hosts", host)
    return out
