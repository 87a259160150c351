"""The outcome of one APK of a batch: the one list of statuses the child, the parent, the
store and the tables use (stored and shown as their string values)."""

from __future__ import annotations

import enum


class BatchStatus(enum.StrEnum):
    """How one APK's scan ended."""

    OK = "ok"  # scanned; result stored
    INPUT_ERROR = "input_error"  # the APK was refused as bad input (exit 3 of a scan)
    RULESET_ERROR = "ruleset_error"  # the rulesets could not be loaded
    TIMEOUT = "timeout"  # killed at the wall-clock limit
    MEMORY = "memory"  # out of memory at the address-space limit
    CRASH = "crash"  # a bug or an unexplained death of the scan process
