"""The read frames as single lines assess exactly as the evidence the reader sums from them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from filings.evidence.lines import component_lines, mineral_lines
from filings.evidence.reader import read_evidence, read_frames
from filings.rules import Evidence, assess_period, load_rulebook

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize("name", ["crossover-short-na-components.xlsx", "feoc-graphite-2025.xlsx",
                                  "german-sedan.xlsx", "us-pickup-japan-minerals-csv"])
def test_lines_from_the_frames_assess_as_the_read_evidence(name):
    paths = [DATA / name]
    frames = read_frames(paths)
    read = read_evidence(paths)
    lines = Evidence.from_lines(read.vehicle, component_lines(frames["battery_components"]),
                                mineral_lines(frames["critical_minerals"]), read.vins)

    def assessed(ev: Evidence) -> dict:
        return assess_period(ev, rulebook=load_rulebook(), start=dt.date(2023, 1, 1),
                             end=dt.date(2026, 12, 31)).to_dict()

    assert assessed(lines) == assessed(read)
    assert len(lines.critical_minerals) == frames["critical_minerals"].height


def test_a_line_keeps_its_row_supplier_and_exact_value():
    frames = read_frames([DATA / "us-pickup-japan-minerals.xlsx"])

    first = mineral_lines(frames["critical_minerals"])[0]
    cell = component_lines(frames["battery_components"])[0]

    assert (first.row, first.line_id, first.supplier, first.processing_country) == (
        2, "LI-001", "Pilbara Spodumene Pty", "JP")
    assert first.value_usd == Decimal("2840") and first.recycling_country is None
    assert (cell.row, cell.component_id, cell.manufacturing_country) == (2, "GMC-CAT-01", "US")
    assert cell.value_usd == Decimal("3120.50") and cell.feoc is False


@pytest.mark.parametrize("name", ["crossover-short-na-components.xlsx", "us-pickup-japan-minerals-csv"])
def test_a_lines_value_is_the_frames_decimal_digit_for_digit(name):
    frames = read_frames([DATA / name])

    for sheet, lines in (("critical_minerals", mineral_lines), ("battery_components", component_lines)):
        frame = frames[sheet].sort("row")
        values = [line.value_usd for line in lines(frame)]
        assert [v.as_tuple() for v in values] == [v.as_tuple() for v in frame.get_column("value_usd")]
