"""APK ingest: container, manifest, resources and signatures become :class:`ApkEvidence`.

androguard parses the binary XML and the signing blocks; :mod:`scanner.ingest.arsc`
resolves the few resource ids needed (label, icon, version name) in resources.arsc.
Everything they read has first passed :class:`SafeZip`'s checks; androguard is loaded by
:mod:`scanner.ingest.androguard_load`. What the libraries log on Python's root logger while
they read an APK (apkInspector's "Does not seem to be the start of a local
header!" on a damaged zip, which would otherwise reach stderr as a stray
``WARNING:root:`` line) is collected instead and recorded as damage of the APK container
(``ApkEvidence.damage``, scanner.model.damage), which the result lists as a skipped part.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from scanner import limits
from scanner.errors import InputError
from scanner.hashing import digest_beside
from scanner.ingest.androguard_load import APK, AXMLPrinter
from scanner.ingest.arsc import ResourceTable, ResourceTableError
from scanner.ingest.axml import check_axml
from scanner.ingest.netconfig import read_network_config
from scanner.ingest.payloads import find_payloads
from scanner.ingest.safezip import (
    MAX_ARSC,
    MAX_DEX,
    MAX_MANIFEST,
    MAX_SMALL,
    MAX_TOTAL_DEX,
    SafeZip,
    ZipBombError,
)
from scanner.messages import msg, record
from scanner.model.damage import Damage, DamageLog
from scanner.model.evidence import (
    ApkEvidence,
    Component,
    DexFile,
    Flags,
    InputFile,
    IntentFilter,
    Permission,
    Signer,
    TextFile,
    ZipAnomaly,
)
from scanner.model.locator import Locator

ANDROID_NS = "http://schemas.android.com/apk/res/android"
MAX_APK_BYTES = limits.MAX_APK_BYTES
ICON_MAX = 512 << 10
COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
MAX_POLICY_DOCS = 5
MAX_POLICY_BYTES = 4 << 20
POLICY_SUFFIXES = (".html", ".htm", ".txt", ".xhtml", ".md")
MAX_META_DATA = 2000  # <meta-data> elements kept per manifest
MAX_META_VALUE = 256  # characters of a meta-data value kept
#: the part of the APK named by damage of its zip container (a skipped part of the result)
CONTAINER = "APK container"
TEXT_XML = re.compile(r"^res/(xml|layout|menu)(-[^/]+)?/[^/]+\.xml$")
TEXT_ASSET = (".txt", ".json", ".html", ".htm", ".xml", ".properties", ".md")
POLICY_NAME = re.compile(r"(privacy|policy|隐私|yinsi|agreement|protocol)", re.I)


class _Collect(logging.Handler):
    """Keeps the messages libraries log while one APK is read."""

    def __init__(self, out: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.out) < 20:
            try:
                self.out.append(record.getMessage()[:200])
            except Exception:  # a library's bad format string: keep its template
                self.out.append(str(record.msg)[:200])


@contextmanager
def library_log(out: list[str]) -> Iterator[None]:
    """Collect root-logger warnings into ``out`` (and keep them off stderr): with a handler
    on the root logger, ``logging.warning`` no longer configures a stderr handler itself."""
    root = logging.getLogger()
    handler = _Collect(out)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


class ManifestError(InputError):
    """The AndroidManifest.xml is missing or cannot be parsed."""


def _local(el) -> str:
    """Element name without namespace: Android's parser ignores element prefixes."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def _attr(el, name: str) -> str | None:
    """An android: attribute, falling back to an unprefixed one as Android does for some."""
    v = el.get(f"{{{ANDROID_NS}}}{name}")
    if v is None:
        v = el.get(name)
    return v


def _bool(value: str | None, default: bool | None) -> bool | None:
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("true", "1", "0xffffffff", "-1"):
        return True
    if v in ("false", "0", "0x0", "0x00000000"):
        return False
    # a resource reference (@7F..) cannot be resolved to a bool here; keep the default
    return default


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value, 0)
    except ValueError:
        return None


