"""The advice in words (`filings.presentation`), on advice the pure planner made: a least value
that is a bound says so, a long answer lists its first lines and counts the rest, and each
requirement no sourcing fixes says so in its own terms."""

from __future__ import annotations

from decimal import Decimal

from filings.presentation import assessment_segments
from filings.presentation.advice import ADVICE_LINES_SHOWN, RequirementAdvice
from filings.rules.advice import advise
from tests.rules.builders import assess_range, component, evidence, mineral, shipped, vehicle


def _advice_by_requirement(minerals, components, vehicle_=None) -> dict[str, RequirementAdvice]:
    ev = evidence(vehicle_=vehicle_, minerals=minerals, components=components)
    assessment = assess_range(ev, "2024-06-01", "2024-12-31")
    advice = advise(assessment, rulebook=shipped(), minerals=minerals, components=components)
    (segment,) = assessment_segments(assessment.to_dict(), advice.to_dict())
    return {r.id: r.advice for r in segment.requirements if r.advice}


def test_a_least_value_past_the_exact_search_is_said_to_be_a_bound():
    lines = [mineral(100 + i, processing="CN", extraction="CN",
                     value=Decimal(1_000_003 + 7919 * i) / 100, supplier=f"Supplier {i % 40}")
             for i in range(300)]
    advice = _advice_by_requirement([mineral(99, value="1000"), *lines], [component(10)])

    (share,) = advice["critical_minerals"].shares
    assert "is found, not proven the least; the least is at least $" in share.least_value
    assert "(a bound, not exact)" in share.least_value


def test_a_long_answer_lists_its_first_lines_and_counts_the_rest():
    lines = [mineral(100 + i, processing="CN", extraction="CN", value="100",
                     supplier=f"Supplier {i}") for i in range(60)]
    advice = _advice_by_requirement(lines, [component(10)])

    (share,) = advice["critical_minerals"].shares
    assert "these 30 lines — $3,000.00 of $6,000.00 —" in share.headline
    assert len(share.lines) == ADVICE_LINES_SHOWN
    assert share.more_lines == f"…and {30 - ADVICE_LINES_SHOWN} more lines."
    assert share.least_value.endswith("…); the share falls $3,000.00 short.")


def test_price_design_and_assembly_are_not_fixable_by_sourcing():
    heavy_german = vehicle(msrp_usd=Decimal("90000"), battery_capacity_kwh=Decimal("5"),
                           gvwr_lb=Decimal("15000"), final_assembly_country="DE")
    advice = _advice_by_requirement([mineral(100, processing="US", extraction="US")],
                                    [component(10, country="US")], heavy_german)

    assert advice["msrp_cap"].not_by_sourcing == [
        "Not fixable by sourcing: the MSRP is above the cap, a matter of price."]
    assert "battery capacity is below the minimum" in advice["battery_capacity"].not_by_sourcing[0]
    assert "weight rating is too high" in advice["gvwr"].not_by_sourcing[0]
    assert advice["final_assembly"].not_by_sourcing == [
        "Not fixable by sourcing: final assembly in DE would have to be in CA, MX, US."]
    assert not any(a.fixable for a in advice.values())
