"""Party attribution: eTLD+1 from the bundled public-suffix list, first party from the
package, code strings and --first-party, SDKs from the network signatures."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.detectors.traffic_party import PartyResolver, code_domains, etld1, package_domain
from scanner.sdk.catalog import default_catalog


def test_etld1():
    assert etld1("a.b.example.com.cn") == "example.com.cn"
    assert etld1("alog.umeng.com") == "umeng.com"
    assert etld1("x.y.gov.cn") == "y.gov.cn"
    assert etld1("127.0.0.1") == "127.0.0.1"
    assert etld1("localhost") == "localhost"
    assert etld1("API.Example.COM:8443") == "example.com"


def test_package_domain():
    assert package_domain("com.example.app") == "example.com"
    assert package_domain("cn.demoshop.app") == "demoshop.cn"
    assert package_domain("cn.com.bank.mobile") == "bank.com.cn"
    assert package_domain("app") is None


def test_resolver():
    r = PartyResolver(default_catalog(), ["demoshop.cn"])
    assert r.resolve("api.demoshop.cn")[:2] == ("demoshop.cn", "first")
    assert r.resolve("cdn.other.cn")[1] == "third"
    d, party, sdk = r.resolve("alog.umeng.com")
    assert (d, party, sdk.id) == ("umeng.com", "third", "umeng_analytics")
    # an SDK host stays third party even when its domain was named first party
    r.add_first_party("umeng.com")
    assert r.resolve("alog.umeng.com")[1] == "third"


@dataclass
class _Site:
    caller_class: str
    value: str


class _Index:
    def __init__(self, sites):
        self.sites = sites

    def find_strings(self, exact=(), prefixes=()):
        return [s for s in self.sites if s.value.startswith(tuple(prefixes))]


def test_code_domains_only_from_own_classes():
    idx = _Index([
        _Site("Lcom/appaudit/fixture/shop/Api;", "https://gw.shopbackend.cn/v1/"),
        _Site("Lcom/appaudit/fixture/shop/Web;", "http://10.0.0.1/x"),
        _Site("Lcom/appaudit/fixture/shop/Map;", "https://restapi.amap.com/v3"),  # SDK host
        _Site("Lcom/igexin/push/Conf;", "https://other-owner.cn/"),  # SDK class
        _Site("Lorg/thirdparty/Lib;", "https://lib-vendor.com/"),  # not the app's package
    ])
    assert code_domains(idx, "com.appaudit.fixture.shop", default_catalog()) == {
        "shopbackend.cn"}


def test_traffic_settings(tmp_path):
    import pytest

    from scanner.detectors.traffic_pii import max_in_window
    from scanner.errors import RulesetError
    from scanner.knowledge import load_knowledge
    from scanner.knowledge.traffic import load_traffic_config

    cfg = load_knowledge().traffic
    assert (cfg.window_seconds, cfg.max_per_window) == (60.0, 2)  # rulesets/traffic.yaml
    (tmp_path / "traffic.yaml").write_text("frequency: {window_seconds: -1}\n", "utf-8")
    with pytest.raises(RulesetError):
        load_traffic_config(tmp_path)
    # every 30 s for two minutes: 3 sends within some 60 s window (ends included)
    assert max_in_window([0, 30, 60, 90, 120], 60) == 3
    assert max_in_window([0, 61, 122], 60) == 1
    assert max_in_window([], 60) == 0
