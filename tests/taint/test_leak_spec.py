"""rulesets/leaks.yaml is checked when it loads: bad sink kinds, positions and PI types are
ruleset errors naming the file and entry."""

from __future__ import annotations

import pytest

from scanner.errors import RulesetError
from scanner.knowledge import load_knowledge
from scanner.knowledge.leaks import SINK_KINDS, load_leak_spec


def _spec(tmp_path, text):
    (tmp_path / "leaks.yaml").write_text(text, "utf-8")
    kb = load_knowledge()
    return load_leak_spec(tmp_path, kb.pi_types, kb.permissions)


def test_shipped_spec_loads():
    spec = load_knowledge().leaks
    assert {s.kind for s in spec.sinks.values()} == set(SINK_KINDS)
    assert spec.launches and spec.stores and spec.callback_sources


def test_absent_file_means_no_sinks(tmp_path):
    kb = load_knowledge()
    assert load_leak_spec(tmp_path, kb.pi_types, kb.permissions).sinks == {}


@pytest.mark.parametrize("text,needle", [
    ('sinks: [{api: "La/B;->c()V", kind: radio}]', "kind must be one of"),
    ('sinks: [{api: "not a descriptor", kind: log}]', "Dalvik descriptor"),
    ('sinks: [{api: "La/B;->c(I)V", kind: log, args: [-1]}]', "position"),
    ('callback_sources: [{method: "m()V", implements: "La;", param: 0, pi_type: aura, '
     'api: "La;->m()V"}]', "unknown PI type"),
    ('icc: {launch: [{api: "La/B;->c()V", intent: 0, to: nowhere}]}', "to ("),
])
def test_bad_entries_are_ruleset_errors(tmp_path, text, needle):
    with pytest.raises(RulesetError, match="leaks.yaml") as e:
        _spec(tmp_path, text)
    assert needle in str(e.value)
