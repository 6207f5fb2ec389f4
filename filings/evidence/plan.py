"""A sourcing plan applied to read evidence: "what if these lines came from there instead?"

A manufacturer picks lines (by spreadsheet row) and/or suppliers on one sheet and a new country
for one step of their supply chain; `apply_plan` gives the frames `reader.read_frames` gave
with those cells changed, so the evidence can be assessed as it would be, and the writers give
it back as files the readers accept: the CSV files, or the template workbook filled in (all
lines, or only the changed ones, to send to the suppliers concerned).

A change's country is checked by the readers' own rule for a country cell
(`cells.parse_country`), so a plan can never hold what an upload could not. Every problem of a
plan is collected and raised at once as `PlanInvalid`, each message a translatable `Text`.
Everything is column-wise polars: a plan over 100,000 lines costs no per-line Python.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import polars as pl

from filings.evidence.book import group
from filings.evidence.cells import CellProblem, parse_country
from filings.evidence.frames import MICRO, PLACES, ROW
from filings.evidence.schema import (
    MAX_DECIMAL_PLACES,
    SHEETS,
    SHEETS_BY_NAME,
    Column,
    Kind,
    Sheet,
)
from filings.evidence.sheets import column_letter
from filings.evidence.template import Translate, as_written, write_template
from filings.evidence.zip_preflight import sheet_names
from filings.rules.inputs import Evidence
from filings.rules.rulebook import Rulebook
from filings.rules.text import N_, Text, text

# The step a change moves, and the sheet whose column it is.
STEPS: dict[str, str] = {
    "extraction_country": "critical_minerals",
    "processing_country": "critical_minerals",
    "recycling_country": "critical_minerals",
    "manufacturing_country": "battery_components",
}
# What one plan may hold: enough for any sourcing decision a person takes in one go (a sheet
# holds at most 500,000 rows, and whole suppliers are chosen by name), small enough that a
# plan stored as JSON or posted from a form stays a few megabytes.
MAX_CHANGES = 20
MAX_CHANGE_ROWS = 100_000
MAX_CHANGE_SUPPLIERS = 1_000
_LISTED = 5  # rows or suppliers named in one message
_LARGEST_ROW = 10**9  # beyond any sheet (Excel stops at 1,048,576): a row number, not junk
_SCALE = 10**MAX_DECIMAL_PLACES

_TOO_MANY_CHANGES = N_(
    "the plan has %(count)s changes; at most %(limit)s are accepted: combine the changes that "
    "move one step to the same country")
_UNKNOWN_STEP = N_("change %(number)s: unknown step %(step)s; the steps are %(steps)s")
_NO_SHEET = N_("change %(number)s: the evidence has no %(sheet)s sheet to change")
_COUNTRY_REQUIRED = N_(
    "change %(number)s: %(step)s needs a country: give its ISO 3166-1 alpha-2 code, such as US; "
    "only recycling_country may be left empty (not recycled)")
_BAD_COUNTRY = N_("change %(number)s: %(step)s %(problem)s")
_NOT_A_CODE = N_(
    "change %(number)s: %(step)s %(country)s is not a code the %(sheet)s sheet's %(step)s "
    "column can hold; give another ISO 3166-1 alpha-2 code")
_NO_LINES = N_(
    "change %(number)s selects no lines: give the rows or the suppliers of the %(sheet)s sheet "
    "whose %(step)s is to change")
_TOO_MANY_ROWS = N_(
    "change %(number)s selects %(count)s rows; at most %(limit)s are accepted in one change: "
    "select the lines by supplier, or split the change in two")
_TOO_MANY_SUPPLIERS = N_(
    "change %(number)s selects %(count)s suppliers; at most %(limit)s are accepted in one change: "
    "split the change in two")
_NO_SUCH_ROW = N_(
    "change %(number)s: row %(rows)s is not a line of the %(sheet)s sheet; choose a row that "
    "holds a line (the header is row 1)")
_NO_SUCH_ROWS = N_(
    "change %(number)s: rows %(rows)s are not lines of the %(sheet)s sheet; choose rows that "
    "hold lines (the header is row 1)")
_MORE = N_("%(listed)s and %(more)s more")
_NO_SUCH_SUPPLIER = N_(
    "change %(number)s: no line of the %(sheet)s sheet has the supplier %(supplier)s; give the "
    "supplier exactly as the sheet writes it")
_NO_SUCH_SUPPLIER_GUESS = N_(
    "change %(number)s: no line of the %(sheet)s sheet has the supplier %(supplier)s; give the "
    "supplier exactly as the sheet writes it: did you mean %(guess)s?")
_NO_SUCH_SUPPLIERS = N_(
    "change %(number)s: no line of the %(sheet)s sheet has the suppliers %(suppliers)s; give "
    "each supplier exactly as the sheet writes it")
_NOT_AN_OBJECT = N_(
    "a change must be an object with the fields step, country, rows, suppliers and feoc; found "
    "%(found)s")
_UNKNOWN_FIELDS = N_("a change has the unknown field(s) %(fields)s; its fields are %(known)s")
_MISSING_FIELD = N_("a change needs the field %(field)s")
_WRONG_TYPE = N_("a change's %(field)s must be %(expected)s; found %(found)s")
_STEP_TYPE = N_("text naming a step")
_COUNTRY_TYPE = N_("a country code (text) or null")
_ROWS_TYPE = N_("a list of row numbers (whole numbers from 2 to 1,000,000,000)")
_SUPPLIERS_TYPE = N_("a list of supplier names (text)")
_FIELDS = ("step", "country", "rows", "suppliers", "feoc")
_FEOC_TYPE = N_("true, false or null")


class PlanInvalid(ValueError):
    """The plan cannot be applied; `messages` says every reason (what, where, how to fix)."""

    def __init__(self, messages: Sequence[Text]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(message.render() for message in self.messages))


@dataclass(frozen=True)
class Change:
    """One step of the chosen lines moved to `country`: the rows given, and every line of
    the suppliers given, on the step's sheet. `country` None (or "") only for
    recycling_country, which then reads "not recycled"."""

    step: str
    country: str | None
    rows: frozenset[int] = frozenset()
    suppliers: frozenset[str] = frozenset()
    # The lines' FEOC flag after the move: False when whoever does the step at the new place is
    # not a foreign entity of concern, True when it is, None to keep each line's flag.
    feoc: bool | None = None

    @property
    def sheet(self) -> str | None:
        return STEPS.get(self.step)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, and the same for the same change (rows and suppliers sorted)."""
        return {"step": self.step, "country": self.country, "rows": sorted(self.rows),
                "suppliers": sorted(self.suppliers), "feoc": self.feoc}

    @classmethod
    def from_dict(cls, data: object) -> Change:
        """The change `to_dict` wrote (from stored JSON or a form): each field's type is checked,
        so junk is a PlanInvalid saying what is wrong, never a TypeError later. Whether the
        step, country, rows and suppliers make sense for the evidence, `apply_plan` says."""
        if not isinstance(data, Mapping):
            raise PlanInvalid([text(_NOT_AN_OBJECT, found=_kind_of(data))])
        problems: list[Text] = []
        unknown = sorted(str(key) for key in data if key not in _FIELDS)
        if unknown:
            problems.append(text(_UNKNOWN_FIELDS, fields=", ".join(map(repr, unknown)),
                                 known=", ".join(_FIELDS)))
        for name in ("step", "country"):
            if name not in data:
                problems.append(text(_MISSING_FIELD, field=name))
        step, country = data.get("step"), data.get("country")
        rows, suppliers = data.get("rows", []), data.get("suppliers", [])
        if "step" in data and not isinstance(step, str):
            problems.append(_wrong("step", _STEP_TYPE, step))
        if country is not None and not isinstance(country, str):
            problems.append(_wrong("country", _COUNTRY_TYPE, country))
        if not _is_list_of(rows, _is_row, MAX_CHANGE_ROWS):
            problems.append(_wrong("rows", _ROWS_TYPE, rows))
        if not _is_list_of(suppliers, lambda s: isinstance(s, str), MAX_CHANGE_SUPPLIERS):
            problems.append(_wrong("suppliers", _SUPPLIERS_TYPE, suppliers))
        feoc = data.get("feoc")
        if feoc is not None and not isinstance(feoc, bool):
            problems.append(_wrong("feoc", _FEOC_TYPE, feoc))
        if problems:
            raise PlanInvalid(problems)
        assert isinstance(step, str)
        assert country is None or isinstance(country, str)
        return cls(step, country, frozenset(rows), frozenset(suppliers), feoc)


