"""The share bars' labels never sit under the threshold marker, nor on each other, and stay
inside the picture, whatever the share and the threshold: boxes measured on the SVG the tag
emits, with the certificate's own font (DejaVu Sans)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache

import pytest
from django.template import Context, Template
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from hypothesis import example, given, settings
from hypothesis import strategies as st

from filings.certificates.fetcher import ASSETS
from filings.presentation import RequirementView

SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (self.left < other.right and other.left < self.right
                and self.top < other.bottom and other.top < self.bottom)

    def within(self, other: Box) -> bool:
        return (other.left <= self.left and self.right <= other.right
                and other.top <= self.top and self.bottom <= other.bottom)


@cache
def font() -> TTFont:
    return TTFont(ASSETS / "fonts" / "DejaVuSans-subset.ttf")


def text_box(element: ET.Element) -> Box:
    """The text's advance width and its glyphs' ink height, in user units."""
    face = font()
    scale = float(element.get("font-size", "16")) / face["head"].unitsPerEm
    glyphs = [face.getBestCmap()[ord(c)] for c in element.text or ""]
    width = sum(face["hmtx"][g][0] for g in glyphs) * scale
    inked = [face["glyf"][g] for g in glyphs if face["glyf"][g].numberOfContours]
    top = max(g.yMax for g in inked) * scale
    bottom = min(g.yMin for g in inked) * scale
    x, y = float(element.get("x", "0")), float(element.get("y", "0"))
    left = {"start": x, "middle": x - width / 2, "end": x - width}[element.get("text-anchor",
                                                                               "start")]
    return Box(left, y - top, left + width, y - bottom)


def rect_box(element: ET.Element) -> Box:
    half = float(element.get("stroke-width", "0")) / 2 if element.get("stroke") else 0
    x, y = float(element.get("x", "0")), float(element.get("y", "0"))
    return Box(x - half, y - half, x + float(element.get("width", "0")) + half,
               y + float(element.get("height", "0")) + half)


def line_box(element: ET.Element) -> Box:
    half = float(element.get("stroke-width", "1")) / 2
    x1, x2 = sorted((float(element.get("x1", "0")), float(element.get("x2", "0"))))
    y1, y2 = sorted((float(element.get("y1", "0")), float(element.get("y2", "0"))))
    return Box(x1 - half, y1, x2 + half, y2)  # butt caps: no overhang at the ends


def bar_svg(qualifying: object, required: object) -> ET.Element:
    requirement = RequirementView(id="critical_minerals", label="Critical-mineral share",
                                  status="met", status_label="met", summary="",
                                  citation="IRC §30D(e)(1)", confidence="V",
                                  details={"qualifying_pct": qualifying, "required_pct": required})
    html = Template("{% load filings_extras %}{% share_bar requirement %}").render(
        Context({"requirement": requirement}))
    return ET.fromstring(html[html.index("<svg"):html.index("</svg>") + 6])


def parts(svg: ET.Element) -> dict[str, ET.Element]:
    return {e.get("class", ""): e for e in svg.iter() if e.get("class", "").startswith("share-")}


def boxes(svg: ET.Element) -> dict[str, Box]:
    measure = {"text": text_box, "rect": rect_box, "line": line_box}
    return {name: measure[e.tag.removeprefix(SVG)](e) for name, e in parts(svg).items()}


shares = st.one_of(st.none(), st.decimals(min_value=-20, max_value=130, places=2),
                   st.sampled_from(["0", "100", "50", "0.01", "99.99"]))
thresholds = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2),
                       st.sampled_from(["0", "100", "0.5", "99.5", "15", "85", "14.99", "85.01"]))


@settings(max_examples=400, deadline=None)
@given(share=shares, threshold=thresholds)
@example(share="0", threshold="0")
@example(share="100", threshold="100")
@example(share="50", threshold="50")
@example(share="40", threshold="50")
@example(share="60", threshold="55")
@example(share="1", threshold="0.5")
@example(share="99", threshold="99.5")
@example(share=None, threshold="3")
@example(share="100", threshold="0")
@example(share="0", threshold="100")
def test_no_label_overlaps_the_marker_or_another_label_and_all_stays_inside(share, threshold):
    svg = bar_svg(share, threshold)
    left, top, width, height = (float(v) for v in svg.get("viewBox", "").split())
    view = Box(left, top, left + width, top + height)
    found = boxes(svg)
    for name, box in found.items():
        assert box.within(view), (name, box, view)

    value, track, fill = found["share-value"], found["share-track"], found["share-fill"]
    assert value.within(track)
    # Legible: light text wholly on the fill, dark text wholly off it.
    if parts(svg)["share-value"].get("fill") == "#ffffff":
        assert fill.left <= value.left and value.right <= fill.right
    else:
        assert value.left >= fill.right
    if threshold is None:
        assert "share-required" not in found
        return
    marker, label = found["share-required"], found["share-required-label"]
    assert not value.overlaps(marker), (value, marker)
    assert not label.overlaps(marker), (label, marker)
    assert not label.overlaps(value), (label, value)


@settings(max_examples=200, deadline=None)
@given(share=shares, threshold=thresholds)
def test_the_value_moves_only_when_the_marker_is_in_its_way(share, threshold):
    """Where the old placement cleared the marker, the bar is drawn exactly as before: inside
    a fill of half the bar or more, ending 6 before its end; else starting 6 after it."""
    svg = bar_svg(share, threshold)
    fill = float(parts(svg)["share-fill"].get("width", "0"))
    inside = fill >= 200
    value = parts(svg)["share-value"]
    old = ET.Element(value.tag, dict(value.attrib, x=f"{fill + (-6 if inside else 6):.2f}",
                                     **{"text-anchor": "end" if inside else "start"}))
    old.text = value.text
    found = boxes(svg)
    marker = found.get("share-required")
    clear = 4.5 + 0.01  # what the tag keeps between a value and the marker's edge, and a hair
    if marker is None or not text_box(old).overlaps(Box(marker.left - clear, marker.top,
                                                        marker.right + clear, marker.bottom)):
        assert (value.get("x"), value.get("text-anchor")) == (old.get("x"),
                                                              old.get("text-anchor"))
        assert value.get("fill") == ("#ffffff" if inside else "#000000")


def test_a_value_next_to_the_marker_moves_to_the_other_side_of_the_fill_end():
    svg = bar_svg("48", "50")  # after the fill's end, the text would run under the marker
    found = boxes(svg)
    assert found["share-value"].right < found["share-fill"].right  # so inside the fill
    assert parts(svg)["share-value"].get("fill") == "#ffffff"

    svg = bar_svg("60", "55")  # inside the fill, likewise: it goes after the fill instead
    found = boxes(svg)
    assert found["share-value"].left > found["share-fill"].right
    assert not found["share-value"].overlaps(found["share-required"])


def test_the_width_the_tag_reckons_with_is_the_font_s():
    from filings.templatetags.filings_extras import _text_width

    for text in ["100.00 %", "-20.00 %", "130.00 %", "no value reported", "required 88.88 %"]:
        element = ET.Element("text", {"font-size": "13"})
        element.text = text
        real = text_box(element)
        assert float(_text_width(text, 13)) == pytest.approx(real.right - real.left)
