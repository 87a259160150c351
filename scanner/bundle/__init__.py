"""Case evidence bundles: signed zips of a result, its reports and inputs, and their check.

- :func:`make_bundle` (bundle.py) writes CASE.zip with a manifest of every file's bytes,
  SHA-256 and SM3 and an Ed25519 signature over the manifest.
- :func:`verify_bundle` (verify.py) checks a bundle treated as hostile and names every
  changed, missing or added file.
- keys.py keeps per-analyst key pairs under ``$APPAUDIT_KEYS_DIR`` or
  ``~/.config/appaudit/keys/``.
"""

from __future__ import annotations

from scanner.bundle.bundle import BundleInfo, make_bundle
from scanner.bundle.keys import generate_key, keys_dir, list_keys
from scanner.bundle.verify import Problem, VerifyReport, verify_bundle

__all__ = ["BundleInfo", "Problem", "VerifyReport", "generate_key", "keys_dir", "list_keys",
           "make_bundle", "verify_bundle"]
