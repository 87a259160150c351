"""Security checks (SEC-*) on the fixture apps corpus/apps/security/holes and .../safe.

Expected values come from the hand-written ground truth of the two fixtures
(``security_holes`` and ``safe_twins`` in their groundtruth.json, written from the smali
sources): every planted hole must give a finding of its rule naming its class, and no SEC-*
finding may appear for the safe twins. Unit tests pin the value predicates and the loader's
refusals; the real androguard-free DEX index and argument analysis run on the real APKs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.engine import ScanRequest, detect, run
from scanner.errors import RulesetError
from scanner.knowledge import load_knowledge
from scanner.knowledge.security import parse_security_checks, value_holds
from scanner.model.serial import to_jsonable
from tests.conftest import FIXTURE_APKS, FIXTURE_APPS

HOLES = FIXTURE_APKS / "security" / "holes.apk"
SAFE = FIXTURE_APKS / "security" / "safe.apk"


def truth(name: str) -> dict:
    return json.loads((FIXTURE_APPS / "security" / name / "groundtruth.json").read_text("utf-8"))


def _desc(java: str) -> str:
    return "L" + java.replace(".", "/") + ";"


@pytest.fixture(scope="module")
def holes():
    return run(ScanRequest(apk=Path(HOLES)))


@pytest.fixture(scope="module")
def safe():
    return run(ScanRequest(apk=Path(SAFE)))


def _classes(finding) -> set[str]:
    """Classes (Dalvik descriptors) and zip entries the finding's evidence points at."""
    return {loc.get("class") or loc.get("entry") for e in finding.evidence
            for loc in e.locators if loc.get("class") or loc.get("entry")}


def _where(hole: dict) -> str:
    return _desc(hole["class"]) if "class" in hole else hole["file"]


@pytest.mark.parametrize("hole", truth("holes")["security_holes"],
                         ids=lambda h: f"{h['rule']}:{_where(h).rsplit('/', 1)[-1]}")
def test_every_planted_hole_is_found(holes, hole):
    hits = [f for f in holes.findings if f.rule == hole["rule"] and _where(hole) in _classes(f)]
    assert hits, f"{hole['rule']} not found for {_where(hole)}: {hole['why']}"


def test_no_sec_finding_beyond_the_planted_holes(holes):
    planted = {(h["rule"], _where(h)) for h in truth("holes")["security_holes"]}
    for f in holes.findings:
        if f.rule.startswith("SEC-"):
            assert any((f.rule, c) in planted for c in _classes(f)), (f.rule, _classes(f))


def test_no_safe_twin_is_flagged(safe):
    sec = [(f.rule, sorted(_classes(f))) for f in safe.findings if f.rule.startswith("SEC-")]
    assert sec == []


def test_safe_twins_are_judged_on_their_code_not_skipped():
    """The safe app's trust managers and verifiers are looked at: the dead empty trust
    manager is recognised (and not installed); the delegating, rejecting, default and
    pinned ones are not trust-all; the key id without its secret is seen without one."""
    ctx, _ = detect(ScanRequest(apk=Path(SAFE)), load_knowledge())
    facts = [f for f in ctx.collected if getattr(f, "kind", "").startswith("code.")]
    insecure = [f.attrs for f in facts if f.kind == "code.insecure"]
    assert [(a["check"], a["class"], a["installed"]) for a in insecure] == [
        ("trust_all_manager", "com.appaudit.fixture.safe.DeadTrustManager", False)]
    creds = [f.attrs for f in facts if f.kind == "code.cloud_credential"]
    assert [(c["provider"], c["secret_nearby"]) for c in creds] == [("aliyun", False)]


def test_every_rule_of_the_security_area_has_a_planted_hole():
    folder = Path(__file__).parents[2] / "rulesets" / "rules" / "security"
    rules = {"-".join(p.name.split("-")[:3]) for p in folder.glob("SEC-*.yaml")}
    planted = {h["rule"] for h in truth("holes")["security_holes"]}
    twins = {t["twin_of"] for t in truth("safe")["safe_twins"]}
    assert rules - planted == {"SEC-CODE-0001"}  # the holes app loads from external storage
    assert rules - twins <= {"SEC-CODE-0002"}


