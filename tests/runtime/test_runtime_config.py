"""rulesets/runtime.yaml loaded into Knowledge.runtime: checked at load, a malformed file is a
ruleset error (exit 4 with one line naming the file), the shipped file gives the documented
values."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.errors import RulesetError
from scanner.knowledge.runtime import RuntimeConfig, Window, parse_runtime_config
from scanner.paths import rulesets_dir

PI = {"device_id": {}, "precise_location": {}}


def test_shipped_file_values():
    from scanner.knowledge import load_knowledge

    cfg = load_knowledge().runtime
    # rulesets/runtime.yaml: 60 s window, more than 2 reads, 48 h re-request window
    assert cfg.window == Window(60.0, 2)
    assert cfg.rerequest_window_seconds == 172800.0
    assert set(cfg.self_start_causes) == {"boot", "broadcast", "push", "alarm", "other_app"}
    assert cfg.self_start_causes["boot"] == {"zh": "开机广播", "en": "the boot broadcast"}
    assert "android." in cfg.framework_prefixes and "com.umeng." not in cfg.framework_prefixes


def test_per_type_window_inherits_the_default():
    cfg = parse_runtime_config({"frequency": {"window_seconds": 30, "max_per_window": 5,
                                              "per_pi_type": {"device_id": {
                                                  "max_per_window": 1}}}}, "r.yaml", PI)
    assert cfg.window_for("device_id") == Window(30.0, 1)
    assert cfg.window_for("precise_location") == Window(30.0, 5)
    assert parse_runtime_config(None, "r.yaml") == RuntimeConfig()


@pytest.mark.parametrize("doc, needle", [
    ("just text", "must be a mapping"),
    ({"frequncy": {}}, "unknown key 'frequncy'"),
    ({"frequency": {"window_seconds": -1}}, "window_seconds must be a positive number"),
    ({"frequency": {"window_seconds": "60"}}, "window_seconds"),
    ({"frequency": {"max_per_window": 1.5}}, "positive whole number"),
    ({"frequency": {"max_per_window": True}}, "max_per_window"),
    ({"frequency": {"per_pi_type": {"imei_typo": {"max_per_window": 1}}}},
     "unknown PI type 'imei_typo'"),
    ({"frequency": {"per_pi_type": []}}, "per_pi_type must be a mapping"),
    ({"rerequest_window_seconds": float("inf")}, "rerequest_window_seconds"),
    ({"self_start_causes": {"boot": {"zh": "开机"}}}, "needs non-empty zh and en"),
    ({"self_start_causes": ["boot"]}, "self_start_causes must be a mapping"),
    ({"framework_prefixes": "android."}, "framework_prefixes"),
    ({"framework_prefixes": ["android"]}, "framework_prefixes"),
])
def test_malformed_settings_are_ruleset_errors(doc, needle):
    with pytest.raises(RulesetError, match="r.yaml") as e:
        parse_runtime_config(doc, "r.yaml", PI)
    assert needle in str(e.value)


def _clear_caches():
    from scanner.knowledge import load_knowledge
    from scanner.rules import loader

    load_knowledge.cache_clear()
    for fn in (getattr(loader, "load_rules", None), getattr(loader, "load_rules_from", None)):
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


@pytest.fixture()
def rules_copy(tmp_path, monkeypatch):
    dest = tmp_path / "rulesets"
    shutil.copytree(rulesets_dir(), dest)
    monkeypatch.setenv("APPAUDIT_RULESETS_DIR", str(dest))
    _clear_caches()
    yield dest
    _clear_caches()


def test_malformed_runtime_yaml_exits_4_before_reading_the_log(rules_copy, tmp_path):
    (rules_copy / "runtime.yaml").write_text("frequency:\n  window_seconds: [60]\n", "utf-8")
    log = tmp_path / "h.jsonl"
    log.write_text(json.dumps({"ts": 1, "event": "consent"}) + "\n", "utf-8")
    res = CliRunner().invoke(cli, ["runtime", str(log), "--out", str(tmp_path / "o")])
    assert res.exit_code == 4, res.output
    assert "Traceback" not in res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "runtime.yaml" in lines[0] and "window_seconds" in lines[0], lines
    assert not (tmp_path / "o").exists()


def test_an_edited_window_changes_the_finding(rules_copy, tmp_path):
    """The detector reads the window from Knowledge.runtime: 3 reads in 60 s exceed the
    shipped threshold of 2, not an edited threshold of 3."""
    api = "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    stack = ["com.example.app.Main.run(Main.java:1)"]
    log = tmp_path / "h.jsonl"
    log.write_text("".join(json.dumps({"ts": t, "event": "api", "api": api, "stack": stack})
                           + "\n" for t in (0, 20, 40)), "utf-8")

    def frequency_rule():
        out = tmp_path / f"o{len(list(tmp_path.iterdir()))}"
        res = CliRunner().invoke(cli, ["runtime", str(log), "--out", str(out),
                                       "--format", "json"])
        assert res.exit_code in (0, 1), res.output
        doc = json.loads((out / "result.json").read_text("utf-8"))
        return "PRIV-RT-0002" in {f["rule"] for f in doc["findings"]}

    assert frequency_rule()
    text = (rules_copy / "runtime.yaml").read_text("utf-8")
    (rules_copy / "runtime.yaml").write_text(
        text.replace("max_per_window: 2", "max_per_window: 3"), "utf-8")
    _clear_caches()
    assert not frequency_rule()


@pytest.mark.parametrize("doc, needle", [
    ({"wake_broadcasts": {"a.B": {"cause": "reboot"}}}, "cause must be one of"),
    ({"wake_broadcasts": {"a.B": {"cause": "boot", "until_target": 0}}}, "until_target"),
    ({"wake_broadcasts": {"a.B": {"cause": "boot", "permision": "x"}}}, "unknown key"),
    ({"wake_broadcasts": {"a.B": {"cause": "boot", "permission": "android.permission.NOPE"}}},
     "not in permissions.yaml"),
    ({"start_sdk_categories": "push"}, "start_sdk_categories"),
    ({"arg_readers": {"android.content.Intent": {"action": "get Action"}}}, "method name"),
    ({"int_markers": {"uid": {"<own_uid>": ["android.os.Process"]}}}, "[class, static method]"),
])
def test_malformed_start_and_argument_data(doc, needle):
    perms = {"android.permission.RECEIVE_BOOT_COMPLETED": {}}
    with pytest.raises(RulesetError, match="r.yaml") as e:
        parse_runtime_config(doc, "r.yaml", PI, perms)
    assert needle in str(e.value)
