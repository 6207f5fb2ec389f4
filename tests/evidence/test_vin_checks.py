"""The reader checks a VIN column with polars (`evidence.vins.vin_checks`); what it finds is
what the engine's own check (`rules.inputs.vin_summary`, a VIN at a time) finds."""

from __future__ import annotations

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from filings.evidence import vins
from filings.evidence.vins import vin_checks
from filings.rules.inputs import Evidence, VinEntry, vin_summary
from tests.rules.builders import VIN_ALPHABET, evidence, make_vin, vehicle, with_check_digit

VALID = st.builds(
    lambda wmi, year, serial: make_vin(wmi=wmi, year_code=year, serial=serial),
    st.sampled_from(["1AC", "1GR", "5YJ", "JTD", "WBA", "LRW", "3FA"]),
    st.sampled_from(list("PRST12")),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)
ANY_VIN_LIKE = st.text(alphabet=VIN_ALPHABET + "IOQ xé-", min_size=0, max_size=19)
VINS = st.one_of(
    VALID,
    VALID.map(lambda v: v[:8] + ("0" if v[8] != "0" else "1") + v[9:]),  # a wrong check digit
    VALID.map(lambda v: v[:4] + "O" + v[5:]),  # a letter VINs never use
    ANY_VIN_LIKE,
    st.text(alphabet=VIN_ALPHABET, min_size=17, max_size=17).map(with_check_digit),
)


def with_vins(vins: list[str], model_year: int) -> Evidence:
    entries = [VinEntry(row, vin) for row, vin in enumerate(vins, start=2)]
    return evidence(vehicle_=vehicle(model_year=model_year), vins=entries)


@settings(max_examples=400, deadline=None)
@given(vins=st.lists(VINS, max_size=30), model_year=st.sampled_from([2023, 2024, 2025]), seed=st.randoms())
@example(vins=[], model_year=2024, seed=None)
@example(vins=[make_vin(), make_vin(year_code="P"), "1ACEV1B2XRA12345"], model_year=2024, seed=None)
def test_the_column_checks_find_what_the_engine_finds(vins, model_year, seed):
    rows = list(enumerate(vins, start=2))
    if seed is not None:
        seed.shuffle(rows)  # the frame's rows in any order
    frame = pl.DataFrame({"row": [r for r, _ in rows], "vin": [v for _, v in rows]},
                         schema={"row": pl.Int64, "vin": pl.String})

    assert vin_checks(frame, model_year) == vin_summary(with_vins(vins, model_year))


def test_only_the_vins_the_column_finds_wrong_are_checked_one_by_one(monkeypatch):
    checked: list[str] = []
    original = vins.vin_problem
    monkeypatch.setattr(vins, "vin_problem", lambda vin: checked.append(vin) or original(vin))
    good = [make_vin(serial=f"{i:06d}") for i in range(100)]
    bad = ["1ACEV1B2XRA12345", good[0][:8] + "X" + good[0][9:]]
    frame = pl.DataFrame({"row": range(2, 104), "vin": good + bad})

    summary = vin_checks(frame, 2024)

    assert checked == bad
    assert [row for row, _, _ in summary.invalid] == [102, 103]
