"""Stored assessments shaped for people: each segment with its requirements, their status,
summary and findings. Pages, the console and the certificate all show them this way; what a
result means is decided by `filings.rules`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext, ngettext, pgettext

from filings.rules.labels import CREDIT_METHOD_LABELS, REQUIREMENT_LABELS
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
        return "na", pgettext("requirement status", "n.a.")
    if details["met"]:
        return "met", pgettext("requirement status", "Met")
    return "not-met", pgettext("requirement status", "Not met")


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


# --- sourcing advice -----------------------------------------------------------------------

# How many of an answer's lines the page lists; the rest are counted ("and 12 more lines").
ADVICE_LINES_SHOWN = 20
_ADVICE_ERRORS = (KeyError, TypeError, ValueError, InvalidOperation, AttributeError)


def _dollars(value: object) -> str:
    """`$41,200.00`: the advice's exact money, to the cent."""
    return f"${Decimal(str(value)):,.2f}"


def _percent(value: object) -> str:
    return f"{Decimal(str(value)):.2f}"


@dataclass(frozen=True)
class AdviceLine:
    row: int
    supplier: str
    what: str  # the mineral, or the component type
    where: str  # where its non-qualifying steps are now
    value: str


@dataclass(frozen=True)
class ShareAdviceView:
    """One unmet share's advice in words: the fewest lines (listed), the fewest suppliers, the
    least value, and where the lines may go."""

    period: str
    headline: str
    lines: list[AdviceLine]
    more_lines: str
    suppliers: str
    least_value: str
    destinations: list[str]


@dataclass(frozen=True)
class RequirementAdvice:
    shares: list[ShareAdviceView] = field(default_factory=list)
    feoc: list[str] = field(default_factory=list)
    more_feoc: str = ""
    not_by_sourcing: list[str] = field(default_factory=list)

    @property
    def fixable(self) -> bool:
        return bool(self.shares or self.feoc)


def _line(line: dict[str, Any]) -> AdviceLine:
    if "mineral" in line:
        steps = [gettext("extracted in %(country)s") % {"country": line["extraction_country"]},
                 gettext("processed in %(country)s") % {"country": line["processing_country"]}]
        if line.get("recycling_country"):
            steps.append(gettext("recycled in %(country)s") % {"country": line["recycling_country"]})
        return AdviceLine(int(line["row"]), str(line["supplier"]), gettext(str(line["mineral"])),
                          ", ".join(steps), _dollars(line["value_usd"]))
    return AdviceLine(int(line["row"]), str(line["supplier"]),
                      str(line["component_type"]).replace("_", " "),
                      gettext("made in %(country)s") % {"country": line["manufacturing_country"]},
                      _dollars(line["value_usd"]))


def _gain(share: dict[str, Any]) -> str:
    gain = int(share["credit_usd_if_met"]) - int(share["credit_usd"])
    if gain > 0:
        return gettext("+%(credit)s a vehicle") % {"credit": f"${gain:,}"}
    if share["blocked_by"]:
        blocked = ", ".join(gettext(REQUIREMENT_LABELS.get(r, r)) for r in share["blocked_by"])
        return gettext("no credit follows while %(requirements)s is not met") % {
            "requirements": blocked}
    return gettext("no more credit on its own")


