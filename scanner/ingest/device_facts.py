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
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.errors import InputError
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


def _scalars(v: Any) -> list[str]:
    if v is None or isinstance(v, bool):
        return []
    if isinstance(v, (list, tuple)):
        return [s for x in v for s in _scalars(x)]
    if isinstance(v, dict):
        return [s for x in v.values() for s in _scalars(x)]
    text = str(v).strip()
    return [text] if text else []


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def facts_from_mapping(doc: dict[str, Any], path: str | None = None) -> DeviceFacts:
    """Build :class:`DeviceFacts` from an already parsed mapping."""
    seeds: list[tuple[str, str]] = []
    unknown: list[str] = []
    location = None
    lat = lon = None
    for key, val in doc.items():
        k = str(key).strip().lower().replace("-", "_")
        if k in ("location", "gps", "precise_location") and isinstance(val, dict):
            lat = _float(val.get("lat", val.get("latitude")))
            lon = _float(val.get("lon", val.get("lng", val.get("longitude"))))
            continue
        if k in ("lat", "latitude"):
            lat = _float(val)
            continue
        if k in ("lon", "lng", "longitude"):
            lon = _float(val)
            continue
        pi = _ALIASES.get(k)
        if pi is None:
            unknown.append(str(key))
            continue
        seeds.extend((pi, s) for s in _scalars(val))
    if lat is not None and lon is not None:
        location = (lat, lon)
    dedup = tuple(dict.fromkeys(seeds))
    return DeviceFacts(dedup, location, tuple(unknown), path)


def load_device_facts(path: Path) -> DeviceFacts:
    """Read a device facts file (JSON or YAML, told apart by content)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read device facts ({e})") from e
    doc: Any
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            first = str(e).splitlines()[0] if str(e) else "parse error"
            raise InputError(f"{path}: device facts are neither JSON nor YAML ({first})") from e
    if not isinstance(doc, dict):
        raise InputError(f"{path}: device facts must be a mapping of names to values")
    return facts_from_mapping(doc, str(path))
