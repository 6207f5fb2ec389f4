"""Stored assessments shaped for people: each segment with its requirements, their status,
summary and findings. Pages, the console and the certificate all show them this way; what a
result means is decided by `filings.rules`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

from django.utils.translation import gettext

from filings.presentation.advice import ADVICE_ERRORS, RequirementAdvice, requirement_advice
from filings.rules.labels import CREDIT_METHOD_LABELS, REQUIREMENT_LABELS, STATUS_LABELS
from filings.rules.report import requirement_summary_text
from filings.rules.results import REQUIREMENT_IDS
from filings.rules.text import params_to_dict, text_from_dict

SHARE_REQUIREMENTS = ("critical_minerals", "battery_components")


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
    advice: RequirementAdvice | None = None  # set by `assessment_segments` when unmet

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

    @property
    def has_advice(self) -> bool:
        return any(r.advice for r in self.requirements)


def _status(details: dict[str, Any]) -> tuple[str, str]:
    if not details.get("applies") or details.get("met") is None:
        status = "na"
    else:
        status = "met" if details["met"] else "not-met"
    return status, gettext(STATUS_LABELS[status])


def _summary(rid: str, details: dict[str, Any]) -> str:
    """In the active language: English in the console and on the certificate (which add their
    own Japanese), the reader's on the portal's pages."""
    try:
        return requirement_summary_text(rid, details).render(gettext)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        # A result stored by an older engine may lack a field; the status still shows.
        return ""


def _requirement(rid: str, details: dict[str, Any], findings: list[dict[str, Any]]) -> RequirementView:
    status, status_label = _status(details)
    return RequirementView(
        id=rid, label=gettext(REQUIREMENT_LABELS[rid]) if rid in REQUIREMENT_LABELS
        else rid.replace("_", " "), status=status,
        status_label=status_label, summary=_summary(rid, details),
        citation=str(details.get("citation", "")), confidence=str(details.get("confidence", "")),
        details=details, findings=findings)


def _method(method: str) -> str:
    label = CREDIT_METHOD_LABELS.get(method)
    return gettext(label) if label else method.replace("_", " ")


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
        method=_method(str(segment.get("credit_basis", {}).get("method", ""))),
        requirements=requirements, shares=[r for r in requirements if r.is_share],
        other_findings=[f for findings in grouped.values() for f in findings])


def message_in_language(item: Mapping[str, Any] | Any) -> str:
    """A stored finding or evidence error (its dict, or the object) in the active language:
    its template translated and filled in with its parameters. One stored before messages
    carried a template, or made outside the engine and the readers, shows its English
    `message`; so does one whose translation does not fit its parameters."""
    if not isinstance(item, Mapping):
        item = {"message": getattr(item, "message", ""), "template": getattr(item, "template", ""),
                "params": params_to_dict(getattr(item, "params", ()))}
    fallback = str(item.get("message", ""))
    text = text_from_dict(item.get("template"), item.get("params"))
    if text is None:
        return fallback
    try:
        return text.render(gettext)
    except (KeyError, TypeError, ValueError):
        return fallback


def assessment_segments(result: dict[str, Any] | None,
                        advice: dict[str, Any] | None = None) -> list[SegmentView]:
    """`{% assessment_segments assessment.result assessment.advice as segments %}`: the stored
    JSON, ready to show; with the advice, each unmet requirement carries its own."""
    if not result:
        return []
    segments = [_segment(s) for s in result.get("segments", [])]
    if isinstance(advice, dict):
        for segment in segments:
            _with_advice(segment, advice)
    return segments


@dataclass(frozen=True)
class AssessedVehicle:
    """The vehicle and period an assessment was made for, as its evidence said them."""

    make: str
    model: str
    model_year: int
    vehicle_class: str
    coverage_start: str
    coverage_end: str

    @property
    def class_label(self) -> str:
        return "SUV" if self.vehicle_class == "suv" else self.vehicle_class.title()


def assessed_vehicle(result: dict[str, Any] | None, filing: Any) -> AssessedVehicle:
    """What a certificate names: the vehicle from the assessed evidence's vehicle sheet and the
    period that was assessed. The assessment refuses evidence whose vehicle differs from the
    filing's, so the two agree; a result stored before the engine recorded the vehicle falls
    back to the filing's description, which the same check then guarded."""
    result = result or {}
    vehicle: dict[str, Any] = result.get("vehicle") or {
        "make": filing.make, "model": filing.model, "model_year": filing.model_year,
        "vehicle_class": filing.vehicle_class}
    period: dict[str, Any] = result.get("placed_in_service") or {
        "from": filing.coverage_start.isoformat(), "to": filing.coverage_end.isoformat()}
    return AssessedVehicle(make=str(vehicle["make"]), model=str(vehicle["model"]),
                           model_year=int(vehicle["model_year"]),
                           vehicle_class=str(vehicle["vehicle_class"]),
                           coverage_start=str(period["from"]), coverage_end=str(period["to"]))


def _with_advice(segment: SegmentView, advice: dict[str, Any]) -> None:
    """Each unmet requirement of the segment with its advice; a stored advice this code cannot
    read (an older shape) shows none rather than failing the page."""
    for requirement in segment.requirements:
        if requirement.status != "not-met":
            continue
        try:
            requirement.advice = requirement_advice(advice, requirement.id, segment.start,
                                                    segment.end, requirement.details)
        except ADVICE_ERRORS:
            requirement.advice = None
