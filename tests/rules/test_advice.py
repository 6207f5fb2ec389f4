"""Advice, proven by the engine: applying it and re-assessing meets the share; less never does.

Applying a move means what the advice says: the moved lines' extraction, processing or
recycling (critical minerals) or manufacturing (components) goes to one of the advice's
destination countries; nothing else about the line changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from filings.evidence.lines import component_lines, mineral_lines
from filings.evidence.reader import read_evidence, read_frames
from filings.rules import Assessment, BatteryComponent, Evidence, MineralLine, Rulebook, Vehicle
from filings.rules.advice import Advice, AdviceInputError, Move, ShareAdvice, advise

from .builders import (
    PROPERTY_SETTINGS,
    assess_on,
    assess_range,
    component,
    evidence,
    mineral,
    rulebook_variant,
    shipped,
    vehicle,
)

DATA = Path(__file__).parents[1] / "data"
SAMPLES = ["crossover-short-na-components.xlsx", "feoc-graphite-2025.xlsx", "german-sedan.xlsx",
           "us-pickup-japan-minerals.xlsx", "us-pickup-japan-minerals-csv",
           "suv-lithium-processed-in-china.xlsx"]
PERIOD = ("2023-01-01", "2026-12-31")

_values = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)
# Mostly countries that do not count, so most shares fall short and there is advice to test.
_mineral_countries = st.sampled_from(["CN", "CN", "ID", "DE", "CD", "US", "JP", "AU"])
_component_countries = st.sampled_from(["KR", "CN", "DE", "JP", "US", "CA", "MX"])
_suppliers = st.sampled_from(["Andes Lithium", "Boreal Metals", "Cobre Refining", "Delta Cells"])


@st.composite
def _minerals(draw, first_row=100):
    count = draw(st.integers(min_value=1, max_value=8))
    return [
        mineral(first_row + i, name=draw(st.sampled_from(["lithium", "nickel", "cobalt", "aluminum"])),
                extraction=draw(_mineral_countries), processing=draw(_mineral_countries),
                recycling=draw(st.sampled_from([None, None, None, "KR", "CA"])), value=draw(_values),
                supplier=draw(_suppliers))
        for i in range(count)
    ]


@st.composite
def _components(draw, first_row=10):
    count = draw(st.integers(min_value=1, max_value=7))
    return [
        component(first_row + i, country=draw(_component_countries), value=draw(_values),
                  supplier=draw(_suppliers),
                  component_type=draw(st.sampled_from(["battery_cell", "separator", "battery_module"])))
        for i in range(count)
    ]


# --- applying advice -----------------------------------------------------------------------


def _destination(advice: ShareAdvice, line: MineralLine | BatteryComponent, step: str) -> list[str]:
    for place in advice.destinations:
        if place.step == step and place.mineral in (None, getattr(line, "mineral", None)):
            return list(place.countries)
    raise AssertionError(f"no destination for {step} of row {line.row}")


def _moved(advice: ShareAdvice, line, data: st.DataObject | None):
    """The line with its non-qualifying step moved where the advice says it may go."""
    if isinstance(line, BatteryComponent):
        places = _destination(advice, line, "manufacturing_or_assembly")
        country = data.draw(st.sampled_from(places)) if data else places[0]
        return dataclasses.replace(line, manufacturing_country=country)
    step = data.draw(st.sampled_from(["extraction", "processing", "recycling"])) if data else "processing"
    places = _destination(advice, line, "recycling" if step == "recycling" else "extraction_or_processing")
    country = data.draw(st.sampled_from(places)) if data else places[0]
    return dataclasses.replace(line, **{f"{step}_country": country})


def _applied(advice: ShareAdvice, lines: Iterable[Any], rows: Iterable[int], data=None) -> list[Any]:
    rows = set(rows)
    return [_moved(advice, line, data) if line.row in rows else line for line in lines]


def _reassessed(advice: ShareAdvice, vehicle_: Vehicle, minerals: Sequence[Any],
                components: Sequence[Any],
                rows: Iterable[int], rulebook: Rulebook, data=None, on: dt.date | None = None):
    """The segment re-assessed on `on` (the advice's first day) with `rows` moved."""
    if advice.requirement == "critical_minerals":
        minerals = _applied(advice, minerals, rows, data)
    else:
        components = _applied(advice, components, rows, data)
    ev = Evidence.from_lines(vehicle_, components, minerals)
    return assess_on(ev, on or advice.start, rulebook=rulebook)


def _met(advice, vehicle_, minerals, components, rows, rulebook, data=None, on=None) -> bool:
    result = _reassessed(advice, vehicle_, minerals, components, rows, rulebook, data, on)
    return result.requirements[advice.requirement].met is True


def _rows(move: Move) -> list[int]:
    return [line.row for line in move.lines]


def _advice(minerals, components, rulebook: Rulebook | None = None,
            vehicle_: Vehicle | None = None) -> tuple[Assessment, Advice]:
    rulebook = rulebook or shipped()
    ev = evidence(vehicle_=vehicle_, minerals=minerals, components=components)
    assessment = assess_range(ev, *PERIOD, rulebook=rulebook)
    return assessment, advise(assessment, rulebook=rulebook, minerals=minerals, components=components)


def _share_advice(minerals, components) -> list[ShareAdvice]:
    shares = list(_advice(minerals, components)[1].shares)
    assume(shares)
    return shares


# --- properties ----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components(), data=st.data())
def test_moving_the_fewest_lines_advised_meets_the_share_on_every_day_of_the_advice(
        minerals, components, data):
    for advice in _share_advice(minerals, components):
        rows = _rows(advice.fewest_lines)
        for on in (advice.start, advice.end):
            result = _reassessed(advice, vehicle(), minerals, components, rows, shipped(), data, on)
            assert result.requirements[advice.requirement].met is True
            assert result.requirements[advice.requirement].details["qualifying_pct"] == float(
                advice.fewest_lines.qualifying_pct_after)
        # Nothing else changed, so the credit is what the advice says it becomes.
        again = _reassessed(advice, vehicle(), minerals, components, rows, shipped(), data)
        assert again.credit_usd == advice.credit_usd_if_met


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components())
def test_leaving_out_any_one_of_the_fewest_lines_never_meets_the_share(minerals, components):
    for advice in _share_advice(minerals, components):
        rows = _rows(advice.fewest_lines)
        for left_out in rows:
            assert not _met(advice, vehicle(), minerals, components,
                            [r for r in rows if r != left_out], shipped())


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components(), data=st.data())
def test_moving_the_fewest_suppliers_advised_meets_the_share_and_one_supplier_less_does_not(
        minerals, components, data):
    for advice in _share_advice(minerals, components):
        move = advice.fewest_suppliers
        assert _met(advice, vehicle(), minerals, components, _rows(move), shipped(), data)
        assert {line.supplier for line in move.lines} == set(move.suppliers)
        for left_out in move.suppliers:
            rows = [line.row for line in move.lines if line.supplier != left_out]
            assert not _met(advice, vehicle(), minerals, components, rows, shipped())


