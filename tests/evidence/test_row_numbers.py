"""Rows are numbered as a spreadsheet shows them: the header is row 1, blank rows count."""

from __future__ import annotations

from openpyxl import Workbook

from filings.evidence import read_evidence
from tests.evidence.factories import EvidenceFiles, errors_of, one_error, write_text


def test_blank_rows_are_skipped_but_keep_their_numbers_in_csv(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["critical_minerals"].insert(2, [])
    files.rows["critical_minerals"].insert(3, [""] * 9)
    files.set("critical_minerals", 6, "value_usd", "bad")  # was row 4 before two blank rows

    errors = errors_of(files.write_csv(tmp_path))

    assert errors == [one_error(errors, sheet="critical_minerals", row=6, column="value_usd")]


def test_blank_rows_keep_their_numbers_in_the_ledger(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["critical_minerals"].insert(2, [])

    ledger = read_evidence(files.write_csv(tmp_path)).critical_minerals

    assert sorted(row for _, chain in ledger.chains() for row in chain.rows) == [2, 4, 5, 6]


def test_blank_rows_keep_their_numbers_in_a_workbook(tmp_path):
    files = EvidenceFiles.valid()
    files.rows["battery_components"].insert(1, [])
    files.rows["battery_components"].insert(1, [])
    files.set("battery_components", 5, "feoc", "unsure")

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [one_error(errors, sheet="battery_components", row=5, column="feoc")]


def test_a_workbook_sheet_starting_lower_down_and_to_the_right_keeps_its_numbers(tmp_path):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in EvidenceFiles.valid().rows.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.cell(r + 4, c + 3, value)  # header on row 4, starting in column C
    workbook["vins"].cell(6, 4, "stray")
    path = tmp_path / "evidence.xlsx"
    workbook.save(path)

    errors = errors_of([path])

    assert errors == [one_error(errors, sheet="vins", row=6, column="D", value="stray")]


def test_lines_before_the_csv_header_count_as_rows(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path)
    write_text(paths[3], "\r\n,\r\nvin\r\n1HGCM82633A004352\r\n\r\n")

    evidence = read_evidence(paths)

    assert [entry.row for entry in evidence.vins] == [4]


def test_a_quoted_cell_spanning_lines_is_one_row(tmp_path):
    paths = EvidenceFiles.valid().write_csv(tmp_path)
    write_text(paths[3], 'vin\r\n"1HGCM82633A\r\n004352"\r\n1HGCM82633A004353\r\nbad\x7f\r\n')

    errors = errors_of(paths)

    assert [(e["row"], e["message"][:40]) for e in errors] == [
        (2, "holds a line break; evidence cells are o"),
        (4, "contains the invisible or control charac"),
    ]


def test_a_file_the_fast_path_gives_up_on_part_way_is_read_afresh_with_each_error_once(
        tmp_path, monkeypatch):
    """The fast path validates slices as polars parses them; when a later slice holds what
    only the csv module reports exactly (here a cell over the line-length limit in row 5),
    the csv module reads the whole file again, and what the first slices found (the bad
    country in row 2) is not left behind as well."""
    from filings.evidence import csv_source

    monkeypatch.setattr(csv_source, "VALIDATE_ROWS", 2)
    files = EvidenceFiles.valid().set("critical_minerals", 2, "extraction_country", "XX")
    files.set("critical_minerals", 5, "supplier", "x" * (csv_source.MAX_LINE_CHARS + 1))
    paths = files.write_csv(tmp_path)

    errors = errors_of(paths)

    assert len(errors) == 1
    assert "line 5 is longer than 1,048,576 characters" in errors[0]["message"]
