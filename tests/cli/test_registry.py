"""Every command module's commands are reachable by name, and no name points nowhere."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import scanner.cli as pkg
from scanner.cli import COMMAND_MODULES, cli


def test_command_map_matches_modules():
    found = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.endswith("_cmd"):
            mod = importlib.import_module(f"scanner.cli.{info.name}")
            for command in mod.COMMANDS:
                found[command.name] = info.name
    assert found == COMMAND_MODULES
    for name in COMMAND_MODULES:
        assert cli.get_command(None, name) is not None


def test_scan_does_not_import_heavy_libraries():
    heavy = "('pandas', 'scipy', 'matplotlib', 'dask')"
    code = ("import sys, scanner.cli.scan_cmd, scanner.cli.common; "
            f"print(sorted(m for m in {heavy} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_apk_scan_to_json_loads_only_what_it_uses(tmp_path):
    """A JSON-only APK scan imports neither the HTML/table formats nor the traffic
    matchers, nor yaml when the shipped catalogs are pre-parsed (each costs start-up time
    on every scan)."""
    apk = Path(__file__).resolve().parents[2] / "corpus" / "apk" / "clean.apk"
    unwanted = ("jinja2", "pandas", "scanner.pii", "scanner.report.html", "scanner.report.csv",
                "mitmproxy", "yaml")
    code = ("import sys\nfrom scanner.cli import main\n"
            f"sys.argv = ['appaudit', 'scan', {str(apk)!r}, '--out', {str(tmp_path)!r}, "
            "'--format', 'json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in {unwanted!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (tmp_path / "result.json").is_file()
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"


@pytest.mark.parametrize(("args", "collector"), [
    (["scan", "APK", "--out", "OUT", "--format", "json"], False),
    (["--debug", "sdks", "APK"], False),
    (["scan", "APK", "--out", "OUT", "--flows", "F.mitm"], True),
    (["traffic", "F.mitm", "--out", "OUT"], True),
    (["rules", "list"], True),
])
def test_cyclic_collector_off_only_for_one_apk(tmp_path, args, collector):
    """The console entry point turns the cyclic GC off for a one-APK audit only."""
    apk = Path(__file__).resolve().parents[2] / "corpus" / "apk" / "clean.apk"
    argv = [str(apk) if a == "APK" else str(tmp_path / "o") if a == "OUT"
            else str(tmp_path / "f.mitm") if a == "F.mitm" else a for a in args]
    code = ("import gc, sys\nfrom scanner.cli import main\n"
            f"sys.argv = ['appaudit', *{argv!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('GC', gc.isenabled())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == f"GC {collector}"


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no extra thread on one core")
@pytest.mark.parametrize(("env", "threads"), [({}, 1), ({"OPENBLAS_NUM_THREADS": "2"}, 2)])
def test_scan_keeps_numpy_to_one_thread_unless_asked(tmp_path, env, threads):
    """numpy's OpenBLAS would start a thread per core on import (CPU on every scan for
    nothing: no command does large linear algebra); the entry point keeps its pool to one
    thread, and a user's own OPENBLAS_NUM_THREADS still wins. The thread count is read
    from /proc after a real scan (OpenBLAS's pool threads are the only extra threads)."""
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs /proc")
    apk = Path(__file__).resolve().parents[2] / "corpus" / "apk" / "clean.apk"
    code = ("import os, sys\nfrom scanner.cli import main\n"
            f"sys.argv = ['appaudit', 'scan', {str(apk)!r}, '--out', {str(tmp_path)!r}, "
            "'--format', 'json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('NUMPY', 'numpy' in sys.modules, 'THREADS', len(os.listdir('/proc/self/task')))")
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**run_env, **env})
    assert out.stdout.strip().splitlines()[-1] == f"NUMPY True THREADS {threads}"


# the console script's entry: after a one-APK audit the process ends without tearing its
# heap down (os._exit), once the exit handlers ran and the streams are flushed
_ENTRY = """import atexit, json, sys
atexit.register(lambda: print('ATEXIT'))
PROFILE
sys.argv = ['appaudit', *json.loads(sys.argv[1])]
from scanner.cli import entry
try:
    entry()
except SystemExit as e:
    print('RAISED', e.code)
print('AFTER')
"""


@pytest.mark.parametrize(("args", "profiled", "code", "fast"), [
    # privacy_heavy.apk as a news app has high findings (tests/cli/test_cli_errors.py)
    (["scan", "HEAVY", "--category", "news", "--out", "OUT", "--format", "json",
      "--fail-on", "high"], False, 1, True),
    (["scan", "CLEAN", "--out", "OUT", "--format", "json"], False, 0, True),
    (["scan", "CLEAN", "--out", "OUT", "--format", "pdfx"], False, 2, True),
    (["scan", "CLEAN", "--out", "OUT", "--format", "json"], True, 0, False),
    (["rules", "list"], False, 0, False),
])
def test_entry_ends_a_one_apk_audit_without_teardown(tmp_path, args, profiled, code, fast):
    apks = Path(__file__).resolve().parents[2] / "corpus" / "apk"
    argv = [str(apks / "privacy_heavy.apk") if a == "HEAVY" else str(apks / "clean.apk")
            if a == "CLEAN" else str(tmp_path / "o") if a == "OUT" else a for a in args]
    child = _ENTRY.replace("PROFILE", "sys.setprofile(lambda *a: None)" if profiled else "")
    out = subprocess.run([sys.executable, "-c", child, json.dumps(argv)], capture_output=True,
                         text=True, timeout=300)
    lines = out.stdout.strip().splitlines()
    assert out.returncode == code, out.stderr
    assert lines[-1] == "ATEXIT"  # the exit handlers ran, and after everything else
    if fast:  # the process ended inside entry(): nothing after it ran
        assert "AFTER" not in lines and not any(x.startswith("RAISED") for x in lines)
    else:  # SystemExit reached the caller as usual
        assert lines[-3:] == [f"RAISED {code}", "AFTER", "ATEXIT"]
    if args[0] == "scan" and code != 2:  # the outputs are complete and the summary printed
        json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))
        assert any(str(tmp_path / "o" / "result.json") in x for x in lines)
