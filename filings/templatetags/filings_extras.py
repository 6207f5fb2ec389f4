"""Presentation of stored assessments: labels, money, grouped findings and the share bars.

Only shaping for display happens here; what a result means is decided by `filings.rules`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from filings.rules.report import requirement_summary
from filings.rules.results import REQUIREMENT_IDS

register = template.Library()

REQUIREMENT_LABELS = {
    "credit_window": "Credit window",
    "final_assembly": "Final assembly in North America",
    "msrp_cap": "MSRP cap",
    "battery_capacity": "Battery capacity",
    "gvwr": "Gross vehicle weight rating",
    "feoc_battery_components": "No FEOC battery components",
    "feoc_critical_minerals": "No FEOC critical minerals",
    "critical_minerals": "Critical-mineral share",
    "battery_components": "Battery-component share",
}
SHARE_REQUIREMENTS = ("critical_minerals", "battery_components")
SEVERITY_LABELS = {"fail": "Fails", "warn": "Warning", "info": "Note"}
CONFIDENCE_LABELS = {"V": "primary text", "S": "secondary summaries", "U": "unconfirmed reading"}

# Share-bar geometry, in SVG user units: 100 % spans _BAR_WIDTH.
_BAR_WIDTH = 400
_UNITS_PER_PCT = Decimal(_BAR_WIDTH) / 100


@dataclass
class RequirementView:
    id: str
    label: str
    status: str  # "met", "not-met" or "na"
    status_label: str
    summary: str
    citation: str
    confidence: str
    details: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_share(self) -> bool:
        return self.id in SHARE_REQUIREMENTS


@dataclass
class SegmentView:
    start: str
    end: str
    eligible: bool
    credit_usd: int
    method: str
    requirements: list[RequirementView]
    shares: list[RequirementView]
    other_findings: list[dict[str, Any]]

    @property
    def has_findings(self) -> bool:
        return bool(self.other_findings) or any(r.findings for r in self.requirements)


def _status(details: dict[str, Any]) -> tuple[str, str]:
    if not details.get("applies") or details.get("met") is None:
        return "na", "n.a."
    return ("met", "Met") if details["met"] else ("not-met", "Not met")


def _summary(rid: str, details: dict[str, Any]) -> str:
    try:
        return requirement_summary(rid, details)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        # A result stored by an older engine may lack a field; the status still shows.
        return ""


def _requirement(rid: str, details: dict[str, Any], findings: list[dict[str, Any]]) -> RequirementView:
    status, status_label = _status(details)
    return RequirementView(
        id=rid, label=REQUIREMENT_LABELS.get(rid, rid.replace("_", " ")), status=status,
        status_label=status_label, summary=_summary(rid, details),
        citation=str(details.get("citation", "")), confidence=str(details.get("confidence", "")),
        details=details, findings=findings)


def _segment(segment: dict[str, Any]) -> SegmentView:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in segment.get("findings", []):
        grouped[str(finding.get("requirement"))].append(finding)
    stored: dict[str, dict[str, Any]] = segment.get("requirements", {})
    order = [rid for rid in REQUIREMENT_IDS if rid in stored]
    order += [rid for rid in stored if rid not in REQUIREMENT_IDS]
    requirements = [_requirement(rid, stored[rid], grouped.pop(rid, [])) for rid in order]
    return SegmentView(
        start=str(segment.get("from", "")), end=str(segment.get("to", "")),
        eligible=bool(segment.get("eligible")), credit_usd=int(segment.get("credit_usd", 0)),
        method=str(segment.get("credit_basis", {}).get("method", "")).replace("_", " "),
        requirements=requirements, shares=[r for r in requirements if r.is_share],
        other_findings=[f for findings in grouped.values() for f in findings])


@register.simple_tag
def assessment_segments(result: dict[str, Any] | None) -> list[SegmentView]:
    """`{% assessment_segments assessment.result as segments %}`: the stored JSON, ready to show."""
    if not result:
        return []
    return [_segment(s) for s in result.get("segments", [])]


@register.filter
def usd(value: object) -> str:
    """Whole dollars as `$7,500`; an empty value as an em dash."""
    if value is None or value == "":
        return "\u2014"
    try:
        return f"${Decimal(str(value)):,.0f}"
    except InvalidOperation:
        return "\u2014"


@register.filter
def credit_range(low: int | None, high: int | None) -> str:
    """`$3,750` or `$0 to $7,500` for a range over several periods."""
    if low is None or high is None:
        return "\u2014"
    return usd(low) if low == high else f"{usd(low)} to {usd(high)}"


@register.filter
def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


@register.filter
def confidence_label(tag: str) -> str:
    return CONFIDENCE_LABELS.get(tag, tag)


def _pct(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _x(pct: Decimal) -> str:
    clamped = min(max(pct, Decimal(0)), Decimal(100))
    return f"{clamped * _UNITS_PER_PCT:.2f}"


@register.inclusion_tag("filings/_share_bar.html")
def share_bar(requirement: RequirementView) -> dict[str, Any]:
    """An inline SVG bar of the qualifying share with a marker at the required share.

    Drawn with presentation attributes (no CSS needed, readable in black and white) and labelled
    in text, so nothing depends on colour or on seeing the picture.
    """
    qualifying = _pct(requirement.details.get("qualifying_pct"))
    required = _pct(requirement.details.get("required_pct"))
    qualifying_text = "no value reported" if qualifying is None else f"{qualifying} %"
    required_text = "no requirement in force" if required is None else f"at least {required} %"
    description = (f"{requirement.label}: {qualifying_text} qualifies; {required_text} required"
                   f" \u2014 {requirement.status_label.lower()}")
    if required is None:
        description = f"{requirement.label}: {qualifying_text} qualifies; no requirement in force"
    required_x = None if required is None else _x(required)
    anchor = "middle"
    if required is not None and required < 15:
        anchor = "start"
    elif required is not None and required > 85:
        anchor = "end"
    fill = qualifying if qualifying is not None else Decimal(0)
    # The value sits inside a long bar (light on dark) and just after a short one.
    inside = fill >= 50
    return {
        "requirement": requirement, "description": description,
        "qualifying": qualifying, "required": required,
        "bar_width": _BAR_WIDTH, "view_width": _BAR_WIDTH + 8,
        "fill_width": _x(fill),
        "value_x": f"{Decimal(_x(fill)) + (-6 if inside else 6):.2f}",
        "value_anchor": "end" if inside else "start",
        "value_colour": "#ffffff" if inside else "#000000",
        "required_x": required_x, "required_anchor": anchor,
        "qualifying_text": qualifying_text, "required_text": required_text,
    }
