"""What a plain scan imports: the modules only other commands need stay out of it (each is
tens of milliseconds of start-up on every scan). Read from ``sys.modules`` after a real scan
in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: module -> why a scan does not need it
NOT_IN_A_SCAN = {
    "pandas": "tables of the batch and pricing commands",
    "scipy": "statistics of the pricing command",
    # numpy.unique imports numpy.ma (12 ms) to check for masked arrays; the dex reader and
    # the security checks take distinct values with scanner.ingest.dex.arrays.unique
    "numpy.ma": "masked arrays, imported by numpy.unique",
}


@pytest.mark.parametrize("apk", ["clean.apk", "privacy_heavy.apk"])
def test_scan_leaves_out_modules_of_other_commands(tmp_path, apk):
    code = ("import sys, json\nfrom scanner.cli import main\n"
            f"sys.argv = ['appaudit', 'scan', {str(REPO / 'corpus' / 'apk' / apk)!r}, "
            f"'--out', {str(tmp_path)!r}, '--format', 'json,html']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(json.dumps(sorted(m for m in {sorted(NOT_IN_A_SCAN)!r} "
            "if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert (tmp_path / "result.json").is_file()
    assert out.stdout.strip().splitlines()[-1] == "[]"
