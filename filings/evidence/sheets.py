"""One sheet: its header row checked against the schema, then its rows validated as frames.

A source (CSV or XLSX) hands each sheet its header row, then its rows as one polars frame
(`frames.validate` checks them a column at a time). Rows are numbered as a spreadsheet shows
them; fully blank rows are skipped but keep their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import polars as pl

from filings.evidence.errors import ErrorLog, format_cell
from filings.evidence.frames import MICRO, PLACES, ROW, TypedCells, blank, blank_rows, validate
from filings.evidence.schema import Column, Kind, Sheet
from filings.rules.rulebook import Rulebook
from filings.rules.text import N_, Text, text

# Rows validated at a time: large enough for polars to spread over the cores, small enough
# that the intermediate columns of a million-row sheet do not all exist at once.
VALIDATE_ROWS = 1 << 17

Cells = Sequence[object]

_NAMED_EXACTLY = N_("column %(letter)s must be named exactly %(name)s (lower case, words joined by _)")
_UNKNOWN_COLUMN = N_(
    "unknown column in column %(letter)s; delete it or rename it. This sheet's columns are: "
    "%(columns)s")
_MISSING_COLUMN = N_("missing column %(name)s: add it to the header row (%(rule)s)")
_DUPLICATED_COLUMN = N_("column %(name)s appears %(count)s times (columns %(letters)s); keep one")
_EMPTY_SHEET = N_(
    "the %(sheet)s sheet is empty: it needs the header row (%(columns)s) and one data row")
_EMPTY_SHEET_ROWS = N_(
    "the %(sheet)s sheet is empty: it needs the header row (%(columns)s) and at least one data row")
_PAST_LAST_COLUMN = N_(
    "value in column %(letter)s, past the last named column (%(last)s): delete it, or check for "
    "a stray comma")
_NO_HEADER = N_(
    "value in column %(letter)s, which has no header: delete it, or name the column if it "
    "belongs to the template")
_NO_DATA_ROW = N_("the %(sheet)s sheet has a header but no data rows: fill in row 2")
_NO_DATA_ROWS = N_("the %(sheet)s sheet has a header but no data rows: add at least one row")
_NOT_UNIQUE = N_("%(column)s %(value)s is already used in row %(row)s; each %(column)s must be unique")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def normalised_name(name: str) -> str:
    """How a near miss was probably meant: 'Line ID' -> 'line_id'."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


