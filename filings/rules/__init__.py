"""The heart of the portal: rulebook data, the assessment engine and VIN checks.

Pure Python, no Django import: the web app, the Celery tasks and the `assess` command all
call these same functions.
"""

from filings.rules.engine import AssessmentInputError, assess, assess_period
from filings.rules.inputs import (
    BatteryComponent,
    ChainKey,
    ComponentKey,
    ComponentLedger,
    Evidence,
    MineralLedger,
    MineralLine,
    Vehicle,
    VinEntry,
)
from filings.rules.results import REQUIREMENT_IDS, Assessment, Finding, SegmentResult
from filings.rules.rulebook import Rulebook, RulebookError, load_rulebook, parse_rulebook

__all__ = [
    "REQUIREMENT_IDS",
    "Assessment",
    "AssessmentInputError",
    "BatteryComponent",
    "ChainKey",
    "ComponentKey",
    "ComponentLedger",
    "Evidence",
    "Finding",
    "MineralLedger",
    "MineralLine",
    "Rulebook",
    "RulebookError",
    "SegmentResult",
    "Vehicle",
    "VinEntry",
    "assess",
    "assess_period",
    "load_rulebook",
    "parse_rulebook",
]
