"""The data of the validated PI patterns (rulesets/pi-patterns.yaml) as ``Knowledge.pi_patterns``:
IMEI reporting bodies, resident-ID province codes, China's bounding box, coordinate keys,
package-name prefixes and placeholder MAC addresses. scanner.pii.patterns applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml
from scanner.messages import msg


@dataclass(frozen=True)
class PiPatterns:
    """What the validated patterns check against (see rulesets/pi-patterns.yaml)."""

    imei_reporting_bodies: frozenset[str] = frozenset()
    resident_id_provinces: frozenset[int] = frozenset()
    lat_range: tuple[float, float] = (0.0, 0.0)
    lon_range: tuple[float, float] = (0.0, 0.0)
    lat_keys: frozenset[str] = frozenset()
    lon_keys: frozenset[str] = frozenset()
    package_prefixes: tuple[str, ...] = ()
    min_packages: int = 3
    placeholder_macs: frozenset[str] = frozenset()
    package_re: re.Pattern = field(default=re.compile(r"(?!x)x"), compare=False)


def _range(v: Any, where: str) -> tuple[float, float]:
    if (not isinstance(v, (list, tuple)) or len(v) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
            or v[0] >= v[1]):
        raise RulesetError("err_rs_must_be", where=where, what=msg("rs_degree_range"))
    return float(v[0]), float(v[1])


def load_pi_patterns(folder: Path) -> PiPatterns:
    """Read and check pi-patterns.yaml of a rulesets folder (RulesetError naming the key)."""
    path = folder / "pi-patterns.yaml"
    doc = read_yaml(path) if path.is_file() else None
    if not isinstance(doc, dict):
        raise RulesetError("err_rs_missing_or_not_mapping", path=str(path))
    where = "pi-patterns.yaml"
    try:
        rbi = frozenset(str(x) for x in doc["imei_reporting_bodies"])
        provinces = frozenset(int(x) for x in doc["resident_id_provinces"])
        bounds = doc["china_bounds"]
        keys = doc["coordinate_keys"]
        prefixes = tuple(str(x) for x in doc["package_prefixes"])
        macs = frozenset(str(x).lower() for x in doc["placeholder_macs"])
        min_packages = int(doc.get("min_packages", 3))
    except (KeyError, TypeError, ValueError) as e:
        raise RulesetError("err_rs_malformed_key", where=where,
                           detail=f"{type(e).__name__}: {e}") from e
    if not all(re.fullmatch(r"\d\d", x) for x in rbi):
        raise RulesetError("err_rs_field_must_be", where=where, field="imei_reporting_bodies",
                           what=msg("rs_two_digit_strings"))
    if not all(re.fullmatch(r"[a-z][a-z0-9_]*", p) for p in prefixes):
        raise RulesetError("err_rs_field_must_be", where=where, field="package_prefixes",
                           what=msg("rs_lower_labels"))
    if min_packages < 2:
        raise RulesetError("err_rs_ranges", where=where, ranges="min_packages ≥ 2")
    if not all(re.fullmatch(r"[0-9a-f]{12}", x) for x in macs):
        raise RulesetError("err_rs_field_must_be", where=where, field="placeholder_macs",
                           what=msg("rs_hex12"))
    alt = "|".join(re.escape(p) for p in prefixes)
    return PiPatterns(
        imei_reporting_bodies=rbi, resident_id_provinces=provinces,
        lat_range=_range(bounds.get("lat"), f"{where}: china_bounds.lat"),
        lon_range=_range(bounds.get("lon"), f"{where}: china_bounds.lon"),
        lat_keys=frozenset(str(k).lower() for k in keys.get("lat") or ()),
        lon_keys=frozenset(str(k).lower() for k in keys.get("lon") or ()),
        package_prefixes=prefixes, min_packages=min_packages, placeholder_macs=macs,
        package_re=re.compile(r"(?<![\w.])((?:" + alt + r")\.[a-z][a-z0-9_]*"
                              r"(?:\.[a-z][a-z0-9_]*)+)(?![\w.])", re.I),
    )
