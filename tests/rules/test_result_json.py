"""The JSON shape of an assessment, which the `assess` command and the portal store."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from filings.rules import REQUIREMENT_IDS
from filings.rules.results import MAX_ROWS_PER_FINDING

from .builders import (
    assess_on,
    assess_range,
    component,
    evidence,
    findings_for,
    make_vin,
    mineral,
    shipped,
)

EXPECTED_REQUIREMENTS = [
    "credit_window",
    "final_assembly",
    "msrp_cap",
    "battery_capacity",
    "gvwr",
    "feoc_battery_components",
    "feoc_critical_minerals",
    "critical_minerals",
    "battery_components",
]


@pytest.fixture(scope="module")
def assessment_json():
    ev = evidence(
        components=[component(10), component(11, country="KR", feoc=True)],
        minerals=[mineral(100), mineral(101, extraction="CN", processing="CN")],
        vins=[make_vin(), "1M8GDM9A1KP042788"],
    )
    return json.loads(json.dumps(assess_range(ev, "2023-01-01", "2026-06-30").to_dict()))


def test_the_json_names_the_rulebook_and_the_period(assessment_json):
    assert assessment_json["rulebook"] == {"id": "us-irc-30d", "version": shipped().version}
    assert assessment_json["placed_in_service"] == {"from": "2023-01-01", "to": "2026-06-30"}
    assert assessment_json["acquired"] == "same day as placed in service"


def test_each_segment_has_its_dates_eligibility_and_whole_dollar_credit(assessment_json):
    segments = assessment_json["segments"]

    assert len(segments) > 1
    for segment in segments:
        assert {"from", "to", "eligible", "credit_usd", "requirements", "findings"} <= set(segment)
        assert type(segment["eligible"]) is bool
        assert type(segment["credit_usd"]) is int
        assert segment["credit_usd"] in {0, 3750, 7500} or segment["from"] < "2023-04-18"
    assert segments[0]["from"] == "2023-01-01"
    assert segments[-1]["to"] == "2026-06-30"


def test_every_segment_reports_exactly_the_nine_requirements_in_order(assessment_json):
    assert list(REQUIREMENT_IDS) == EXPECTED_REQUIREMENTS
    for segment in assessment_json["segments"]:
        assert list(segment["requirements"]) == EXPECTED_REQUIREMENTS
        for requirement in segment["requirements"].values():
            assert type(requirement["applies"]) is bool
            assert requirement["met"] in (True, False, None)
            assert requirement["met"] is None or requirement["applies"]
            assert isinstance(requirement["citation"], str)
            assert len(requirement["citation"]) >= 5


def test_the_share_requirements_carry_their_percentages_and_credit(assessment_json):
    for segment in assessment_json["segments"]:
        for rid in ("critical_minerals", "battery_components"):
            share = segment["requirements"][rid]
            assert type(share["credit_usd"]) is int
            if share["applies"]:
                assert isinstance(share["qualifying_pct"], float)
                assert isinstance(share["required_pct"], float)
            else:
                assert share["qualifying_pct"] is None
                assert share["required_pct"] is None


def test_the_share_percentages_are_none_before_the_tests_apply(assessment_json):
    transitional = assessment_json["segments"][0]["requirements"]

    assert transitional["critical_minerals"]["required_pct"] is None
    assert transitional["critical_minerals"]["qualifying_pct"] is None
    assert transitional["battery_components"]["required_pct"] is None
    assert transitional["battery_components"]["qualifying_pct"] is None
    assert transitional["critical_minerals"]["credit_usd"] == 0


def test_final_assembly_lists_the_invalid_vins(assessment_json):
    for segment in assessment_json["segments"]:
        assert segment["requirements"]["final_assembly"]["invalid_vins"] == ["1M8GDM9A1KP042788"]


def test_findings_name_their_requirement_severity_message_rows_and_template(assessment_json):
    findings = [f for s in assessment_json["segments"] for f in s["findings"]]

    assert findings
    for finding in findings:
        assert set(finding) == {"requirement", "severity", "message", "rows", "template", "params"}
        assert finding["template"]
        assert isinstance(finding["params"], dict)
        assert finding["requirement"] in EXPECTED_REQUIREMENTS
        assert finding["severity"] in {"fail", "warn", "info"}
        assert finding["message"]
        assert all(type(row) is int for row in finding["rows"])


# --- displayed percentages round down ------------------------------------------------------


@pytest.mark.parametrize(
    ("qualifying", "not_qualifying", "shown"),
    [
        ("39999", "60001", 39.99),  # 39.999 %: never shown as 40.00
        ("2", "1", 66.66),  # 66.666... %
        ("99995", "5", 99.99),  # 99.995 %
        ("40", "60", 40.0),
        ("1", "0", 100.0),
        ("0", "1", 0.0),
    ],
)
def test_the_displayed_share_is_rounded_down_to_two_decimals(qualifying, not_qualifying, shown):
    ev = evidence(
        minerals=[
            mineral(100, value=qualifying),
            mineral(101, extraction="CN", processing="CN", value=not_qualifying),
        ]
    )

    result = assess_on(ev, "2023-06-01")

    assert result.requirements["critical_minerals"].details["qualifying_pct"] == shown


def test_a_share_of_39_999_percent_fails_40_percent_and_says_39_99():
    ev = evidence(
        minerals=[mineral(100, value="39999"), mineral(101, extraction="CN", processing="CN", value="60001")]
    )

    result = assess_on(ev, "2023-06-01")

    assert result.requirements["critical_minerals"].met is False
    [fail] = findings_for(result, "critical_minerals", "fail")
    assert fail.message.startswith("39.99 % ")
    assert "40.00" not in fail.message


def test_one_cent_short_on_a_ten_quadrillion_dollar_total_still_fails():
    # 4e15 / (1e16 + 0.01) is 0.4 in binary floating point; the engine must not round it up.
    ev = evidence(
        minerals=[
            mineral(100, value="4000000000000000.00"),
            mineral(101, extraction="CN", processing="CN", value="6000000000000000.01"),
        ]
    )

    result = assess_on(ev, "2023-06-01")

    assert result.requirements["critical_minerals"].met is False
    assert result.requirements["critical_minerals"].details["qualifying_pct"] == 39.99


def test_the_mineral_ledger_keeps_every_digit_of_a_line_value():
    value = Decimal("0.1234567890123456789012345678901")
    ev = evidence(minerals=[mineral(100, value=value)])

    assert [chain.value_usd for _, chain in ev.critical_minerals.chains()] == [value]
    details = assess_on(ev, "2023-06-01").requirements["critical_minerals"].details
    assert Decimal(details["total_value_usd"]) == value


def test_a_finding_lists_at_most_the_first_rows_and_says_how_many_more():
    rows = range(100, 100 + MAX_ROWS_PER_FINDING + 50)
    ev = evidence(minerals=[mineral(row, extraction="CN", processing="CN", value="1") for row in rows])

    result = assess_on(ev, "2023-06-01")

    [info] = findings_for(result, "critical_minerals", "info")
    assert info.rows == tuple(rows)[:MAX_ROWS_PER_FINDING]
    assert f"(first {MAX_ROWS_PER_FINDING} of {len(rows)} rows listed)" in info.message


def test_adding_summed_groups_gives_the_same_ledger_as_line_by_line():
    from filings.rules.inputs import ChainKey, MineralLedger

    key_a = ChainKey("lithium", "AU", "JP", None, False, False)
    key_b = ChainKey("nickel", "ID", "CN", None, True, False, "Refine Co")
    lines = [(2, key_a, Decimal("10.10")), (3, key_b, Decimal("0.01")), (4, key_a, Decimal("5"))]
    one_by_one = MineralLedger()
    for row, key, value in lines:
        one_by_one.add(row, key, value)
    grouped = MineralLedger()
    grouped.add_group(key_a, Decimal("15.10"), [2, 4])
    grouped.add_group(key_b, Decimal("0.01"), [3])
    assert len(grouped) == len(one_by_one) == 3
    assert grouped == one_by_one
    assert [(k, c.value_usd, c.rows) for k, c in grouped.chains()] == \
        [(key_a, Decimal("15.10"), [2, 4]), (key_b, Decimal("0.01"), [3])]


def test_past_fifty_non_qualifying_combinations_the_largest_are_listed_and_the_rest_summed():
    from filings.rules.results import MAX_NOT_COUNTED_LISTED

    countries = ["CN", "ID", "CD", "RU", "IN", "BR", "ZA", "PH"]
    lines = [mineral(100 + i, extraction=countries[i % 8], processing=countries[(i // 8) % 8],
                     name=("lithium", "nickel")[i // 64], value=str(1 + i))
             for i in range(128)]  # 128 combinations, line i worth i + 1 dollars
    result = assess_on(evidence(minerals=lines), "2024-06-01")

    listed = [f for f in findings_for(result, "critical_minerals", "info")
              if f.message.startswith("Not qualifying: ")]
    [rest] = [f for f in findings_for(result, "critical_minerals", "info")
              if f.message.startswith("Not qualifying either")]
    assert len(listed) == MAX_NOT_COUNTED_LISTED
    assert sorted(row for f in listed for row in f.rows) == list(range(100 + 78, 100 + 128))
    assert f"{128 - MAX_NOT_COUNTED_LISTED:,} more combinations" in rest.message
    assert f"${sum(range(1, 79)):,}.00 in 78 line(s)" in rest.message
    assert rest.rows == tuple(range(100, 178))


def test_the_rest_lists_the_first_rows_of_all_its_lines_wherever_they_stand():
    """The summary's rows are the earliest of every line it sums up, also when one
    combination's lines are spread among the others' (checked against all rows, sorted)."""
    import random

    from filings.rules.results import MAX_NOT_COUNTED_LISTED

    rng = random.Random(7)
    countries = ["CN", "ID", "CD", "RU", "IN", "BR", "ZA", "PH", "VN", "TH"]
    combos = [(("lithium", "nickel", "cobalt")[i % 3], countries[i % 10], countries[(i // 10) % 10])
              for i in range(150)]
    rows = list(range(10, 10 + 900))
    rng.shuffle(rows)
    lines = [mineral(row, name=combos[i % 150][0], extraction=combos[i % 150][1],
                     processing=combos[i % 150][2], value=str(rng.randint(1, 500)))
             for i, row in enumerate(rows)]
    result = assess_on(evidence(minerals=sorted(lines, key=lambda line: line.row)), "2024-06-01")

    infos = findings_for(result, "critical_minerals", "info")
    listed = [f for f in infos if f.message.startswith("Not qualifying: ")]
    [rest] = [f for f in infos if f.message.startswith("Not qualifying either")]
    assert len(listed) == MAX_NOT_COUNTED_LISTED
    listed_rows = {row for f in listed for row in f.rows}
    rest_rows = sorted(set(rows) - listed_rows)
    assert rest.rows == tuple(rest_rows[:MAX_ROWS_PER_FINDING])
    assert f"in {len(rest_rows):,} line(s)" in rest.message


def test_a_ledger_handed_its_groups_is_the_ledger_built_line_by_line_and_can_grow():
    from filings.rules.inputs import ChainKey, Groups, MineralLedger

    key_a = ChainKey("lithium", "AU", "JP", None, False, False)
    key_b = ChainKey("nickel", "ID", "CN", None, True, False, "Refine Co")
    whole = MineralLedger.from_groups(
        Groups([key_a, key_b], [Decimal("15.10"), Decimal("0.01")], [0, 2, 3], [2, 4, 3]))
    one_by_one = MineralLedger()
    for row, key, value in [(2, key_a, "10.10"), (3, key_b, "0.01"), (4, key_a, "5")]:
        one_by_one.add(row, key, Decimal(value))
    assert whole == one_by_one
    assert len(whole) == 3
    assert list(whole.group_keys()) == [key_a, key_b]
    assert whole.groups().rows_of(0) == [2, 4]

    whole.add(9, key_b, Decimal("1.00"))
    assert len(whole) == 4
    assert [(k, c.value_usd, c.rows) for k, c in whole.chains()] == \
        [(key_a, Decimal("15.10"), [2, 4]), (key_b, Decimal("1.01"), [3, 9])]
    assert whole.groups().rows_of(1) == [3, 9]
