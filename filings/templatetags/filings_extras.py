"""Presentation of stored assessments: labels, money, grouped findings and the share bars.

Only shaping for display happens here; what a result means is decided by `filings.rules`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from filings.presentation import RequirementView, assessment_segments
from filings.rules.labels import CONFIDENCE_LABELS, SEVERITY_LABELS

register = template.Library()

# Share-bar geometry, in SVG user units: 100 % spans _BAR_WIDTH.
_BAR_WIDTH = 400
_UNITS_PER_PCT = Decimal(_BAR_WIDTH) / 100


# `{% assessment_segments assessment.result as segments %}`
register.simple_tag(assessment_segments)


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
