"""How the scanner loads androguard: its binary-XML printer and its APK signature reader.

Two things happen before androguard's modules are imported:

* its loguru logging is disabled: androguard logs every step at DEBUG by default, and
  that doubles its run time;
* ``androguard.core.resources.public`` is set up from the ``public.json`` that androguard
  ships beside it. Imported as it is, that module parses the Android SDK's 191 KB
  ``public.xml`` with minidom, which costs about 0.29 G instructions, 2 % of a whole
  scan of the 30 MB-dex benchmark APK, on every start. Both files hold the same table
  of framework resource ids (tests/ingest/test_androguard_load.py compares the two
  modules' contents). When the JSON file is missing, androguard's own module is imported
  as usual.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path

from loguru import logger as _loguru

PUBLIC = "androguard.core.resources.public"

_loguru.disable("androguard")


def public_module(path: Path) -> types.ModuleType:
    """A module with the names androguard's ``public`` module defines (``_public_res``
    and ``SYSTEM_RESOURCES``), built from its ``public.json`` at ``path``."""
    table: dict[str, dict[str, int]] = json.loads(path.read_text(encoding="utf-8"))
    mod = types.ModuleType(PUBLIC)
    mod._public_res = table
    mod.SYSTEM_RESOURCES = {
        kind: {"forward": dict(table[key]), "inverse": {v: k for k, v in table[key].items()}}
        for kind, key in (("attributes", "attr"), ("styles", "style"))
    }
    return mod


def _install_public() -> None:
    if PUBLIC in sys.modules:
        return
    package = importlib.import_module("androguard.core.resources")  # (an empty package)
    path = Path(next(iter(package.__path__))) / "public.json"
    if not path.is_file():
        return
    mod = public_module(path)
    sys.modules[PUBLIC] = mod
    package.public = mod


_install_public()

from androguard.core.apk import APK  # noqa: E402
from androguard.core.axml import AXMLPrinter  # noqa: E402

__all__ = ["APK", "AXMLPrinter"]
