"""A number formatted as a percentage is refused: Excel shows 50% where the cell holds 0.5."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from filings.evidence import read_evidence
from filings.evidence.reader import read_frames
from tests.evidence.factories import EvidenceFiles, errors_of, one_error

DOLLARS = "amounts are entered as plain US dollar numbers, such as 1250.00: format the cell as Number and type the amount in dollars"


def formatted(tmp_path: Path, cells: dict[tuple[str, str], str], files: EvidenceFiles | None = None) -> Path:
    """A workbook whose cells (sheet, reference) have the given number formats."""
    path = (files or EvidenceFiles.valid()).write_xlsx(tmp_path / "evidence.xlsx")
    workbook = load_workbook(path)
    for (sheet, reference), number_format in cells.items():
        workbook[sheet][reference].number_format = number_format
    workbook.save(path)
    return path


def test_an_amount_formatted_as_a_percentage_is_refused_naming_the_cell_and_what_it_shows(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "value_usd", 0.5)
    path = formatted(tmp_path, {("critical_minerals", "G3"): "0%"}, files)

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            sheet="critical_minerals",
            row=3,
            column="value_usd",
            value="50%",
            message=f"cell G3 is formatted as a percentage, so Excel shows 50% for the number 0.5; {DOLLARS}",
        )
    ]


@pytest.mark.parametrize(
    "number_format", ["0.00%", "0.0%", "#,##0.0%;[Red]-0.0%", '"rate "0%', "0 %", "[>=1]0%;0.0%"]
)
def test_every_percentage_format_is_refused(tmp_path, number_format):
    files = EvidenceFiles.valid().set("battery_components", 4, "value_usd", 0.125)
    path = formatted(tmp_path, {("battery_components", "E4"): number_format}, files)

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors, sheet="battery_components", row=4, column="value_usd", value="12.5%", message=DOLLARS
        )
    ]


@pytest.mark.parametrize("number_format", ['0.00" %"', "0.00\\%", "0.00_%", "0.00*%", "[$%-409]0.00", "0.00"])
def test_a_percent_sign_that_does_not_scale_the_number_is_not_a_percentage(tmp_path, number_format):
    files = EvidenceFiles.valid().set("battery_components", 4, "value_usd", 0.125)
    path = formatted(tmp_path, {("battery_components", "E4"): number_format}, files)

    components = read_frames([path])["battery_components"]

    assert components["value_usd"][2] == Decimal("0.125")


@pytest.mark.parametrize(
    ("reference", "column", "shown", "says"),
    [
        (
            "C2",
            "model_year",
            "202400%",
            "model_year is a four-digit year: format the cell as Number and type the year",
        ),
        (
            "F2",
            "battery_capacity_kwh",
            "8250%",
            "battery_capacity_kwh is entered as a plain number, such as 82.5: format the cell as Number",
        ),
        ("E2", "msrp_usd", "5499000%", DOLLARS),
    ],
)
def test_each_number_column_says_what_it_takes(tmp_path, reference, column, shown, says):
    path = formatted(tmp_path, {("vehicle", reference): "0%"})

    errors = errors_of([path])

    error = one_error(errors, sheet="vehicle", row=2, column=column, value=shown, message=says)
    assert errors == [error]
    assert (
        f"cell {reference} is formatted as a percentage, so Excel shows {shown} for the number"
        in error["message"]
    )


def test_a_number_formatted_as_a_percentage_in_a_text_column_is_refused(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 2, "supplier", 0.25)
    path = formatted(tmp_path, {("critical_minerals", "C2"): "0%"}, files)

    errors = errors_of([path])

    assert errors == [
        one_error(
            errors,
            sheet="critical_minerals",
            row=2,
            column="supplier",
            value="25%",
            message="cell C2 is formatted as a percentage, so Excel shows 25% for the number 0.25; "
            "supplier takes text: format the cell as Text and type the text",
        )
    ]


def test_text_and_empty_cells_in_percentage_formats_are_read(tmp_path):
    path = formatted(
        tmp_path,
        {
            ("critical_minerals", "C2"): "0%",  # text: 'Andes Lithium SA'
            ("critical_minerals", "F2"): "0%",  # empty recycling_country
            ("critical_minerals", "G30"): "0%",  # an empty cell below the data
            ("read_me", "A1"): "0%",
        },
        _with_read_me(EvidenceFiles.valid(), [[0.5]]),
    )

    evidence = read_evidence([path])

    assert len(evidence.critical_minerals) == 4


def test_percentages_outside_the_evidence_sheets_do_not_matter(tmp_path):
    path = formatted(
        tmp_path, {("read_me", "A2"): "0%"}, _with_read_me(EvidenceFiles.valid(), [["rate"], [0.5]])
    )

    assert read_evidence([path]).vehicle.make == "Granite"


def test_every_percentage_cell_is_reported_with_the_other_errors(tmp_path):
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 2, "value_usd", 0.1).set("critical_minerals", 5, "value_usd", 0.2)
    files.set("critical_minerals", 4, "feoc", "maybe")
    path = formatted(
        tmp_path, {("critical_minerals", "G2"): "0%", ("critical_minerals", "G5"): "0.00%"}, files
    )

    errors = errors_of([path])

    assert [(e["row"], e["column"], e["value"]) for e in errors] == [
        (2, "value_usd", "10%"),
        (4, "feoc", "maybe"),
        (5, "value_usd", "20%"),
    ]


# --- workbooks written otherwise -------------------------------------------------------------


def rewritten(path: Path, change: dict[str, Callable[[bytes], bytes]]) -> Path:
    """`path` with some parts passed through functions of their bytes."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change[info.filename](data) if info.filename in change else data)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    names = load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def test_a_default_style_that_shows_percentages_makes_every_plain_number_one(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")
    styles = zipfile.ZipFile(path).read("xl/styles.xml")
    assert b'<cellXfs count="1"><xf numFmtId="0"' in styles  # openpyxl's: one format, for style 0
    rewritten(
        path,
        {
            "xl/styles.xml": lambda xml: xml.replace(
                b'<cellXfs count="1"><xf numFmtId="0"', b'<cellXfs count="1"><xf numFmtId="9"'
            )
        },
    )

    errors = errors_of([path])

    one_error(errors, sheet="vehicle", row=2, column="msrp_usd", value="5499000%")
    one_error(errors, sheet="critical_minerals", row=5, column="value_usd", value="8025%")
    assert all("formatted as a percentage" in e["message"] for e in errors)


