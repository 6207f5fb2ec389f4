"""The advice's results: frozen dataclasses whose `to_dict()` is JSON-safe (money as strings,
dates ISO), so the API can expose them as they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from filings.rules.engine import canonical
from filings.rules.inputs import BatteryComponent, MineralLine

Share = Literal["critical_minerals", "battery_components"]
SHARES: tuple[Share, ...] = ("critical_minerals", "battery_components")
Line = MineralLine | BatteryComponent
SHARE_LABELS: dict[Share, str] = {"critical_minerals": "critical-mineral",
                                   "battery_components": "battery-component"}


class AdviceInputError(ValueError):
    """The lines or the rulebook given are not the ones the assessment was made from."""


def line_dict(line: Line) -> dict[str, Any]:
    """One line as JSON: where it is now, and its value as a string."""
    if isinstance(line, MineralLine):
        return {"row": line.row, "id": line.line_id, "supplier": line.supplier,
                "mineral": line.mineral, "extraction_country": line.extraction_country,
                "processing_country": line.processing_country,
                "recycling_country": line.recycling_country,
                "value_usd": canonical(line.value_usd), "feoc": line.feoc,
                "impracticable_to_trace": line.impracticable_to_trace}
    return {"row": line.row, "id": line.component_id, "supplier": line.supplier,
            "component_type": line.component_type,
            "manufacturing_country": line.manufacturing_country,
            "value_usd": canonical(line.value_usd), "feoc": line.feoc}


@dataclass(frozen=True, slots=True)
class Move:
    """One way to meet a share: move every one of `lines` (in row order) to a qualifying
    place. `exact` False (least value only): a cover, not proven least; the least costs at
    least `lower_bound_usd`."""

    lines: tuple[Line, ...]
    suppliers: tuple[str, ...]
    value_usd: Decimal
    qualifying_pct_after: Decimal
    exact: bool = True
    lower_bound_usd: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"lines": [line_dict(line) for line in self.lines],
                "rows": [line.row for line in self.lines], "suppliers": list(self.suppliers),
                "value_usd": canonical(self.value_usd),
                "qualifying_pct_after": str(self.qualifying_pct_after), "exact": self.exact,
                "lower_bound_usd": (canonical(self.lower_bound_usd)
                                    if self.lower_bound_usd is not None else None)}


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a step may move to qualify: `countries` on every date of the advice."""

    step: Literal["extraction_or_processing", "recycling", "manufacturing_or_assembly"]
    mineral: str | None
    countries: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "mineral": self.mineral, "countries": list(self.countries)}


@dataclass(frozen=True, slots=True)
class ShareAdvice:
    """An unmet share on the dates start..end (inclusive) and the three ways to meet it.

    `shortfall_usd` is exact: the value that would have to qualify besides what does.
    `credit_usd_if_met` is the engine's credit with this share met and nothing else changed;
    it equals `credit_usd` while a requirement no sourcing of this share fixes (`blocked_by`)
    keeps the vehicle ineligible."""

    requirement: Share
    start: dt.date
    end: dt.date
    required_pct: Decimal
    qualifying_pct: Decimal | None
    qualifying_value_usd: Decimal
    total_value_usd: Decimal
    shortfall_usd: Decimal
    fewest_lines: Move
    fewest_suppliers: Move
    least_value: Move
    destinations: tuple[Destination, ...]
    credit_usd: int
    credit_usd_if_met: int
    blocked_by: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "required_pct": str(self.required_pct),
                "qualifying_pct": str(self.qualifying_pct) if self.qualifying_pct is not None else None,
                "qualifying_value_usd": canonical(self.qualifying_value_usd),
                "total_value_usd": canonical(self.total_value_usd),
                "shortfall_usd": canonical(self.shortfall_usd),
                "fewest_lines": self.fewest_lines.to_dict(),
                "fewest_suppliers": self.fewest_suppliers.to_dict(),
                "least_value": self.least_value.to_dict(),
                "destinations": [d.to_dict() for d in self.destinations],
                "credit_usd": self.credit_usd, "credit_usd_if_met": self.credit_usd_if_met,
                "blocked_by": list(self.blocked_by), "message": self.message}


@dataclass(frozen=True, slots=True)
class FeocLine:
    """A line made, extracted, processed or recycled by a foreign entity of concern: from
    `disqualifies_from` it makes the vehicle ineligible (an impracticable-to-trace mineral is
    left out of the test until `excluded_until`). Moving the step does not help; a supplier
    that is not a FEOC does."""

    requirement: Literal["feoc_critical_minerals", "feoc_battery_components"]
    line: Line
    disqualifies_from: dt.date
    excluded_until: dt.date | None
    disqualifies_in_period: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "line": line_dict(self.line),
                "disqualifies_from": self.disqualifies_from.isoformat(),
                "excluded_until": self.excluded_until.isoformat() if self.excluded_until else None,
                "disqualifies_in_period": self.disqualifies_in_period, "message": self.message}


@dataclass(frozen=True, slots=True)
class NotBySourcing:
    """A requirement unmet on start..end that no change of sourcing fixes; `where`: the
    countries final assembly would have to be in."""

    requirement: str
    start: dt.date
    end: dt.date
    message: str
    where: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "fixable_by_sourcing": False,
                "message": self.message, "where": list(self.where)}


@dataclass(frozen=True, slots=True)
class Advice:
    rulebook_id: str
    rulebook_version: str
    shares: tuple[ShareAdvice, ...]
    feoc: tuple[FeocLine, ...]
    not_by_sourcing: tuple[NotBySourcing, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rulebook": {"id": self.rulebook_id, "version": self.rulebook_version},
                "shares": [s.to_dict() for s in self.shares],
                "feoc": [f.to_dict() for f in self.feoc],
                "not_by_sourcing": [n.to_dict() for n in self.not_by_sourcing]}
