"""assess_period: one result per stretch of dates over which nothing changes."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filings.rules import AssessmentInputError, SegmentResult

from .builders import (
    PROPERTY_SETTINGS,
    assess_on,
    assess_range,
    component,
    evidence,
    mineral,
    share_minerals,
    shipped,
    spans,
)

ONE_DAY = dt.timedelta(days=1)


def test_a_period_splits_at_every_rule_change_that_affects_the_outcome():
    assessment = assess_range(evidence(), "2022-12-01", "2026-12-31")

    assert spans(assessment) == [
        ("2022-12-01", "2022-12-31"),  # before the credit window
        ("2023-01-01", "2023-04-17"),  # transitional amount
        ("2023-04-18", "2023-12-31"),  # CM 40 %, BC 50 %
        ("2024-01-01", "2024-12-31"),  # CM 50 %, BC 60 %, FEOC components
        ("2025-01-01", "2025-09-30"),  # CM 60 %, FEOC minerals
        ("2025-10-01", "2025-12-31"),  # acquired after 2025-09-30
        ("2026-01-01", "2026-12-31"),  # CM 70 %, BC 70 %
    ]
    assert [s.credit_usd for s in assessment.segments] == [0, 7500, 7500, 7500, 7500, 0, 0]


def test_a_period_within_one_rule_set_is_a_single_segment():
    assessment = assess_range(evidence(), "2024-02-01", "2024-11-30")

    assert spans(assessment) == [("2024-02-01", "2024-11-30")]


def test_a_single_day_period_is_a_single_segment():
    assessment = assess_range(evidence(), "2024-01-01", "2024-01-01")

    assert spans(assessment) == [("2024-01-01", "2024-01-01")]


def test_a_rule_change_that_does_not_touch_the_evidence_merges_into_one_segment():
    # 2027-01-01 ends the impracticable-to-trace exclusion, which this evidence never uses.
    assessment = assess_range(evidence(), "2026-06-01", "2027-06-30", acquired="2025-09-30")

    assert spans(assessment) == [("2026-06-01", "2027-06-30")]


def test_the_end_of_the_impracticable_to_trace_exclusion_splits_when_the_evidence_uses_it():
    ev = evidence(
        minerals=[
            mineral(100, value="900"),
            mineral(
                101,
                name="graphite",
                extraction="CN",
                processing="CN",
                value="100",
                feoc=True,
                impracticable_to_trace=True,
            ),
        ]
    )

    assessment = assess_range(ev, "2026-06-01", "2027-06-30", acquired="2025-09-30")

    assert spans(assessment) == [("2026-06-01", "2026-12-31"), ("2027-01-01", "2027-06-30")]
    assert [s.credit_usd for s in assessment.segments] == [7500, 0]


def test_without_an_acquired_date_the_acquisition_cut_off_splits_the_period():
    assessment = assess_range(evidence(), "2025-06-01", "2025-12-31")

    assert spans(assessment) == [("2025-06-01", "2025-09-30"), ("2025-10-01", "2025-12-31")]
    assert [s.credit_usd for s in assessment.segments] == [7500, 0]
    assert assessment.acquired is None


def test_with_an_acquired_date_the_acquisition_cut_off_does_not_split_the_period():
    assessment = assess_range(evidence(), "2025-06-01", "2025-12-31", acquired="2025-05-01")

    assert spans(assessment) == [("2025-06-01", "2025-12-31")]
    assert assessment.segments[0].credit_usd == 7500


def test_an_acquired_date_on_the_first_day_is_accepted():
    assessment = assess_range(evidence(), "2025-06-01", "2025-06-30", acquired="2025-06-01")

    assert assessment.segments[0].credit_usd == 7500


def test_an_acquired_date_after_the_start_is_rejected():
    with pytest.raises(AssessmentInputError, match="2025-06-02 is after the first placed-in-service date"):
        assess_range(evidence(), "2025-06-01", "2025-12-31", acquired="2025-06-02")


def test_a_period_that_ends_before_it_starts_is_rejected():
    with pytest.raises(AssessmentInputError, match=r"ends \(2024-01-01\) before it starts \(2024-01-02\)"):
        assess_range(evidence(), "2024-01-02", "2024-01-01")


def test_the_assessment_records_the_rulebook_and_the_dates_asked_for():
    assessment = assess_range(evidence(), "2024-03-01", "2024-04-30", acquired="2024-02-01")

    assert assessment.rulebook_id == "us-irc-30d"
    assert assessment.rulebook_version == shipped().version
    assert assessment.placed_in_service_from == dt.date(2024, 3, 1)
    assert assessment.placed_in_service_to == dt.date(2024, 4, 30)
    assert assessment.acquired == dt.date(2024, 2, 1)


# --- properties over any period ----------------------------------------------------------

_EVIDENCE_VARIANTS = [
    evidence(),
    evidence(minerals=share_minerals("1.5", "1.5")),
    evidence(components=[component(10), component(11, feoc=True)]),
    evidence(
        minerals=[
            mineral(100, value="9"),
            mineral(101, extraction="CN", processing="CN", value="1", feoc=True, impracticable_to_trace=True),
        ]
    ),
    evidence(minerals=[mineral(100, extraction="JP", processing="JP")]),
]

_dates = st.dates(min_value=dt.date(2022, 6, 1), max_value=dt.date(2028, 6, 30))


def _outcome(segment: SegmentResult) -> dict[str, Any]:
    return segment.to_dict() | {"from": None, "to": None}


@PROPERTY_SETTINGS
@given(ev=st.sampled_from(_EVIDENCE_VARIANTS), first=_dates, second=_dates, data=st.data())
def test_segments_cover_the_period_contiguously_and_match_a_single_day_assessment(ev, first, second, data):
    start, end = min(first, second), max(first, second)

    segments = assess_range(ev, start.isoformat(), end.isoformat()).segments

    assert segments[0].start == start
    assert segments[-1].end == end
    for earlier, later in itertools.pairwise(segments):
        assert later.start == earlier.end + ONE_DAY
        assert not earlier.same_outcome(later), "adjacent segments with one outcome must merge"
    for segment in segments:
        assert segment.start <= segment.end
        inside = data.draw(st.dates(min_value=segment.start, max_value=segment.end))
        for on in {segment.start, inside, segment.end}:
            assert _outcome(assess_on(ev, on)) == _outcome(segment)


@pytest.mark.parametrize(("start", "end"), [
    (dt.date.min, dt.date.min),
    (dt.date.min, dt.date(2023, 1, 1)),
    (dt.date(2025, 9, 30), dt.date.max),
    (dt.date.max, dt.date.max),
])
def test_the_engine_assesses_any_date_the_calendar_has_without_overflowing(start, end):
    assessment = assess_range(evidence(), start.isoformat(), end.isoformat())

    assert assessment.segments[0].start == start
    assert assessment.segments[-1].end == end
    assert not any(s.credit_usd for s in assessment.segments
                   if s.start > dt.date(2099, 12, 31) or s.end < dt.date(2023, 1, 1))
