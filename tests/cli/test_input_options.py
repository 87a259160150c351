"""The input options scan, traffic, runtime and policy share are declared once
(scanner.cli.common.input_options) and are a contract: each command keeps exactly the
options it had, with the same names, destinations, repetition and defaults.

The expected table was written by hand from the commands' declarations before they shared
the decorator (git show a116958:scanner/cli/{scan,traffic,runtime,policy}_cmd.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.cli.common import InputPath
from scanner.cli.helptext import option_key

CLI = Path(__file__).resolve().parents[2] / "scanner" / "cli"

# option -> (destination, repeatable, is an input path)
SHARED = {
    "--category": ("category", False, False),
    "--flows": ("flows", True, True),
    "--device-facts": ("device_facts", False, True),
    "--consent-at": ("consent_at", False, False),
    "--tz": ("tz", False, False),
    "--first-party": ("first_party", True, False),
    "--runtime": ("runtime_logs", True, True),
    "--policy": ("policy", True, True),
    "--apk": ("apk", False, True),
}
EXPECTED = {
    "scan": ["--category", "--flows", "--device-facts", "--consent-at", "--tz",
             "--first-party", "--runtime", "--policy"],
    "traffic": ["--apk", "--device-facts", "--consent-at", "--tz", "--first-party",
                "--category"],
    "runtime": ["--apk", "--consent-at", "--tz", "--category"],
    "policy": ["--apk", "--flows", "--runtime", "--device-facts", "--consent-at", "--tz",
               "--category"],
}
# options a command added after the shared ones were gathered (extensions of the contract)
OWN = {"scan": ["--no-leaks", "--leak-seconds"]}
OUTPUT = ["--out", "--format", "--lang", "--fail-on"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_options_unchanged(name):
    cmd = cli.get_command(None, name)
    opts = [p for p in cmd.params if p.param_type_name == "option"]
    flags = [p.opts[0] for p in opts]
    assert flags == EXPECTED[name] + OWN.get(name, []) + OUTPUT
    for p in opts[:len(EXPECTED[name])]:
        dest, multiple, is_path = SHARED[p.opts[0]]
        assert (p.name, p.multiple, isinstance(p.type, InputPath)) == (dest, multiple, is_path)
        assert str(p.default) in ("None", "()", "Sentinel.UNSET") and not p.required
        # its help: a catalog entry in both languages (tests/cli/test_help_language.py)
        ctx = click.Context(cmd, info_name=name, parent=click.Context(cli, info_name="appaudit"))
        assert option_key(ctx, p) is not None, p.opts


def test_shared_options_declared_once():
    """No command module declares a shared input option itself."""
    for path in CLI.glob("*_cmd.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "option":
                names = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if path.stem in ("scan_cmd", "traffic_cmd", "runtime_cmd", "policy_cmd"):
                    assert not set(names) & set(SHARED), (path.name, names)


@pytest.mark.parametrize("name,args", [
    ("scan", ["corpus/apk/clean.apk"]),
    ("runtime", ["corpus/apk/clean.apk"]),  # the argument is only checked to exist
])
def test_bad_tz_is_a_usage_error_and_missing_input_exit_3(name, args, tmp_path):
    root = Path(__file__).resolve().parents[2]
    first = str(root / args[0])
    r = CliRunner().invoke(cli, [name, first, "--tz", "Mars/Olympus", "--out", str(tmp_path)])
    assert r.exit_code == 2, r.output
    r = CliRunner().invoke(cli, [name, first, "--consent-at", "2026-11-18 19:07:00",
                                 "--device-facts" if name == "scan" else "--apk",
                                 str(tmp_path / "missing.json"), "--out", str(tmp_path)])
    assert r.exit_code == 3 and "missing.json" in r.output, r.output


def test_recorded_options_policy_records_device_facts(tmp_path):
    """The policy command reads --device-facts; result.json's options now record it, as scan
    and traffic do (it was left out before)."""
    import json

    root = Path(__file__).resolve().parents[2]
    facts = tmp_path / "facts.json"
    facts.write_text('{"imei": "861234567890123"}', "utf-8")
    pol = tmp_path / "policy.txt"
    pol.write_text("本隐私政策说明我们如何收集设备信息。" * 5, "utf-8")
    r = CliRunner().invoke(cli, ["policy", str(pol), "--apk",
                                 str(root / "corpus" / "apk" / "clean.apk"),
                                 "--device-facts", str(facts), "--consent-at",
                                 "2026-11-18 19:07:00", "--format", "json",
                                 "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "o" / "result.json").read_text("utf-8"))
    assert doc["options"]["device_facts"] == str(facts)
    assert doc["options"]["consent_at"] == "2026-11-18 19:07:00"