class SheetReader:
    """Reads one sheet: checks its header, then validates and collects its rows."""

    def __init__(self, sheet: Sheet, rulebook: Rulebook, errors: ErrorLog) -> None:
        self.sheet = sheet
        self.errors = errors
        self.rulebook = rulebook
        self.seen = False
        self.usable = False  # every expected column found exactly once
        self.data_row_count = 0
        self.first_data_rows: list[int] = []  # a few, for messages
        self.first_column = 0  # XLSX readers may start at a later column
        self.names: list[str] = []
        self._positions: list[int] = []
        self._unnamed: list[int] = []
        self._column_at: dict[int, Column] = {}  # file column index -> schema column
        self.frames: list[pl.DataFrame] = []  # validated rows
        self._ids: list[pl.DataFrame] = []  # row, id: each valid id, for the uniqueness check

    def snapshot(self) -> dict[str, object]:
        """What the reader holds so far, for `restore` when a reading is abandoned."""
        return {name: (list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict)
                       else value) for name, value in vars(self).items()}

    def restore(self, state: dict[str, object]) -> None:
        vars(self).update(state)

    # --- header --------------------------------------------------------------------------

    def letter(self, index: int) -> str:
        """The spreadsheet letter of the file's column `index`."""
        return column_letter(index + self.first_column)

    def header(self, row: int, cells: Cells) -> None:
        """Match the header row against the schema; rows are read only if it matches."""
        self.seen = True
        self.names = [format_cell(c).strip() for c in cells]
        names = list(self.names)
        while names and not names[-1]:
            names.pop()
        found: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            if name:
                found.setdefault(name, []).append(index)
            else:
                self._unnamed.append(index)
        self._unnamed.extend(range(len(names), len(cells)))
        expected = self.sheet.column_names
        hinted = self._unknown_columns(row, found, expected)
        self._missing_columns(row, found, hinted)
        self._duplicated_columns(row, found, expected)
        self.usable = all(len(found.get(name, ())) == 1 for name in expected)
        if self.usable:
            self._positions = [found[name][0] for name in expected]
            self._column_at = dict(zip(self._positions, self.sheet.columns, strict=True))

    def expected_column(self, index: int) -> Column | None:
        """The schema column the file's column `index` holds (after a usable header)."""
        return self._column_at.get(index)

    def _unknown_columns(self, row: int, found: dict[str, list[int]], expected: tuple[str, ...]) -> set[str]:
        hinted: set[str] = set()
        for name, indexes in found.items():
            if name in expected:
                continue
            letter = self.letter(indexes[0])
            meant = normalised_name(name)
            if meant in expected:
                hinted.add(meant)
                self._error(row, name, name, text(_NAMED_EXACTLY, letter=letter, name=repr(meant)))
            else:
                self._error(
                    row, name, name, text(_UNKNOWN_COLUMN, letter=letter, columns=", ".join(expected))
                )
        return hinted

    def _missing_columns(self, row: int, found: dict[str, list[int]], hinted: set[str]) -> None:
        for column in self.sheet.columns:
            if column.name not in found and column.name not in hinted:
                self._error(
                    row,
                    column.name,
                    None,
                    text(_MISSING_COLUMN, name=repr(column.name), rule=column.rule_text()),
                )

    def _duplicated_columns(self, row: int, found: dict[str, list[int]], expected: tuple[str, ...]) -> None:
        for name, indexes in found.items():
            if len(indexes) > 1:
                letters = ", ".join(self.letter(i) for i in indexes)
                self._error(
                    row,
                    name,
                    name,
                    text(_DUPLICATED_COLUMN, name=repr(name), count=str(len(indexes)), letters=letters),
                )

    def empty(self) -> None:
        """The sheet has no header row at all."""
        self.seen = True
        if not self.sheet.optional:
            template = _EMPTY_SHEET if self.sheet.exactly_one_row else _EMPTY_SHEET_ROWS
            columns = ", ".join(self.sheet.column_names)
            self._error(None, None, None, text(template, sheet=self.sheet.name, columns=columns))

    # --- rows ----------------------------------------------------------------------------

    def rows(
        self,
        frame: pl.DataFrame,
        typed: TypedCells | None = None,
        always_typed: Callable[[int, Column], pl.Expr] | None = None,
    ) -> None:
        """Validate the sheet's rows: `frame` has the file's columns c0, c1, ... and `row`.

        Fully blank rows are skipped (their numbers stay unused). `typed` gives cells as the
        file holds them (XLSX), for the per-cell rules; `always_typed(index, column)` marks
        cells that must be read that way even when their text passes.
        """
        cells = [c for c in frame.columns if c != ROW]
        # A row is blank only if every cell is: most sheets have a column without blanks.
        if cells and frame.select(blank(pl.col(cells[0]), frame.schema[cells[0]]).any()).item():
            blanks = frame.select(blank_rows(frame, cells)).to_series()
            if blanks.any():
                frame = frame.filter(~blanks)
        self.data_row_count += frame.height
        if len(self.first_data_rows) < 10:
            self.first_data_rows.extend(frame.get_column(ROW).head(10).to_list())
        self._values_without_header(frame, typed)
        if not self.usable or not frame.height:
            return
        typed_at = None if always_typed is None else (
            lambda index: always_typed(index, self._column_at[index]))
        # In slices, so that what the checks build along the way stays a slice's worth: the
        # rows are checked each on its own (ids are compared across slices at the end).
        for start in range(0, frame.height, VALIDATE_ROWS):
            checked = validate(self.sheet, frame.slice(start, VALIDATE_ROWS), self._positions,
                               self.rulebook, typed, typed_at)
            for row, _, column, value, message in checked.errors:
                self._error(row, column, value, message)
            self.frames.append(checked.frame)
            if checked.ids is not None:
                self._ids.append(checked.ids)

    def overflow(self, row: int, index: int, cell: object) -> None:
        """A value beyond the header's last column (a CSV row with too many cells)."""
        self._error(
            row,
            self.letter(index),
            cell,
            text(_PAST_LAST_COLUMN, letter=self.letter(index), last=self.letter(len(self.names) - 1)),
        )

    def _values_without_header(self, frame: pl.DataFrame, typed: TypedCells | None) -> None:
        for index in self._unnamed:
            name = f"c{index}"
            if name not in frame.columns:
                continue
            stray = frame.filter(~blank(pl.col(name), frame.schema[name])).select(ROW, name)
            if not stray.height:
                continue
            found = dict(typed([(row, index) for row in stray.get_column(ROW)])) if typed else {}
            for row, cell in stray.iter_rows():
                cell = found.get((row, index), cell)
                self._error(
                    row,
                    self.letter(index),
                    cell,
                    text(_NO_HEADER, letter=self.letter(index)),
                )

    def validated(self) -> pl.DataFrame:
        """The rows that passed every check (all rows if the evidence has no errors)."""
        if not self.frames:
            return _empty(self.sheet)
        return pl.concat(self.frames, how="vertical_relaxed") if len(self.frames) > 1 else self.frames[0]

    # --- end of sheet --------------------------------------------------------------------

    def finish(self) -> None:
        if not self.usable:
            return
        self._check_unique()
        if not self.data_row_count and not self.sheet.optional:
            template = _NO_DATA_ROW if self.sheet.exactly_one_row else _NO_DATA_ROWS
            self._error(None, None, None, text(template, sheet=self.sheet.name))

    def _check_unique(self) -> None:
        if not self._ids:
            return
        ids = pl.concat(self._ids)
        column = ids.columns[1]
        # Distinct hashes mean distinct ids (equal ids hash alike), and hashing is cheaper
        # than comparing text; only a sheet whose hashes repeat is compared exactly.
        if ids.get_column(column).hash().n_unique() == ids.height:
            return
        repeated = ids.filter(pl.col(column).is_duplicated()).sort(ROW)
        if not repeated.height:
            return
        first: dict[str, int] = {}
        for row, value in repeated.iter_rows():
            if value not in first:
                first[value] = row
                continue
            self._error(
                row,
                column,
                value,
                text(_NOT_UNIQUE, column=column, value=repr(value), row=str(first[value])),
            )

    def _error(self, row: int | None, column: str | None, value: object, message: Text) -> None:
        self.errors.add(self.sheet.name, row, column, value, message)


def _empty(sheet: Sheet) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {ROW: pl.Int64()}
    for column in sheet.columns:
        if column.kind is Kind.AMOUNT:
            schema[column.name + MICRO] = pl.Int64()
            schema[column.name + PLACES] = pl.Int8()
            schema[column.name] = pl.Decimal(38, 6)
        elif column.kind is Kind.YEAR:
            schema[column.name] = pl.Int64()
        elif column.kind is Kind.YES_NO:
            schema[column.name] = pl.Boolean()
        else:
            schema[column.name] = pl.String()
    return pl.DataFrame(schema=schema)
