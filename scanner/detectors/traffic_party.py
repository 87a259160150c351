"""Who receives a request: registrable domain (eTLD+1), first or third party, and SDK.

Contract
--------
* :func:`etld1` uses the public-suffix list bundled with the ``publicsuffix2`` package
  (offline; never fetched). IP literals and single-label hosts are their own eTLD+1.
* :func:`package_domain` turns an Android package name into the domain it reverses
  (``com.example.app`` → ``example.com``; ``cn.gov.x.app`` → ``x.gov.cn``).
* :func:`code_domains` collects the registrable domains of ``http(s)://`` URL strings loaded
  by the app's own classes (classes under its package that no SDK signature claims), from
  the APK's DEX index (``ScanContext.dex_index``).
* :class:`PartyResolver` calls a host ``first`` party when its eTLD+1 equals the eTLD+1 of
  a first-party domain (``--first-party``, the APK's package and code strings, the
  capture's labelled package) and the host is not a known SDK host; otherwise ``third``.
* SDKs come from the network signatures of :mod:`scanner.sdk` (``sdk_for_host``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from scanner.sdk.catalog import SdkCatalog, normalize_host
from scanner.sdk.model import SdkSignature


@lru_cache(maxsize=1)
def _psl():
    import publicsuffix2

    return publicsuffix2.PublicSuffixList()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def etld1(host: str) -> str:
    """Registrable domain of ``host`` (the host itself for IPs and single labels)."""
    h = normalize_host(host)
    if not h or _is_ip(h) or "." not in h:
        return h
    sld = _psl().get_sld(h, wildcard=True)
    return sld or h


def package_domain(package: str) -> str | None:
    """The registrable domain an Android package name reverses, if it has one."""
    parts = [p for p in package.lower().split(".") if p]
    if len(parts) < 2:
        return None
    host = ".".join(reversed(parts))
    d = etld1(host)
    return d if d and "." in d else None


class PartyResolver:
    """first/third party and SDK of hosts, memoised per host."""

    def __init__(self, catalog: SdkCatalog, first_party: Iterable[str] = ()) -> None:
        self.catalog = catalog
        self.first = {etld1(d) for d in first_party if d}
        self._cache: dict[str, tuple[str, str, SdkSignature | None]] = {}

    def add_first_party(self, domain: str) -> None:
        """Add a first-party domain (clears the memo)."""
        if domain:
            self.first.add(etld1(domain))
            self._cache.clear()

    def resolve(self, host: str) -> tuple[str, str, SdkSignature | None]:
        """(etld1, party, sdk signature or None) of ``host``."""
        hit = self._cache.get(host)
        if hit is None:
            sdk = self.catalog.sdk_for_host(host)
            d = etld1(host)
            party = "first" if d in self.first and sdk is None else "third"
            hit = (d, party, sdk)
            self._cache[host] = hit
        return hit


def code_domains(index, package: str, catalog: SdkCatalog) -> set[str]:
    """Registrable domains of URL strings in the app's own (non-SDK) classes."""
    from urllib.parse import urlsplit

    own = "L" + package.replace(".", "/") + "/"
    out: set[str] = set()
    for site in index.find_strings(prefixes=("http://", "https://")):
        if not site.caller_class.startswith(own) or catalog.sdk_for_class(site.caller_class):
            continue
        try:
            host = urlsplit(site.value).hostname
        except ValueError:
            continue
        if host and catalog.sdk_for_host(host) is None:
            d = etld1(host)
            if "." in d and not _is_ip(d):
                out.add(d)
    return out