def _qualifying(advice: ShareAdvice, minerals, components) -> Decimal:
    result = assess_on(evidence(minerals=minerals, components=components), advice.start)
    return Decimal(result.requirements[advice.requirement].details["qualifying_value_usd"])


def _outside(advice: ShareAdvice, minerals, components) -> list[Any]:
    """The lines whose move to the US would raise the qualifying value, found by re-assessing
    with each moved in turn (independently of the advice's destinations)."""
    before = _qualifying(advice, minerals, components)
    if advice.requirement == "critical_minerals":
        return [m for m in minerals if _qualifying(advice, [
            dataclasses.replace(m, processing_country="US") if other is m else other
            for other in minerals], components) > before]
    return [c for c in components if _qualifying(advice, minerals, [
        dataclasses.replace(c, manufacturing_country="US") if other is c else other
        for other in components]) > before]


def _meets(advice: ShareAdvice, moved: Decimal) -> bool:
    """Exact arithmetic of the test's own: qualifying + moved reaches the required share."""
    return (Fraction(advice.qualifying_value_usd) + Fraction(moved)) * 100 >= (
        Fraction(advice.required_pct) * Fraction(advice.total_value_usd))


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components())
def test_no_fewer_lines_no_fewer_suppliers_and_no_cheaper_lines_meet_the_share(minerals, components):
    for advice in _share_advice(minerals, components):
        outside = _outside(advice, minerals, components)
        assert {line.row for line in advice.least_value.lines} <= {line.row for line in outside}
        assert advice.least_value.exact
        assert _met(advice, vehicle(), minerals, components, _rows(advice.least_value), shipped())
        subsets = [s for size in range(len(outside) + 1) for s in itertools.combinations(outside, size)]
        meeting = [s for s in subsets if _meets(advice, sum((line.value_usd for line in s), Decimal(0)))]
        assert min(len(s) for s in meeting) == len(advice.fewest_lines.lines)
        assert min(sum(line.value_usd for line in s) for s in meeting) == advice.least_value.value_usd
        assert min(len({line.supplier for line in s}) for s in meeting) == len(advice.fewest_suppliers.suppliers)


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components(), data=st.data())
def test_the_advice_is_the_same_whatever_the_order_of_the_lines(minerals, components, data):
    _, first = _advice(minerals, components)
    _, again = _advice(data.draw(st.permutations(minerals)), data.draw(st.permutations(components)))

    assert json.dumps(first.to_dict()) == json.dumps(again.to_dict())
    assert first == again