def _headline(share: dict[str, Any]) -> str:
    move = share["fewest_lines"]
    count = len(move["rows"])
    names = {"count": count, "value": _dollars(move["value_usd"]),
             "total": _dollars(share["total_value_usd"]),
             "pct": _percent(move["qualifying_pct_after"]), "gain": _gain(share)}
    if share["requirement"] == "critical_minerals":
        return ngettext(
            "Move the extraction or processing of %(count)s line — %(value)s of %(total)s — to the "
            "United States or a country counted as an FTA country on these dates (or recycle "
            "it in North America) and the critical-mineral share reaches %(pct)s %%: %(gain)s.",
            "Move the extraction or processing of these %(count)s lines — %(value)s of "
            "%(total)s — to the United States or a country counted as an FTA country on these "
            "dates (or recycle them in North America) and the critical-mineral share reaches "
            "%(pct)s %%: %(gain)s.", count) % names
    return ngettext(
        "Move the manufacturing or assembly of %(count)s component — %(value)s of %(total)s — to "
        "North America and the battery-component share reaches %(pct)s %%: %(gain)s.",
        "Move the manufacturing or assembly of these %(count)s components — %(value)s of "
        "%(total)s — to North America and the battery-component share reaches %(pct)s %%: "
        "%(gain)s.", count) % names


def _suppliers(share: dict[str, Any]) -> str:
    move = share["fewest_suppliers"]
    count = len(move["suppliers"])
    return ngettext(
        "Fewest suppliers: move every line outside of %(count)s supplier — %(names)s — "
        "(%(value)s, %(lines)s lines) and the share reaches %(pct)s %%.",
        "Fewest suppliers: move every line outside of these %(count)s suppliers — %(names)s — "
        "(%(value)s, %(lines)s lines) and the share reaches %(pct)s %%.", count) % {
        "count": count, "names": ", ".join(move["suppliers"]), "value": _dollars(move["value_usd"]),
        "lines": len(move["rows"]), "pct": _percent(move["qualifying_pct_after"])}


def _least_value(share: dict[str, Any]) -> str:
    move = share["least_value"]
    rows = [str(row) for row in move["rows"][:ADVICE_LINES_SHOWN]]
    if len(move["rows"]) > ADVICE_LINES_SHOWN:
        rows.append("…")
    names = {"value": _dollars(move["value_usd"]), "rows": ", ".join(rows),
             "shortfall": _dollars(share["shortfall_usd"]),
             "bound": _dollars(move["lower_bound_usd"] or share["shortfall_usd"])}
    if move["exact"]:
        return gettext("Least value: %(value)s must move (rows %(rows)s); the share falls "
                       "%(shortfall)s short.") % names
    return gettext("Least value: a move of %(value)s (rows %(rows)s) is found, not proven the "
                   "least; the least is at least %(bound)s (a bound, not exact). The share falls "
                   "%(shortfall)s short.") % names


def _destinations(share: dict[str, Any]) -> list[str]:
    """Where the lines may go, one sentence per list of countries (minerals that share it joined)."""
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for place in share["destinations"]:
        grouped[(str(place["step"]), tuple(place["countries"]))].append(str(place["mineral"] or ""))
    sentences = []
    for (step, countries), minerals in grouped.items():
        names = {"countries": ", ".join(countries),
                 "minerals": ", ".join(gettext(m) for m in minerals if m)}
        if step == "extraction_or_processing":
            sentences.append(gettext("Extraction or processing counts for %(minerals)s in: "
                                     "%(countries)s.") % names)
        elif step == "recycling":
            sentences.append(gettext("Recycling counts in: %(countries)s.") % names)
        else:
            sentences.append(gettext("Manufacturing or assembly counts in: %(countries)s.") % names)
    return sentences


def _more(count: int) -> str:
    if count <= 0:
        return ""
    return ngettext("…and %(count)s more line.", "…and %(count)s more lines.", count) % {
        "count": count}


def _share_view(share: dict[str, Any]) -> ShareAdviceView:
    lines = share["fewest_lines"]["lines"]
    period = gettext("Placed in service %(start)s to %(end)s: %(now)s %% qualifies now, at least "
                     "%(required)s %% required.") % {
        "start": share["from"], "end": share["to"],
        "now": _percent(share["qualifying_pct"] or 0), "required": share["required_pct"]}
    return ShareAdviceView(
        period=period, headline=_headline(share),
        lines=[_line(line) for line in lines[:ADVICE_LINES_SHOWN]],
        more_lines=_more(len(lines) - ADVICE_LINES_SHOWN), suppliers=_suppliers(share),
        least_value=_least_value(share), destinations=_destinations(share))


