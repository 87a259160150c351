"""The test phone's known identifiers, as read by :mod:`scanner.ingest.device_facts`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceFacts:
    """Known values of the test phone, as (pi_type, value) pairs."""

    seeds: tuple[tuple[str, str], ...] = ()
    location: tuple[float, float] | None = None
    unknown_keys: tuple[str, ...] = ()
    path: str | None = None

    def types(self) -> set[str]:
        """PI types with at least one known value."""
        out = {t for t, _ in self.seeds}
        if self.location:
            out.add("precise_location")
        return out
