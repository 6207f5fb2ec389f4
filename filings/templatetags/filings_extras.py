"""Presentation of stored assessments: labels, money, grouped findings and the share bars.

Only shaping for display happens here; what a result means is decided by `filings.rules`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from filings.presentation import RequirementView, assessment_segments, message_in_language
from filings.rules.labels import CONFIDENCE_LABELS, SEVERITY_LABELS

register = template.Library()

# Share-bar geometry, in SVG user units: 100 % spans _BAR_WIDTH. The bar is 24 high from y 6;
# the dashed marker at the required share spans y 1 to 35, 3 wide; the share's value (13 high,
# baseline 23) sits in the bar, the marker's label (12 high, baseline 48) below the marker.
_BAR_WIDTH = 400
_UNITS_PER_PCT = Decimal(_BAR_WIDTH) / 100
_VALUE_SIZE = 13
_GAP = 6  # between the value and the end of the fill, or the marker's centre line
_INSET = 3  # between the value and the bar's ends
# Advance widths in 1/2048 em of DejaVu Sans (the certificate's font, and wider than the usual
# system sans serifs), to keep the value clear of the marker; any other character counts an em.
_ADVANCE = {**dict.fromkeys("0123456789", 1303), ".": 651, " ": 651, "%": 1946, "-": 739,
            **dict(zip("abcdefghijklmnopqrstuvwxyz",
                       (1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995,
                        1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212,
                        1075), strict=True))}


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
    if low == high:
        return usd(low)
    return _("%(low)s to %(high)s") % {"low": usd(low), "high": usd(high)}


# `{{ finding|in_language }}`, `{{ error|in_language }}`: the message in the page's language.
register.filter("in_language", message_in_language)


@register.filter
def severity_label(severity: str) -> str:
    label = SEVERITY_LABELS.get(severity)
    return _(label) if label else severity


@register.filter
def confidence_label(tag: str) -> str:
    label = CONFIDENCE_LABELS.get(tag)
    return _(label) if label else tag


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


def _text_width(text: str, size: int) -> Decimal:
    """The text's width in user units at `size` in DejaVu Sans, kerning left out."""
    em = sum(_ADVANCE.get(c, 2048) for c in text)
    return Decimal(em * size) / 2048


def _value_place(fill: Decimal, marker: Decimal | None, width: Decimal) -> tuple[Decimal, bool]:
    """Where the share's value goes: (its x, inside the fill). Inside a long fill (light on dark,
    ending just before the fill's end) or just after a short one, as long as that keeps clear
    of the marker; else on the other side of the fill's end, or past the marker. The marker and
    the fill's end cut the bar into at most three stretches of one colour without a marker, and
    the longest is always wide enough for the value."""
    end = Decimal(_BAR_WIDTH)

    def fits(left: Decimal, inside: bool) -> bool:
        right = left + width
        if inside and not (left >= _INSET and right <= fill):
            return False
        if not inside and not (fill <= left and right <= end - _INSET):
            return False
        return marker is None or right <= marker - _GAP or left >= marker + _GAP

    inside_fill = (fill - _GAP - width, True)
    after_fill = (fill + _GAP, False)
    candidates = [inside_fill, after_fill] if fill >= end / 2 else [after_fill, inside_fill]
    if marker is not None and marker < fill:
        candidates.append((marker - _GAP - width, True))  # in the fill, before the marker
    elif marker is not None:
        candidates.append((marker + _GAP, False))  # past the fill and the marker
    left, inside = next((c for c in candidates if fits(*c)), candidates[0])
    return (left + width if inside else left), inside


@register.inclusion_tag("filings/_share_bar.html")
def share_bar(requirement: RequirementView) -> dict[str, Any]:
    """An inline SVG bar of the qualifying share with a marker at the required share.

    Drawn with presentation attributes (no CSS needed, readable in black and white) and labelled
    in text, so nothing depends on colour or on seeing the picture.
    """
    qualifying = _pct(requirement.details.get("qualifying_pct"))
    required = _pct(requirement.details.get("required_pct"))
    qualifying_text = _("no value reported") if qualifying is None else f"{qualifying} %"
    required_text = "" if required is None else _("at least %(share)s %%") % {"share": required}
    names = {"label": requirement.label, "qualifying": qualifying_text, "required": required_text,
             "status": requirement.status_label.lower()}
    description = _("%(label)s: %(qualifying)s qualifies; %(required)s required — %(status)s")
    if required is None:
        description = _("%(label)s: %(qualifying)s qualifies; no requirement in force")
    description %= names
    required_x = None if required is None else _x(required)
    anchor = "middle"
    if required is not None and required < 15:
        anchor = "start"
    elif required is not None and required > 85:
        anchor = "end"
    fill = qualifying if qualifying is not None else Decimal(0)
    value_x, inside = _value_place(Decimal(_x(fill)),
                                   None if required_x is None else Decimal(required_x),
                                   _text_width(qualifying_text, _VALUE_SIZE))
    return {
        "requirement": requirement, "description": description,
        "qualifying": qualifying, "required": required,
        "bar_width": _BAR_WIDTH, "view_width": _BAR_WIDTH + 8,
        "fill_width": _x(fill),
        "value_x": f"{value_x:.2f}", "value_size": _VALUE_SIZE,
        "value_anchor": "end" if inside else "start",
        "value_colour": "#ffffff" if inside else "#000000",
        "required_x": required_x, "required_anchor": anchor,
        "qualifying_text": qualifying_text, "required_text": required_text,
    }


@register.filter
def day(value: dt.date | str | None) -> str:
    """A calendar date in the page's language ("2024-06-01", "2024年6月1日"), from a date or the
    ISO text a stored result holds; anything else as it is, nothing as an em dash."""
    if value is None or value == "":
        return "\u2014"
    if isinstance(value, str):
        try:
            return str(date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT"))
        except ValueError:
            return value
    return str(date_format(value, "SHORT_DATE_FORMAT"))
