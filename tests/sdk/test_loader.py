"""Validation of rulesets/sdks YAML by scanner.sdk.loader: bad data raises RulesetError."""

from __future__ import annotations

import pytest

from scanner.errors import RulesetError
from scanner.sdk import SdkCatalog
from scanner.sdk.loader import parse_document, parse_entry


def _doc(*entries, **top):
    doc = {"version": 1, "source": {"name": "t"}, "sdks": list(entries)}
    doc.update(top)
    return doc


def test_valid_entry_fields(make_entry):
    sig = parse_entry(
        make_entry(
            "umeng_analytics", name_zh="友盟统计", vendor="Alibaba (Umeng)", country="CN",
            code_signature=["com.umeng.analytics."], network_signature=["umeng.com"],
            exodus_id=119, source={"name": "manual", "url": "https://example.org"},
        ),
        "t", 100, "t.yaml",
    )
    assert sig.code_prefixes == ("com.umeng.analytics.",)
    assert sig.hosts == ("umeng.com",)
    assert sig.exodus_ids == (119,)
    assert sig.source == "manual" and sig.source_url == "https://example.org"
    assert sig.precedence == 100 and sig.file == "t.yaml"
    assert sig.tracker is True


def test_development_only_defaults_to_not_a_tracker(make_entry):
    sig = parse_entry(make_entry("okhttp", categories=["development"],
                                 code_signature=["okhttp3."]), "t", 0, "t")
    assert sig.tracker is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code_signature": ["com.umeng"]}, "ending in '.'"),
        ({"code_signature": ["com/umeng/"]}, "ending in '.'"),
        ({"network_signature": ["https://umeng.com"]}, "host suffix"),
        ({"network_signature": ["Umeng.com"]}, "host suffix"),
        ({"code_regex": ["com.(umeng"]}, "does not compile"),
        ({"network_regex": ["[a-"]}, "does not compile"),
        ({"id": "Umeng-Analytics", "code_signature": ["com.umeng."]}, "snake_case"),
        ({"categories": [], "code_signature": ["com.umeng."]}, "at least one category"),
        ({"country": "China", "code_signature": ["com.umeng."]}, "ISO 3166"),
        ({"exodus_id": "119", "code_signature": ["com.umeng."]}, "exodus_id"),
        ({"tracker": "yes", "code_signature": ["com.umeng."]}, "tracker"),
        ({"colour": "red", "code_signature": ["com.umeng."]}, "unknown keys"),
        ({}, "no code or network signature"),
    ],
)
def test_bad_entries_rejected(fields, message, make_entry):
    entry = make_entry("x")
    entry.update(fields)
    with pytest.raises(RulesetError, match=message):
        parse_entry(entry, "f.yaml: sdks[0]", 0, "f.yaml")


def test_missing_source_rejected(make_entry):
    entry = make_entry("x", code_signature=["com.x."])
    del entry["source"]
    with pytest.raises(RulesetError, match="source"):
        parse_entry(entry, "f", 0, "f")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(version=2), "version must be 1"),
        (_doc(precedence="high"), "precedence"),
        (_doc(source=None), "source"),
        (_doc(sdks={"a": 1}), "sdks must be a list"),
        (_doc(extra=1), "unknown top-level"),
        ([], "top level must be a mapping"),
    ],
)
def test_bad_documents_rejected(doc, message):
    with pytest.raises(RulesetError, match=message):
        parse_document(doc, "f.yaml")


def test_duplicate_ids_across_files_rejected(write_catalog, make_entry):
    folder = write_catalog({
        "a.yaml": (0, [make_entry("same", code_signature=["com.a."])]),
        "b.yaml": (0, [make_entry("same", code_signature=["com.b."])]),
    })
    with pytest.raises(RulesetError, match="duplicate SDK id 'same'"):
        SdkCatalog.load(folder)


def test_invalid_yaml_rejected(tmp_path):
    folder = tmp_path / "sdks"
    folder.mkdir()
    (folder / "bad.yaml").write_text("version: 1\nsdks: [\n", encoding="utf-8")
    with pytest.raises(RulesetError, match="invalid YAML"):
        SdkCatalog.load(folder)


def test_error_names_file_and_entry(write_catalog, make_entry):
    folder = write_catalog({"f.yaml": (0, [make_entry("ok", code_signature=["com.ok."]),
                                           make_entry("broken", code_signature=["x"])])})
    with pytest.raises(RulesetError, match=r"f\.yaml: sdks\[1\] \(broken\)"):
        SdkCatalog.load(folder)
