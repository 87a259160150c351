"""Matching rules of scanner.sdk.catalog on small hand-written catalogues.

Expected values come from how each fixture catalogue is written here.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.errors import RulesetError
from scanner.sdk import SdkCatalog, normalize_class_name, normalize_host, rulesets_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def vendor_catalog(write_catalog, make_entry):
    folder = write_catalog({
        "a.yaml": (0, [
            make_entry("vendor_core", code_signature=["com.vendor."],
                       network_signature=["vendor.com"]),
            make_entry("vendor_push", categories=["push"],
                       code_signature=["com.vendor.push."],
                       network_signature=["push.vendor.com"]),
            make_entry("vendor_inner", code_signature=["com.other.Api$Inner."]),
            make_entry("by_regex", code_regex=[r"(?:^|\.)Tracker(?:$|[.$])"],
                       network_regex=[r"(?:.+\.)?cdn[0-9]+\.example\.net"]),
            make_entry("dev_lib", categories=["development"], code_signature=["okhttp3."]),
            make_entry("versioned", code_signature=["com.ver."],
                       version_hint={"field": "Lcom/ver/Build;->VERSION:Ljava/lang/String;"}),
        ])
    })
    return SdkCatalog.load(folder)


def test_longest_prefix_wins(vendor_catalog):
    assert vendor_catalog.sdk_for_class("Lcom/vendor/push/Receiver;").id == "vendor_push"
    assert vendor_catalog.sdk_for_class("Lcom/vendor/Main;").id == "vendor_core"
    assert vendor_catalog.sdk_for_class("Lcom/vendor/pushx/Main;").id == "vendor_core"


def test_prefix_matches_whole_segments_only(vendor_catalog):
    assert vendor_catalog.sdk_for_class("Lcom/vendorx/Main;") is None
    assert vendor_catalog.sdk_for_class("Lcom/ven;") is None
    assert vendor_catalog.sdk_for_class("Lorg/app/Main;") is None


def test_obfuscated_subpackages_keep_their_sdk(vendor_catalog):
    assert vendor_catalog.sdk_for_class("Lcom/vendor/a/b;").id == "vendor_core"
    assert vendor_catalog.sdk_for_class("Lcom/vendor/push/a/b/c;").id == "vendor_push"
    assert vendor_catalog.sdk_for_class("Lcom/vendor/push/a$1;").id == "vendor_push"


def test_inner_class_prefix(vendor_catalog):
    assert vendor_catalog.sdk_for_class("Lcom/other/Api$Inner;").id == "vendor_inner"
    assert vendor_catalog.sdk_for_class("Lcom/other/Api$Inner$2;").id == "vendor_inner"
    assert vendor_catalog.sdk_for_class("Lcom/other/Api;") is None


def test_regex_is_a_fallback(vendor_catalog):
    assert vendor_catalog.sdk_for_class("Lorg/x/Tracker;").id == "by_regex"
    assert vendor_catalog.sdk_for_class("Lorg/x/Tracker$1;").id == "by_regex"
    assert vendor_catalog.sdk_for_class("Lorg/x/NotATracker;") is None
    # a prefix match takes precedence over a regex match
    assert vendor_catalog.sdk_for_class("Lcom/vendor/Tracker;").id == "vendor_core"


def test_descriptor_forms():
    assert normalize_class_name("Lcom/a/B;") == "com.a.B"
    assert normalize_class_name("[[Lcom/a/B;") == "com.a.B"
    assert normalize_class_name("com/a/B") == "com.a.B"
    assert normalize_class_name("com.a.B$1") == "com.a.B$1"


def test_dotted_names_accepted(vendor_catalog):
    assert vendor_catalog.sdk_for_class("com.vendor.push.Receiver").id == "vendor_push"


def test_match_classes_groups_and_counts(vendor_catalog):
    classes = [
        "Lcom/vendor/Main;", "Lcom/vendor/a/b;", "Lcom/vendor/push/Receiver;",
        "Lokhttp3/OkHttpClient;", "Lorg/app/MainActivity;", "Lcom/vendor/Main;",
    ]
    found = {m.sdk.id: m for m in vendor_catalog.match_classes(classes)}
    assert set(found) == {"vendor_core", "vendor_push", "dev_lib"}
    assert found["vendor_core"].class_count == 2  # duplicates counted once
    assert found["vendor_core"].classes == ("Lcom/vendor/Main;", "Lcom/vendor/a/b;")
    assert found["vendor_core"].matched_by == ("com.vendor.",)
    assert found["vendor_push"].class_count == 1
    assert found["dev_lib"].sdk.tracker is False
    assert found["vendor_core"].sdk.tracker is True


def test_match_classes_caps_the_sample(vendor_catalog):
    classes = [f"Lcom/vendor/C{i:03d};" for i in range(50)]
    (m,) = vendor_catalog.match_classes(classes, sample=5)
    assert m.class_count == 50
    assert m.classes == tuple(f"Lcom/vendor/C{i:03d};" for i in range(5))


def test_match_classes_sorted_by_id(vendor_catalog):
    ids = [m.id for m in vendor_catalog.match_classes(
        ["Lokhttp3/A;", "Lcom/vendor/push/A;", "Lcom/vendor/A;"])]
    assert ids == sorted(ids)


def test_version_from_field_values(vendor_catalog):
    field = "Lcom/ver/Build;->VERSION:Ljava/lang/String;"
    (m,) = vendor_catalog.match_classes(["Lcom/ver/Build;"], field_values={field: "3.2.1"})
    assert m.version == "3.2.1"
    (m,) = vendor_catalog.match_classes(["Lcom/ver/Build;"])
    assert m.version is None


def test_host_suffix_on_dot_boundary(vendor_catalog):
    assert vendor_catalog.sdk_for_host("vendor.com").id == "vendor_core"
    assert vendor_catalog.sdk_for_host("api.vendor.com").id == "vendor_core"
    assert vendor_catalog.sdk_for_host("notvendor.com") is None
    assert vendor_catalog.sdk_for_host("vendor.com.evil.net") is None
    assert vendor_catalog.sdk_for_host("a.push.vendor.com").id == "vendor_push"


def test_host_normalisation(vendor_catalog):
    assert vendor_catalog.sdk_for_host("API.Vendor.COM.").id == "vendor_core"
    assert vendor_catalog.sdk_for_host("https://api.vendor.com:443/x?y=1").id == "vendor_core"
    assert normalize_host("[::1]:8080") == "::1"
    assert vendor_catalog.sdk_for_host("") is None


def test_host_regex_fallback(vendor_catalog):
    assert vendor_catalog.sdk_for_host("cdn12.example.net").id == "by_regex"
    assert vendor_catalog.sdk_for_host("x.cdn1.example.net").id == "by_regex"
    assert vendor_catalog.sdk_for_host("cdnx.example.net") is None
    assert vendor_catalog.sdk_for_host("cdn1.example.net.evil.org") is None


def test_identical_prefix_higher_precedence_wins(write_catalog, make_entry):
    folder = write_catalog({
        # file names chosen so that load order does not favour the winner
        "a_imported.yaml": (50, [make_entry("aaa_imported", code_signature=["com.same."],
                                            network_signature=["same.com"])]),
        "z_curated.yaml": (100, [make_entry("zzz_curated", code_signature=["com.same."],
                                            network_signature=["same.com"])]),
    })
    cat = SdkCatalog.load(folder)
    assert cat.sdk_for_class("Lcom/same/X;").id == "zzz_curated"
    assert cat.sdk_for_host("same.com").id == "zzz_curated"
    kinds = {(o.kind, o.winner, o.loser) for o in cat.overlaps}
    assert kinds == {("code", "zzz_curated", "aaa_imported"),
                     ("host", "zzz_curated", "aaa_imported")}


def test_identical_prefix_same_precedence_smaller_id_wins(write_catalog, make_entry):
    folder = write_catalog({
        "a.yaml": (10, [make_entry("beta", code_signature=["com.same."])]),
        "b.yaml": (10, [make_entry("alpha", code_signature=["com.same."])]),
    })
    assert SdkCatalog.load(folder).sdk_for_class("Lcom/same/X;").id == "alpha"


def test_more_specific_imported_prefix_beats_curated_family_prefix(write_catalog, make_entry):
    folder = write_catalog({
        "curated.yaml": (100, [make_entry("family", code_signature=["com.fam."])]),
        "imported.yaml": (10, [make_entry("lib_part", code_signature=["com.fam.part."])]),
    })
    cat = SdkCatalog.load(folder)
    assert cat.sdk_for_class("Lcom/fam/part/A;").id == "lib_part"
    assert cat.sdk_for_class("Lcom/fam/A;").id == "family"


def test_exodus_id_supersedes_lower_precedence_entry(write_catalog, make_entry):
    folder = write_catalog({
        "curated.yaml": (100, [make_entry("curated_x", code_signature=["com.x.sdk."],
                                          exodus_id=7)]),
        "exodus.yaml": (50, [
            make_entry("exodus_x", code_signature=["com.x."], exodus_id=7),
            make_entry("exodus_y", code_signature=["com.y."], exodus_id=8),
        ]),
    })
    cat = SdkCatalog.load(folder)
    assert "exodus_x" not in cat and cat.get("exodus_x") is None
    assert cat.superseded == {"exodus_x": ("curated_x",)}
    assert cat.sdk_for_class("Lcom/x/Other;") is None  # the replaced entry's prefix is gone
    assert cat.sdk_for_class("Lcom/y/A;").id == "exodus_y"
    assert len(cat) == 2


def test_load_reports_version_and_hash(write_catalog, make_entry):
    folder = write_catalog({"a.yaml": (0, [make_entry("one", code_signature=["com.one."])])})
    first = SdkCatalog.load(folder)
    assert first.version == 1
    assert len(first.sha256) == 64
    (folder / "a.yaml").write_text(
        (folder / "a.yaml").read_text(encoding="utf-8").replace("com.one.", "com.two."),
        encoding="utf-8",
    )
    assert SdkCatalog.load(folder).sha256 != first.sha256


def test_missing_folder_is_a_ruleset_error(tmp_path):
    with pytest.raises(RulesetError):
        SdkCatalog.load(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RulesetError):
        SdkCatalog.load(empty)


def test_rulesets_dir_in_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv("APPAUDIT_RULESETS_DIR", raising=False)
    assert rulesets_dir() == REPO / "rulesets"
    monkeypatch.setenv("APPAUDIT_RULESETS_DIR", str(tmp_path))
    assert rulesets_dir() == tmp_path


def test_many_classes_match_in_milliseconds(shipped):
    # 30 000 synthetic classes over ~600 packages, a realistic size for a large app
    classes = [
        f"Lcom/app{p % 40}/feature{p}/C{i};" for p in range(600) for i in range(50)
    ] + [f"Lcom/umeng/analytics/pro/c{i};" for i in range(200)]
    shipped.match_classes(classes[:100])  # warm-up
    start = time.process_time()  # CPU seconds: quadratic matching shows, machine load does not
    found = shipped.match_classes(classes)
    elapsed = time.process_time() - start
    assert [m.id for m in found] == ["umeng_analytics"]
    assert elapsed < 1.0, f"{elapsed:.3f}s"


def test_hostile_class_names(vendor_catalog):
    deep = "L" + "a/" * 20000 + "B;"
    assert vendor_catalog.sdk_for_class(deep) is None
    assert vendor_catalog.sdk_for_class("Lcom/vendor/" + "x/" * 20000 + "B;").id == "vendor_core"
    for odd in ["", "L;", ";", "[", "...", "$$$", "Lcom/vendor;"]:
        vendor_catalog.sdk_for_class(odd)  # no exception
    assert vendor_catalog.match_classes(["", "L;", "..."]) == []


def test_version_fields(vendor_catalog):
    assert vendor_catalog.version_fields == frozenset(
        {"Lcom/ver/Build;->VERSION:Ljava/lang/String;"}
    )


def test_package_answers_kept_with_their_parents_are_the_direct_ones():
    """``_longest_cached`` answers each package as ``_longest_prefix`` does, whatever was
    cached before it (parents first, children first, packages deeper than any prefix)."""
    import random

    cat = SdkCatalog.load(rulesets_dir() / "sdks")
    rng = random.Random(5)
    known = [k for k in cat._prefix if k.count(".") >= 1]
    keys = []
    for _ in range(3000):
        base = rng.choice(known).split(".")[: rng.randint(1, 8)]
        keys.append(".".join(base + [rng.choice("abcxyz") for _ in range(rng.randint(0, 6))]))
    for order in (keys, sorted(keys), sorted(keys, key=len, reverse=True)):
        cache: dict = {}
        for k in order:
            assert cat._longest_cached(k, cache) == cat._longest_prefix(k), k
