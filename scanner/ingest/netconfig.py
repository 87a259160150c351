"""The network security config named by the manifest (res/xml/...), read into NetworkConfig.

Contract: :func:`read_network_config` takes the manifest's ``android:networkSecurityConfig``
value (a resource reference such as ``@7f0f0000``), the resource table and the APK's zip,
and returns a :class:`~scanner.model.evidence.NetworkConfig`, or None when the manifest
names none. The file is read through :class:`SafeZip` (size-capped), its binary XML checked
by :func:`check_axml` before androguard parses it; a file that cannot be found or read gives
a NetworkConfig with ``problem`` set (never an exception).

Semantics (Android "Network security configuration"): ``base-config`` and every
``domain-config`` may set ``cleartextTrafficPermitted`` and ``trust-anchors``; a nested
``domain-config`` inherits what it does not set from its parent, a top-level one from
``base-config``; ``debug-overrides`` apply only to debuggable builds. What is recorded is
what the file says explicitly (``src="user"`` among the trust anchors,
``cleartextTrafficPermitted="true"``); platform defaults are left to the rules.
"""

from __future__ import annotations

from lxml import etree

from scanner.errors import InputError
from scanner.ingest.arsc import ResourceTable, ResourceTableError
from scanner.ingest.axml import check_axml
from scanner.ingest.safezip import MAX_SMALL, SafeZip
from scanner.model.evidence import DomainConfig, NetworkConfig

MAX_DOMAIN_CONFIGS = 500  # domain-config elements kept


def _local(el) -> str:
    tag = el.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _flag(el, name: str) -> bool | None:
    v = el.get(name)
    if v is None:
        v = el.get("{http://schemas.android.com/apk/res/android}" + name)
    if v is None:
        return None
    return v.strip().lower() in ("true", "1")


def _user_ca(el) -> bool | None:
    """Whether this element's own trust-anchors include user CAs (None: no trust-anchors)."""
    anchors = [c for c in el if _local(c) == "trust-anchors"]
    if not anchors:
        return None
    return any(_local(c) == "certificates" and (c.get("src") or "").strip() == "user"
               for a in anchors for c in a)


def _path(ref: str, arsc: ResourceTable | None, zf: SafeZip) -> str | None:
    if ref.startswith("res/") and zf.has(ref):
        return ref
    if not ref.startswith("@") or arsc is None:
        return None
    try:
        values = [v for _c, v in arsc.resolve(int(ref[1:].split(":")[-1], 16))]
    except (ValueError, ResourceTableError):
        return None
    return next((v for v in values if isinstance(v, str) and zf.has(v)), None)


def parse_network_config(root, file: str) -> NetworkConfig:
    """A parsed network-security-config element tree into a NetworkConfig."""
    base = next((c for c in root if _local(c) == "base-config"), None)
    base_cleartext = _flag(base, "cleartextTrafficPermitted") if base is not None else None
    base_user = bool(_user_ca(base)) if base is not None else False
    domains: list[DomainConfig] = []

    def walk(el, cleartext: bool | None, user: bool) -> None:
        for c in el:
            if _local(c) != "domain-config" or len(domains) >= MAX_DOMAIN_CONFIGS:
                continue
            own_clear = _flag(c, "cleartextTrafficPermitted")
            own_user = _user_ca(c)
            eff_clear = own_clear if own_clear is not None else cleartext
            eff_user = own_user if own_user is not None else user
            names = tuple((d.text or "").strip() for d in c if _local(d) == "domain")
            domains.append(DomainConfig(tuple(n for n in names if n), eff_clear, eff_user))
            walk(c, eff_clear, eff_user)

    walk(root, base_cleartext, base_user)
    debug = next((c for c in root if _local(c) == "debug-overrides"), None)
    return NetworkConfig(file=file, base_cleartext=base_cleartext, base_user_ca=base_user,
                         domains=tuple(domains),
                         debug_user_ca=bool(_user_ca(debug)) if debug is not None else False)


def read_network_config(ref: str | None, arsc: ResourceTable | None, zf: SafeZip,
                        parse_axml) -> NetworkConfig | None:
    """The network security config the manifest names (see module docstring).
    ``parse_axml(raw)`` turns binary XML into an lxml root (or None), as the manifest
    reader does (androguard with its logging collected)."""
    if not ref:
        return None
    path = _path(ref, arsc, zf)
    if path is None:
        return NetworkConfig(file=ref, problem="resource not found in the APK")
    try:
        raw = zf.read(path, MAX_SMALL)
        check_axml(raw, path)
        root = parse_axml(raw)
    except InputError as e:
        return NetworkConfig(file=path, problem=str(e)[:200])
    except Exception as e:  # noqa: BLE001 - androguard raises many types on hostile AXML
        return NetworkConfig(file=path, problem=f"not valid binary XML ({type(e).__name__})")
    if root is None or _local(root) != "network-security-config":
        return NetworkConfig(file=path, problem="not a network-security-config document")
    return parse_network_config(root, path)
