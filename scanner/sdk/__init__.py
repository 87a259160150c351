"""Third-party SDK signatures and the matcher (pure Python, no androguard/mitmproxy).

Public API::

    from scanner.sdk import SdkCatalog
    cat = SdkCatalog.load()                       # rulesets/sdks/*.yaml
    cat.match_classes(["Lcom/umeng/analytics/MobclickAgent;", ...])  # -> [SdkMatch]
    cat.sdk_for_class("Lcom/qq/e/ads/a;")         # -> SdkSignature | None
    cat.sdk_for_host("alog.umeng.com")            # -> SdkSignature | None
    cat.match_native(apk.entry_names)             # lib/<abi>/*.so -> [SdkMatch]

See :mod:`scanner.sdk.catalog` for matching and overlap rules.
"""

from __future__ import annotations

from scanner.sdk.catalog import (
    Overlap,
    SdkCatalog,
    default_catalog,
    native_libraries,
    normalize_class_name,
    normalize_host,
    rulesets_dir,
)
from scanner.sdk.model import SdkMatch, SdkSignature

__all__ = [
    "Overlap",
    "SdkCatalog",
    "SdkMatch",
    "SdkSignature",
    "default_catalog",
    "native_libraries",
    "normalize_class_name",
    "normalize_host",
    "rulesets_dir",
]
