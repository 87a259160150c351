"""ScanContext: the DEX index is built lazily, once, by whoever asks first, so detectors
do not depend on each other's order to find it; its absence is explained."""

from __future__ import annotations

from detector_factories import apk_context, apk_evidence, run_detectors

from scanner.detectors.code import CodeDetector
from scanner.detectors.interface import ScanContext
from scanner.detectors.permissions import PermissionsDetector
from scanner.detectors.privacy_policy import PrivacyPolicyDetector
from scanner.detectors.sdks import SdkDetector
from scanner.knowledge import load_knowledge
from scanner.model.damage import Damage
from scanner.model.facts import Fact
from scanner.model.result import SdkUse, Skipped


def test_no_apk_no_index_no_problem():
    ctx = ScanContext(knowledge=load_knowledge())
    assert ctx.dex_index is None and ctx.dex_damage is None


def test_apk_without_dex_is_explained_and_permissions_stay_unknown():
    perm = "android.permission.READ_PHONE_STATE"
    ctx = apk_context(apk_evidence(permissions=[perm]))
    assert ctx.dex_index is None
    assert ctx.dex_damage == Damage("code", "the APK has no dex files")
    items = run_detectors(ctx, CodeDetector(), PermissionsDetector())
    assert Skipped("code", "the APK has no dex files") in items
    (fact,) = [x for x in items if isinstance(x, Fact) and x.kind == "apk.permission"]
    assert fact.get("name") == perm and fact.get("used") is None  # not analysed, not "unused"


def test_unreadable_dex_is_skipped_with_the_reason():
    ctx = apk_context(apk_evidence(dex=[("classes.dex", b"garbage" * 10)]))
    items = run_detectors(ctx, CodeDetector(), PrivacyPolicyDetector())
    (skip,) = [x for x in items if isinstance(x, Skipped)]
    assert skip.what == "code" and skip.reason.startswith("dex unreadable: classes.dex")
    (policy,) = [x for x in items if isinstance(x, Fact)]
    assert policy.get("code_searched") is False


def test_index_is_built_once_and_order_does_not_matter():
    ctx = apk_context("china_sdks")
    assert ctx.dex_index is not None and ctx.dex_index is ctx.dex_index
    # the SDK detector alone (no code detector before it) finds what it finds after it
    alone = [x.id for x in run_detectors(apk_context("china_sdks"), SdkDetector())
             if isinstance(x, SdkUse)]
    after = [x.id for x in run_detectors(apk_context("china_sdks"), CodeDetector(),
                                         SdkDetector()) if isinstance(x, SdkUse)]
    # the fixture's SDKs as its golden report lists them (tests/golden/china_sdks.sdks.csv)
    assert alone == after == ["jiguang_core", "jpush", "msa_oaid"]


def test_sdks_come_from_the_knowledge_folder(tmp_path):
    """A rulesets folder of one's own brings its own SDK catalogue: here a copy without the
    JPush signature (with the shipped catalogue the fixture lists jpush, see above)."""
    import shutil

    import yaml

    from scanner.detectors.interface import ScanContext as Ctx

    folder = tmp_path / "rulesets"
    shutil.copytree(apk_context("china_sdks").knowledge.folder, folder)
    china = folder / "sdks" / "china.yaml"
    doc = yaml.safe_load(china.read_text("utf-8"))
    doc["sdks"] = [s for s in doc["sdks"] if s["id"] != "jpush"]
    china.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    ctx = Ctx(knowledge=load_knowledge(folder), apk=apk_context("china_sdks").apk)
    ids = [x.id for x in run_detectors(ctx, SdkDetector()) if isinstance(x, SdkUse)]
    assert "jpush" not in ids and "msa_oaid" in ids
