"""Sheets and headers: missing, unknown, misnamed, duplicated, empty; ids that repeat."""

from __future__ import annotations

import pytest

from tests.evidence.factories import EvidenceFiles, errors_of, one_error, write_text


def test_a_missing_sheet_is_an_error(tmp_path):
    files = EvidenceFiles.valid()
    del files.rows["battery_components"]

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [
        one_error(errors, sheet="battery_components", message="missing sheet 'battery_components'")
    ]


def test_a_missing_csv_file_is_a_missing_sheet(tmp_path):
    files = EvidenceFiles.valid()
    del files.rows["critical_minerals"]

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [one_error(errors, sheet="critical_minerals", message="missing sheet")]


def test_an_unknown_sheet_is_an_error_naming_the_allowed_sheets(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["notes"] = [["anything"]]

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    error = one_error(errors, value="notes", message="unknown sheet 'notes'")
    assert "vehicle, battery_components, critical_minerals, vins" in error["message"]


@pytest.mark.parametrize("name", ["Vehicle", "VEHICLE", " vehicle"])
def test_a_sheet_named_in_the_wrong_case_gets_a_hint(tmp_path, name):
    files = EvidenceFiles.valid()
    files.rows[name] = files.rows.pop("vehicle")

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [one_error(errors, value=name, message="must be named exactly 'vehicle'")]


def test_a_csv_file_named_in_the_wrong_case_gets_a_hint(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path)
    renamed = tmp_path / "Critical_Minerals.csv"
    paths[2].rename(renamed)
    paths[2] = renamed

    errors = errors_of(paths)

    assert errors == [
        one_error(errors, message="file 'Critical_Minerals' must be named exactly 'critical_minerals'")
    ]


def test_an_empty_sheet_is_an_error(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["battery_components"] = []

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [
        one_error(errors, sheet="battery_components", message="the battery_components sheet is empty")
    ]


def test_an_empty_csv_file_is_an_empty_sheet(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path)
    write_text(paths[1], "\r\n\r\n")

    errors = errors_of(paths)

    assert errors == [one_error(errors, sheet="battery_components", message="is empty")]


def test_a_sheet_with_only_a_header_has_no_data_rows(tmp_path):
    files = EvidenceFiles.valid()
    del files.rows["critical_minerals"][1:]

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [one_error(errors, sheet="critical_minerals", message="no data rows")]


def test_a_vins_sheet_with_only_a_header_is_fine(tmp_path):
    from filings.evidence import read_evidence

    files = EvidenceFiles.valid()
    del files.rows["vins"][1:]

    assert read_evidence(files.write_csv(tmp_path)).vins == ()


def test_the_vehicle_sheet_must_have_exactly_one_data_row(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["vehicle"].append([])
    files.rows["vehicle"].append(list(files.rows["vehicle"][1]))

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(errors, sheet="vehicle", message="has 2 data rows (rows 2, 4); it must have exactly one")
    ]


def test_a_missing_column_is_an_error(tmp_path):
    files = EvidenceFiles.valid()
    for row in files.rows["critical_minerals"]:
        del row[5]

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(
            errors, sheet="critical_minerals", row=1, column="recycling_country", message="missing column"
        )
    ]


def test_an_extra_column_is_an_error(tmp_path):
    files = EvidenceFiles.valid()
    for row in files.rows["battery_components"]:
        row.insert(2, "x")
    files.rows["battery_components"][0][2] = "notes"

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(
            errors,
            sheet="battery_components",
            row=1,
            column="notes",
            value="notes",
            message="unknown column in column C",
        )
    ]


def test_a_duplicated_column_is_an_error(tmp_path):
    files = EvidenceFiles.valid()
    for row in files.rows["battery_components"]:
        row.append(row[2])

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(
            errors,
            sheet="battery_components",
            row=1,
            column="supplier",
            message="appears 2 times (columns C, G)",
        )
    ]


@pytest.mark.parametrize(
    ("written", "meant"), [("Line_ID", "line_id"), ("line id", "line_id"), ("Value-USD", "value_usd")]
)
def test_a_column_named_in_the_wrong_case_gets_a_hint(tmp_path, written, meant):
    files = EvidenceFiles.valid()
    header = files.rows["critical_minerals"][0]
    header[header.index(meant)] = written

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(
            errors,
            sheet="critical_minerals",
            row=1,
            column=written,
            message=f"must be named exactly '{meant}'",
        )
    ]


