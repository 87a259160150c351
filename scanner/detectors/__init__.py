"""The detector registry. Add a detector module and one line to ``ALL_DETECTORS``.

Order matters: later detectors read what earlier ones yielded (code analysis
before permission use, SDK detection before traffic attribution).
"""

from __future__ import annotations

from scanner.detectors.category import CategoryDetector
from scanner.detectors.code import CodeDetector
from scanner.detectors.code_facts import CodeFactsDetector
from scanner.detectors.interface import Detector, ScanContext
from scanner.detectors.leaks import LeakDetector
from scanner.detectors.manifest import ManifestDetector
from scanner.detectors.packer import PackerDetector
from scanner.detectors.permissions import PermissionsDetector
from scanner.detectors.policy_text import PolicyTextDetector
from scanner.detectors.privacy_policy import PrivacyPolicyDetector
from scanner.detectors.runtime import RuntimeDetector
from scanner.detectors.sdks import SdkDetector
from scanner.detectors.security import SecurityDetector
from scanner.detectors.start_capability import StartCapabilityDetector
from scanner.detectors.traffic_pii import TrafficPiiDetector
from scanner.detectors.transparency import TransparencyDetector


def all_detectors() -> list[Detector]:
    """Fresh detector instances in run order."""
    return [cls() for cls in ALL_DETECTORS]


ALL_DETECTORS: list[type[Detector]] = [
    ManifestDetector,
    CategoryDetector,
    CodeDetector,
    PackerDetector,
    SdkDetector,
    SecurityDetector,
    CodeFactsDetector,
    LeakDetector,
    PermissionsDetector,
    PrivacyPolicyDetector,
    TransparencyDetector,
    TrafficPiiDetector,
    RuntimeDetector,
    StartCapabilityDetector,
    PolicyTextDetector,
]

__all__ = ["ALL_DETECTORS", "Detector", "ScanContext", "all_detectors"]
