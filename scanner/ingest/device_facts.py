"""The test phone's known identifiers (``--device-facts FILE``, JSON or YAML).

Contract
--------
:func:`load_device_facts` returns :class:`DeviceFacts`: a tuple of ``(pi_type, value)``
seeds using the product's PI type ids. Accepted keys (case-insensitive, aliases folded):

    imei/meid/device_id → device_id    imsi → imsi          iccid → iccid
    android_id          → android_id   oaid → oaid          ad_id/gaid/aaid/idfa → ad_id
    mac/wifi_mac/mac_address → mac_address                  serial → serial
    phone/phone_number/msisdn → phone_number               ssid/bssid/wifi → wifi_info
    location {lat, lon} / lat+lon → precise_location       installed_apps [..] → installed_apps
    accounts/account_names/email [..] → accounts            id_card/id_card_number → id_card_number
    bank_card/bank_card_number → bank_card_number          real_name/name → real_name
    contacts [..] → contacts

Values may be strings, numbers or lists of them. Unknown keys are ignored but listed in
``unknown_keys``. A file that cannot be parsed, or whose top level is not a mapping,
raises :class:`InputError`.

Limits (:mod:`scanner.limits`), each refused with an :class:`InputError` naming it: the
file's size (``MAX_FACTS_BYTES``), the number of known values (``MAX_FACT_SEEDS``, also
for facts stored in a capture's labels), one value's length (``MAX_SEED_CHARS``), numbers
of more than ``MAX_NUMBER_CHARS`` characters, YAML aliases and deep nesting
(:mod:`scanner.safeyaml`), and coordinates that are not finite numbers within
[-90, 90] / [-180, 180].
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.limits import MAX_FACT_SEEDS, MAX_FACTS_BYTES, MAX_NUMBER_CHARS, MAX_SEED_CHARS
from scanner.messages import msg, os_reason
from scanner.model.device import DeviceFacts

__all__ = ["DeviceFacts", "facts_from_mapping", "load_device_facts"]

_ALIASES = {
    "imei": "device_id", "meid": "device_id", "device_id": "device_id", "imei2": "device_id",
    "imsi": "imsi", "iccid": "iccid", "android_id": "android_id", "androidid": "android_id",
    "oaid": "oaid", "ad_id": "ad_id", "gaid": "ad_id", "aaid": "ad_id", "idfa": "ad_id",
    "advertising_id": "ad_id", "mac": "mac_address", "wifi_mac": "mac_address",
    "mac_address": "mac_address", "bluetooth_mac": "mac_address", "serial": "serial",
    "serial_number": "serial", "phone": "phone_number", "phone_number": "phone_number",
    "msisdn": "phone_number", "ssid": "wifi_info", "bssid": "wifi_info", "wifi_ssid": "wifi_info",
    "wifi_bssid": "wifi_info", "wifi": "wifi_info", "installed_apps": "installed_apps",
    "packages": "installed_apps", "accounts": "accounts", "account_names": "accounts",
    "account": "accounts", "email": "accounts", "id_card": "id_card_number",
    "id_card_number": "id_card_number", "bank_card": "bank_card_number",
    "bank_card_number": "bank_card_number", "real_name": "real_name", "name": "real_name",
    "contacts": "contacts",
}


class _Seeds:
    """Known values collected with the count and length limits applied."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.items: dict[tuple[str, str], None] = {}
        self.visited = 0

    def add(self, pi: str, v: Any, depth: int = 0) -> None:
        self.visited += 1
        if self.visited > 4 * MAX_FACT_SEEDS or depth > 8:
            raise InputError("err_facts_too_many_nested", path=self.label, max=MAX_FACT_SEEDS)
        if v is None or isinstance(v, bool):
            return
        if isinstance(v, (list, tuple)):
            for x in v:
                self.add(pi, x, depth + 1)
            return
        if isinstance(v, dict):
            for x in v.values():
                self.add(pi, x, depth + 1)
            return
        if isinstance(v, float) and not math.isfinite(v):
            return
        text = _clean(str(v).strip())
        if not text:
            return
        if len(text) > MAX_SEED_CHARS:
            raise InputError("err_facts_value_long", path=self.label, pi=pi, n=len(text),
                             max=MAX_SEED_CHARS)
        self.items[(pi, text)] = None
        if len(self.items) > MAX_FACT_SEEDS:
            raise InputError("err_facts_too_many", path=self.label, max=MAX_FACT_SEEDS)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean(text: str) -> str:
    """Lone UTF-16 surrogates (valid in JSON, not text) as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _coordinate(v: Any, axis: str, label: str) -> float | None:
    """A finite latitude/longitude in range; None when absent; InputError when not a
    usable coordinate (NaN, infinite, out of range)."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, str) and len(v) > MAX_NUMBER_CHARS:
        raise InputError("err_facts_not_coordinate", path=label, axis=msg(f"axis_{axis}"),
                         n=len(v))
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    bound = 90.0 if axis == "latitude" else 180.0
    if not math.isfinite(f) or abs(f) > bound:
        raise InputError("err_facts_coordinate_range", path=label, axis=msg(f"axis_{axis}"),
                         value=str(v)[:40], bound=f"{bound:g}")
    return f


