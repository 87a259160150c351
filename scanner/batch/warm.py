"""Preloaded state of the warm scan server: importing this module loads the rules once.

Contract: ``RULES`` is the loaded RuleSet (or None) and ``ERROR`` the ruleset error as a
message (scanner.messages; or None). Only scanner.batch.server imports it; each scan process
is forked from that server, so it starts with the interpreter, the pipeline modules, the
rules and the SDK catalogue already in memory instead of loading them again.
"""

from __future__ import annotations

import scanner.engine  # noqa: F401  (preload the pipeline modules)
import scanner.ingest.apk  # noqa: F401
import scanner.report.json  # noqa: F401
from scanner.errors import RulesetError
from scanner.messages import msg
from scanner.rules.loader import load_rules

try:
    import scanner.ingest.dex  # noqa: F401
except ImportError:
    pass


def _load():
    """The rule set, or None and the ruleset error (a message)."""
    try:
        return load_rules(), None
    except RulesetError as e:
        message = e.message()
        return None, msg("err_ruleset", message=message if "id" in message else str(e))


try:
    RULES, ERROR = _load()
except Exception as e:  # never let the server die on import; scans report it instead
    RULES, ERROR = None, msg("err_ruleset", message=f"{type(e).__name__}: {e}")

try:  # the message catalogs too: a scan that fails says why in English and as a message
    from scanner.messages import catalog

    catalog("en")
except Exception:
    pass

try:  # the SDK catalogue is loaded lazily on the first scan; load it here, once
    from scanner.sdk.catalog import default_catalog

    default_catalog()
except Exception:  # a broken catalogue is then reported by the scans themselves
    pass
