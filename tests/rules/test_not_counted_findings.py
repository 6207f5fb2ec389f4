"""The engine's findings on non-qualifying critical minerals and FEOC lines, against a plain
reading of the rules written here line by line: which combinations are listed (the most
value first, the earlier first row on a tie), their values, lines and rows; the summary of the
rest; the FEOC finding's count and the pairs it names. Sheets of many lines share a few
countries, values and suppliers, so combinations repeat across groups and values tie; rows
come in any order. The evidence is given both as a ledger built line by line and as groups
held in columns (`KeyColumns`, what the readers hand over): both must give these findings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filings.rules import MineralLine, assess
from filings.rules.engine import counts_for_mineral, money
from filings.rules.inputs import ChainKey, ComponentLedger, Evidence, Groups, KeyColumns, MineralLedger
from filings.rules.results import MAX_NOT_COUNTED_LISTED, MAX_ROWS_PER_FINDING

from .builders import mineral, shipped, vehicle

ON = dt.date(2024, 6, 1)
# Mostly countries that do not count, so that sheets have past MAX_NOT_COUNTED_LISTED combinations.
_COUNTRIES = ["CN", "ID", "CD", "RU", "PH", "VN", "IN", "US", "AU"]


@st.composite
def _sheets(draw: st.DrawFn) -> list[MineralLine]:
    count = draw(st.integers(1, 400))
    rows = draw(st.permutations(range(2, 2 + count)))
    return [mineral(row,
                    name=draw(st.sampled_from(["lithium", "nickel", "cobalt"])),
                    extraction=draw(st.sampled_from(_COUNTRIES)),
                    processing=draw(st.sampled_from(_COUNTRIES)),
                    recycling=draw(st.sampled_from([None, None, None, "CA", "CN"])),
                    value=draw(st.sampled_from(["1", "2", "5", "0.01", "10", "0"])),
                    feoc=draw(st.booleans()),
                    impracticable_to_trace=draw(st.booleans()),
                    supplier=draw(st.sampled_from(["A Co", "B Co", "C Co"])))
            for row in rows]


def _as_columns(ledger: MineralLedger) -> MineralLedger:
    groups = ledger.groups()
    columns = [list(column) for column in zip(*groups.keys, strict=True)] if len(groups) else \
        [[] for _ in ChainKey._fields]
    return MineralLedger.from_groups(Groups(KeyColumns(ChainKey, ChainKey._fields, columns),
                                            groups.values, groups.starts, groups.rows))


def _qualifies(line: MineralLine) -> bool:
    rules = shipped()
    return (counts_for_mineral(rules, line.extraction_country, line.mineral, ON)
            or counts_for_mineral(rules, line.processing_country, line.mineral, ON)
            or line.recycling_country in rules.north_america.countries)


def _expected_not_counted(lines: list[MineralLine]) -> tuple[list[tuple[str, int, tuple[int, ...]]],
                                                             tuple[int, Decimal, int, tuple[int, ...]] | None]:
    """(value, lines, rows shown) of each listed combination in the order of its first row;
    then (combinations, value, lines, rows shown) of the rest, if any."""
    combinations: dict[tuple[object, ...], tuple[Decimal, list[int]]] = {}
    for line in lines:
        if _qualifies(line):
            continue
        combination = (line.mineral, line.extraction_country, line.processing_country, line.recycling_country)
        value, rows = combinations.get(combination, (Decimal(0), []))
        combinations[combination] = (value + line.value_usd, [*rows, line.row])
    ranked = sorted(combinations.values(), key=lambda item: (-item[0], min(item[1])))
    listed, rest = ranked[:MAX_NOT_COUNTED_LISTED], ranked[MAX_NOT_COUNTED_LISTED:]
    shown = [(money(value), len(rows), tuple(sorted(rows)[:MAX_ROWS_PER_FINDING]))
             for value, rows in sorted(listed, key=lambda item: min(item[1]))]
    if not rest:
        return shown, None
    rest_rows = sorted(row for _, rows in rest for row in rows)
    return shown, (len(rest), sum((value for value, _ in rest), Decimal(0)), len(rest_rows),
                   tuple(rest_rows[:MAX_ROWS_PER_FINDING]))


@settings(max_examples=120, deadline=None)
@given(lines=_sheets())
def test_not_counted_combinations_are_the_plain_reading_of_the_lines(lines):
    listed, rest = _expected_not_counted(lines)
    ledger = MineralLedger.from_lines(lines)
    for minerals in (ledger, _as_columns(ledger)):
        result = assess(Evidence(vehicle(), ComponentLedger(), minerals), rulebook=shipped(),
                        placed_in_service=ON)
        infos = [f for f in result.findings if f.requirement == "critical_minerals" and f.severity == "info"]
        found = [f for f in infos if f.message.startswith("Not qualifying: ")]
        assert len(found) == len(listed)
        for finding, (value, count, rows) in zip(found, listed, strict=True):
            assert f"({value} in {count} line(s))" in finding.message
            assert finding.rows == rows
        summaries = [f for f in infos if f.message.startswith("Not qualifying either")]
        if rest is None:
            assert summaries == []
            continue
        combinations, value, count, rows = rest
        [summary] = summaries
        assert f"{combinations:,} more combinations" in summary.message
        assert f"({money(value)} in {count:,} line(s))" in summary.message
        assert summary.rows == rows


@settings(max_examples=120, deadline=None)
@given(lines=_sheets())
def test_the_feoc_finding_counts_its_lines_and_names_the_first_pairs(lines):
    feoc = [line for line in lines if line.feoc]
    # On this date lines marked impracticable to trace are left out of the FEOC test.
    counted = [line for line in feoc if not line.impracticable_to_trace]
    named = sorted({f"{line.mineral} from {line.supplier}" for line in counted})
    described = "; ".join(named[:5]) + (f"; and {len(named) - 5} more" if len(named) > 5 else "")
    ledger = MineralLedger.from_lines(lines)
    for minerals in (ledger, _as_columns(ledger)):
        result = assess(Evidence(vehicle(), ComponentLedger(), minerals), rulebook=shipped(),
                        placed_in_service=ON)
        requirement = result.requirements["feoc_critical_minerals"]
        assert requirement.details["feoc_lines"] == len(counted)
        assert requirement.details["excluded_impracticable_to_trace_lines"] == len(feoc) - len(counted)
        found = [f for f in result.findings if f.requirement == "feoc_critical_minerals"]
        if not counted:
            assert found == []
            continue
        assert found[0].message.startswith(f"{len(counted)} critical-mineral line(s) from a foreign "
                                           f"entity of concern ({described});")
        assert found[0].rows == tuple(sorted(line.row for line in counted)[:MAX_ROWS_PER_FINDING])


def test_key_columns_are_the_keys_they_hold():
    keys = [ChainKey("lithium", "AU", "JP", None, False, False),
            ChainKey("nickel", "ID", "CN", "CA", True, False, "Refine Co")]
    held = KeyColumns(ChainKey, ChainKey._fields, [list(column) for column in zip(*keys, strict=True)])
    assert len(held) == 2
    assert list(held) == keys
    assert held == keys
    assert held[1] == keys[1]
    assert held[1].supplier == "Refine Co"
    assert held[0:1] == keys[0:1]
    assert held.column("recycling_country") == [None, "CA"]
    assert held != keys[:1]
    for columns in ([["lithium"], []], [*[["lithium"]] * 6, []]):  # too few; of unequal lengths
        with pytest.raises(ValueError, match="lengths"):
            KeyColumns(ChainKey, ChainKey._fields, columns)
