"""The blank template and the column documentation, both generated from `schema.SHEETS`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from filings.evidence.schema import MAX_SHEET_ROWS, READ_ME_SHEET, SHEETS, YES_NO, Column, Kind, Sheet
from filings.rules.rulebook import Rulebook, load_rulebook

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl is imported where a template is written, not with the readers: the assessment
# worker and `manage.py assess` never write one, and the import costs a quarter second.

_LAST_ROW = 1_048_576  # Excel's last row: drop-downs cover every data row
_TEXT_KINDS = (Kind.TEXT, Kind.ID, Kind.VIN, Kind.CODE, Kind.COUNTRY, Kind.OPTIONAL_COUNTRY, Kind.YES_NO)
_INSTRUCTIONS = (
    "Clean vehicle credit (IRC 30D) evidence template",
    "Fill in the sheets vehicle (one row), battery_components and critical_minerals; vins is "
    "optional. Keep each sheet's name and header row exactly as they are.",
    "Type plain values: no formulas, no merged cells. Numbers are plain (1234.56): no currency "
    "sign, thousands separator or exponent. Countries are ISO 3166-1 alpha-2 codes (GB, not UK).",
    f"Each sheet may have at most {MAX_SHEET_ROWS:,} rows, its header row included. Keep every "
    "sheet visible: hidden sheets are refused.",
    "You may also upload the sheets as CSV UTF-8 files named after the sheets "
    "(vehicle.csv, battery_components.csv, critical_minerals.csv, vins.csv).",
    "This read_me sheet is ignored when the evidence is read.",
)
_TABLE_HEADER = ("sheet", "column", "required", "rule", "description", "example")


def write_template(path: Path, *, rulebook: Rulebook | None = None) -> None:
    """Write the blank evidence workbook: read_me first, then one sheet per schema sheet."""
    from openpyxl import Workbook

    rulebook = rulebook or load_rulebook()
    workbook = Workbook()
    read_me = workbook.active
    assert read_me is not None
    read_me.title = READ_ME_SHEET
    code_ranges = _write_read_me(read_me, rulebook)
    for sheet in SHEETS:
        _write_sheet(workbook.create_sheet(sheet.name), sheet, code_ranges)
    workbook.save(path)


def _write_read_me(worksheet: Worksheet, rulebook: Rulebook) -> dict[str, str]:
    """Instructions, the column table and the code lists; returns each code list's range."""
    from openpyxl.styles import Font

    for text in _INSTRUCTIONS:
        worksheet.append([text])
    worksheet["A1"].font = Font(bold=True, size=14)
    worksheet.append([])
    worksheet.append(list(_TABLE_HEADER))
    _bold_row(worksheet, worksheet.max_row)
    for sheet in SHEETS:
        for column in sheet.columns:
            worksheet.append(
                [
                    sheet.name,
                    column.name,
                    _required(sheet, column),
                    _rule(column, rulebook),
                    column.description,
                    column.example,
                ]
            )
    worksheet.append([])
    worksheet.append(["Allowed codes (the drop-downs use these lists)"])
    _bold_row(worksheet, worksheet.max_row)
    return _write_code_lists(worksheet, rulebook)


def _write_code_lists(worksheet: Worksheet, rulebook: Rulebook) -> dict[str, str]:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    coded = {c.name: c.allowed_codes(rulebook) for s in SHEETS for c in s.columns if c.kind is Kind.CODE}
    top = worksheet.max_row + 1
    ranges: dict[str, str] = {}
    for index, (name, codes) in enumerate(coded.items(), start=1):
        letter = get_column_letter(index)
        worksheet.cell(top, index, name).font = Font(bold=True)
        for offset, code in enumerate(codes, start=1):
            worksheet.cell(top + offset, index, code)
        ranges[name] = f"'{READ_ME_SHEET}'!${letter}${top + 1}:${letter}${top + len(codes)}"
    for index, width in enumerate((22, 24, 10, 60, 60, 20), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    return ranges


def _write_sheet(worksheet: Worksheet, sheet: Sheet, code_ranges: dict[str, str]) -> None:
    from openpyxl.utils import get_column_letter

    worksheet.append(list(sheet.column_names))
    _bold_row(worksheet, 1)
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        dimension = worksheet.column_dimensions[letter]
        dimension.width = max(len(column.name), len(column.example), 8) + 4
        if column.kind in _TEXT_KINDS:
            dimension.number_format = "@"  # stop Excel turning codes like 1-2 into dates
        choices = f'"{",".join(YES_NO)}"' if column.kind is Kind.YES_NO else code_ranges.get(column.name)
        if choices:
            _drop_down(worksheet, f"{letter}2:{letter}{_LAST_ROW}", choices, column)


def _drop_down(worksheet: Worksheet, cells: str, choices: str, column: Column) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(
        type="list",
        formula1=choices,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"Invalid {column.name}",
        error=f"Choose a {column.name} from the list ({column.rule()})",
    )
    validation.add(cells)
    worksheet.add_data_validation(validation)


def _bold_row(worksheet: Worksheet, row: int) -> None:
    from openpyxl.styles import Font

    for cell in worksheet[row]:
        cell.font = Font(bold=True)


def _required(sheet: Sheet, column: Column) -> str:
    if sheet.optional:
        return "sheet optional"
    return "yes" if column.required else "no"


def _rule(column: Column, rulebook: Rulebook) -> str:
    codes = column.allowed_codes(rulebook) if column.kind is Kind.CODE else ()
    if codes and len(codes) <= 10:
        return f"{column.rule()} Codes: {', '.join(codes)}."
    if codes:
        return f"{column.rule()} {len(codes)} codes, listed below."
    return column.rule()


def schema_markdown(*, rulebook: Rulebook | None = None) -> str:
    """The template's sheets and columns as Markdown, for the documentation."""
    rulebook = rulebook or load_rulebook()
    lines = [
        "# Evidence template",
        "",
        f"Each sheet may have at most {MAX_SHEET_ROWS:,} rows, its header row included.",
        "",
    ]
    for sheet in SHEETS:
        lines += [
            f"## `{sheet.name}`{' (optional)' if sheet.optional else ''}",
            "",
            sheet.description,
            "",
            "| column | required | rule | description | example |",
            "|---|---|---|---|---|",
        ]
        for column in sheet.columns:
            rule = _rule(column, rulebook).replace("listed below", "listed in the read_me sheet")
            lines.append(
                f"| `{column.name}` | {_required(sheet, column)} | {rule} | "
                f"{column.description} | `{column.example}` |"
            )
        lines.append("")
    return "\n".join(lines)