def test_installation_is_followed_through_a_helper_and_a_lambda():
    ctx, _ = detect(ScanRequest(apk=Path(HOLES)), load_knowledge())
    by_class = {f.attrs["class"]: f.attrs for f in ctx.collected
                if getattr(f, "kind", "") == "code.insecure" and f.attrs["installed"]}
    p = "com.appaudit.fixture.holes."
    # LoggingTrustManager is created in Net.unsafeManager and installed by its caller
    assert by_class[p + "LoggingTrustManager"]["installed_in"] == (
        "Lcom/appaudit/fixture/holes/Net;->okhttp(Lokhttp3/OkHttpClient$Builder;"
        "Ljavax/net/ssl/SSLSocketFactory;)V")
    # the lambda's verify forwards to Net.lambda$okhttp$0 (returns true)
    assert by_class[p + "Net$$ExternalSyntheticLambda0"]["check"] == "allow_all_hostname_verifier"
    # ForwardingClient's onReceivedSslError forwards to MainActivity.acceptSslError (proceed)
    assert by_class[p + "ForwardingClient"]["check"] == "ssl_error_proceed"


def test_arguments_are_followed_to_the_callers_constant():
    """CryptoHelper.cbc gets IV and key as parameters; the constant IV array and the key
    kept in a static field come from its caller encryptProfile (one method back)."""
    ctx, _ = detect(ScanRequest(apk=Path(HOLES)), load_knowledge())
    got = {(f.attrs["check"], f.attrs["value_from"]) for f in ctx.collected
           if getattr(f, "kind", "") == "code.insecure"
           and f.attrs["class"] == "com.appaudit.fixture.holes.CryptoHelper"}
    via = "Lcom/appaudit/fixture/holes/CryptoHelper;->encryptProfile([B)[B"
    assert got == {("static_iv", via), ("static_key", via)}


def test_secrets_never_reach_the_result(holes):
    text = json.dumps(to_jsonable(holes), ensure_ascii=False, default=str)
    for secret in ("FixtureSecretNotRealAliyun0001", "FixtureBaiduSecretKeyNotReal0001",
                   "FixtureAwsSecretAccessKeyNotReal/0000001",
                   "FixtureTencentSecretKeyNotReal01", "LTAI5tFixtureTestKey0001"):
        assert secret not in text


# ------------------------------------------------------------------ units
@pytest.mark.parametrize("pred,value,holds", [
    ({"int_eq": 1}, ("i", 1), True),
    ({"int_eq": 1}, ("i", 0), False),
    ({"int_eq": 1}, None, False),
    ({"int_bits_any": 3}, ("i", 1), True),
    ({"int_bits_any": 3}, ("i", 2), True),
    ({"int_bits_any": 3}, ("i", 0), False),
    ({"int_bits_any": 3}, ("i", 0x8000), False),
    ({"string_re": "^AES$"}, ("s", "AES"), True),
    ({"string_re": "^AES$"}, ("s", "AES/GCM/NoPadding"), False),
    ({"const_string": True}, ("s", "x"), True),
    ({"const_string": True}, None, False),
    ({"object": "v"}, ("t", "v"), True),
    ({"object": "v"}, ("o", "v", 3, ()), True),
    ({"object": "v"}, ("o", "w", 3, ()), False),
    ({"any": True}, None, True),
    ({"const_bytes": True}, ("o", "const_bytes", 1, (("size", ("i", 16)),)), True),
    ({"const_bytes": True}, ("o", "const_bytes", 1, (("size", ("?",)),)), False),
    ({"const_bytes": "any_size"}, ("o", "const_bytes", 1, (("size", ("?",)),)), True),
    ({"const_bytes": True}, ("o", "const_bytes", 1, (("from", ("s", "k")),)), True),
    ({"const_bytes": "any_size"}, ("o", "const_bytes", 1, (("from", ("?",)),)), False),
])
def test_value_predicates(pred, value, holds):
    assert value_holds(pred, value) is holds