def _qualify(name: str | None, package: str) -> str | None:
    if not name:
        return name
    if name.startswith("."):
        return package + name
    if "." not in name:
        return f"{package}.{name}"
    return name


class ApkReader:
    """Reads one APK file into :class:`ApkEvidence` (manifest, signers, dex bytes)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> ApkEvidence:
        """Parse the APK; raise :class:`InputError` with one clear line when it is unusable."""
        path = self.path
        label = path.name
        if not path.exists():
            raise InputError("err_no_such", path=str(path), what=msg("what_file"))
        if not path.is_file():
            raise InputError("err_not_regular", path=str(path))
        size = path.stat().st_size
        if size > MAX_APK_BYTES:
            raise InputError("err_over_limit", path=label, n=size, max=MAX_APK_BYTES)
        data = path.read_bytes()
        digests = digest_beside(data)  # (computed while the container is read)
        zf = SafeZip(data, label)
        if not zf.has("AndroidManifest.xml"):
            raise ManifestError("err_no_manifest", path=label)
        manifest_raw = zf.read("AndroidManifest.xml", MAX_MANIFEST)
        root = self._parse_manifest(manifest_raw, label)
        package = root.get("package") or ""
        arsc_raw = zf.read("resources.arsc", MAX_ARSC) if zf.has("resources.arsc") else None
        arsc = self._arsc(arsc_raw)

        uses_sdk = next((el for el in root if _local(el) == "uses-sdk"), None)
        min_sdk = _int(_attr(uses_sdk, "minSdkVersion")) if uses_sdk is not None else None
        target_sdk = _int(_attr(uses_sdk, "targetSdkVersion")) if uses_sdk is not None else None
        if min_sdk is None:
            min_sdk = 1
        if target_sdk is None:
            target_sdk = min_sdk

        app_el = next((el for el in root if _local(el) == "application"), None)
        flags = self._flags(app_el, target_sdk)
        components = tuple(self._components(app_el, package, target_sdk))
        application_class = _qualify(_attr(app_el, "name"), package) if app_el is not None else None
        label_value = self._label(app_el, arsc)
        icon = self._icon(app_el, arsc, zf)

        permissions = []
        seen = set()
        for el in root:
            if _local(el) in ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m"):
                name = _attr(el, "name")
                if not name or name in seen:
                    continue
                seen.add(name)
                permissions.append(Permission(name=name, dangerous=False,
                                              max_sdk=_int(_attr(el, "maxSdkVersion"))))
        declared = tuple(
            (_attr(el, "name") or "", _attr(el, "protectionLevel") or "normal")
            for el in root if _local(el) == "permission"
        )

        dex_files = []
        total = 0
        for name in zf.dex_names():
            raw = zf.read(name, MAX_DEX)
            total += len(raw)
            if total > MAX_TOTAL_DEX:
                raise ZipBombError("err_dex_total", path=label, max=MAX_TOTAL_DEX)
            dex_files.append(DexFile(name=name, size=len(raw), data=raw))

        names = tuple(zf.names())
        payloads, payload_dex = find_payloads(zf, list(names))
        for d in payload_dex:
            total += d.size
            if total > MAX_TOTAL_DEX:
                raise ZipBombError("err_dex_total", path=label, max=MAX_TOTAL_DEX)
            dex_files.append(d)

        text_files, text_complete = self._text_files(zf, names, arsc_raw)
        signers, sign_anomalies, damage = self._signers(data, zf)
        policy_assets = tuple(n for n in names
                              if n.startswith(("assets/", "res/raw/")) and POLICY_NAME.search(n))
        policy_docs = []
        for n in policy_assets:
            if len(policy_docs) >= MAX_POLICY_DOCS or not n.lower().endswith(POLICY_SUFFIXES):
                continue
            try:
                policy_docs.append((n, zf.read(n, MAX_POLICY_BYTES)))
            except InputError:  # too large or damaged: its name is still recorded
                continue
        digest = digests()
        return ApkEvidence(
            input=InputFile("apk", str(path), digest.bytes, digest.sha256, digest.sm3),
            package=package,
            label=label_value,
            version_name=_resolve_str(root.get(f"{{{ANDROID_NS}}}versionName"), arsc),
            version_code=root.get(f"{{{ANDROID_NS}}}versionCode"),
            min_sdk=min_sdk,
            target_sdk=target_sdk,
            permissions=tuple(permissions),
            declared_permissions=declared,
            components=components,
            application_class=application_class,
            flags=flags,
            signers=tuple(signers),
            dex_files=tuple(dex_files),
            entry_names=names,
            anomalies=tuple(zf.anomalies) + tuple(sign_anomalies),
            damage=damage,
            manifest_locator=Locator("manifest", file="AndroidManifest.xml"),
            privacy_policy_assets=policy_assets,
            privacy_policy_documents=tuple(policy_docs),
            meta_data=self._meta_data(app_el),
            payloads=tuple(payloads),
            icon_png=icon,
            text_files=text_files,
            text_complete=text_complete,
            network_config=read_network_config(
                _attr(app_el, "networkSecurityConfig") if app_el is not None else None,
                arsc, zf, _parse_axml),
        )

    @staticmethod
    def _text_files(zf: SafeZip, names: tuple[str, ...],
                    arsc: bytes | None) -> tuple[tuple[TextFile, ...], bool]:
        """resources.arsc, compiled XML of res/xml, res/layout and res/menu (any qualifier),
        text assets and text files of res/raw (any qualifier), within limits.MAX_TEXT_*;
        (files, whether every candidate was read). A damaged or oversized entry is left out
        (and the set marked incomplete)."""
        out: list[TextFile] = []
        complete = True
        if arsc is not None:
            out.append(TextFile("resources.arsc", "arsc", len(arsc), arsc))
        total = 0
        for n in names:
            kind = ("xml" if TEXT_XML.match(n) else
                    "asset" if n.startswith("assets/") and n.lower().endswith(TEXT_ASSET)
                    else "raw" if n.startswith("res/raw") and n.lower().endswith(TEXT_ASSET)
                    else None)
            if kind is None:
                continue
            if len(out) > limits.MAX_TEXT_FILES or zf.entries[n].size > limits.MAX_TEXT_FILE \
                    or total + zf.entries[n].size > limits.MAX_TEXT_TOTAL:
                complete = False
                continue
            try:
                raw = zf.read(n, limits.MAX_TEXT_FILE)
            except InputError:
                complete = False
                continue
            total += len(raw)
            out.append(TextFile(n, kind, len(raw), raw))
        return tuple(out), complete

    @staticmethod
    def _parse_manifest(raw: bytes, label: str):
        check_axml(raw, label)  # depth and element count, before androguard recurses
        try:
            with library_log([]):  # what it says of a broken manifest we say ourselves
                printer = AXMLPrinter(raw)
                ok = printer.is_valid()
                root = printer.get_xml_obj() if ok else None
        except Exception as e:  # androguard raises many types on hostile AXML
            raise ManifestError("err_manifest_invalid", path=label,
                                detail=msg("paren_detail", detail=type(e).__name__)) from e
        if root is None or _local(root) != "manifest":
            raise ManifestError("err_manifest_invalid", path=label, detail="")
        return root

    @staticmethod
    def _arsc(raw: bytes | None) -> ResourceTable | None:
        if raw is None:
            return None
        try:
            return ResourceTable(raw)
        except ResourceTableError:  # a broken resource table only costs us the label
            return None

    @staticmethod
    def _label(app_el, arsc: ResourceTable | None) -> str | None:
        if app_el is None:
            return None
        return _resolve_str(_attr(app_el, "label"), arsc)

    @staticmethod
    def _icon(app_el, arsc: ResourceTable | None, zf: SafeZip) -> bytes | None:
        """The launcher icon's largest bitmap (PNG or WebP, at most 512 KiB), if any."""
        ref = _attr(app_el, "icon") if app_el is not None else None
        if not ref or not ref.startswith("@") or arsc is None:
            return None
        try:
            paths = [v for _, v in arsc.resolve(int(ref[1:].split(":")[-1], 16))]
        except (ValueError, ResourceTableError):  # unresolvable reference: no icon
            return None
        candidates = [p for p in paths if isinstance(p, str) and zf.has(p)
                      and p.endswith((".png", ".webp")) and zf.entries[p].size <= ICON_MAX]
        if not candidates:
            return None
        best = max(candidates, key=lambda p: zf.entries[p].size)
        try:
            data = zf.read(best, ICON_MAX)
        except InputError:
            return None
        if data.startswith(b"\x89PNG") or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
            return data
        return None

    @staticmethod
    def _meta_data(app_el) -> tuple[tuple[str, str | None], ...]:
        """(name, value) of every <meta-data> under <application> and its components."""
        if app_el is None:
            return ()
        out = []
        for el in app_el.iter():
            if _local(el) != "meta-data":
                continue
            name = _attr(el, "name")
            if not name:
                continue
            value = _attr(el, "value")
            if value is None:
                value = _attr(el, "resource")
            out.append((name[:MAX_META_VALUE],
                        value[:MAX_META_VALUE] if value is not None else None))
            if len(out) >= MAX_META_DATA:
                break
        return tuple(out)

    @staticmethod
    def _flags(app_el, target_sdk: int) -> Flags:
        get = (lambda n: _attr(app_el, n)) if app_el is not None else (lambda n: None)
        cleartext_default = target_sdk < 28
        return Flags(
            debuggable=bool(_bool(get("debuggable"), False)),
            allow_backup=bool(_bool(get("allowBackup"), True)),
            uses_cleartext_traffic=_bool(get("usesCleartextTraffic"), None),
            cleartext_default=cleartext_default,
            network_security_config=get("networkSecurityConfig") is not None,
            test_only=bool(_bool(get("testOnly"), False)),
        )

    @staticmethod
    def _components(app_el, package: str, target_sdk: int) -> Iterable[Component]:
        if app_el is None:
            return
        for el in app_el:
            kind = _local(el)
            if kind not in COMPONENT_TAGS:
                continue
            name = _qualify(_attr(el, "name") or _attr(el, "targetActivity"), package) or ""
            filters = []
            for f in el:
                if _local(f) != "intent-filter":
                    continue
                filters.append(IntentFilter(
                    actions=tuple(_attr(a, "name") or "" for a in f if _local(a) == "action"),
                    categories=tuple(_attr(a, "name") or "" for a in f if _local(a) == "category"),
                    schemes=tuple(_attr(a, "scheme") for a in f
                                  if _local(a) == "data" and _attr(a, "scheme")),
                ))
            explicit = _bool(_attr(el, "exported"), None)
            if explicit is not None:
                exported, reason = explicit, "explicit"
            elif filters:
                # Before Android 12 (API 31) an intent filter implies exported=true;
                # from 31 on the attribute is mandatory and such an APK fails to install.
                exported, reason = True, "intent-filter"
            elif kind == "provider":
                exported, reason = target_sdk <= 16, "provider-default"
            else:
                exported, reason = False, "default"
            yield Component(
                name=name,
                type="activity" if kind == "activity-alias" else kind,
                exported=exported,
                exported_reason=reason,
                permission=_attr(el, "permission"),
                read_permission=_attr(el, "readPermission"),
                write_permission=_attr(el, "writePermission"),
                grant_uri_permissions=bool(_bool(_attr(el, "grantUriPermissions"), False)),
                enabled=bool(_bool(_attr(el, "enabled"), True)),
                intent_filters=tuple(filters),
                authorities=_attr(el, "authorities"),
            )

    @staticmethod
    def _signers(data: bytes, zf: SafeZip) -> tuple[list[Signer], list[ZipAnomaly],
                                                    tuple[Damage, ...]]:
        """Certificates of the v1/v2/v3 schemes, merged by certificate fingerprint; the
        anomalies of the signing blocks; damage of the container met on the way (what the
        signature check's zip reader logged)."""
        for name in zf.names():
            if name.startswith("META-INF/") and zf.entries[name].size > MAX_SMALL:
                big = ZipAnomaly("signature_unreadable", name, "signature file too large")
                return [], [big], ()
        logged: list[str] = []
        with library_log(logged):
            signers, found = ApkReader._signer_list(data)
        damage = DamageLog()
        for m in dict.fromkeys(logged):
            damage.add(*record(msg("part_container"), msg("skip_signature_zip", detail=m)))
        return signers, found, damage.items

    @staticmethod
    def _signer_list(data: bytes) -> tuple[list[Signer], list[ZipAnomaly]]:
        anomalies: list[ZipAnomaly] = []
        by_fp: dict[str, dict] = {}
        try:
            apk = APK(data, raw=True, skip_analysis=True)
            schemes = []
            if apk.is_signed_v1():
                for sig in apk.get_signature_names():
                    der = apk.get_certificate_der(sig)
                    if der:
                        schemes.append(("v1", der))
            if apk.is_signed_v2():
                schemes.extend(("v2", der) for der in apk.get_certificates_der_v2())
            if apk.is_signed_v3():
                schemes.extend(("v3", der) for der in apk.get_certificates_der_v3())
        except Exception as e:  # hostile signing blocks: record, keep scanning
            return [], [ZipAnomaly("signature_unreadable", "", f"{type(e).__name__}: {e}"[:200])]
        for scheme, der in schemes:
            fp = hashlib.sha256(der).hexdigest()
            entry = by_fp.setdefault(fp, {"der": der, "schemes": []})
            if scheme not in entry["schemes"]:
                entry["schemes"].append(scheme)
        signers = [_signer(fp, e["der"], e["schemes"]) for fp, e in by_fp.items()]
        return sorted(signers, key=lambda s: s.sha256), anomalies


