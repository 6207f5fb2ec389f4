"""Good evidence, as CSV files or as a workbook, becomes the engine's Evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from filings.evidence import read_evidence
from filings.evidence.reader import read_frames
from filings.rules import assess, load_rulebook
from filings.rules.inputs import BatteryComponent, ChainKey, ComponentLedger, Evidence, Vehicle, VinEntry
from tests.evidence.factories import EvidenceFiles


def chains(evidence: Evidence) -> dict[ChainKey, tuple[Decimal, list[int]]]:
    return {key: (chain.value_usd, chain.rows) for key, chain in evidence.critical_minerals.chains()}


def components(paths) -> tuple[BatteryComponent, ...]:
    """The battery components line by line, as the reader validated them."""
    frame = read_frames(paths)["battery_components"]
    return tuple(
        BatteryComponent(
            line["row"],
            line["component_id"],
            line["component_type"],
            line["supplier"],
            line["manufacturing_country"],
            line["value_usd"],
            line["feoc"],
        )
        for line in frame.iter_rows(named=True)
    )


EXPECTED_VEHICLE = Vehicle(
    "Granite",
    "Ridgeline EV",
    2024,
    "pickup",
    Decimal("54990.00"),
    Decimal("82.5"),
    Decimal("7200"),
    "US",
    row=2,
)
EXPECTED_COMPONENTS = (
    BatteryComponent(2, "BC-1", "battery_cell", "Volta Cells Inc", "US", Decimal("6000.00"), False),
    BatteryComponent(3, "BC-2", "cathode_electrode", "Kathode GmbH", "DE", Decimal("2500.50"), False),
    BatteryComponent(4, "BC-3", "separator", "Sepra, Ltd.", "CA", Decimal("499.50"), False),
)
# The supplier is part of a chain only on FEOC lines (ChainKey).
EXPECTED_CHAINS = {
    ChainKey("lithium", "CL", "US", None, False, False): (Decimal("412.50"), [2, 3]),
    ChainKey("cobalt", "CD", "CN", None, True, False, "Katanga Mining"): (Decimal("250.00"), [4]),
    ChainKey("nickel", "CA", "CA", "US", False, False): (Decimal("80.25"), [5]),
}
EXPECTED_VINS = (VinEntry(2, "1HGCM82633A004352"), VinEntry(3, "1HGCM82633A004353"))


def assert_expected(paths) -> None:
    evidence = read_evidence(paths)
    assert evidence.vehicle == EXPECTED_VEHICLE
    assert components(paths) == EXPECTED_COMPONENTS
    assert evidence.battery_components == ComponentLedger.from_lines(EXPECTED_COMPONENTS)
    assert chains(evidence) == EXPECTED_CHAINS
    assert len(evidence.critical_minerals) == 4
    assert evidence.vins == EXPECTED_VINS


def test_it_reads_a_good_set_of_csv_files(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path)

    assert_expected(paths)


def test_it_reads_a_folder_of_csv_files(tmp_path):
    EvidenceFiles.valid().write_csv(tmp_path / "upload")

    assert_expected([tmp_path / "upload"])


def test_it_reads_a_good_workbook_with_numeric_cells(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")

    evidence = read_evidence([path])

    assert evidence.vehicle.model_year == 2024
    assert components([path])[0].value_usd == Decimal("6000")
    assert chains(evidence) == EXPECTED_CHAINS
    assert evidence.vins == EXPECTED_VINS


def test_it_reads_a_workbook_whose_numbers_are_typed_as_text(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx", numbers=False)

    assert_expected([path])


def test_it_reads_a_folder_holding_one_workbook(tmp_path):
    EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")

    assert read_evidence([tmp_path]).vehicle == EXPECTED_VEHICLE


def test_it_normalises_case_and_surrounding_spaces(tmp_path):
    files = EvidenceFiles.valid()
    files.set("vehicle", 2, "final_assembly_country", " us ")
    files.set("vehicle", 2, "vehicle_class", "Pickup")
    files.set("critical_minerals", 4, "mineral", "COBALT")
    files.set("critical_minerals", 4, "feoc", "Yes")
    files.set("critical_minerals", 5, "recycling_country", "us")
    files.set("battery_components", 2, "component_id", "  BC-1 ")
    files.set("vins", 2, "vin", " 1hgcm82633a004352 ")

    assert_expected(files.write_csv(tmp_path))


def test_spellings_of_the_same_chain_share_one_ledger_entry(tmp_path):
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 3, "mineral", "Lithium")
    files.set("critical_minerals", 3, "processing_country", "us")

    assert chains(read_evidence(files.write_csv(tmp_path))) == EXPECTED_CHAINS


def test_it_converts_workbook_floats_with_excel_precision(tmp_path):
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 2, "value_usd", 0.1 + 0.2)  # 0.30000000000000004 as a float
    files.set("critical_minerals", 3, "value_usd", 1234.56)
    path = files.write_xlsx(tmp_path / "evidence.xlsx")

    lithium = ChainKey("lithium", "CL", "US", None, False, False)
    assert chains(read_evidence([path]))[lithium][0] == Decimal("1234.86")


def test_it_reads_numeric_identifiers_in_a_workbook_as_text(tmp_path):
    files = EvidenceFiles.valid()
    files.set("battery_components", 2, "component_id", 1001)
    files.set("critical_minerals", 2, "line_id", 7)
    path = files.write_xlsx(tmp_path / "evidence.xlsx")

    frames = read_frames([path])

    assert frames["battery_components"]["component_id"][0] == "1001"
    assert frames["critical_minerals"]["line_id"][0] == "7"


def test_it_accepts_a_byte_order_mark_and_unix_line_ends(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path, encoding="utf-8-sig", newline="\n")

    assert_expected(paths)


def test_it_accepts_a_read_me_sheet_and_no_vins_sheet(tmp_path):
    files = EvidenceFiles.valid()
    del files.rows["vins"]
    files.rows["read_me"] = [["anything at all"], ["=not read"]]

    evidence = read_evidence(files.write_csv(tmp_path))

    assert evidence.vins == ()


def test_the_evidence_it_reads_can_be_assessed(tmp_path):
    evidence = read_evidence(EvidenceFiles.valid().write_csv(tmp_path))

    result = assess(evidence, rulebook=load_rulebook(), placed_in_service=dt.date(2024, 6, 1))

    assert result.requirements["msrp_cap"].met is True


@pytest.mark.parametrize("value", ["0", "0.5", ".5", "12.", "999999999999.999999"])
def test_it_accepts_plain_numbers_at_the_edges(tmp_path, value):
    files = EvidenceFiles.valid().set("battery_components", 2, "value_usd", value)

    assert components(files.write_csv(tmp_path))[0].value_usd == Decimal(value)


def test_trailing_zeros_beyond_six_places_are_not_an_error(tmp_path):
    files = EvidenceFiles.valid().set("battery_components", 2, "value_usd", "1.12345600")

    assert components(files.write_csv(tmp_path))[0].value_usd == Decimal("1.123456")