def test_cipher_pattern_from_the_ruleset():
    chk = next(c for c in load_knowledge().security.call_checks
               if c.check == "cipher_ecb_or_des")
    weak = ["AES", "AES/ECB/PKCS5Padding", "DES", "DES/CBC/PKCS5Padding", "DESede",
            "Blowfish", "RC4", "aes/ecb/nopadding"]
    strong = ["AES/GCM/NoPadding", "AES/CBC/PKCS5Padding", "RSA/ECB/PKCS1Padding",
              "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", "DESede/CBC/PKCS5Padding", "ChaCha20"]
    assert all(value_holds(chk.value, ("s", t)) for t in weak)
    assert not any(value_holds(chk.value, ("s", t)) for t in strong)


def test_credential_patterns_from_the_ruleset():
    pats = {p.provider: p for p in load_knowledge().security.credentials}
    assert pats["aliyun"].key.fullmatch("LTAI5tFixtureTestKey0001")
    assert pats["aliyun"].key.fullmatch("LTAIq30TbumkL0QN")  # the older 16-character form
    assert not pats["aliyun"].key.fullmatch("LTAI_not_a_key")
    assert pats["aliyun"].secret.fullmatch("FixtureSecretNotRealAliyun0001")
    assert not pats["aliyun"].secret.fullmatch("abcdefghijklmnopqrstuvwxyzabcd")  # no digit
    assert pats["tencent_cloud"].key.fullmatch("AKIDFixtureTencentSecretIdNotReal001")
    assert pats["aws"].key.fullmatch("AKIAFIXTURE0TEST0001")
    assert not pats["aws"].key.fullmatch("AKIAfixture0test0001")


@pytest.mark.parametrize("doc,msg", [
    ({"method_shapes": [{"check": "x", "types": ["Lx;"], "methods": ["m()V"],
                         "body": "nothing", "installed_by": ["La;->b()V"]}]}, "body"),
    ({"method_shapes": [{"check": "X", "types": ["Lx;"], "methods": ["m()V"],
                         "body": "accepts_all", "installed_by": ["La;->b()V"]}]}, "check"),
    ({"call_checks": [{"check": "x", "apis": ["*->m(I)V"], "param": 0,
                       "value": {"int_eq": 1}}]}, "receivers"),
    ({"call_checks": [{"check": "x", "apis": ["La;->m(I)V"], "param": 0,
                       "value": {"int_equals": 1}}]}, "value"),
    ({"call_checks": [{"check": "x", "apis": ["La;->m(I)V"], "param": 0,
                       "value": {"string_re": "("}}]}, "compile"),
    ({"call_checks": [{"check": "x", "apis": ["La;->m(I)V"], "param": 0,
                       "value": {"int_eq": 1}, "app": {"sdk": 3}}]}, "app"),
    ({"credentials": [{"provider": "p", "key_prefix": "AB", "key": "AB.*",
                       "secret": "x"}]}, "key_prefix"),
    ({"credentials": [{"provider": "p", "key_prefix": "ABC", "key": "XYZ.*",
                       "secret": "x"}]}, "start"),
    ({"credential_calls": [{"provider": "p", "api": "La;->m()V", "secret_param": -1}]},
     "secret_param"),
    ({"call_checks": [{"check": "x", "apis": ["La;->m([B)V"], "param": 0,
                       "value": {"const_bytes": "maybe"}}]}, "const_bytes"),
    ({"call_checks": [{"check": "x", "apis": ["La;->m([B)V"], "value": {"any": True},
                       "exclude_callers": [{"prefix": "a."}]}]}, "exclude_callers"),
])
def test_loader_refuses_bad_entries(doc, msg):
    with pytest.raises(RulesetError, match=msg):
        parse_security_checks(doc)
