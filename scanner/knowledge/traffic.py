"""Traffic analysis parameters (rulesets/traffic.yaml): the frequency window and threshold,
the capture addon's marker hosts, how many damaged bodies are listed one by one.
Loaded into ``Knowledge.traffic``; read by :mod:`scanner.detectors.traffic_pii`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.errors import RulesetError
from scanner.knowledge.yamlio import read_yaml

CONSENT_HOST = "appaudit.consent"
STATE_HOST = "appaudit.state"


@dataclass(frozen=True)
class TrafficConfig:
    """Parameters from rulesets/traffic.yaml."""

    window_seconds: float = 60.0
    max_per_window: int = 2
    marker_hosts: tuple[str, ...] = (CONSENT_HOST, STATE_HOST)
    max_listed_body_errors: int = 20


def load_traffic_config(folder: Path) -> TrafficConfig:
    """Read ``traffic.yaml`` of a rulesets folder (defaults when absent)."""
    path = Path(folder) / "traffic.yaml"
    if not path.is_file():
        return TrafficConfig()
    doc = read_yaml(path) or {}
    try:
        freq = doc.get("frequency") or {}
        cfg = TrafficConfig(
            window_seconds=float(freq.get("window_seconds", 60)),
            max_per_window=int(freq.get("max_per_window", 2)),
            marker_hosts=tuple(str(h) for h in doc.get("marker_hosts")
                               or (CONSENT_HOST, STATE_HOST)),
            max_listed_body_errors=int(doc.get("max_listed_body_errors", 20)),
        )
    except (AttributeError, TypeError, ValueError) as e:
        raise RulesetError("err_rs_invalid_settings", where=str(path),
                           detail=f"{type(e).__name__}: {e}") from e
    if cfg.window_seconds <= 0 or cfg.max_per_window < 1:
        raise RulesetError("err_rs_ranges", where=f"{path}: frequency",
                           ranges="window_seconds > 0, max_per_window ≥ 1")
    return cfg
