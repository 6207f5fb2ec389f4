"""The blank template is generated from the schema, and what it describes reads back."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from filings.evidence import SHEETS, read_evidence, schema_markdown, write_template
from filings.evidence.reader import read_frames
from filings.rules import load_rulebook
from tests.evidence.factories import VINS, errors_of, fill_in_template, one_error


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    return path


def test_the_template_has_a_read_me_and_every_sheet_with_its_header(template):
    workbook = load_workbook(template)

    assert workbook.sheetnames == ["read_me", *[sheet.name for sheet in SHEETS]]
    for sheet in SHEETS:
        worksheet = workbook[sheet.name]
        header = [cell.value for cell in worksheet[1]]
        assert header == list(sheet.column_names)
        assert all(cell.font.bold for cell in worksheet[1])
        assert worksheet.freeze_panes == "A2"
        assert all(worksheet.column_dimensions[c.column_letter].width >= 10 for c in worksheet[1])


def test_the_template_offers_drop_downs_for_codes_and_yes_no(template):
    workbook = load_workbook(template)
    rulebook = load_rulebook()

    for sheet in SHEETS:
        validations = {
            str(v.sqref).split(":")[0]: v.formula1
            for v in workbook[sheet.name].data_validations.dataValidation
        }
        for index, column in enumerate(sheet.columns):
            letter = chr(65 + index)
            codes = column.allowed_codes(rulebook)
            if not codes:
                assert f"{letter}2" not in validations
            elif column.kind.name == "YES_NO":
                assert validations[f"{letter}2"] == '"yes,no"'
            else:
                listed = [
                    cell.value
                    for row in workbook["read_me"][validations[f"{letter}2"].split("!")[1]]
                    for cell in row
                ]
                assert listed == list(codes)


def test_read_me_describes_every_column(template):
    read_me = load_workbook(template)["read_me"]
    described = {(row[0], row[1]): row[4] for row in read_me.iter_rows(values_only=True)}

    for sheet in SHEETS:
        for column in sheet.columns:
            assert described[(sheet.name, column.name)] == column.description


def test_the_blank_template_reads_as_three_empty_sheets(template):
    errors = errors_of([template])

    assert len(errors) == 3
    for name in ("vehicle", "battery_components", "critical_minerals"):
        one_error(errors, sheet=name, message="has a header but no data rows")


def test_a_filled_in_template_reads_back(template):
    fill_in_template(template)

    evidence = read_evidence([template])

    assert evidence.vehicle.vehicle_class == "pickup"
    assert read_frames([template])["battery_components"]["component_id"].to_list() == ["BC-1", "BC-2", "BC-3"]
    assert len(evidence.battery_components) == 3
    assert len(evidence.critical_minerals) == 4
    assert [v.vin for v in evidence.vins] == VINS


def test_the_command_writes_the_template(tmp_path):
    path = tmp_path / "out.xlsx"
    out = io.StringIO()

    call_command("evidence_template", str(path), stdout=out)

    assert load_workbook(path).sheetnames[0] == "read_me"
    assert str(path) in out.getvalue()


def test_the_command_wants_an_xlsx_name(tmp_path):
    with pytest.raises(CommandError, match=r"ending in \.xlsx"):
        call_command("evidence_template", str(tmp_path / "out.csv"))


def test_the_column_documentation_names_every_column():
    out = io.StringIO()
    call_command("evidence_template", "--markdown", stdout=out)

    assert out.getvalue().strip() == schema_markdown().strip()
    for sheet in SHEETS:
        for column in sheet.columns:
            assert f"| `{column.name}` |" in out.getvalue()
