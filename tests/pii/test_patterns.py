"""Validated patterns: check digits and boundaries, with values built by hand."""

from __future__ import annotations

from scanner.pii.patterns import (
    bank_card_ok,
    coordinate_value,
    find_patterns,
    id_card_ok,
    imei_ok,
    luhn_ok,
)


def _types(text: str) -> list[str]:
    return [h.pi_type for h in find_patterns(text)]


def test_luhn_and_imei():
    assert luhn_ok("79927398713")  # the textbook Luhn example
    assert not luhn_ok("79927398710")
    assert imei_ok("490154203237518")  # IMEI example of the GSMA / 3GPP TS 23.003 annex
    assert not imei_ok("490154203237519")  # wrong check digit
    assert not imei_ok("123456789012345")  # no reporting body 12, and fails Luhn
    assert _types("imei=490154203237518") == ["device_id"]
    assert _types("order=490154203237519") == []


def test_resident_id_check_character():
    # 11010519491231002X: the GB 11643 example (Beijing Chaoyang, born 1949-12-31)
    assert id_card_ok("11010519491231002X")
    assert id_card_ok("11010519491231002x")
    assert not id_card_ok("110105194912310021")  # wrong check character
    assert not id_card_ok("990105194912310026")  # no province 99
    assert not id_card_ok("110105194902300020")  # 30 February
    assert _types('"id":"11010519491231002X"') == ["id_card_number"]


def test_bank_card():
    assert bank_card_ok("6222021234567890128")
    assert not bank_card_ok("6222021234567890129")
    assert not bank_card_ok("9222021234567890123")  # no card scheme 9
    assert _types("card=6222021234567890128") == ["bank_card_number"]


def test_phone_boundaries():
    assert _types("tel=13812345678") == ["phone_number"]
    assert _types("tel=+8613812345678") == ["phone_number"]
    assert _types("ref=9913812345678123") == []  # inside a longer digit run
    assert _types("ts=1732947600000") == []  # millisecond timestamp
    assert _types("h=af13812345678be") == []  # inside a hex string
    assert _types("tel=12812345678") == []  # 12x is not a mobile prefix


def test_mac():
    assert _types("mac=ac:37:43:4d:5e:6f") == ["mac_address"]
    assert _types("mac=AC-37-43-4D-5E-6F") == ["mac_address"]
    assert _types("mac=02:00:00:00:00:00") == []  # Android's placeholder
    assert _types("mac=ac:37-43:4d:5e:6f") == []  # mixed separators
    assert _types("v=ac:37:43:4d:5e:6f:70") == []  # EUI-64 / longer run


def test_coordinates():
    assert _types("loc=116.407395,39.904211") == ["precise_location"]
    assert _types("loc=39.904211,116.407395") == ["precise_location"]
    assert _types("loc=-73.9857,40.7484") == []  # New York, outside China's box
    assert _types("v=1.5,2.25") == []
    assert coordinate_value("data.lat", "39.904211") == ("lat", 39.904211, 6)
    assert coordinate_value("lng", "116.4074") == ("lon", 116.4074, 4)
    assert coordinate_value("lat", "39.9") is None  # too coarse
    assert coordinate_value("price", "39.904211") is None


def test_package_lists():
    assert _types("com.tencent.mm,com.eg.android.AlipayGphone,com.ss.android.ugc.aweme") == [
        "installed_apps"]
    assert _types("com.tencent.mm,com.ss.android.ugc.aweme") == []  # two are not a list
    assert _types("api.example.com www.example.com cdn.example.com") == []  # hostnames
