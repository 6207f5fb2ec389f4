"""One row limit for every sheet, CSV and XLSX alike, with a message that says what was found."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from filings.evidence import SHEETS, ZipLimits, read_evidence, schema_markdown, write_template
from filings.evidence.schema import MAX_SHEET_ROWS
from tests.evidence.factories import EvidenceFiles, errors_of, one_error

FORMS = ["csv", "xlsx"]
COMBINE = (
    "lines with the same mineral, supplier, countries, feoc and impracticable_to_trace are "
    "assessed together, so they may be combined into one line with the summed value_usd"
)


def written(files: EvidenceFiles, tmp_path: Path, form: str) -> list[Path]:
    return files.write_csv(tmp_path) if form == "csv" else [files.write_xlsx(tmp_path / "evidence.xlsx")]


def with_minerals(lines: int) -> EvidenceFiles:
    """The valid evidence with `lines` critical-mineral lines (so `lines + 1` rows)."""
    files = EvidenceFiles.valid()
    minerals = files.rows["critical_minerals"]
    template = minerals[1]
    minerals[1:] = [[f"CM-{i}", *template[1:]] for i in range(1, lines + 1)]
    return files


@pytest.mark.parametrize("form", FORMS)
def test_a_sheet_with_as_many_rows_as_the_limit_is_read(tmp_path, form):
    paths = written(with_minerals(6), tmp_path, form)  # 7 rows, the header included

    evidence = read_evidence(paths, max_sheet_rows=7)

    assert len(evidence.critical_minerals) == 6


@pytest.mark.parametrize(("form", "found"), [("csv", "more than 7"), ("xlsx", "8")])
def test_a_sheet_with_one_row_more_than_the_limit_is_refused_naming_it(tmp_path, form, found):
    paths = written(with_minerals(7), tmp_path, form)  # 8 rows
    name = "critical_minerals.csv" if form == "csv" else "evidence.xlsx"

    errors = errors_of(paths, max_sheet_rows=7)

    assert errors == [
        one_error(
            errors,
            sheet="critical_minerals",
            row=None,
            message=f"{name}: the critical_minerals sheet has {found} rows; at most 7 rows are "
            f"accepted in one sheet (the header row included): {COMBINE}",
        )
    ]
    assert "stray" not in errors[0]["message"]


@pytest.mark.parametrize("form", FORMS)
def test_the_limit_applies_to_every_sheet(tmp_path, form):
    files = EvidenceFiles.valid()
    files.rows["vins"] += [[f"1HGCM82633A00{i:04d}"] for i in range(10)]  # 13 rows

    errors = errors_of(written(files, tmp_path, form), max_sheet_rows=12)

    error = one_error(errors, sheet="vins", message="the vins sheet has")
    assert errors == [error]
    assert error["message"].endswith("at most 12 rows are accepted in one sheet (the header row included)")


@pytest.mark.parametrize("extra", [0, 1])
def test_a_csv_file_over_many_blocks_is_held_to_the_limit_exactly(tmp_path, extra):
    files = EvidenceFiles.valid()
    files.rows["vins"][1:] = [[f"VIN{i:014d}"] for i in range(30_000)]  # ~ 600 kB: many blocks
    paths = files.write_csv(tmp_path)

    if extra:
        errors = errors_of(paths, max_sheet_rows=30_000)
        assert errors == [one_error(errors, sheet="vins", message="has more than 30,000 rows")]
    else:
        assert len(read_evidence(paths, max_sheet_rows=30_001).vins) == 30_000


def test_a_csv_file_read_by_the_csv_module_is_held_to_the_limit(tmp_path):
    files = EvidenceFiles.valid().set("vins", 2, "vin", "1HGCM82633A\n004352")  # a quoted line break
    files.rows["vins"] += [[f"VIN{i:014d}"] for i in range(3000)]

    errors = errors_of(files.write_csv(tmp_path), max_sheet_rows=2000)

    one_error(errors, sheet="vins", message="vins.csv: the vins sheet has more than 2,000 rows")


def test_a_csv_file_over_the_real_limit_is_refused(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["vins"][1:] = [[f"VIN{i:014d}"] for i in range(MAX_SHEET_ROWS)]  # one row too many

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [
        one_error(
            errors, sheet="vins", message=f"has more than {MAX_SHEET_ROWS:,} rows; at most {MAX_SHEET_ROWS:,}"
        )
    ]


def test_a_stray_cell_below_the_limit_is_called_a_stray_cell(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")
    workbook = load_workbook(path)
    workbook["vins"].cell(40, 1, "x")
    workbook.save(path)

    errors = errors_of([path], max_sheet_rows=20)

    assert errors == [
        one_error(
            errors,
            sheet="vins",
            message="evidence.xlsx: the vins sheet's cells span 40 rows by 1 column, but only 4 "
            "rows and 1 column hold any: delete the stray cells far below the data (select the "
            "empty rows or columns past it, right-click, Delete) and upload again; a sheet may "
            "have at most 20 rows and 5,000,000 cells",
        )
    ]


def test_a_stray_cell_far_to_the_right_is_called_a_stray_cell(tmp_path):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")
    workbook = load_workbook(path)
    workbook["vins"].cell(2, 300, "x")
    workbook.save(path)

    errors = errors_of([path], zip_limits=ZipLimits(max_cells_per_sheet=100))

    one_error(
        errors,
        sheet="vins",
        message="the vins sheet's cells span 3 rows by 300 columns, but only 3 rows and 2 columns "
        "hold any: delete the stray cells far to the right of the data",
    )


def test_a_sheet_whose_cells_are_all_used_is_not_told_of_stray_cells(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["vins"] = [[f"c{c}-{r}" for c in range(12)] for r in range(4)]  # 48 cells; minerals 45

    errors = errors_of(
        [files.write_xlsx(tmp_path / "evidence.xlsx")], zip_limits=ZipLimits(max_cells_per_sheet=46)
    )

    assert errors == [
        one_error(
            errors,
            sheet="vins",
            message="evidence.xlsx: the vins sheet has cells in 4 rows by 12 columns (48 cells; at "
            "most 46 are accepted in one sheet): delete the columns that are not part of the evidence",
        )
    ]


def test_a_full_width_sheet_at_the_row_limit_stays_under_the_cell_cap():
    widest = max(len(sheet.columns) for sheet in SHEETS)

    assert MAX_SHEET_ROWS * widest <= ZipLimits().max_cells_per_sheet
    assert MAX_SHEET_ROWS > 100_001  # the benchmark's 100,000 lines (bench/evidence.py) and a header


def test_the_template_and_its_documentation_state_the_limit(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    instructions = [row[0] for row in load_workbook(path)["read_me"].iter_rows(max_row=8, values_only=True)]

    stated = f"Each sheet may have at most {MAX_SHEET_ROWS:,} rows, its header row included."
    assert any(text and text.startswith(stated) for text in instructions)
    assert stated in schema_markdown()


def test_a_csv_file_polars_reads_but_the_csv_module_refuses_is_not_called_too_long(tmp_path):
    # Polars reads the cell '""CM-2""' (as 'CM-2') and counts 9 rows; the csv module stops at
    # its line. The quote check runs beside polars' reading and is waited for before the
    # row limit is reported, so the file is refused for what the csv module finds.
    paths = with_minerals(8).write_csv(tmp_path)
    minerals = next(p for p in paths if p.name == "critical_minerals.csv")
    minerals.write_bytes(minerals.read_bytes().replace(b"CM-2,", b'""CM-2"",', 1))

    errors = errors_of(paths, max_sheet_rows=7)

    error = one_error(errors, sheet="critical_minerals", message="critical_minerals.csv: line 3 is not valid CSV")
    assert errors == [error]
