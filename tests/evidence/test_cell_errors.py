"""Every bad cell gets its own error: sheet, row, column, the value, and how to fix it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.evidence.factories import EvidenceFiles, errors_of, one_error

BAD_CELLS = [
    # sheet, row, column, value, what the message says
    ("vehicle", 2, "model_year", "twenty", "four-digit year"),
    ("vehicle", 2, "model_year", "1979", "from 1980 to 2100"),
    ("vehicle", 2, "vehicle_class", "truck", "one of car, suv, van, pickup"),
    ("vehicle", 2, "msrp_usd", "$54,990", "remove the currency sign"),
    ("vehicle", 2, "msrp_usd", "54,990.00", "thousands separators"),
    ("vehicle", 2, "msrp_usd", "5.499e4", "without an exponent"),
    ("vehicle", 2, "gvwr_lb", "-7200", "must not be negative"),
    ("vehicle", 2, "gvwr_lb", "NaN", "finite"),
    ("vehicle", 2, "battery_capacity_kwh", "inf", "finite"),
    ("vehicle", 2, "battery_capacity_kwh", "1000000000000", "below 1,000,000,000,000"),
    ("vehicle", 2, "battery_capacity_kwh", "82.1234567", "more than 6 decimal places"),
    ("vehicle", 2, "battery_capacity_kwh", "eighty", "plain number such as 1234.56"),
    ("vehicle", 2, "final_assembly_country", "UK", "use GB"),
    ("vehicle", 2, "final_assembly_country", "USA", "use US"),
    ("vehicle", 2, "final_assembly_country", "Germany", "use DE"),
    ("vehicle", 2, "final_assembly_country", "XX", "not an ISO 3166-1 alpha-2"),
    ("vehicle", 2, "make", "", "make is required"),
    ("vehicle", 2, "make", "x" * 201, "at most 200"),
    ("vehicle", 2, "model", "Ridge\u202eline", "U+202E"),
    ("battery_components", 3, "component_type", "Battery Cell", "did you mean 'battery_cell'"),
    ("battery_components", 3, "component_type", "flux_capacitor", "unknown component_type"),
    ("battery_components", 3, "feoc", "maybe", "yes or no"),
    ("battery_components", 3, "feoc", "", "feoc is required"),
    ("battery_components", 3, "value_usd", "", "value_usd is required"),
    ("battery_components", 3, "supplier", "Kathode\tGmbH", "U+0009"),
    ("critical_minerals", 4, "mineral", "litium", "did you mean 'lithium'"),
    ("critical_minerals", 4, "mineral", "uranium", "listed in the read_me sheet"),
    ("critical_minerals", 4, "processing_country", "", "processing_country is required"),
    ("critical_minerals", 4, "impracticable_to_trace", "n", "yes or no"),
    ("critical_minerals", 4, "value_usd", "-0.01", "must not be negative"),
    ("critical_minerals", 4, "line_id", " ", "line_id is required"),
]


@pytest.mark.parametrize(("sheet", "row", "column", "value", "says"), BAD_CELLS)
def test_it_reports_every_bad_cell_with_sheet_row_and_column(tmp_path, sheet, row, column, value, says):
    files = EvidenceFiles.valid().set(sheet, row, column, value)

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [one_error(errors, sheet=sheet, row=row, column=column, message=says)]
    assert errors[0]["value"] == (value if len(value) <= 80 else value[:79] + "…")


def test_it_reports_all_bad_cells_of_a_file_together(tmp_path):
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 2, "mineral", "kryptonite")
    files.set("critical_minerals", 2, "value_usd", "lots")
    files.set("critical_minerals", 5, "feoc", "perhaps")
    files.set("battery_components", 4, "manufacturing_country", "ZZ")

    errors = errors_of(files.write_csv(tmp_path))

    assert {(e["sheet"], e["row"], e["column"]) for e in errors} == {
        ("critical_minerals", 2, "mineral"),
        ("critical_minerals", 2, "value_usd"),
        ("critical_minerals", 5, "feoc"),
        ("battery_components", 4, "manufacturing_country"),
    }


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (True, "TRUE/FALSE"),
        (dt.date(2024, 1, 2), "a date or time"),
        (dt.datetime(2024, 1, 2, 3, 4), "a date or time"),
    ],
)
def test_booleans_and_dates_in_number_columns_are_errors(tmp_path, value, says):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "value_usd", value)

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    one_error(errors, sheet="critical_minerals", row=3, column="value_usd", message=says)


def test_a_boolean_in_a_yes_no_column_is_an_error_not_a_yes(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "feoc", True)

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    one_error(errors, sheet="critical_minerals", row=3, column="feoc", message="TRUE/FALSE")


def test_a_date_in_a_text_column_is_an_error(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "supplier", dt.date(2024, 1, 2))

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    one_error(
        errors,
        sheet="critical_minerals",
        row=3,
        column="supplier",
        value="2024-01-02",
        message="format the cell as text",
    )


def test_workbook_numbers_below_a_cent_that_excel_stores_as_floats_are_checked(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "value_usd", 1e-7)

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    one_error(errors, row=3, column="value_usd", message="more than 6 decimal places")


# --- line breaks ----------------------------------------------------------------------------

LINE_BREAK = (
    "holds a line break; evidence cells are one line each: remove the line break (in Excel, Alt+Enter"
)


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_a_line_break_inside_a_quoted_csv_cell_is_named_as_a_line_break(tmp_path, line_end):
    files = EvidenceFiles.valid().set("battery_components", 3, "supplier", f"Kathode{line_end}GmbH")

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(errors, sheet="battery_components", row=3, column="supplier", message=LINE_BREAK)
    ]
    assert "U+00" not in errors[0]["message"]
    assert (tmp_path / "battery_components.csv").read_text().count('"Kathode') == 1  # quoted, one row


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_line_break_in_a_workbook_cell_is_named_as_a_line_break(tmp_path, line_end):
    files = EvidenceFiles.valid().set("critical_minerals", 4, "supplier", f"Katanga{line_end}Mining")

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [
        one_error(errors, sheet="critical_minerals", row=4, column="supplier", message=LINE_BREAK)
    ]


def test_a_line_break_in_an_identifier_column_is_named_as_a_line_break(tmp_path):
    files = EvidenceFiles.valid().set("vins", 3, "vin", "1HGCM82633A\n004353")

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [one_error(errors, sheet="vins", row=3, column="vin", message=LINE_BREAK)]


def test_other_control_characters_are_still_named_by_code_point(tmp_path):
    files = EvidenceFiles.valid().set("battery_components", 3, "supplier", "Kathode\x0bGmbH")

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [one_error(errors, row=3, column="supplier", message="control character U+000B")]
