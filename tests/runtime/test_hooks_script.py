"""The generated Frida script, run in node against a fake Java bridge (harness.js): every API
of the API map gets a hook with the right overload, and every hook logs a valid event line
(no device is available here, so this is how the script is proven)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.capture.hooks import parse_descriptor
from scanner.cli import cli
from scanner.knowledge import read_yaml
from scanner.paths import rulesets_dir

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def test_descriptor_parsing_by_hand():
    assert parse_descriptor("Landroid/telephony/TelephonyManager;->getDeviceId(I)"
                            "Ljava/lang/String;") == ("android.telephony.TelephonyManager",
                                                      "getDeviceId", ("int",))
    assert parse_descriptor("Landroid/content/ContentResolver;->query(Landroid/net/Uri;"
                            "[Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;"
                            "Ljava/lang/String;)Landroid/database/Cursor;") == (
        "android.content.ContentResolver", "query",
        ("android.net.Uri", "[Ljava.lang.String;", "java.lang.String", "[Ljava.lang.String;",
         "java.lang.String"))
    assert parse_descriptor("La/B;->m(JZ[[I)V") == ("a.B", "m", ("long", "boolean", "[[I"))


def test_every_mapped_api_hooks_and_logs(tmp_path):
    script = tmp_path / "hooks.js"
    r = CliRunner().invoke(cli, ["hooks", "-o", str(script)])
    assert r.exit_code == 0, r.output
    subprocess.run([NODE, "--check", str(script)], check=True)
    run = subprocess.run([NODE, str(HERE / "harness.js"), str(script)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    # expected: every method entry of the API map with a PI type, read from the YAML itself
    doc = read_yaml(rulesets_dir() / "api-map.yaml")
    expected = {e["api"] for e in doc["apis"] if e.get("pi_type")}
    hooked = {}
    for call in out["calls"]:
        assert call["error"] is None, call
        apis = [json.loads(x) for x in call["lines"]]
        if call["cls"] in ("android.app.Activity", "androidx.core.app.ActivityCompat",
                           "android.content.ContextWrapper"):
            continue  # permission, start and lifecycle hooks: checked below
        assert len(apis) == 1, call
        ev = apis[0]
        # JSON writes a whole second (Date.now() % 1000 == 0, about 1 event in 1000) as an
        # integer; the reader takes any finite number
        assert ev["event"] == "api" and type(ev["ts"]) in (int, float) and ev["ts"] > 1e9
        assert ev["stack"] and all(isinstance(f, str) and not f.startswith("at ")
                                   for f in ev["stack"])
        assert parse_descriptor(ev["api"])[1] == call["method"]
        assert tuple(call["args"]) == parse_descriptor(ev["api"])[2]
        hooked[ev["api"]] = ev["pi_type"]
    assert set(hooked) == expected
    events = [json.loads(x) for x in out["lines"]]
    assert events[0]["event"] == "meta" and events[0]["package"] == "com.example.app"
    assert events[-1]["event"] == "consent"
    assert not [e for e in events if e["event"] == "hook_error"]
    kinds = {c["cls"] + "." + c["method"] for c in out["calls"]}
    for needed in ("android.app.Activity.requestPermissions",
                   "androidx.core.app.ActivityCompat.requestPermissions",
                   "android.app.Activity.onRequestPermissionsResult",
                   "android.content.ContextWrapper.startService",
                   "android.content.ContextWrapper.bindService",
                   "android.content.ContextWrapper.sendBroadcast",
                   "android.app.Activity.onResume", "android.app.Activity.onStop"):
        assert needed in kinds, needed


def test_the_script_log_reads_back(tmp_path):
    """What the script writes is what `appaudit runtime` reads (the harness's lines)."""
    script = tmp_path / "hooks.js"
    CliRunner().invoke(cli, ["hooks", "-o", str(script)])
    run = subprocess.run([NODE, str(HERE / "harness.js"), str(script)], capture_output=True,
                         text=True, timeout=120, check=True)
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.loads(run.stdout)["lines"]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["runtime", str(log), "--out", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert not doc.get("skipped")  # every line the script writes is well-formed
    # the harness calls every API before its final consent() call, from a umeng stack
    assert doc["runtime_calls"] and all(c["before_consent"] is True and
                                        c["sdk"] == "umeng_analytics"
                                        for c in doc["runtime_calls"])


def test_argument_values_are_logged_for_the_api_map_conditions(tmp_path):
    """Every api-map entry with ``args`` logs ``values{}``: an object argument's attributes
    through the getters of rulesets/runtime.yaml (harness fakes: 'v:' + getter, getCategories
    a one-item collection, getDataString null = known absent), a String its text ('a' +
    position), an int its value (the harness passes the position, then the app's UID, which a
    ``uid`` argument logs as '<own_uid>'); entries without ``args`` log no values."""
    script = tmp_path / "hooks.js"
    CliRunner().invoke(cli, ["hooks", "-o", str(script)])
    run = subprocess.run([NODE, str(HERE / "harness.js"), str(script)], capture_output=True,
                         text=True, timeout=120, check=True)
    doc = read_yaml(rulesets_dir() / "api-map.yaml")
    readers = read_yaml(rulesets_dir() / "runtime.yaml")["arg_readers"]
    with_args = {e["api"]: e["args"] for e in doc["apis"] if e.get("pi_type") and e.get("args")}
    assert len(with_args) >= 15  # providers, intents, packages, UIDs, sensors
    seen = {}
    for call in json.loads(run.stdout)["calls"]:
        for line in call["lines"]:
            e = json.loads(line)
            if e["event"] != "api":
                continue
            if e["api"] not in with_args:
                assert "values" not in e, e
                continue
            params = parse_descriptor(e["api"])[2]
            want = {}
            for key, pos in with_args[e["api"]].items():
                if params[pos] in readers:
                    for attr, getter in readers[params[pos]].items():
                        want[attr] = (["android.intent.category.LAUNCHER"]
                                      if getter == "getCategories" else None
                                      if getter == "getDataString" else "v:" + getter)
                elif params[pos] == "int":
                    want[key] = ("<own_uid>" if key == "uid" else 10123) \
                        if call["own_uid_call"] else pos
                else:
                    want[key] = "a" + str(pos)
            assert e["values"] == want, (e["api"], call["own_uid_call"])
            seen[e["api"]] = True
    assert set(seen) == set(with_args)
