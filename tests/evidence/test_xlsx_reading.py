"""Workbooks go through fastexcel, typed strictly; calamine is asked only for the cells the
per-cell rules must see typed, or for a sheet whose columns mix types."""

from __future__ import annotations

from unittest import mock

import pytest

from filings.evidence import read_evidence, xlsx_source
from filings.evidence.reader import read_frames
from tests.evidence.factories import EvidenceFiles, errors_of, one_error


@pytest.fixture
def calamine_calls():
    """The sheets read whole with calamine, and the typed-cell look-ups made."""
    calls: dict[str, list[object]] = {"sheets": [], "cells": []}
    whole, cells = xlsx_source._read_with_calamine, xlsx_source._CalamineCells.__call__

    def read_whole(path, name, reader, percent):
        calls["sheets"].append(name)
        return whole(path, name, reader, percent)

    def look_up(self, positions):
        calls["cells"].append(sorted(positions))
        return cells(self, positions)

    with (
        mock.patch.object(xlsx_source, "_read_with_calamine", read_whole),
        mock.patch.object(xlsx_source._CalamineCells, "__call__", look_up),
    ):
        yield calls


def test_a_good_workbook_is_read_without_calamine(tmp_path, calamine_calls):
    path = EvidenceFiles.valid().write_xlsx(tmp_path / "evidence.xlsx")

    frames = read_frames([path])

    assert calamine_calls == {"sheets": [], "cells": []}
    assert frames["critical_minerals"]["row"].to_list() == [2, 3, 4, 5]
    assert read_evidence([path]).vehicle.model_year == 2024


def test_a_bad_number_is_reported_from_its_typed_cell(tmp_path, calamine_calls):
    files = EvidenceFiles.valid().set("battery_components", 3, "value_usd", -2500.5)

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert errors == [one_error(errors, sheet="battery_components", row=3, column="value_usd",
                                value="-2500.5", message="must not be negative")]
    assert calamine_calls["sheets"] == []
    assert calamine_calls["cells"] == [[(3, 4)]]


def test_a_column_of_true_false_cells_is_refused_cell_by_cell(tmp_path, calamine_calls):
    files = EvidenceFiles.valid()
    for row in (2, 3, 4):
        files.set("battery_components", row, "feoc", row == 3)

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert [(e["row"], e["column"]) for e in errors] == [(2, "feoc"), (3, "feoc"), (4, "feoc")]
    assert all("found a TRUE/FALSE value" in e["message"] for e in errors)
    assert calamine_calls["sheets"] == []


def test_a_sheet_mixing_text_and_numbers_in_a_column_is_read_as_calamine_types_it(tmp_path, calamine_calls):
    files = EvidenceFiles.valid().set("battery_components", 2, "component_id", 1001)

    frames = read_frames([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert calamine_calls["sheets"] == ["battery_components"]
    assert frames["battery_components"]["component_id"].to_list() == ["1001", "BC-2", "BC-3"]


def test_an_empty_optional_column_is_read_as_text_without_a_warning_per_read(tmp_path, caplog):
    """recycling_country left empty in every row: fastexcel reads the column as text, as the
    reader wants, and its "Could not determine dtype" warning stays out of the log."""
    files = EvidenceFiles.valid()
    for row in range(2, len(files.rows["critical_minerals"]) + 1):
        files.set("critical_minerals", row, "recycling_country", None)
    path = files.write_xlsx(tmp_path / "evidence.xlsx")

    with caplog.at_level("DEBUG"):
        evidence = read_evidence([path])

    assert {key.recycling_country for key in evidence.critical_minerals.group_keys()} == {None}
    assert not [r for r in caplog.records if r.name.startswith("fastexcel")
                and "determine dtype" in r.getMessage()]
