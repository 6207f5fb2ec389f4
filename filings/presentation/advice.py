"""The sourcing advice of a stored assessment (`filings.rules.advice`, as JSON) in words, in the
active language: for one unmet requirement of one segment, the lines to move and what it would
bring, the fewest suppliers, the least value, the FEOC lines and what no sourcing fixes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext, ngettext

from filings.rules.advice.results import SHARES
from filings.rules.engine import money
from filings.rules.labels import REQUIREMENT_LABELS
from filings.rules.results import invalid_vin_count

# How many of an answer's lines the page lists; the rest are counted ("and 12 more lines").
ADVICE_LINES_SHOWN = 20
ADVICE_ERRORS = (KeyError, TypeError, ValueError, InvalidOperation, AttributeError)


def _dollars(value: object) -> str:
    """`$41,200.00`: the advice's stored money (a decimal string), as the engine writes money."""
    return money(Decimal(str(value)))


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
    # The planner's query that fills in the fewest lines' move (rows and step); empty when the
    # rows are too many for a link.
    plan_query: str = ""


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
        least_value=_least_value(share), destinations=_destinations(share),
        plan_query=_plan_query(share))


# The most rows a "plan this" link names (a URL stays short); more are planned by supplier.
PLAN_LINK_ROWS = 200
_PLAN_STEP = {"critical_minerals": "processing_country",
              "battery_components": "manufacturing_country"}


def _plan_query(share: dict[str, Any]) -> str:
    rows = [int(line["row"]) for line in share["fewest_lines"]["lines"]]
    if not rows or len(rows) > PLAN_LINK_ROWS:
        return ""
    return urlencode({"step": _PLAN_STEP[share["requirement"]],
                      "rows": ",".join(map(str, sorted(rows)))})


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
                       "remove them.") % {"count": invalid_vin_count(details)}
    if rid in SHARES:
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


def requirement_advice(advice: dict[str, Any], rid: str, start: str, end: str,
                       details: dict[str, Any]) -> RequirementAdvice | None:
    """What the stored advice says about requirement `rid` on the segment start..end, in the
    active language; None when it says nothing. A malformed advice raises one of
    `ADVICE_ERRORS`."""
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
