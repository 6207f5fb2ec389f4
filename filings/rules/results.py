"""What the engine returns, and its JSON shape (the `assess` command and the portal store it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from filings.rules.text import Params, Text, params_to_dict

Severity = Literal["fail", "warn", "info"]

# The order in which requirements are reported; ids are part of the public JSON.
REQUIREMENT_IDS = (
    "credit_window",
    "final_assembly",
    "msrp_cap",
    "battery_capacity",
    "gvwr",
    "feoc_battery_components",
    "feoc_critical_minerals",
    "critical_minerals",
    "battery_components",
)
# A vehicle is eligible only when every one of these that applies is met.
GATING_REQUIREMENTS = REQUIREMENT_IDS[:7]

# How many row numbers a finding lists; the message says how many more there are.
MAX_ROWS_PER_FINDING = 100
# How many non-qualifying combinations of mineral and countries get a finding of their own;
# the rest are summed up in one.
MAX_NOT_COUNTED_LISTED = 50
# How many invalid VINs get a finding of their own, and are named in the final-assembly
# result's details; the rest are summed up in one finding and counted. A sheet of 500,000
# wrong VINs made 500,000 findings: a report of 371 MB and 3.5 GB of memory to build it.
MAX_VINS_LISTED = 50


def invalid_vin_count(details: dict[str, object]) -> int:
    """How many VINs the final-assembly result found invalid (results stored before the
    count was kept listed every invalid VIN)."""
    count = details.get("invalid_vin_count")
    if isinstance(count, int):
        return count
    listed = details.get("invalid_vins")
    return len(listed) if isinstance(listed, list) else 0


@dataclass(frozen=True, slots=True)
class Finding:
    requirement: str
    severity: Severity
    message: str  # in English: `template` rendered with `params`
    rows: tuple[int, ...] = ()
    template: str = ""
    params: Params = ()

    @classmethod
    def of(cls, requirement: str, severity: Severity, text: Text,
           rows: tuple[int, ...] = ()) -> Finding:
        return cls(requirement, severity, text.render(), rows, text.template, text.params)

    @property
    def text(self) -> Text:
        return Text(self.template, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "severity": self.severity,
                "message": self.message, "rows": list(self.rows),
                "template": self.template, "params": params_to_dict(self.params)}


@dataclass(frozen=True, slots=True)
class RequirementResult:
    id: str
    applies: bool
    met: bool | None
    citation: str
    confidence: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"applies": self.applies, "met": self.met, "citation": self.citation,
                "confidence": self.confidence, **self.details}


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """The outcome for every vehicle placed in service from `start` to `end`, both inclusive."""

    start: dt.date
    end: dt.date
    eligible: bool
    credit_usd: int
    credit_basis: dict[str, Any]
    requirements: dict[str, RequirementResult]
    findings: tuple[Finding, ...]

    def same_outcome(self, other: SegmentResult) -> bool:
        return (self.eligible, self.credit_usd, self.credit_basis, self.requirements,
                self.findings) == (other.eligible, other.credit_usd, other.credit_basis,
                                   other.requirements, other.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "eligible": self.eligible,
            "credit_usd": self.credit_usd,
            "credit_basis": self.credit_basis,
            "requirements": {rid: self.requirements[rid].to_dict() for rid in REQUIREMENT_IDS},
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    rulebook_id: str
    rulebook_version: str
    placed_in_service_from: dt.date
    placed_in_service_to: dt.date
    acquired: dt.date | None
    segments: tuple[SegmentResult, ...]
    # The vehicle as the evidence's vehicle sheet describes it: what a certificate names.
    vehicle: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rulebook": {"id": self.rulebook_id, "version": self.rulebook_version},
            "vehicle": dict(self.vehicle),
            "placed_in_service": {"from": self.placed_in_service_from.isoformat(),
                                  "to": self.placed_in_service_to.isoformat()},
            "acquired": (self.acquired.isoformat() if self.acquired
                         else "same day as placed in service"),
            "segments": [s.to_dict() for s in self.segments],
        }