def _feoc_sentence(item: dict[str, Any]) -> str:
    line = item["line"]
    names = {"row": line["row"], "supplier": line["supplier"], "date": item["disqualifies_from"],
             "until": item["excluded_until"],
             "what": gettext(line["mineral"]) if "mineral" in line
             else str(line["component_type"]).replace("_", " ")}
    if item["excluded_until"]:
        return gettext("Row %(row)s: %(what)s from %(supplier)s, a foreign entity of concern, "
                       "disqualifies the vehicle from %(date)s (impracticable to trace: left out "
                       "of the test until %(until)s). Use a supplier that is not one.") % names
    return gettext("Row %(row)s: %(what)s from %(supplier)s, a foreign entity of concern, "
                   "disqualifies the vehicle from %(date)s. Use a supplier that is not one.") % names


def _not_by_sourcing(item: dict[str, Any], details: dict[str, Any]) -> str:
    rid = item["requirement"]
    if rid == "final_assembly" and item["where"]:
        return gettext("Not fixable by sourcing: final assembly in %(country)s would have to be "
                       "in %(where)s.") % {"country": details.get("final_assembly_country", "?"),
                                          "where": ", ".join(item["where"])}
    if rid == "final_assembly":
        return gettext("Not fixable by sourcing: %(count)s VIN(s) are not valid; correct or "
                       "remove them.") % {"count": len(details.get("invalid_vins") or [])}
    if rid in SHARE_REQUIREMENTS:
        return gettext("Not fixable by sourcing: the total value is $0.00, so no share can be "
                       "computed; report the value of every line.")
    sentences = {
        "credit_window": gettext("Not fixable by sourcing: outside the credit window."),
        "msrp_cap": gettext("Not fixable by sourcing: the MSRP is above the cap, a matter of "
                            "price."),
        "battery_capacity": gettext("Not fixable by sourcing: the battery capacity is below the "
                                    "minimum, a matter of the vehicle's design."),
        "gvwr": gettext("Not fixable by sourcing: the gross vehicle weight rating is too high, "
                        "a matter of the vehicle's design.")}
    return sentences.get(rid, gettext("Not fixable by sourcing."))


def _covers(item: Mapping[str, Any], start: str, end: str) -> bool:
    return str(item["from"]) <= start and end <= str(item["to"])


def _requirement_advice(advice: dict[str, Any], rid: str, start: str, end: str,
                        details: dict[str, Any]) -> RequirementAdvice | None:
    shares = [_share_view(s) for s in advice.get("shares", [])
              if s["requirement"] == rid and _covers(s, start, end)]
    # Every FEOC line of the requirement, each with the date it disqualifies from (a line
    # impracticable to trace may count only later: the reader learns when).
    feoc_items = [f for f in advice.get("feoc", []) if f["requirement"] == rid]
    blocked = [_not_by_sourcing(n, details) for n in advice.get("not_by_sourcing", [])
               if n["requirement"] == rid and _covers(n, start, end)]
    if not (shares or feoc_items or blocked):
        return None
    return RequirementAdvice(
        shares=shares, feoc=[_feoc_sentence(f) for f in feoc_items[:ADVICE_LINES_SHOWN]],
        more_feoc=_more(len(feoc_items) - ADVICE_LINES_SHOWN), not_by_sourcing=blocked)


def _with_advice(segment: SegmentView, advice: dict[str, Any]) -> None:
    """Each unmet requirement of the segment with its advice; a stored advice this code cannot
    read (an older shape) shows none rather than failing the page."""
    for requirement in segment.requirements:
        if requirement.status != "not-met":
            continue
        try:
            requirement.advice = _requirement_advice(advice, requirement.id, segment.start,
                                                     segment.end, requirement.details)
        except _ADVICE_ERRORS:
            requirement.advice = None
