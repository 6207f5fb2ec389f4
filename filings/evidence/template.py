"""The blank template and the column documentation, both generated from `schema.SHEETS`.

The template's read_me is written in the language of the `translate` it is given (the portal
passes Django's gettext; this package imports no Django). Its texts are marked for the portal's
catalogue: `N_` here, and each column's description in the schema (portal/translations.py
extracts both). Sheet names, column names and codes are identifiers and never translated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from filings.evidence.schema import MAX_SHEET_ROWS, READ_ME_SHEET, SHEETS, YES_NO, Column, Kind, Sheet
from filings.rules.rulebook import Rulebook, load_rulebook
from filings.rules.text import N_  # marks a text for the catalogue; `translate` translates it

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Translate = Callable[[str], str]


def as_written(text: str) -> str:
    """The `translate` that leaves a text in English, as the schema writes it."""
    return text


# openpyxl is imported where a template is written, not with the readers: the assessment
# worker and `manage.py assess` never write one, and the import costs a quarter second.

_LAST_ROW = 1_048_576  # Excel's last row: drop-downs cover every data row
_TEXT_KINDS = (Kind.TEXT, Kind.ID, Kind.VIN, Kind.CODE, Kind.COUNTRY, Kind.OPTIONAL_COUNTRY, Kind.YES_NO)
_INSTRUCTIONS = (
    N_("Clean vehicle credit (IRC 30D) evidence template"),
    N_("Fill in the sheets vehicle (one row), battery_components and critical_minerals; vins is "
       "optional. Keep each sheet's name and header row exactly as they are."),
    N_("Type plain values: no formulas, no merged cells. Numbers are plain (1234.56): no currency "
       "sign, thousands separator or exponent. Countries are ISO 3166-1 alpha-2 codes (GB, not UK)."),
    N_("Each sheet may have at most {max_rows} rows, its header row included. Keep every sheet "
       "visible: hidden sheets are refused."),
    N_("You may also upload the sheets as CSV UTF-8 files named after the sheets "
       "(vehicle.csv, battery_components.csv, critical_minerals.csv, vins.csv)."),
    N_("This read_me sheet is ignored when the evidence is read."),
)
_TABLE_HEADER = (N_("sheet"), N_("column"), N_("required"), N_("rule"), N_("description"),
                 N_("example"))


def write_template(path: Path, *, rulebook: Rulebook | None = None,
                   translate: Translate = as_written) -> None:
    """Write the blank evidence workbook: read_me first, then one sheet per schema sheet. The
    read_me's texts and the drop-downs' messages go through `translate` (English as written
    when none is given); the sheets' header rows are the schema's column names."""
    from openpyxl import Workbook

    rulebook = rulebook or load_rulebook()
    workbook = Workbook()
    read_me = workbook.active
    assert read_me is not None
    read_me.title = READ_ME_SHEET
    code_ranges = _write_read_me(read_me, rulebook, translate)
    for sheet in SHEETS:
        _write_sheet(workbook.create_sheet(sheet.name), sheet, code_ranges, translate)
    workbook.save(path)


def _write_read_me(worksheet: Worksheet, rulebook: Rulebook, translate: Translate) -> dict[str, str]:
    """Instructions, the column table and the code lists; returns each code list's range."""
    from openpyxl.styles import Font

    for text in _INSTRUCTIONS:
        worksheet.append([translate(text).format(max_rows=f"{MAX_SHEET_ROWS:,}")])
    worksheet["A1"].font = Font(bold=True, size=14)
    worksheet.append([])
    worksheet.append([translate(text) for text in _TABLE_HEADER])
    _bold_row(worksheet, worksheet.max_row)
    for sheet in SHEETS:
        for column in sheet.columns:
            worksheet.append(
                [
                    sheet.name,
                    column.name,
                    _required(sheet, column, translate),
                    _rule(column, rulebook, translate),
                    translate(column.description),
                    column.example,
                ]
            )
    worksheet.append([])
    worksheet.append([translate(N_("Allowed codes (the drop-downs use these lists)"))])
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


def _write_sheet(worksheet: Worksheet, sheet: Sheet, code_ranges: dict[str, str],
                 translate: Translate) -> None:
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
            _drop_down(worksheet, f"{letter}2:{letter}{_LAST_ROW}", choices, column, translate)


def _drop_down(worksheet: Worksheet, cells: str, choices: str, column: Column,
               translate: Translate) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(
        type="list",
        formula1=choices,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=translate(N_("Invalid {column}")).format(column=column.name),
        error=translate(N_("Choose a {column} from the list ({rule})")).format(
            column=column.name, rule=_kind_rule(column, translate)),
    )
    validation.add(cells)
    worksheet.add_data_validation(validation)


def _bold_row(worksheet: Worksheet, row: int) -> None:
    from openpyxl.styles import Font

    for cell in worksheet[row]:
        cell.font = Font(bold=True)


def _required(sheet: Sheet, column: Column, translate: Translate = as_written) -> str:
    if sheet.optional:
        return translate(N_("sheet optional"))
    return translate(N_("yes")) if column.required else translate(N_("no"))


def _kind_rule(column: Column, translate: Translate) -> str:
    """`column.rule()` in the reader's language: the schema's rule (a catalogue template, as
    the error messages quote it) with the column's limits, and a full stop."""
    return translate(N_("%(rule)s.")) % {"rule": column.rule_text().render(translate)}


def _rule(column: Column, rulebook: Rulebook, translate: Translate = as_written) -> str:
    codes = column.allowed_codes(rulebook) if column.kind is Kind.CODE else ()
    rule = _kind_rule(column, translate)
    if codes and len(codes) <= 10:
        return translate(N_("{rule} Codes: {codes}.")).format(rule=rule, codes=", ".join(codes))
    if codes:
        return translate(N_("{rule} {count} codes, listed below.")).format(rule=rule,
                                                                          count=len(codes))
    return rule


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
