"""A sourcing plan moves exactly the chosen lines' step, refuses what an upload could not hold,
and the planned evidence written back (CSV or the template workbook) reads as it was planned."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from filings.evidence.plan import (
    MAX_CHANGE_ROWS,
    MAX_CHANGE_SUPPLIERS,
    MAX_CHANGES,
    STEPS,
    Change,
    PlanInvalid,
    apply_plan,
    write_evidence_csv,
    write_lines_workbook,
)
from filings.evidence.reader import read_evidence, read_frames
from filings.evidence.schema import SHEETS_BY_NAME
from filings.rules.rulebook import load_rulebook
from tests.evidence.factories import EvidenceFiles

DATA = Path(__file__).parents[1] / "data"
SAMPLE = DATA / "us-pickup-japan-minerals.xlsx"
RULEBOOK = load_rulebook()
MINERALS = "critical_minerals"


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return read_frames([SAMPLE], rulebook=RULEBOOK)


def plan(frames, *changes):
    return apply_plan(frames, list(changes), rulebook=RULEBOOK)


def column(frame: pl.DataFrame, name: str) -> dict[int, str | None]:
    return dict(zip(frame.get_column("row").to_list(), frame.get_column(name).cast(pl.String).to_list(),
                    strict=True))


def messages(frames, *changes) -> list[str]:
    with pytest.raises(PlanInvalid) as raised:
        plan(frames, *changes)
    return [message.render() for message in raised.value.messages]


# --- what a plan changes ---------------------------------------------------------------------


def test_a_change_moves_the_chosen_rows_step_and_nothing_else(frames):
    before = frames[MINERALS]
    planned = plan(frames, Change("processing_country", "US", frozenset({2, 4})))
    after = planned.frames[MINERALS]

    assert column(after, "processing_country") == column(before, "processing_country") | {2: "US", 4: "US"}
    assert after.drop("processing_country").equals(before.drop("processing_country"))
    assert after.schema == before.schema  # the Enum dtype kept
    assert planned.changed == {"vehicle": (), "battery_components": (), MINERALS: (2, 4), "vins": ()}
    for name in ("vehicle", "battery_components", "vins"):
        assert planned.frames[name] is frames[name]


def test_a_supplier_change_moves_every_line_of_that_supplier_and_rows_add_to_it(frames):
    before = frames[MINERALS]
    planned = plan(frames, Change("extraction_country", "ca", frozenset({3}),
                                  frozenset({"Sulawesi Nickel Tbk"})))

    sulawesi = before.filter(pl.col("supplier") == "Sulawesi Nickel Tbk").get_column("row").to_list()
    assert sulawesi == [4]
    assert column(planned.frames[MINERALS], "extraction_country") == (
        column(before, "extraction_country") | {3: "CA", 4: "CA"})
    assert planned.changed[MINERALS] == (3, 4)


def test_lines_already_at_the_country_are_not_changed(frames):
    assert column(frames[MINERALS], "processing_country")[6] == "US"

    planned = plan(frames, Change("processing_country", "US", frozenset({2, 6})))

    assert planned.changed[MINERALS] == (2,)


def test_a_change_may_set_the_moved_lines_feoc_flag_and_a_flag_alone_is_a_change(frames):
    flags = frames[MINERALS].select("row", "feoc")
    assert dict(flags.iter_rows())[2] is False

    flagged = plan(frames, Change("processing_country", "JP", frozenset({2, 3}), feoc=True))
    assert dict(flagged.frames[MINERALS].select("row", "feoc").iter_rows()) == (
        dict(flags.iter_rows()) | {2: True, 3: True})
    # Rows 2 and 3 are processed in Japan already: only their flags change, and that counts.
    assert flagged.changed[MINERALS] == (2, 3)
    kept = plan(frames, Change("processing_country", "JP", frozenset({2, 3})))
    assert kept.changed[MINERALS] == ()
    assert kept.frames[MINERALS].get_column("feoc").equals(frames[MINERALS].get_column("feoc"))


@pytest.mark.parametrize("feoc", ["no", 0])
def test_a_feoc_flag_that_is_not_true_false_or_null_is_refused(feoc):
    with pytest.raises(PlanInvalid, match="feoc must be true, false or null"):
        Change.from_dict({"step": "processing_country", "country": "JP", "rows": [2], "feoc": feoc})


def test_a_later_change_to_the_same_cell_wins(frames):
    planned = plan(frames,
                   Change("processing_country", "US", frozenset({2, 3})),
                   Change("processing_country", "CA", frozenset({3})))

    assert column(planned.frames[MINERALS], "processing_country")[2] == "US"
    assert column(planned.frames[MINERALS], "processing_country")[3] == "CA"


def test_a_line_moved_and_moved_back_is_not_changed(frames):
    planned = plan(frames,
                   Change("processing_country", "US", frozenset({2, 3})),
                   Change("processing_country", "JP", frozenset({2})))

    assert planned.changed[MINERALS] == (3,)
    assert planned.changed_frames()[MINERALS].get_column("row").to_list() == [3]
    assert planned.changed_frames()["vehicle"].height == 0


def test_recycling_may_be_set_and_emptied(frames):
    planned = plan(frames,
                   Change("recycling_country", "us", frozenset({2})),
                   Change("recycling_country", "", frozenset({9})),
                   Change("recycling_country", None, frozenset({8})))

    recycled = column(planned.frames[MINERALS], "recycling_country")
    assert (recycled[2], recycled[8], recycled[9]) == ("US", None, None)
    assert planned.changed[MINERALS] == (2, 9)  # row 8 was not recycled already


def test_manufacturing_country_moves_battery_components(frames):
    planned = plan(frames, Change("manufacturing_country", "MX", frozenset({3})))

    assert column(planned.frames["battery_components"], "manufacturing_country")[3] == "MX"
    assert planned.changed["battery_components"] == (3,)
    assert planned.frames[MINERALS] is frames[MINERALS]


def test_the_planned_evidence_is_what_the_readers_give_for_the_planned_lines(frames, tmp_path):
    assert plan(frames).evidence() == read_evidence([SAMPLE], rulebook=RULEBOOK)

    planned = plan(frames, Change("processing_country", "US", suppliers=frozenset({"Niassa Graphite Lda"})))
    chain_keys = {key.processing_country for key, _ in planned.evidence().critical_minerals.chains()
                  if key.mineral == "graphite"}
    assert chain_keys == {"US"}


# --- what a plan refuses ---------------------------------------------------------------------


def test_an_unknown_step_is_named_with_the_steps_there_are(frames):
    (message,) = messages(frames, Change("mining_country", "US", frozenset({2})))

    assert "change 1: unknown step 'mining_country'" in message
    assert "extraction_country, processing_country, recycling_country, manufacturing_country" in message


@pytest.mark.parametrize(("country", "expected"), [
    ("XX", "processing_country 'XX' is not an ISO 3166-1 alpha-2 country code"),
    ("UK", "'UK' is not an ISO 3166-1 alpha-2 country code; use GB"),
    ("Japan", "use JP for Japan"),
    ("", "processing_country needs a country"),
    (None, "only recycling_country may be left empty"),
])
def test_a_country_the_readers_would_refuse_is_refused(frames, country, expected):
    (message,) = messages(frames, Change("processing_country", country, frozenset({2})))

    assert message.startswith("change 1: ")
    assert expected in message


def test_a_change_selecting_no_lines_is_refused(frames):
    (message,) = messages(frames, Change("extraction_country", "US"))

    assert message == ("change 1 selects no lines: give the rows or the suppliers of the critical_minerals "
                       "sheet whose extraction_country is to change")


def test_rows_that_are_not_lines_are_named_a_few_at_a_time(frames):
    (one,) = messages(frames, Change("extraction_country", "US", frozenset({2, 1})))
    (many,) = messages(frames, Change("extraction_country", "US", frozenset({2, *range(10, 20)})))

    assert "change 1: row 1 is not a line of the critical_minerals sheet" in one
    assert "rows 10, 11, 12, 13, 14 and 5 more are not lines of the critical_minerals sheet" in many


def test_a_supplier_not_on_the_sheet_is_named(frames):
    (unknown,) = messages(frames, Change("extraction_country", "US", suppliers=frozenset({"Acme Mines"})))
    (guessed,) = messages(frames, Change("extraction_country", "US",
                                         suppliers=frozenset({"pilbara  spodumene pty"})))
    (several,) = messages(frames, Change("manufacturing_country", "US",
                                         suppliers=frozenset({"Pilbara Spodumene Pty", "Acme"})))

    assert "no line of the critical_minerals sheet has the supplier 'Acme Mines'" in unknown
    assert "did you mean 'Pilbara Spodumene Pty'?" in guessed
    # the minerals supplier is not on the battery_components sheet
    assert "battery_components sheet has the suppliers 'Acme', 'Pilbara Spodumene Pty'" in several


def test_a_change_too_large_is_refused_with_the_limit(frames):
    (rows,) = messages(frames, Change("extraction_country", "US", frozenset(range(2, MAX_CHANGE_ROWS + 3))))
    (suppliers,) = messages(frames, Change("extraction_country", "US",
                                           suppliers=frozenset(map(str, range(MAX_CHANGE_SUPPLIERS + 1)))))
    (changes,) = messages(frames, *[Change("extraction_country", "US", frozenset({2}))] * (MAX_CHANGES + 1))

    assert "change 1 selects 100,001 rows; at most 100,000 are accepted in one change" in rows
    assert "change 1 selects 1,001 suppliers; at most 1,000 are accepted in one change" in suppliers
    assert changes.startswith("the plan has 21 changes; at most 20 are accepted")


def test_every_problem_of_every_change_is_given_at_once_and_translatable(frames):
    with pytest.raises(PlanInvalid) as raised:
        plan(frames,
             Change("processing_country", "US", frozenset({2})),
             Change("processing_country", "ZZ", frozenset({99})),
             Change("bogus", "US", frozenset({2})))

    found = raised.value.messages
    assert [m.render()[:9] for m in found] == ["change 2:", "change 2:", "change 3:"]
    assert str(raised.value) == "; ".join(m.render() for m in found)
    assert all("%(number)s" in m.template for m in found)
    assert found[0].render(lambda t: t.replace("change", "Änderung")).startswith("Änderung 2:")


# --- a change as JSON ------------------------------------------------------------------------


def test_a_change_goes_to_json_and_back():
    change = Change("recycling_country", None, frozenset({9, 3}), frozenset({"b", "a"}))

    stored = json.loads(json.dumps(change.to_dict()))

    assert stored == {"step": "recycling_country", "country": None, "rows": [3, 9], "suppliers": ["a", "b"],
                      "feoc": None}
    assert Change.from_dict(stored) == change
    cleared = Change("processing_country", "JP", frozenset({2}), feoc=False)
    assert Change.from_dict(json.loads(json.dumps(cleared.to_dict()))) == cleared


@pytest.mark.parametrize(("data", "expected"), [
    ("processing_country", "a change must be an object with the fields step, country, rows, suppliers and feoc"),
    ({"country": "US"}, "a change needs the field step"),
    ({"step": 3, "country": "US"}, "a change's step must be text naming a step; found 3"),
    ({"step": "x", "country": 1}, "a change's country must be a country code (text) or null; found 1"),
    ({"step": "x", "country": "US", "rows": [2, True]}, "a change's rows must be a list of row numbers"),
    ({"step": "x", "country": "US", "rows": [0]}, "a change's rows must be a list of row numbers"),
    ({"step": "x", "country": "US", "rows": "2"}, "a change's rows must be a list of row numbers"),
    ({"step": "x", "country": "US", "suppliers": [None]}, "a change's suppliers must be a list of supplier"),
    ({"step": "x", "country": "US", "sheet": "vins"}, "a change has the unknown field(s) 'sheet'"),
])
def test_junk_is_refused_saying_what_is_wrong(data, expected):
    with pytest.raises(PlanInvalid) as raised:
        Change.from_dict(data)

    assert expected in str(raised.value)


# --- the planned evidence written back -------------------------------------------------------

SUPPLIERS = ["Andes Lithium SA", "A&B <Mines> _x0041_ Co", "Sal_x005F_x0041_", "Nickel, North Inc.", 'Say "Hi" Mining', "=1+1 Minerals", "Émile & Söhne",
             "123", "Kathode GmbH"]
COUNTRIES = ["US", "CA", "MX", "CL", "CN", "JP", "AU", "CD", "DE"]
AMOUNTS = st.builds(lambda whole, fraction: f"{whole}{fraction}",
                    st.integers(0, 10**12 - 1),
                    st.sampled_from(["", ".", ".5", ".50", ".05", ".123456", ".000001", ".100000"]))


@st.composite
def evidence(draw) -> EvidenceFiles:
    """A small valid filing: minerals and components of a few suppliers, varied amounts."""
    files = EvidenceFiles.valid()
    minerals = draw(st.lists(st.tuples(
        st.sampled_from(["lithium", "nickel", "cobalt", "graphite"]), st.sampled_from(SUPPLIERS),
        st.sampled_from(COUNTRIES), st.sampled_from(COUNTRIES), st.sampled_from(["", *COUNTRIES]),
        AMOUNTS, st.booleans(), st.booleans()), min_size=1, max_size=12))
    files.rows[MINERALS][1:] = [
        [f"CM-{i}", mineral, supplier, extraction, processing, recycling, amount,
         "yes" if feoc else "no", "yes" if hard else "no"]
        for i, (mineral, supplier, extraction, processing, recycling, amount, feoc, hard)
        in enumerate(minerals)]
    components = draw(st.lists(st.tuples(st.sampled_from(SUPPLIERS), st.sampled_from(COUNTRIES), AMOUNTS,
                                         st.booleans()), min_size=1, max_size=5))
    files.rows["battery_components"][1:] = [
        [f"0{i}", "battery_cell", supplier, country, amount, "yes" if feoc else "no"]
        for i, (supplier, country, amount, feoc) in enumerate(components)]
    return files


@st.composite
def changes(draw, frames: dict[str, pl.DataFrame]) -> list[Change]:
    found = []
    for _ in range(draw(st.integers(0, 4))):
        step = draw(st.sampled_from(sorted(STEPS)))
        frame = frames[STEPS[step]]
        rows = draw(st.sets(st.sampled_from(frame.get_column("row").to_list())))
        suppliers = draw(st.sets(st.sampled_from(sorted(set(frame.get_column("supplier").to_list())))))
        if not rows and not suppliers:
            rows = {frame.get_column("row").first()}
        choices = ["", *COUNTRIES] if step == "recycling_country" else COUNTRIES
        found.append(Change(step, draw(st.sampled_from(choices)), frozenset(rows), frozenset(suppliers)))
    return found


def assert_same_frames(read: dict[str, pl.DataFrame], planned: dict[str, pl.DataFrame]) -> None:
    for name, frame in planned.items():
        assert read[name].equals(frame), name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=evidence(), data=st.data())
def test_the_planned_evidence_reads_back_as_planned_from_csv_and_the_workbook(tmp_path_factory, files, data):
    folder = tmp_path_factory.mktemp("plan")
    frames = read_frames(files.write_csv(folder / "in"), rulebook=RULEBOOK)
    planned = apply_plan(frames, data.draw(changes(frames)), rulebook=RULEBOOK)
    expected = planned.evidence()

    written = write_evidence_csv(folder / "csv", planned.frames)
    write_lines_workbook(folder / "lines.xlsx", planned.frames, rulebook=RULEBOOK)

    assert [p.name for p in written] == ["vehicle.csv", "battery_components.csv", "critical_minerals.csv",
                                         "vins.csv"]
    assert read_evidence([folder / "csv"], rulebook=RULEBOOK) == expected
    assert read_evidence([folder / "lines.xlsx"], rulebook=RULEBOOK) == expected
    # the frames themselves too: each amount with its decimal places as written
    assert_same_frames(read_frames([folder / "csv"], rulebook=RULEBOOK), planned.frames)
    assert_same_frames(read_frames([folder / "lines.xlsx"], rulebook=RULEBOOK), planned.frames)


def sheet_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


def test_the_changed_lines_workbook_holds_exactly_the_changed_rows(frames, tmp_path):
    planned = plan(frames,
                   Change("processing_country", "US", frozenset({2, 6, 7})),
                   Change("manufacturing_country", "CA", suppliers=frozenset({"Hokuriku Membrane K.K."})))
    path = tmp_path / "changed.xlsx"

    write_lines_workbook(path, planned.frames, rulebook=RULEBOOK, only_rows=planned.changed)

    minerals = sheet_rows(path, MINERALS)
    assert minerals[0] == SHEETS_BY_NAME[MINERALS].column_names  # the header row
    assert [(r[0], r[4]) for r in minerals[1:]] == [("LI-001", "US"), ("GR-001", "US")]  # row 6 was US
    components = sheet_rows(path, "battery_components")
    assert [(r[2], r[3]) for r in components[1:]] == [("Hokuriku Membrane K.K.", "CA")]
    assert len(sheet_rows(path, "vehicle")) == 1 and len(sheet_rows(path, "vins")) == 1
    assert "read_me" in load_workbook(path, read_only=True).sheetnames


def test_the_sample_workbook_planned_round_trips(frames, tmp_path):
    planned = plan(frames, Change("processing_country", "US", suppliers=frozenset({"Pilbara Spodumene Pty"})),
                   Change("recycling_country", "CA", frozenset({3})))
    write_evidence_csv(tmp_path / "csv", planned.frames)
    write_lines_workbook(tmp_path / "lines.xlsx", planned.frames)

    for path in (tmp_path / "csv", tmp_path / "lines.xlsx"):
        assert read_evidence([path], rulebook=RULEBOOK) == planned.evidence()
        assert_same_frames(read_frames([path], rulebook=RULEBOOK), planned.frames)
    assert planned.evidence() != read_evidence([SAMPLE], rulebook=RULEBOOK)


@pytest.mark.parametrize("supplier", ["=SUM(A1:A2)", "A&B <Mines> Co", "Sal_x0041_ Co", "_x005F_x0041_",
                                      "Café 株式会社"])
def test_a_text_is_written_as_the_same_text(tmp_path, supplier):
    """Not a formula (openpyxl takes text starting with "=" for one), XML escaped, and the
    workbook's own escapes (_x0041_ reads "A" to the readers) escaped in turn."""
    files = EvidenceFiles.valid().set(MINERALS, 2, "supplier", supplier)
    frames = read_frames(files.write_csv(tmp_path / "in"), rulebook=RULEBOOK)

    write_lines_workbook(tmp_path / "lines.xlsx", frames, rulebook=RULEBOOK)

    assert read_frames([tmp_path / "lines.xlsx"], rulebook=RULEBOOK)[MINERALS].item(0, "supplier") == supplier
    assert read_evidence([tmp_path / "lines.xlsx"], rulebook=RULEBOOK) == read_evidence(
        [tmp_path / "in"], rulebook=RULEBOOK)