def facts_from_mapping(doc: dict[str, Any], path: str | None = None) -> DeviceFacts:
    """Build :class:`DeviceFacts` from an already parsed mapping."""
    label = path or "device facts"
    seeds = _Seeds(label)
    unknown: list[str] = []
    location = None
    lat = lon = None
    for key, val in doc.items():
        k = str(key).strip().lower().replace("-", "_")
        if k in ("location", "gps", "precise_location") and isinstance(val, dict):
            lat = _coordinate(val.get("lat", val.get("latitude")), "latitude", label)
            lon = _coordinate(val.get("lon", val.get("lng", val.get("longitude"))),
                              "longitude", label)
            continue
        if k in ("lat", "latitude"):
            lat = _coordinate(val, "latitude", label)
            continue
        if k in ("lon", "lng", "longitude"):
            lon = _coordinate(val, "longitude", label)
            continue
        pi = _ALIASES.get(k)
        if pi is None:
            if len(unknown) < 100:
                unknown.append(_clean(str(key)[:100]))
            continue
        seeds.add(pi, val)
    if lat is not None and lon is not None:
        location = (lat, lon)
    return DeviceFacts(tuple(seeds.items), location, tuple(unknown), path)


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} characters (limit {MAX_NUMBER_CHARS})")
    return text


def load_device_facts(path: Path) -> DeviceFacts:
    """Read a device facts file (JSON or YAML, told apart by content)."""
    try:
        if not path.is_file():
            raise InputError("err_facts_not_regular", path=str(path))
        size = path.stat().st_size
        if size > MAX_FACTS_BYTES:
            raise InputError("err_facts_large", path=str(path), n=size, max=MAX_FACTS_BYTES)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("err_facts_unreadable", path=str(path), reason=os_reason(e)
                         if isinstance(e, OSError) else msg("reason_not_utf8")) from e
    doc: Any
    try:
        # numbers kept as their text: an IMEI written as a number keeps its digits, and a
        # 5,000-digit number or 1e999 is refused instead of converted
        doc = json.loads(text, parse_int=_number_text, parse_float=_number_text,
                         parse_constant=_number_text)
    except json.JSONDecodeError:
        import yaml

        from scanner.safeyaml import YamlLimitError, load

        try:
            doc = load(text)
        except yaml.YAMLError as e:
            first = str(e).splitlines()[0] if str(e) else "parse error"
            raise InputError("err_facts_format", path=str(path), detail=first) from e
        except YamlLimitError as e:
            raise InputError("err_facts_yaml_limit", path=str(path), detail=e.message()) from e
    except (ValueError, RecursionError) as e:
        raise InputError("err_facts_json", path=str(path), detail=str(e)[:120]) from e
    if not isinstance(doc, dict):
        raise InputError("err_facts_not_mapping", path=str(path))
    return facts_from_mapping(doc, str(path))
