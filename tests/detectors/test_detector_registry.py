"""The detector registry lists every detector, once, and nothing else."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import scanner.detectors as pkg
from scanner.detectors import ALL_DETECTORS, Detector, all_detectors

# Modules of scanner/detectors that define no detector, on purpose. A new module is either
# a detector (then it must be in ALL_DETECTORS) or is added here.
NOT_DETECTORS = {"interface", "traffic_party"}


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__))


def _detectors_in(module: str) -> list[type[Detector]]:
    mod = importlib.import_module(f"scanner.detectors.{module}")
    return [c for _, c in inspect.getmembers(mod, inspect.isclass)
            if issubclass(c, Detector) and c is not Detector and c.__module__ == mod.__name__]


def test_every_detector_module_is_registered():
    for module in _modules():
        found = _detectors_in(module)
        if module in NOT_DETECTORS:
            assert not found, f"{module} defines {found}: register it, drop it from NOT_DETECTORS"
            continue
        assert found, f"scanner/detectors/{module}.py defines no Detector (add it to "
        "NOT_DETECTORS in this test if it is a helper)"
        for cls in found:
            assert cls in ALL_DETECTORS, f"{cls.__name__} is missing from ALL_DETECTORS"


def test_registry_has_no_duplicates_and_unique_names():
    assert len(set(ALL_DETECTORS)) == len(ALL_DETECTORS)
    names = [d.name for d in all_detectors()]
    assert len(set(names)) == len(names)
    assert "detector" not in names  # every detector names itself


def test_not_detectors_exist():
    assert NOT_DETECTORS <= set(_modules())