def test_vins_csv_is_written_only_when_there_are_vins(tmp_path):
    files = EvidenceFiles.valid()
    del files.rows["vins"]
    frames = read_frames(files.write_csv(tmp_path / "in"), rulebook=RULEBOOK)

    written = write_evidence_csv(tmp_path / "out", frames)

    assert [p.name for p in written] == ["vehicle.csv", "battery_components.csv", "critical_minerals.csv"]
    assert read_evidence([tmp_path / "out"], rulebook=RULEBOOK) == read_evidence([tmp_path / "in"],
                                                                                  rulebook=RULEBOOK)


def test_a_country_the_columns_enum_lacks_is_refused_not_cast_to_null(frames):
    narrow = pl.Enum(["JP", "US", "FI", "CA"])
    minerals = frames[MINERALS].with_columns(pl.col("processing_country").cast(pl.String).cast(narrow))

    (message,) = messages({**frames, MINERALS: minerals}, Change("processing_country", "MX", frozenset({2})))
    planned = plan({**frames, MINERALS: minerals}, Change("processing_country", "CA", frozenset({2})))

    assert "processing_country 'MX' is not a code the critical_minerals sheet's processing_country" in message
    assert planned.frames[MINERALS].schema["processing_country"] == narrow
    assert column(planned.frames[MINERALS], "processing_country")[2] == "CA"


def test_the_lines_workbook_has_the_templates_read_me_in_the_language_given(frames, tmp_path):
    write_lines_workbook(tmp_path / "lines.xlsx", frames, translate=lambda template: "¶" + template)

    assert str(sheet_rows(tmp_path / "lines.xlsx", "read_me")[0][0]).startswith("¶Clean vehicle credit")