# --- examples ------------------------------------------------------------------------------


def _sample(name: str) -> tuple[Evidence, list[MineralLine], list[BatteryComponent]]:
    paths = [DATA / name]
    frames = read_frames(paths)
    return (read_evidence(paths), mineral_lines(frames["critical_minerals"]),
            component_lines(frames["battery_components"]))


@pytest.mark.parametrize("name", SAMPLES)
def test_every_unmet_share_in_the_samples_has_advice_that_meets_it(name):
    ev, minerals, components = _sample(name)
    assessment = assess_range(ev, *PERIOD)
    advice = advise(assessment, rulebook=shipped(), minerals=minerals, components=components)

    for segment in assessment.segments:
        for requirement in ("critical_minerals", "battery_components"):
            if segment.requirements[requirement].met is False:
                assert any(a.requirement == requirement and a.start <= segment.start <= a.end
                           for a in advice.shares)
    for share in advice.shares:
        for move in (share.fewest_lines, share.fewest_suppliers, share.least_value):
            for on in (share.start, share.end):
                assert _met(share, ev.vehicle, minerals, components, _rows(move), shipped(), on=on)
    json.dumps(advice.to_dict())


def test_the_crossover_moves_its_korean_cells_to_north_america_for_3750_more():
    ev, minerals, components = _sample("crossover-short-na-components.xlsx")
    advice = advise(assess_range(ev, "2024-01-01", "2024-12-31"), rulebook=shipped(),
                    minerals=minerals, components=components)

    (share,) = advice.shares
    assert share.requirement == "battery_components"
    assert [line.component_id for line in share.fewest_lines.lines] == ["NW-CELL-A"]
    assert share.fewest_suppliers.suppliers == ("Ochang Energy Solutions",)
    # 60 % of $10,055.30 is $6,033.18; $3,600.00 qualifies, so $2,433.18 must move: the
    # cathode and the anode ($2,565.30) cost less than the cells ($3,890.00).
    assert share.shortfall_usd == Decimal("2433.18")
    assert [line.component_id for line in share.least_value.lines] == ["NW-CAT-A", "NW-AN-A"]
    assert share.least_value.value_usd == Decimal("2565.30") and share.least_value.exact
    assert (share.credit_usd, share.credit_usd_if_met) == (3750, 7500)
    assert share.message == (
        "Move the manufacturing or assembly of 1 line(s) — $3,890.00 of $10,055.30 — to North "
        "America and the battery-component share reaches 74.48 % (at least 60 % required) for "
        "vehicles placed in service 2024-01-01 to 2024-12-31: +$3,750 a vehicle.")


