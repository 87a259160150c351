"""DexIndex on real APKs: the project's fixture APKs (hand-written ground truth) and the
shared corpus, with androguard's full AnalyzeAPK as the oracle.

The shared-corpus tests skip when ../shared/corpus is absent. By default they run on a
subset (small DroidBench categories plus InsecureBankv2); ``APPAUDIT_ORACLE_ALL=1``
runs every corpus APK (several minutes).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from scanner.ingest.dex import DexIndex  # noqa: E402
from tests.ingest.dex import oracle  # noqa: E402
from tests.ingest.dex.sensitive_apis import load_api_list  # noqa: E402

FIXTURES = REPO / "corpus"
SHARED = REPO / ".." / "shared" / "corpus"
APKS = SHARED / "apks"

_fixture_apps = sorted(p.name for p in (FIXTURES / "apps").glob("*") if p.is_dir())


def _fixture(name: str) -> tuple[DexIndex, dict]:
    apk = FIXTURES / "apk" / f"{name}.apk"
    gt = FIXTURES / "apps" / name / "groundtruth.json"
    if not apk.is_file() or not gt.is_file():
        pytest.skip(f"fixture {name} not built")
    return DexIndex.from_dex_files(oracle.dex_files(apk)), json.loads(gt.read_text("utf-8"))


@pytest.mark.parametrize("name", _fixture_apps)
def test_fixture_api_uses(name: str) -> None:
    idx, gt = _fixture(name)
    assert not idx.partial, idx.damage
    for use in gt.get("api_uses", []):
        api = use["api"]
        cls, _, sig = use["caller"].partition("->")
        if "(" in api:
            sites = idx.find_calls({api})
            got = {(s.caller_class, s.caller_method, s.dex) for s in sites}
        else:
            sites = idx.find_field_reads({api})
            got = {(s.caller_class, s.caller_method, s.dex) for s in sites}
        if use.get("reflective"):
            # called through reflection: no direct call site, but the lookup is visible
            assert (cls, sig, use["dex"]) not in got
            continue
        assert (cls, sig, use["dex"]) in got, (api, got)


@pytest.mark.parametrize("name", _fixture_apps)
def test_fixture_reflection(name: str) -> None:
    idx, gt = _fixture(name)
    refl = gt.get("planted", {}).get("reflection")
    if not refl:
        pytest.skip("no planted reflection")
    cls, _, sig = refl["caller"].partition("->")
    sites = [
        s for s in idx.find_reflective_calls() if (s.caller_class, s.caller_method) == (cls, sig)
    ]
    args = {s.api.split("->")[1].split("(")[0]: s.argument for s in sites}
    assert args["forName"] == refl["class_string"]
    assert args["getMethod"] == refl["method_string"]
    invoke = [c for c in refl["calls"] if "Method;->invoke" in c]
    assert {(s.caller_class, s.caller_method) for s in idx.find_calls(invoke)} == {(cls, sig)}


@pytest.mark.parametrize("name", _fixture_apps)
def test_fixture_sdk_version_fields(name: str) -> None:
    idx, gt = _fixture(name)
    sources = gt.get("planted", {}).get("sdk_version_sources", {})
    checked = 0
    for sdk, text in sources.items():
        m = re.search(r'static final field (\S+) = "([^"]+)"', text)
        if m:
            assert (
                idx.static_string_value(m.group(1))
                == m.group(2)
                == gt["planted"]["sdk_versions"][sdk]
            )
            checked += 1
        m = re.search(r'const-string "([^"]+)" returned by (\S+)', text)
        if m:
            cls, _, sig = m.group(2).partition("->")
            sites = idx.find_strings(exact={m.group(1)})
            assert (cls, sig) in {(s.caller_class, s.caller_method) for s in sites}
            checked += 1
    if not checked:
        pytest.skip("no SDK version sources in this fixture")


def test_fixture_strings_privacy_heavy() -> None:
    idx, gt = _fixture("privacy_heavy")
    uses = gt["planted"]["undeclared_permission_uses"]
    for u in uses:
        if "uri" not in u:
            continue
        cls, _, sig = u["caller"].partition("->")
        sites = idx.find_strings(prefixes=("content://sms",))
        assert (cls, sig, u["uri"]) in {(s.caller_class, s.caller_method, s.value) for s in sites}


# --------------------------------------------------------------- shared corpus
def _corpus_apks() -> list[Path]:
    if not APKS.is_dir():
        return []
    every = sorted(APKS.rglob("*.apk"))
    if os.environ.get("APPAUDIT_ORACLE_ALL") == "1":
        return every
    keep = ("droidbench/Callbacks/", "droidbench/Threading/", "droidbench/GeneralJava/")
    return [p for p in every if any(k in p.as_posix() for k in keep)] + [
        p for p in every if p.name == "InsecureBankv2.apk"
    ]


def _has_dex(apk: Path) -> bool:
    try:
        return bool(oracle.dex_files(apk))
    except Exception:  # corrupt containers belong to the APK ingest tests
        return False


@pytest.fixture(scope="module")
def apis() -> tuple[str, ...]:
    return load_api_list(REPO)[0]


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.skipif(not APKS.is_dir(), reason="shared corpus absent")
@pytest.mark.parametrize("apk", _corpus_apks(), ids=lambda p: p.relative_to(APKS).as_posix())
def test_call_sites_match_androguard(apk: Path, apis) -> None:
    pytest.importorskip("androguard")
    if not _has_dex(apk):
        pytest.skip("no readable dex")
    r = oracle.compare(apk, apis)
    recall = r["found"] / r["oracle"] if r["oracle"] else 1.0
    assert recall >= 0.95, r["missed"]
    assert r["missed"] == [], r["missed"]
    assert r["extra_unverified"] == []


@pytest.mark.corpus
@pytest.mark.skipif(not APKS.is_dir(), reason="shared corpus absent")
@pytest.mark.parametrize(
    "rel", ["droidbench/Callbacks/Button1.apk", "droidbench/Threading/AsyncTask1.apk"]
)
def test_instructions_match_androguard(rel: str) -> None:
    pytest.importorskip("androguard")
    apk = APKS / rel
    if not apk.is_file():
        pytest.skip("APK missing")
    r = oracle.compare_instructions(apk)
    assert r["methods"] > 100 and r["instructions"] > 1000
    for k in ("starts", "reads", "strings"):
        assert r[f"{k}_missed"] == [] and r[f"{k}_extra"] == [], k


@pytest.mark.corpus
def test_oracle_verifier_accepts_real_sites_only(apis) -> None:
    # The precision check above relies on verify_extra; make sure it can say no.
    pytest.importorskip("androguard")
    apk = APKS / "droidbench" / "Callbacks" / "Button1.apk"
    if not apk.is_file():
        pytest.skip("APK missing")
    ours = sorted(oracle.our_sites(apk, apis))
    _theirs, dx = oracle.androguard_sites(apk, apis)
    assert ours
    callee, cls, meth, off = ours[0]
    assert oracle.verify_extra(dx, (callee, cls, meth, off))
    assert not oracle.verify_extra(dx, (callee, cls, meth, off + 2))
    other = next(a for a in apis if a != callee)
    assert not oracle.verify_extra(dx, (other, cls, meth, off))