@pytest.mark.parametrize(
    "attribute",
    [lambda s: b"s='" + s + b"'", lambda s: b's="0' + s + b'"', lambda s: b's = "' + s + b'"'],
    ids=["single-quoted", "leading-zero", "spaced"],
)
def test_a_style_written_unusually_is_still_found(tmp_path, attribute):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "value_usd", 0.5)
    path = formatted(tmp_path, {("critical_minerals", "G3"): "0%"}, files)
    part = sheet_part(path, "critical_minerals")
    xml = zipfile.ZipFile(path).read(part)
    style = re.search(rb'<c r="G3" s="([0-9]+)"', xml)
    assert style is not None
    rewritten(
        path, {part: lambda data: data.replace(style.group(0), b'<c r="G3" ' + attribute(style.group(1)))}
    )

    errors = errors_of([path])

    assert errors == [
        one_error(errors, row=3, column="value_usd", value="50%", message="formatted as a percentage")
    ]


def test_a_percentage_in_a_namespace_prefixed_sheet_is_found(tmp_path):
    files = EvidenceFiles.valid().set("critical_minerals", 3, "value_usd", 0.5)
    path = formatted(tmp_path, {("critical_minerals", "G3"): "0%"}, files)
    part = sheet_part(path, "critical_minerals")

    def prefixed(xml: bytes) -> bytes:
        xml = re.sub(rb"<(/?)([A-Za-z]+)", rb"<\1x:\2", xml)
        return xml.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")

    rewritten(path, {part: prefixed})

    errors = errors_of([path])

    assert errors == [
        one_error(errors, row=3, column="value_usd", value="50%", message="formatted as a percentage")
    ]


def _with_read_me(files: EvidenceFiles, rows: list[list[object]]) -> EvidenceFiles:
    files.rows["read_me"] = rows
    return files