def test_final_assembly_outside_north_america_is_said_to_be_beyond_sourcing():
    ev, minerals, components = _sample("german-sedan.xlsx")
    advice = advise(assess_range(ev, "2024-01-01", "2024-12-31"), rulebook=shipped(),
                    minerals=minerals, components=components)

    (assembly,) = [n for n in advice.not_by_sourcing if n.requirement == "final_assembly"]
    assert assembly.where == ("CA", "MX", "US")
    assert "would have to be in CA, MX, US" in assembly.message
    assert assembly.to_dict()["fixable_by_sourcing"] is False
    # The shares can be advised, but they unlock nothing while assembly is in Germany.
    assert {s.requirement for s in advice.shares} == {"critical_minerals", "battery_components"}
    assert all(s.blocked_by == ("final_assembly",) and s.credit_usd_if_met == 0 for s in advice.shares)


def test_feoc_lines_are_named_with_the_date_from_which_they_disqualify():
    ev, minerals, components = _sample("feoc-graphite-2025.xlsx")
    advice = advise(assess_range(ev, "2024-01-01", "2025-06-30"), rulebook=shipped(),
                    minerals=minerals, components=components)

    graphite, salt = advice.feoc
    assert (graphite.line.line_id, graphite.disqualifies_from, graphite.excluded_until) == (
        "FG-1", dt.date(2025, 1, 1), None)
    assert graphite.disqualifies_in_period
    assert (salt.line.line_id, salt.disqualifies_from, salt.excluded_until) == (
        "FG-4", dt.date(2027, 1, 1), dt.date(2026, 12, 31))
    assert not salt.disqualifies_in_period
    assert graphite.to_dict()["disqualifies_from"] == "2025-01-01"


def test_a_feoc_component_disqualifies_from_2024():
    parts = [component(10, value="500"), component(11, feoc=True, supplier="Dragon Cells", value="10")]
    _, advice = _advice([mineral(100)], parts)

    (feoc,) = advice.feoc
    assert (feoc.requirement, feoc.line.row, feoc.disqualifies_from) == (
        "feoc_battery_components", 11, dt.date(2024, 1, 1))
    assert "Dragon Cells" in feoc.message


@pytest.mark.parametrize(("overrides", "requirement"), [
    ({"msrp_usd": Decimal("60000")}, "msrp_cap"),
    ({"battery_capacity_kwh": Decimal("6")}, "battery_capacity"),
    ({"gvwr_lb": Decimal("14000")}, "gvwr"),
])
def test_vehicle_limits_are_said_to_be_beyond_sourcing(overrides, requirement):
    _, advice = _advice([mineral(100)], [component(10)], vehicle_=vehicle(**overrides))

    (item,) = [n for n in advice.not_by_sourcing if n.requirement == requirement]
    assert "not of sourcing" in item.message
    assert (item.start, item.end) == (dt.date(2023, 1, 1), dt.date(2026, 12, 31))


def test_the_credit_window_is_said_to_be_beyond_sourcing_after_it_closes():
    _, advice = _advice([mineral(100)], [component(10)])

    (window,) = advice.not_by_sourcing
    assert (window.requirement, window.start, window.end) == (
        "credit_window", dt.date(2025, 10, 1), dt.date(2026, 12, 31))


# --- the Japan story -----------------------------------------------------------------------

WITHOUT_JAPAN = rulebook_variant(('version = "2025.2"', 'version = "2025.1-no-japan"'),
                                 ('country = "JP"\nfrom = 2023-03-28', 'country = "JP"\nfrom = 2026-01-01'))
# 45 % of the value is lithium processed in China: 55 % qualifies, short of 60 % in 2025.
CHINA_LITHIUM = [
    mineral(100, name="lithium", extraction="ZW", processing="CN", value="30000", supplier="Bikita Lithium"),
    mineral(101, name="lithium", extraction="AR", processing="CN", value="15000", supplier="Atacama Brines"),
    mineral(102, name="nickel", extraction="CA", processing="CA", value="55000", supplier="Sudbury Nickel"),
]


def _to_japan(lines: list[MineralLine], rows: Iterable[int]) -> list[MineralLine]:
    rows = set(rows)
    return [dataclasses.replace(m, processing_country="JP") if m.row in rows else m for m in lines]


