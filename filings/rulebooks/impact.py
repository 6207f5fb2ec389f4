"""What an assessment's outcome is, and whether two outcomes differ: the core of the impact
preview, of publishing an amendment and of the what-if page.

An outcome is what a reader acts on: the credit and whether each requirement is met, day by day
over the coverage period. Segment boundaries, citations and messages are not part of it, so an
amendment that splits a segment, or rewords a citation, changes no filing's outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from filings.rules import REQUIREMENT_IDS

Value = int | str


@dataclass(frozen=True, slots=True)
class Run:
    """One value held from `start` to `end`, both inclusive (ISO dates)."""

    start: str
    end: str
    value: Value


@dataclass(frozen=True, slots=True)
class Outcome:
    credit: tuple[Run, ...]
    requirements: tuple[tuple[str, tuple[Run, ...]], ...]

    @property
    def credit_min(self) -> int:
        return min(int(run.value) for run in self.credit)

    @property
    def credit_max(self) -> int:
        return max(int(run.value) for run in self.credit)

    def requirement(self, rid: str) -> tuple[Run, ...]:
        return dict(self.requirements)[rid]


def requirement_status(requirement: dict[str, Any]) -> str:
    """'met', 'not met' or 'n/a' (does not apply, or not decided on this evidence)."""
    met = requirement.get("met")
    if not requirement.get("applies") or met is None:
        return "n/a"
    return "met" if met else "not met"


def outcome_of(result: dict[str, Any]) -> Outcome:
    """The outcome of an engine result (`Assessment.to_dict()` / a stored `result`)."""
    segments = result["segments"]
    credit = _merged([Run(s["from"], s["to"], int(s["credit_usd"])) for s in segments])
    requirements = tuple(
        (rid, _merged([Run(s["from"], s["to"], requirement_status(s["requirements"][rid]))
                       for s in segments]))
        for rid in REQUIREMENT_IDS)
    return Outcome(credit=credit, requirements=requirements)


def _merged(runs: list[Run]) -> tuple[Run, ...]:
    merged: list[Run] = []
    for run in runs:
        if merged and merged[-1].value == run.value and _next_day(merged[-1].end) == run.start:
            merged[-1] = Run(merged[-1].start, run.end, run.value)
        else:
            merged.append(run)
    return tuple(merged)


def _next_day(iso: str) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=1)).isoformat()


def usd_range(low: int, high: int) -> str:
    return f"${low:,}" if low == high else f"${low:,} to ${high:,}"


def _runs_text(runs: tuple[Run, ...], money: bool = False) -> str:
    def value(run: Run) -> str:
        return f"${int(run.value):,}" if money else str(run.value)
    if len(runs) == 1:
        return value(runs[0])
    return "; ".join(f"{value(run)} {run.start} to {run.end}" for run in runs)


# How an outcome moved, for the preview's counts (label, in the order they are shown).
CHANGE_KINDS: dict[str, str] = {
    "credit_up": "Credit goes up",
    "credit_down": "Credit goes down",
    "requirements_only": "Same credit, different requirement results",
    "not_assessable": "Cannot be assessed under the new rules",
}


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    kind: str
    credit_before: str
    credit_after: str
    requirements: tuple[dict[str, str], ...]
    credit_detail_before: str = ""
    credit_detail_after: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "kind_label": CHANGE_KINDS[self.kind],
                "credit_before": self.credit_before, "credit_after": self.credit_after,
                "credit_detail_before": self.credit_detail_before,
                "credit_detail_after": self.credit_detail_after,
                "requirements": list(self.requirements)}


def compare(before: Outcome, after: Outcome,
            labels: dict[str, str] | None = None) -> OutcomeChange | None:
    """None when the outcomes are the same; else what changed, ready to show."""
    if before == after:
        return None
    labels = labels or {}
    requirements = tuple(
        {"id": rid, "label": labels.get(rid, rid.replace("_", " ")),
         "before": _runs_text(before.requirement(rid)), "after": _runs_text(after.requirement(rid))}
        for rid in REQUIREMENT_IDS if before.requirement(rid) != after.requirement(rid))
    total_before, total_after = _credit_days(before), _credit_days(after)
    if total_after > total_before:
        kind = "credit_up"
    elif total_after < total_before:
        kind = "credit_down"
    elif before.credit != after.credit:
        kind = "credit_up" if after.credit_max > before.credit_max else "credit_down"
    else:
        kind = "requirements_only"
    return OutcomeChange(
        kind=kind,
        credit_before=usd_range(before.credit_min, before.credit_max),
        credit_after=usd_range(after.credit_min, after.credit_max),
        credit_detail_before=_runs_text(before.credit, money=True) if len(before.credit) > 1 else "",
        credit_detail_after=_runs_text(after.credit, money=True) if len(after.credit) > 1 else "",
        requirements=requirements)


def not_assessable(before: Outcome, message: str) -> OutcomeChange:
    return OutcomeChange(kind="not_assessable",
                         credit_before=usd_range(before.credit_min, before.credit_max),
                         credit_after="—", requirements=({"id": "", "label": "Assessment",
                                                          "before": "assessed",
                                                          "after": message},))


def _credit_days(outcome: Outcome) -> int:
    """The credit summed over every day of the period: which way the money moved overall."""
    return sum(int(run.value) * ((dt.date.fromisoformat(run.end)
                                  - dt.date.fromisoformat(run.start)).days + 1)
               for run in outcome.credit)