def _is_row(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _LARGEST_ROW


def _is_list_of(value: object, check: Any, limit: int) -> bool:
    """A list (or tuple) of at most `limit` items that pass `check`. Longer lists are junk
    here: `apply_plan` would refuse them, and checking a million items first helps no one."""
    return isinstance(value, list | tuple) and len(value) <= limit and all(map(check, value))


def _wrong(field: str, expected: str, found: object) -> Text:
    return text(_WRONG_TYPE, field=field, expected=Text(expected), found=_kind_of(found))


def _kind_of(value: object) -> str:
    """What was found, briefly (a long list or text is not quoted whole)."""
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item(s)"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


@dataclass(frozen=True)
class Planned:
    """The evidence as the plan would make it: the same sheets, columns and dtypes, values
    changed; `changed` holds, per sheet, the rows whose value did change (sorted)."""

    frames: dict[str, pl.DataFrame]
    changed: dict[str, tuple[int, ...]]

    def evidence(self) -> Evidence:
        """The engine's Evidence of the planned lines, summed as the readers sum them."""
        return group(self.frames)

    def changed_frames(self) -> dict[str, pl.DataFrame]:
        """Only the changed lines of each sheet (a sheet with none: no rows)."""
        return {name: frame.filter(pl.col(ROW).is_in(list(self.changed.get(name, ()))))
                for name, frame in self.frames.items()}


@dataclass(frozen=True)
class _Edit:
    """A checked change: the cells it selects and the value they take, in the column's dtype."""

    column: str
    selects: pl.Expr
    value: pl.Expr


def apply_plan(frames: Mapping[str, pl.DataFrame], changes: Sequence[Change], *,
               rulebook: Rulebook) -> Planned:
    """The frames with each change applied, in order (a later change to a cell wins).

    Raises PlanInvalid listing every problem of every change (nothing is applied then). A
    line already at the change's country (and flag) is not counted as changed; nor one a later
    change moves back. Frames no change touches are returned as they are.
    """
    del rulebook  # countries come from ISO 3166, not the rulebook; kept for the callers' sake
    problems: list[Text] = []
    if len(changes) > MAX_CHANGES:
        raise PlanInvalid([text(_TOO_MANY_CHANGES, count=str(len(changes)), limit=str(MAX_CHANGES))])
    edits: dict[str, list[_Edit]] = {}
    for number, change in enumerate(changes, start=1):
        edit = _checked(number, change, frames, problems)
        if edit is not None:
            sheet_edits = edits.setdefault(STEPS[change.step], [])
            sheet_edits.append(edit)
            if change.feoc is not None:
                sheet_edits.append(_Edit("feoc", edit.selects, pl.lit(change.feoc)))
    if problems:
        raise PlanInvalid(problems)
    planned = dict(frames)
    changed: dict[str, tuple[int, ...]] = dict.fromkeys(frames, ())
    for sheet, sheet_edits in edits.items():
        planned[sheet], changed[sheet] = _edited(frames[sheet], sheet_edits)
    return Planned(planned, changed)


def _edited(frame: pl.DataFrame, edits: Sequence[_Edit]) -> tuple[pl.DataFrame, tuple[int, ...]]:
    """The frame with the edits made, each column's later edits on top; the changed rows."""
    columns: dict[str, pl.Expr] = {}
    for edit in edits:
        before = columns.get(edit.column, pl.col(edit.column))
        columns[edit.column] = pl.when(edit.selects).then(edit.value).otherwise(before)
    staged = frame.with_columns(expr.alias("__planned_" + name) for name, expr in columns.items())
    differs = pl.any_horizontal(pl.col("__planned_" + name).ne_missing(pl.col(name)) for name in columns)
    rows = staged.filter(differs).get_column(ROW).sort()
    result = staged.select(pl.col("__planned_" + name).alias(name) if name in columns else pl.col(name)
                           for name in frame.columns)
    return result, tuple(rows.to_list())


def _checked(number: int, change: Change, frames: Mapping[str, pl.DataFrame],
             problems: list[Text]) -> _Edit | None:
    """The change as an edit, or None with its problems added."""
    sheet_name = STEPS.get(change.step)
    if sheet_name is None:
        problems.append(text(_UNKNOWN_STEP, number=str(number), step=repr(change.step),
                             steps=", ".join(STEPS)))
        return None
    frame = frames.get(sheet_name)
    if frame is None:
        problems.append(text(_NO_SHEET, number=str(number), sheet=sheet_name))
        return None
    found = len(problems)
    value = _value(number, change, sheet_name, frame.schema[change.step], problems)
    selects = _selection(number, change, sheet_name, frame, problems)
    if len(problems) > found or value is None or selects is None:
        return None
    return _Edit(change.step, selects, value)


def _value(number: int, change: Change, sheet_name: str, dtype: pl.DataType,
           problems: list[Text]) -> pl.Expr | None:
    """The new cell value in the column's dtype, checked as the readers check a country cell."""
    column = next(c for c in SHEETS_BY_NAME[sheet_name].columns if c.name == change.step)
    where = {"number": str(number), "step": change.step}
    country: str | None
    if change.country is None or (isinstance(change.country, str) and not change.country.strip()):
        if column.required:
            problems.append(text(_COUNTRY_REQUIRED, **where))
            return None
        country = None
    else:
        try:
            country = parse_country(column, change.country)
        except CellProblem as problem:
            problems.append(text(_BAD_COUNTRY, **where, problem=problem.text))
            return None
    if country is None:
        return pl.lit(None, dtype=dtype)
    if isinstance(dtype, pl.Enum) and country not in dtype.categories.to_list():
        problems.append(text(_NOT_A_CODE, **where, country=repr(country), sheet=sheet_name))
        return None
    return pl.lit(country, dtype=pl.String).cast(dtype)


def _selection(number: int, change: Change, sheet_name: str, frame: pl.DataFrame,
               problems: list[Text]) -> pl.Expr | None:
    """What selects the change's lines; None (with the problems) if it selects wrongly."""
    where = {"number": str(number), "sheet": sheet_name}
    if not change.rows and not change.suppliers:
        problems.append(text(_NO_LINES, **where, step=change.step))
        return None
    found = len(problems)
    if len(change.rows) > MAX_CHANGE_ROWS:
        problems.append(text(_TOO_MANY_ROWS, number=str(number), count=f"{len(change.rows):,}",
                             limit=f"{MAX_CHANGE_ROWS:,}"))
    if len(change.suppliers) > MAX_CHANGE_SUPPLIERS:
        problems.append(text(_TOO_MANY_SUPPLIERS, number=str(number),
                             count=f"{len(change.suppliers):,}", limit=f"{MAX_CHANGE_SUPPLIERS:,}"))
    if len(problems) > found:
        return None
    lines = frame.get_column(ROW)
    rows = pl.Series(ROW, [r for r in change.rows if _is_row(r)], dtype=pl.Int64).sort()
    missing = rows.filter(~rows.is_in(lines.implode()))
    junk = sorted((repr(r) for r in change.rows if not _is_row(r)), key=len)
    if missing.len() or junk:
        listed = [*junk, *map(str, missing.head(_LISTED).to_list())][:_LISTED]
        count = missing.len() + len(junk)
        shown: Text | str = ", ".join(listed)
        if count > len(listed):
            shown = text(_MORE, listed=", ".join(listed), more=f"{count - len(listed):,}")
        problems.append(text(_NO_SUCH_ROW if count == 1 else _NO_SUCH_ROWS, **where, rows=shown))
    suppliers = pl.Series("supplier", sorted(change.suppliers), dtype=pl.String)
    present = frame.get_column("supplier").unique()
    absent = suppliers.filter(~suppliers.is_in(present.implode())).to_list()
    if len(absent) == 1:
        guess = _guess(absent[0], present)
        supplier = repr(absent[0])
        problems.append(text(_NO_SUCH_SUPPLIER_GUESS, **where, supplier=supplier, guess=repr(guess))
                        if guess else text(_NO_SUCH_SUPPLIER, **where, supplier=supplier))
    elif absent:
        names = ", ".join(map(repr, absent[:_LISTED]))
        named: Text | str = names
        if len(absent) > _LISTED:
            named = text(_MORE, listed=names, more=f"{len(absent) - _LISTED:,}")
        problems.append(text(_NO_SUCH_SUPPLIERS, **where, suppliers=named))
    if len(problems) > found:
        return None
    selects = pl.lit(False)
    if rows.len():
        selects = selects | pl.col(ROW).is_in(rows.implode())
    if suppliers.len():
        selects = selects | pl.col("supplier").is_in(suppliers.implode())
    return selects


def _guess(supplier: str, present: pl.Series) -> str | None:
    """The sheet's supplier written like `supplier` but for case and spacing, if just one is."""
    key = " ".join(supplier.split()).lower()
    written = present.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
    alike: pl.Series = present.filter(written == key)
    return str(alike.item()) if alike.len() == 1 else None


# --- writers ----------------------------------------------------------------------------------


def cell_texts(frame: pl.DataFrame, sheet: Sheet) -> pl.DataFrame:
    """The frame's lines as the cells a person types, in the schema's column order and in row
    order: every cell text the readers read back to the same value (amounts with the decimal
    places as written, from the exact micro-units, never through a float; yes/no as yes/no),
    an empty optional country as null."""
    return frame.sort(ROW).select(_cell_text(column) for column in sheet.columns)


def _cell_text(column: Column) -> pl.Expr:
    name = column.name
    if column.kind is Kind.AMOUNT:
        micro, places = pl.col(name + MICRO), pl.col(name + PLACES).cast(pl.Int64)
        fraction = (micro % _SCALE).cast(pl.String).str.pad_start(MAX_DECIMAL_PLACES, "0")
        decimals = pl.when(places > 0).then("." + fraction.str.slice(0, places)).otherwise(pl.lit(""))
        return pl.concat_str([(micro // _SCALE).cast(pl.String), decimals]).alias(name)
    if column.kind is Kind.YES_NO:
        return pl.when(pl.col(name)).then(pl.lit("yes")).otherwise(pl.lit("no")).alias(name)
    return pl.col(name).cast(pl.String).alias(name)


def write_evidence_csv(folder: Path, frames: Mapping[str, pl.DataFrame]) -> list[Path]:
    """The frames as the CSV files the readers take (vins.csv only when there are VINs):
    `read_evidence([folder])` gives the frames' Evidence, the rows numbered 2, 3, ... in row
    order (the same numbers unless the frames skip some). Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for sheet in SHEETS:
        frame = frames.get(sheet.name)
        if frame is None or (sheet.optional and not frame.height):
            continue
        path = folder / f"{sheet.name}.csv"
        cell_texts(frame, sheet).write_csv(path, include_header=True, null_value="")
        paths.append(path)
    return paths


def write_lines_workbook(path: Path, frames: Mapping[str, pl.DataFrame], *,
                         rulebook: Rulebook | None = None, translate: Translate = as_written,
                         only_rows: Mapping[str, Collection[int]] | None = None) -> None:
    """The evidence template (its read_me, header rows and drop-downs) filled with the frames'
    lines, each cell text (amounts exactly as the frames hold them); with `only_rows`, each
    sheet holds only those rows of its frame (a sheet with none: just its header) - the
    changed lines to send to the suppliers concerned. Whole, `read_evidence([path])` gives
    the frames' Evidence (rows numbered as in `write_evidence_csv`).

    `write_template` writes the template; the lines go into its sheets' XML as inline text
    cells, built column-wise by polars: through openpyxl, 100,000 lines took 13 seconds and
    300 MiB (a Python object per cell), and any text starting with "=" became a formula.
    """
    fills: dict[str, pl.DataFrame] = {}
    for sheet in SHEETS:
        frame = frames.get(sheet.name)
        if frame is None:
            continue
        if only_rows is not None:
            wanted = pl.Series(ROW, list(only_rows.get(sheet.name, ())), dtype=pl.Int64)
            frame = frame.filter(pl.col(ROW).is_in(wanted.implode()))
        if frame.height:
            fills[sheet.name] = cell_texts(frame, sheet)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    template = Path(temporary)
    try:
        write_template(template, rulebook=rulebook, translate=translate)
        with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            parts = {sheet: part for part, sheet in sheet_names(source).items()}
            filled = {parts[sheet]: cells for sheet, cells in fills.items()}
            for entry in source.infolist():
                data = source.read(entry)
                if entry.filename not in filled:
                    target.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
                    continue
                part = zipfile.ZipInfo(entry.filename, entry.date_time)
                part.compress_type = zipfile.ZIP_DEFLATED
                with target.open(part, "w") as stream:
                    _write_filled(stream, data, filled[entry.filename])
    finally:
        template.unlink(missing_ok=True)


_SHEET_DATA_END = b"</sheetData>"
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)1:([A-Z]+)1"/>')


# Text that reads as an escaped character (a workbook's _x0041_ reads "A"): each "_" that
# starts one is written as _x005F_, the escaped "_" (a regex with look-ahead, as the escapes
# may overlap: _x005F_x0041_; only for the rare texts that hold one).
_ESCAPE_LIKE = r"_x[0-9A-Fa-f]{4}_"
_STARTS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _escape_like_kept(cells: pl.DataFrame, name: str) -> pl.Expr:
    column = pl.col(name)
    if not cells.select(column.str.contains(_ESCAPE_LIKE).any()).item():
        return column
    return column.map_elements(lambda value: _STARTS_ESCAPE.sub("_x005F_", value), return_dtype=pl.String,
                               skip_nulls=True)


# Rows turned into XML at a time: the text of a slice, not of the sheet, is held at once.
_XML_ROWS = 1 << 14


def _write_filled(stream: IO[bytes], worksheet: bytes, cells: pl.DataFrame) -> None:
    """The template's worksheet XML (its header row only) with the cells as rows 2, 3, ..."""
    assert worksheet.count(_SHEET_DATA_END) == 1, "the template's sheet has one sheetData"
    last = cells.height + 1
    worksheet = _DIMENSION.sub(lambda m: b'<dimension ref="%s1:%s%d"/>' % (m[1], m[2], last), worksheet,
                               count=1)
    head, _, tail = worksheet.partition(_SHEET_DATA_END)
    stream.write(head)
    for start in range(0, cells.height, _XML_ROWS):
        stream.write(_rows_xml(cells.slice(start, _XML_ROWS), start + 2).encode())
    stream.write(_SHEET_DATA_END + tail)


def _rows_xml(cells: pl.DataFrame, first: int) -> str:
    """The cells as `<row>` elements of inline text cells, numbered from `first` (an empty
    cell left out): inline text is never a formula, and no shared-strings table is needed."""
    number = pl.int_range(first, first + cells.height, dtype=pl.Int64).cast(pl.String)
    row_cells = []
    for index, name in enumerate(cells.columns):
        value = (_escape_like_kept(cells, name).str.replace_all("&", "&amp;", literal=True)
                 .str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True))
        cell = pl.concat_str([pl.lit(f'<c r="{column_letter(index)}'), number,
                              pl.lit('" t="inlineStr"><is><t>'), value, pl.lit("</t></is></c>")])
        row_cells.append(pl.when(pl.col(name).is_null()).then(pl.lit("")).otherwise(cell))
    rows = pl.concat_str([pl.lit('<row r="'), number, pl.lit('">'), *row_cells, pl.lit("</row>")])
    joined = cells.select(rows.str.join("")).item()
    return str(joined or "")
