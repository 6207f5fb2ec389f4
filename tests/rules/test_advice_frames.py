"""The column-wise advice (`filings.evidence.advice`, polars) gives the pure advice's answers,
on evidence of every shape: written as CSV, read back, advised both ways and compared whole."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filings.evidence.advice import (
    COMPONENT_COMBINATION,
    MINERAL_COMBINATION,
    FrameLedger,
    advise_frames,
)
from filings.evidence.book import group
from filings.evidence.lines import component_lines, mineral_lines
from filings.evidence.reader import read_frames
from filings.evidence.schema import SHEETS_BY_NAME
from filings.rules import BatteryComponent, MineralLine
from filings.rules.advice import Advice, AdviceInputError, advise
from filings.rules.advice.ledger import LineLedger, Outside

from .builders import PROPERTY_SETTINGS, assess_range, component, mineral, shipped

DATA = Path(__file__).parents[1] / "data"
PERIOD = ("2023-01-01", "2026-12-31")
# Mixed countries leave most shares short; the other shapes qualify everything or nothing.
_SHAPES = {"mixed": ["CN", "ID", "DE", "US", "JP", "AU"], "all qualify": ["US"],
           "none qualify": ["CN", "ID"]}
_COMPONENT_SHAPES = {"mixed": ["KR", "CN", "US", "CA", "MX"], "all qualify": ["US", "CA"],
                     "none qualify": ["KR", "CN"]}
# Few distinct values and suppliers make ties in value and in supplier worth common.
_values = st.one_of(st.sampled_from(["0", "10", "20", "30", "30", "25.50"]),
                    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2))
_suppliers = st.sampled_from(["Andes", "Boreal", "Cobre", "Delta", "Evergreen"])
# Three values and three suppliers: suppliers of equal worth, ranked by their largest line.
_TIES = st.sampled_from(["10", "20", "30"])


@st.composite
def _evidence(draw, values=_values, suppliers=_suppliers) -> tuple[list[MineralLine], list[BatteryComponent]]:
    countries = _SHAPES[draw(st.sampled_from(sorted(_SHAPES)))]
    made_in = _COMPONENT_SHAPES[draw(st.sampled_from(sorted(_COMPONENT_SHAPES)))]
    minerals = [
        mineral(i, name=draw(st.sampled_from(["lithium", "nickel", "graphite"])),
                extraction=draw(st.sampled_from(countries)), processing=draw(st.sampled_from(countries)),
                recycling=draw(st.sampled_from([None, None, "KR", "CA"])), value=draw(values),
                supplier=draw(suppliers), feoc=draw(st.booleans()),
                impracticable_to_trace=draw(st.booleans()))
        for i in range(draw(st.integers(min_value=1, max_value=14)))
    ]
    components = [
        component(i, country=draw(st.sampled_from(made_in)), value=draw(values),
                  supplier=draw(suppliers), feoc=draw(st.sampled_from([False, False, False, True])))
        for i in range(draw(st.integers(min_value=1, max_value=10)))
    ]
    return minerals, components


def _write(folder: Path, minerals: list[MineralLine], components: list[BatteryComponent]) -> None:
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    sheets = {
        "vehicle": [["Acme", "Volt", "2024", "car", "45000", "75", "5000", "US"]],
        "battery_components": [[c.component_id, c.component_type, c.supplier, c.manufacturing_country,
                                str(c.value_usd), yes(c.feoc)] for c in components],
        "critical_minerals": [[m.line_id, m.mineral, m.supplier, m.extraction_country,
                               m.processing_country, m.recycling_country or "", str(m.value_usd),
                               yes(m.feoc), yes(m.impracticable_to_trace)] for m in minerals],
    }
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([SHEETS_BY_NAME[name].column_names, *rows])


def _both_ways(frames: dict[str, pl.DataFrame]) -> tuple[Advice, Advice]:
    assessment = assess_range(group(frames), *PERIOD)
    pure = advise(assessment, rulebook=shipped(), minerals=mineral_lines(frames["critical_minerals"]),
                  components=component_lines(frames["battery_components"]))
    return advise_frames(assessment, frames, rulebook=shipped()), pure


@PROPERTY_SETTINGS
@given(drawn=_evidence())
def test_the_frames_give_the_advice_the_lines_give(drawn):
    with tempfile.TemporaryDirectory() as folder:
        _write(Path(folder), *drawn)
        frames = read_frames([Path(folder)])

    fast, pure = _both_ways(frames)

    assert fast.to_dict() == pure.to_dict()
    assert fast == pure


@pytest.mark.parametrize("name", ["crossover-short-na-components.xlsx", "feoc-graphite-2025.xlsx",
                                  "german-sedan.xlsx", "us-pickup-japan-minerals-csv",
                                  "suv-lithium-processed-in-china.xlsx"])
def test_the_samples_get_the_same_advice_from_their_frames(name):
    fast, pure = _both_ways(read_frames([DATA / name]))

    assert fast.to_dict() == pure.to_dict()


def test_suppliers_of_equal_worth_rank_by_their_largest_line_first_as_in_the_pure_search():
    # Andes and Cobre are each worth $200 outside; Cobre's $150 line comes before Andes' $100s,
    # though Andes has the first row. 50 % of $500 in 2024 needs $150 more: one supplier.
    lines = [mineral(2, value="100"),
             mineral(3, extraction="CN", processing="CN", value="100", supplier="Andes"),
             mineral(4, extraction="CN", processing="CN", value="100", supplier="Andes"),
             mineral(5, extraction="CN", processing="CN", value="150", supplier="Cobre"),
             mineral(6, extraction="CN", processing="CN", value="50", supplier="Cobre")]
    with tempfile.TemporaryDirectory() as folder:
        _write(Path(folder), lines, [component(10)])
        frames = read_frames([Path(folder)])

    fast, pure = _both_ways(frames)
    share = next(s for s in fast.shares if s.requirement == "critical_minerals"
                 and s.start <= dt.date(2024, 1, 1) <= s.end)

    assert fast.to_dict() == pure.to_dict()
    assert share.required_pct == Decimal("50")
    assert share.fewest_suppliers.suppliers == ("Cobre",)
    assert [line.row for line in share.fewest_suppliers.lines] == [5, 6]


def test_frames_that_are_not_the_assessed_ones_are_refused():
    assessment = assess_range(group(read_frames([DATA / "german-sedan.xlsx"])), *PERIOD)

    with pytest.raises(AdviceInputError, match="do not sum to what the assessment found"):
        advise_frames(assessment, read_frames([DATA / "crossover-short-na-components.xlsx"]),
                      rulebook=shipped())


def _compared(pure: Outside, fast: Outside) -> None:
    assert list(fast.values) == list(pure.values)
    assert fast.qualifying == pure.qualifying
    assert (list(fast.suppliers), list(fast.supplier_values)) == (
        list(pure.suppliers), list(pure.supplier_values))
    everything = range(len(pure.values))
    assert list(fast.lines_at(everything)) == list(pure.lines_at(everything))
    for name in pure.suppliers:
        assert sorted(fast.supplier_positions([name])) == sorted(pure.supplier_positions([name]))
    assert fast.minerals == pure.minerals


@PROPERTY_SETTINGS
@given(drawn=_evidence(_TIES, st.sampled_from(["Andes", "Boreal", "Cobre"])), data=st.data())
def test_a_frame_ledger_ranks_and_names_every_outside_line_as_the_line_ledger_does(drawn, data):
    with tempfile.TemporaryDirectory() as folder:
        _write(Path(folder), *drawn)
        frames = read_frames([Path(folder)])
    minerals = frames["critical_minerals"]
    pure = LineLedger(mineral_lines(minerals))
    fast = FrameLedger(minerals, MINERAL_COMBINATION, mineral_lines)
    assert fast.pairs == pure.pairs and fast.total == pure.total
    # Any pairs may count, and recycling anywhere: the verdicts then differ line by line.
    counting = frozenset(data.draw(st.sets(st.sampled_from(sorted(pure.pairs)))))
    north_america = frozenset(data.draw(st.sets(st.sampled_from(["CA", "KR", "US"]))))

    _compared(pure.outside(pure.verdicts(counting, north_america)),
              fast.outside(fast.verdicts(counting, north_america)))
    components = frames["battery_components"]
    made_in = frozenset(data.draw(st.sets(st.sampled_from(["US", "CA", "MX", "KR", "CN"]))))
    pure_parts = LineLedger(component_lines(components))
    fast_parts = FrameLedger(components, COMPONENT_COMBINATION, component_lines)
    _compared(pure_parts.outside(pure_parts.verdicts(frozenset(), made_in)),
              fast_parts.outside(fast_parts.verdicts(frozenset(), made_in)))
