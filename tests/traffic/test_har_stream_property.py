"""Property: the streaming HAR parser returns exactly what json.loads returns, for any
JSON values around and inside the entries, at any chunk size."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

import scanner.ingest.har as har

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                     st.floats(allow_nan=False, allow_infinity=False),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
                     | st.sampled_from(['"]}', "\\", "{[", "\u4e2d\u6587", "\\u0000"]))
_values = st.recursive(_scalars, lambda c: st.lists(c, max_size=4)
                       | st.dictionaries(st.text(max_size=5), c, max_size=4), max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(entries=st.lists(st.dictionaries(st.text(max_size=6), _values, max_size=4), max_size=6),
       before=st.dictionaries(st.sampled_from(["version", "creator", "pages", "x"]), _values,
                              max_size=3),
       chunk=st.sampled_from([1, 2, 3, 7, 64, 65536]), indent=st.sampled_from([None, 1]))
def test_stream_equals_json_load(tmp_path_factory, entries, before, chunk, indent):
    doc = {"log": {**before, "entries": entries, "after": [1, {"a": "]"}]}, "tail": "}"}
    p = tmp_path_factory.mktemp("h") / "x.har"
    p.write_text(json.dumps(doc, indent=indent, ensure_ascii=bool(chunk % 2)), "utf-8")
    old = har.CHUNK
    har.CHUNK = chunk
    try:
        assert list(har.iter_har_entries(p)) == entries
    finally:
        har.CHUNK = old
