"""Every evidence error carries the English template it was worded from and its parameters:
rendered, they give its `message` exactly, and every template (and every phrase inside one) is
a constant the catalogue extraction finds, so the portal can show the error in another
language. Checked over the sample with mistakes and over files broken in many ways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from filings.evidence import (
    book,
    cells,
    csv_source,
    errors,
    reader,
    schema,
    sheets,
    xlsx_source,
    zip_preflight,
)
from filings.rules.text import Text, text_from_dict
from tests.conftest import DATA
from tests.evidence.factories import EvidenceFiles, errors_of, write_text

MODULES = (book, cells, csv_source, errors, reader, schema, sheets, xlsx_source, zip_preflight)


def _marked_templates() -> set[str]:
    """The module-level templates of the readers (each marked with `N_` where defined)."""
    found: set[str] = set()
    for module in MODULES:
        for name, value in vars(module).items():
            if not re.fullmatch(r"_?[A-Z0-9_]+", name):
                continue
            if isinstance(value, Text):
                found.add(value.template)
            elif isinstance(value, str):
                found.add(value)
            elif isinstance(value, dict):  # the column kinds' rules
                found.update(v for v in value.values() if isinstance(v, str))
            elif isinstance(value, tuple):  # the CSV sniffs' phrases
                found.update(v[1] for v in value if isinstance(v, tuple) and len(v) == 2
                             and isinstance(v[1], str))
    return found


def _templates_in(message: Text) -> Iterator[str]:
    yield message.template
    for _, value in message.params:
        if isinstance(value, Text):
            yield from _templates_in(value)


def _cell_mistakes(folder: Path) -> list[Path]:
    files = EvidenceFiles.valid()
    for row, (column, value) in enumerate([
        ("value_usd", "-1"), ("value_usd", "$12"), ("value_usd", "1,234.5"), ("value_usd", "1e5"),
        ("value_usd", "nan"), ("value_usd", "abc"), ("value_usd", "1.1234567"),
        ("value_usd", "1000000000000"), ("value_usd", "-"), ("extraction_country", "UK"),
        ("extraction_country", "XX"), ("processing_country", "Germany"), ("mineral", "lithum"),
        ("mineral", "unobtainium"), ("feoc", "maybe"), ("supplier", "x" * 300),
        ("supplier", "Bad\u200bName"), ("supplier", "two\nlines"), ("supplier", ""),
        ("line_id", "CM-1"),
    ], start=2):
        files.rows["critical_minerals"].append(list(files.rows["critical_minerals"][1]))
        files.rows["critical_minerals"][-1][0] = f"CM-{100 + row}"
        files.set("critical_minerals", len(files.rows["critical_minerals"]), column, value)
    files.set("vehicle", 2, "model_year", "20x4")
    files.set("vehicle", 2, "vehicle_class", "truck")
    files.set("battery_components", 2, "component_type", "cell")
    return files.write_csv(folder)


def _structure_mistakes(folder: Path) -> list[Path]:
    files = EvidenceFiles.valid()
    files.rows["critical_minerals"][0][0] = "Line ID"
    files.rows["battery_components"][0][2] = "maker"
    files.rows["vins"][0].extend(["vin", "", "notes"])
    files.rows["vins"][1].extend(["", "stray", "x"])
    files.rows["vehicle"].append(list(files.rows["vehicle"][1]))
    paths = files.write_csv(folder)
    write_text(folder / "Extras.csv", "a,b\n1,2\n")
    write_text(folder / "Vehicle_Notes.csv", "a\n1\n")
    return [*paths, folder / "Extras.csv"]


def _unreadable_csvs(folder: Path) -> list[list[Path]]:
    folder.mkdir()
    header = ",".join(schema.VEHICLE.column_names)
    contents = {
        "utf16": "\ufeffmake".encode("utf-16"), "semicolons": header.replace(",", ";").encode(),
        "nul": f"{header}\nA\x00B\n".encode(), "latin1": f"{header}\nCitro\xebn\n".encode("latin-1"),
        "quote": f'{header}\n"Acme,x\n'.encode(), "pdf": b"%PDF-1.7 ...", "zip": b"PK\x03\x04....",
        "badquote": f'{header}\n"Acme"x,1\n'.encode(), "header": b'"make\n,model"x\n',
    }
    uploads = []
    for name, data in contents.items():
        (folder / name).mkdir()
        path = folder / name / "vehicle.csv"
        path.write_bytes(data)
        uploads.append([path])
    return uploads


def _workbook_mistakes(folder: Path) -> list[list[Path]]:
    folder.mkdir()
    hidden = EvidenceFiles.valid().write_xlsx(folder / "hidden.xlsx",
                                              states={"vins": "hidden", "critical_minerals": "veryHidden"})
    formulas = EvidenceFiles.valid().write_xlsx(folder / "formulas.xlsx")
    workbook = load_workbook(formulas)
    workbook["battery_components"]["E2"] = "=1+1"
    workbook["battery_components"]["E2"].number_format = "0%"
    workbook.save(formulas)
    percent = EvidenceFiles.valid().write_xlsx(folder / "percent.xlsx")
    workbook = load_workbook(percent)
    for reference in ("E3", "A3"):
        workbook["battery_components"][reference] = 0.5
        workbook["battery_components"][reference].number_format = "0%"
    workbook["vehicle"]["C2"].number_format = "0%"
    workbook.save(percent)
    not_zip = write_text(folder / "text.xlsx", "make,model\n")
    old = folder / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    truncated = folder / "truncated.xlsx"
    truncated.write_bytes(hidden.read_bytes()[:300])
    return [[hidden], [formulas], [percent], [not_zip], [old], [truncated]]


def _uploads(tmp_path: Path) -> Iterator[tuple[list[Path], dict[str, Any]]]:
    yield [DATA / "mistakes.xlsx"], {}
    yield _cell_mistakes(tmp_path / "cells"), {}
    yield _structure_mistakes(tmp_path / "structure"), {}
    for upload in _unreadable_csvs(tmp_path / "csv"):
        yield upload, {}
    for upload in _workbook_mistakes(tmp_path / "xlsx"):
        yield upload, {}
    (tmp_path / "empty").mkdir()
    yield [tmp_path / "empty"], {}
    yield [], {}
    yield [write_text(tmp_path / "notes.txt", "x"), tmp_path / "gone.csv"], {}
    valid = EvidenceFiles.valid()
    yield [valid.write_xlsx(tmp_path / "a.xlsx"), valid.write_xlsx(tmp_path / "b.xlsx")], {}
    yield valid.write_csv(tmp_path / "small"), {"max_bytes": 20}
    yield valid.write_csv(tmp_path / "rows"), {"max_sheet_rows": 3}
    yield [valid.write_xlsx(tmp_path / "rows.xlsx")], {"max_sheet_rows": 3}
    many = EvidenceFiles.valid()
    many.rows["critical_minerals"][1:] = [[f"CM-{i}", "lithium", "Andes", "CL", "US", "", "-1", "no", "no"]
                                          for i in range(250)]
    yield many.write_csv(tmp_path / "many"), {}
    empty = EvidenceFiles.valid()
    empty.rows["vehicle"] = empty.rows["vehicle"][:1]
    empty.rows["battery_components"] = []
    del empty.rows["critical_minerals"]
    yield empty.write_csv(tmp_path / "headers"), {}


@pytest.fixture(scope="module")
def every_error(tmp_path_factory) -> list[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("broken")
    return [error for upload, options in _uploads(tmp_path) for error in errors_of(upload, **options)]


def test_every_error_renders_from_its_template_to_its_message(every_error):
    assert len(every_error) > 80
    for error in every_error:
        text = text_from_dict(error["template"], error["params"])
        assert text is not None, error
        assert text.render() == error["message"]


def test_every_template_and_phrase_of_an_error_is_a_marked_constant(every_error):
    marked = _marked_templates()
    used = {template for error in every_error
            for template in _templates_in(text_from_dict(error["template"], error["params"]))}

    assert used - marked == set()
    assert len(used) > 60  # the inputs reach most of the readers' messages


def test_a_phrase_inside_an_error_is_translated_with_it():
    make = schema.VEHICLE.columns[0]
    with pytest.raises(cells.CellProblem) as raised:
        cells.parse_text(make, "  ")

    marked = raised.value.text.render(lambda template: f"«{template}»")

    assert marked == "«make is required: fill in the cell («Text, up to 200 characters»)»"
    assert str(raised.value) == "make is required: fill in the cell (Text, up to 200 characters)"