def _signer(fp: str, der: bytes, schemes: list[str]) -> Signer:
    import warnings

    from cryptography import x509

    subject = issuer = not_before = not_after = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd country-name lengths in old certificates
            cert = x509.load_der_x509_certificate(der)
            subject = cert.subject.rfc4514_string()
            issuer = cert.issuer.rfc4514_string()
        not_before = cert.not_valid_before_utc.isoformat()
        not_after = cert.not_valid_after_utc.isoformat()
    except Exception:  # unparsable certificate: the fingerprint still identifies it
        pass
    return Signer(sha256=fp, subject=subject, issuer=issuer, schemes=tuple(sorted(schemes)),
                  sha1=hashlib.sha1(der).hexdigest(), not_before=not_before, not_after=not_after)


def _parse_axml(raw: bytes):
    """Binary XML (not the manifest) into an lxml root, or None when androguard cannot."""
    with library_log([]):
        printer = AXMLPrinter(raw)
        return printer.get_xml_obj() if printer.is_valid() else None


def _resolve_str(value: str | None, arsc: ResourceTable | None) -> str | None:
    """Resolve ``@7F0B0020``-style references through the resource table.

    The value of the configuration without language and region wins, else the first one;
    an unresolvable reference stays as it is.
    """
    if value is None or not value.startswith("@") or arsc is None:
        return value
    try:
        configs = arsc.resolve(int(value[1:].split(":")[-1], 16))
    except (ValueError, ResourceTableError):
        return value
    if not configs:
        return value
    return next((text for config, text in configs if config.default_locale), configs[0][1])