def test_lithium_processed_in_china_in_2025_is_fixed_by_moving_it_to_japan_when_japan_counts():
    assessment, advice = _advice(CHINA_LITHIUM, [component(10)])
    (share,) = [s for s in advice.shares if s.start <= dt.date(2025, 1, 1) <= s.end]

    assert share.requirement == "critical_minerals"
    assert [line.row for line in share.fewest_lines.lines] == [100]
    assert share.fewest_lines.qualifying_pct_after == Decimal("85.00")
    assert "JP" in next(d for d in share.destinations if d.mineral == "lithium").countries
    assert (share.credit_usd, share.credit_usd_if_met) == (3750, 7500)
    moved = evidence(minerals=_to_japan(CHINA_LITHIUM, [100]), components=[component(10)])
    after = assess_on(moved, "2025-01-01")
    assert after.requirements["critical_minerals"].met is True
    assert after.credit_usd == 7500
    assert "from 2025-01-01" not in share.message and "2025-01-01 to 2025-09-30" in share.message
    assert assessment.segments  # the advice follows the assessment's segments


def test_under_the_rulebook_before_japan_counted_moving_to_japan_does_not_help():
    _, advice = _advice(CHINA_LITHIUM, [component(10)], rulebook=WITHOUT_JAPAN)
    (share,) = [s for s in advice.shares if s.start <= dt.date(2025, 1, 1) <= s.end]

    assert "JP" not in next(d for d in share.destinations if d.mineral == "lithium").countries
    moved = evidence(minerals=_to_japan(CHINA_LITHIUM, _rows(share.fewest_lines)), components=[component(10)])
    assert assess_on(moved, "2025-01-01", rulebook=WITHOUT_JAPAN).requirements["critical_minerals"].met is False
    assert assess_on(moved, "2025-01-01").requirements["critical_minerals"].met is True


# --- sizes, errors, JSON ---------------------------------------------------------------------


def test_past_the_exact_search_limit_the_least_value_is_a_cover_with_a_bound_that_says_so():
    # 300 lines of odd cents, none qualifying: the search would need billions of bits.
    lines = [mineral(100 + i, processing="CN", extraction="CN", value=Decimal(1_000_003 + 7919 * i) / 100,
                     supplier=f"Supplier {i % 40}") for i in range(300)]
    _, advice = _advice([mineral(99, value="1000"), *lines], [component(10)])
    share = next(s for s in advice.shares if s.requirement == "critical_minerals")

    least = share.least_value
    assert not least.exact
    assert least.lower_bound_usd == share.shortfall_usd.quantize(Decimal("0.01"), rounding="ROUND_CEILING")
    assert least.lower_bound_usd <= least.value_usd <= share.fewest_lines.value_usd
    assert least.to_dict()["exact"] is False
    assert _met(share, vehicle(), [mineral(99, value="1000"), *lines], [component(10)], _rows(least), shipped())


def test_lines_that_are_not_the_assessed_ones_are_refused():
    assessment, _ = _advice(CHINA_LITHIUM, [component(10)])

    with pytest.raises(AdviceInputError, match="do not sum to what the assessment found"):
        advise(assessment, rulebook=shipped(), minerals=CHINA_LITHIUM[:2], components=[component(10)])


def test_a_rulebook_that_is_not_the_assessments_is_refused():
    assessment, _ = _advice(CHINA_LITHIUM, [component(10)])

    with pytest.raises(AdviceInputError, match=r"2025\.1-no-japan"):
        advise(assessment, rulebook=WITHOUT_JAPAN, minerals=CHINA_LITHIUM, components=[component(10)])


def test_the_advice_json_carries_money_as_strings_and_dates_as_iso():
    _, advice = _advice(CHINA_LITHIUM, [component(10)])
    data = json.loads(json.dumps(advice.to_dict()))
    share = data["shares"][0]

    assert share["from"] == "2025-01-01"
    assert share["shortfall_usd"] == "5000.00"
    assert share["least_value"]["rows"] == [101]
    assert share["fewest_lines"]["lines"][0] == {
        "row": 100, "id": "M100", "supplier": "Bikita Lithium", "mineral": "lithium",
        "extraction_country": "ZW", "processing_country": "CN", "recycling_country": None,
        "value_usd": "30000.00", "feoc": False, "impracticable_to_trace": False}
    assert data["rulebook"] == {"id": "us-irc-30d", "version": "2025.2"}
