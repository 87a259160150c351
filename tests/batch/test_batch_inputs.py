"""scanner.batch.inputs: discovery, hashing/duplicates, category maps."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from scanner.batch.inputs import discover, group_by_hash, load_category_map
from scanner.errors import InputError, UsageError

CATS = {"news", "tools", "online_shopping"}


def _write(p: Path, data: bytes) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_discover_folder_recursive_apk_only(tmp_path):
    a = _write(tmp_path / "a.apk", b"A")
    b = _write(tmp_path / "sub" / "deep" / "B.APK", b"B")
    _write(tmp_path / "bundle.xapk", b"X")
    _write(tmp_path / "notes.txt", b"T")
    _write(tmp_path / "sub" / "apk", b"no suffix")
    (tmp_path / "dir.apk").mkdir()
    assert discover(tmp_path) == sorted([a.resolve(), b.resolve()])


def test_discover_list_file(tmp_path):
    a = _write(tmp_path / "x" / "a.apk", b"A")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# comment\n\nx/a.apk\n{a}\n  {tmp_path / 'missing.apk'}  \n",
                       encoding="utf-8")
    assert discover(listing) == sorted([a.resolve(), (tmp_path / "missing.apk").resolve()])


def test_discover_single_apk(tmp_path):
    a = _write(tmp_path / "one.apk", b"PK")
    assert discover(a) == [a]


def test_discover_refuses_missing_source(tmp_path):
    with pytest.raises(InputError):
        discover(tmp_path / "nope")


def test_group_by_hash_scans_duplicates_once(tmp_path):
    a = _write(tmp_path / "a.apk", b"same")
    b = _write(tmp_path / "b.apk", b"same")
    c = _write(tmp_path / "c.apk", b"other")
    jobs, bad = group_by_hash([c, b, a, tmp_path / "gone.apk"])
    assert [j.paths for j in jobs] == [(str(a), str(b)), (str(c),)]
    assert jobs[0].sha256 == hashlib.sha256(b"same").hexdigest()
    assert jobs[0].size == 4 and jobs[0].path == str(a)
    assert list(bad) == [str(tmp_path / "gone.apk")]


def test_category_map_csv_with_and_without_header(tmp_path):
    f = tmp_path / "map.csv"
    f.write_text("key,category\ncom.example.news,news\nflash.apk,tools\n", encoding="utf-8")
    m = load_category_map(f, CATS)
    assert dict(m.packages) == {"com.example.news": "news"}
    assert m.for_names(["/x/flash.apk"]) == "tools"
    assert m.for_names(["/x/other.apk"]) is None
    f.write_text("com.shop.app,online_shopping\n", encoding="utf-8")
    m = load_category_map(f, CATS)
    assert dict(m.packages) == {"com.shop.app": "online_shopping"}
    assert m.for_names(["/y/com.shop.app.apk"]) == "online_shopping"


def test_category_map_yaml_and_unknown_id(tmp_path):
    f = tmp_path / "map.yaml"
    f.write_text("com.example.news: news\nflash: tools\n", encoding="utf-8")
    m = load_category_map(f, CATS)
    assert dict(m.packages) == {"com.example.news": "news"}
    assert m.for_names(["/z/flash.apk"]) == "tools"
    f.write_text("- {key: a.apk, category: nonsense}\n", encoding="utf-8")
    with pytest.raises(UsageError, match="nonsense"):
        load_category_map(f, CATS)