def test_values_in_a_column_without_a_header_are_errors(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["vins"][0].append("")
    files.rows["vins"][2].append("stray")

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [
        one_error(errors, sheet="vins", row=3, column="B", value="stray", message="has no header")
    ]


def test_a_csv_row_with_too_many_cells_is_an_error(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path)
    with paths[3].open("a", encoding="utf-8") as f:
        f.write("1HGCM82633A004399,oops\r\n")

    errors = errors_of(paths)

    assert errors == [
        one_error(errors, sheet="vins", row=4, column="B", value="oops", message="past the last named column")
    ]


@pytest.mark.parametrize(
    ("sheet", "column"), [("critical_minerals", "line_id"), ("battery_components", "component_id")]
)
def test_a_repeated_id_is_an_error_naming_the_first_row(tmp_path, sheet, column):
    files = EvidenceFiles.valid()
    first = files.rows[sheet][1][0]
    files.set(sheet, 4, column, first)

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(errors, sheet=sheet, row=4, column=column, value=first, message="is already used in row 2")
    ]


def test_vins_repeat_after_upper_casing_and_stripping(tmp_path):
    files = EvidenceFiles.valid().set("vins", 3, "vin", " 1hgcm82633a004352")

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(
            errors,
            sheet="vins",
            row=3,
            column="vin",
            value="1HGCM82633A004352",
            message="already used in row 2",
        )
    ]


def test_a_vin_with_a_bad_check_digit_is_left_to_the_engine(tmp_path):
    from filings.evidence import read_evidence

    files = EvidenceFiles.valid().set("vins", 2, "vin", "NOT-A-VIN")

    assert read_evidence(files.write_csv(tmp_path)).vins[0].vin == "NOT-A-VIN"


def test_an_empty_vin_cell_is_an_error(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["vins"][0].append("note")
    files.rows["vins"].append(["", "VIN not known yet"])

    errors = errors_of(files.write_csv(tmp_path))

    one_error(errors, sheet="vins", row=4, column="vin", message="vin is required")


# --- hidden sheets --------------------------------------------------------------------------


def test_a_hidden_evidence_sheet_is_refused_naming_it(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx", states={"vins": "hidden"})

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            sheet="vins",
            row=None,
            column=None,
            message="the sheet is hidden; every sheet of the workbook must be visible, so reviewers "
            "see all that was uploaded: unhide it in Excel (right-click any sheet tab, Unhide) or "
            "delete it, and upload again",
        )
    ]


def test_a_very_hidden_extra_sheet_is_refused_naming_it(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["lookup"] = [["rate"], [0.5]]
    path = files.write_xlsx(tmp_path / "evidence.xlsx", states={"lookup": "veryHidden"})

    errors = errors_of([path])

    error = one_error(
        errors, sheet="lookup", message="the sheet is very hidden (Excel's Unhide does not list it)"
    )
    assert errors == [error]
    assert "copy the visible sheets into a new workbook" in error["message"]
    assert "Visual Basic editor" in error["message"]


def test_every_hidden_sheet_is_named_together_with_formula_cells(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "value_usd", "=100+0.1")
    files.rows["read_me"] = [["notes"]]
    path = files.write_xlsx(
        tmp_path / "evidence.xlsx", states={"read_me": "hidden", "battery_components": "veryHidden"}
    )

    errors = errors_of([path])

    assert len(errors) == 3
    one_error(errors, sheet="read_me", message="the sheet is hidden")
    one_error(errors, sheet="battery_components", message="the sheet is very hidden")
    one_error(errors, sheet="critical_minerals", row=3, column="value_usd", message="holds a formula")


def test_a_workbook_whose_sheets_are_all_visible_is_read(tmp_path):
    from filings.evidence import read_evidence

    files = EvidenceFiles.valid()
    path = files.write_xlsx(tmp_path / "evidence.xlsx", states=dict.fromkeys(files.rows, "visible"))

    assert len(read_evidence([path]).vins) == 2
