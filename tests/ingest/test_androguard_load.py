"""androguard's table of framework resource ids, built from its public.json instead of its
public.xml (scanner.ingest.androguard_load), holds the same ids as androguard's own module."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from scanner.ingest import androguard_load


def _androguard_public():
    """androguard's own module, run from its file under another name (so the scanner's
    module in sys.modules stays as it is)."""
    package = importlib.import_module("androguard.core.resources")
    path = Path(next(iter(package.__path__))) / "public.py"
    spec = importlib.util.spec_from_file_location("androguard_public_as_shipped", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod, path.with_name("public.json")


def test_the_json_table_equals_the_xml_one():
    shipped, json_path = _androguard_public()
    ours = androguard_load.public_module(json_path)
    assert ours._public_res == shipped._public_res
    assert ours.SYSTEM_RESOURCES == shipped.SYSTEM_RESOURCES
    # (the table is not empty: the manifest's android: attributes are looked up in it)
    assert ours.SYSTEM_RESOURCES["attributes"]["inverse"][0x01010003] == "name"


def test_the_scanner_imports_androguard_without_parsing_public_xml():
    code = ("import sys, xml.dom.minidom as m\n"
            "m.parseString = None  # any use of minidom's parser fails\n"
            "import scanner.ingest.apk\n"
            "mod = sys.modules['androguard.core.resources.public']\n"
            "print(type(mod.SYSTEM_RESOURCES).__name__, "
            "'public.py' in (getattr(mod, '__file__', None) or ''))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["dict", "False"]
