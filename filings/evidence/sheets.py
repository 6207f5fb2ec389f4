"""Turning a sheet's header and row chunks into the engine's inputs.

A source (CSV or XLSX) hands each sheet its header row, then chunks of rows as columns. A
chunk is read column-at-a-time when every column passes the fast checks, otherwise row by
row, cell by cell, so every bad cell gets its own error. Rows are numbered as a spreadsheet
shows them; fully blank rows are skipped but keep their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from filings.evidence.cells import CellProblem
from filings.evidence.columns import ColumnReader
from filings.evidence.errors import ErrorLog, format_cell
from filings.evidence.schema import Sheet
from filings.rules.rulebook import Rulebook

Cells = Sequence[object]


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


_BAD = object()  # marks a cell that failed, so the row is not used


class SheetReader:
    """Reads one sheet: checks its header, then validates and collects its rows."""

    def __init__(self, sheet: Sheet, rulebook: Rulebook, errors: ErrorLog) -> None:
        self.sheet = sheet
        self.errors = errors
        self.readers = [ColumnReader(c, rulebook) for c in sheet.columns]
        self.seen = False
        self.usable = False  # every expected column found exactly once
        self.data_row_count = 0
        self.first_data_rows: list[int] = []  # a few, for messages
        self.first_column = 0  # XLSX readers may start at a later column
        self.names: list[str] = []
        self._positions: list[int] = []
        self._unnamed: list[int] = []
        self._unique_at = next((i for i, c in enumerate(sheet.columns) if c is sheet.unique_column), None)
        # Ids with their rows, a chunk at a time: no int object per row, and no copying.
        self._ids: list[tuple[Sequence[str], Sequence[int]]] = []

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

    def _unknown_columns(self, row: int, found: dict[str, list[int]], expected: tuple[str, ...]) -> set[str]:
        hinted: set[str] = set()
        for name, indexes in found.items():
            if name in expected:
                continue
            letter = self.letter(indexes[0])
            meant = normalised_name(name)
            if meant in expected:
                hinted.add(meant)
                self._error(
                    row,
                    name,
                    name,
                    f"column {letter} must be named exactly {meant!r} (lower case, words joined by _)",
                )
            else:
                self._error(
                    row,
                    name,
                    name,
                    f"unknown column in column {letter}; delete it or rename it. This "
                    f"sheet's columns are: {', '.join(expected)}",
                )
        return hinted

    def _missing_columns(self, row: int, found: dict[str, list[int]], hinted: set[str]) -> None:
        for column in self.sheet.columns:
            if column.name not in found and column.name not in hinted:
                self._error(
                    row,
                    column.name,
                    None,
                    f"missing column {column.name!r}: add it to the header row ({column.rule().rstrip('.')})",
                )

    def _duplicated_columns(self, row: int, found: dict[str, list[int]], expected: tuple[str, ...]) -> None:
        for name, indexes in found.items():
            if len(indexes) > 1:
                letters = ", ".join(self.letter(i) for i in indexes)
                self._error(
                    row,
                    name,
                    name,
                    f"column {name!r} appears {len(indexes)} times (columns {letters}); keep one",
                )

    def empty(self) -> None:
        """The sheet has no header row at all."""
        self.seen = True
        if not self.sheet.optional:
            self._error(
                None,
                None,
                None,
                f"the {self.sheet.name} sheet is empty: it needs the header row "
                f"({', '.join(self.sheet.column_names)}) and "
                f"{'one data row' if self.sheet.exactly_one_row else 'at least one data row'}",
            )

    # --- rows ----------------------------------------------------------------------------

    def chunk(self, rows: Sequence[int], columns: Sequence[Cells], text_only: bool) -> None:
        """Validate a chunk: `columns` are the file's columns in file order, `rows` their numbers."""
        for index in self._unnamed:
            if index < len(columns):
                self._values_without_header(rows, columns[index], index)
        if not self.usable:
            return
        chosen = [columns[i] for i in self._positions]
        values = self._fast(chosen, text_only)
        if values is None:
            self._slow(rows, chosen, columns)
            return
        self._count_rows(rows)
        if self._unique_at is not None:
            self._ids.append((values[self._unique_at], rows))
        self.accept_columns(rows, values)

    def _fast(self, columns: list[Cells], text_only: bool) -> list[list[Any]] | None:
        """Each column's values, or None if any cell needs a closer look."""
        values = []
        for reader, column in zip(self.readers, columns, strict=True):
            parsed = reader.fast(column, text_only)
            if parsed is None:
                return None
            values.append(parsed)
        return values

    def _slow(self, rows: Sequence[int], columns: list[Cells], every: Sequence[Cells]) -> None:
        """Cell by cell; `every` is all of the file's columns, to tell which rows are blank."""
        for i, row in enumerate(rows):
            if all(is_blank(column[i]) for column in every):
                continue
            cells = [column[i] for column in columns]
            self._count_rows([row])
            values: list[Any] = []
            for reader, cell in zip(self.readers, cells, strict=True):
                try:
                    values.append(reader.one(cell))
                except CellProblem as problem:
                    self._error(row, reader.column.name, cell, str(problem))
                    values.append(_BAD)
            if self._unique_at is not None and values[self._unique_at] is not _BAD:
                self._ids.append(([values[self._unique_at]], [row]))
            if _BAD not in values:
                self.accept_row(row, values)

    def overflow(self, row: int, index: int, cell: object) -> None:
        """A value beyond the header's last column (a CSV row with too many cells)."""
        self._error(
            row,
            self.letter(index),
            cell,
            f"value in column {self.letter(index)}, past the last named column "
            f"({self.letter(len(self.names) - 1)}): delete it, or check for a stray comma",
        )

    def _count_rows(self, rows: Sequence[int]) -> None:
        self.data_row_count += len(rows)
        if len(self.first_data_rows) < 10:
            self.first_data_rows.extend(rows[:10])

    def _values_without_header(self, rows: Sequence[int], column: Cells, index: int) -> None:
        if all(map(is_blank, column)):
            return
        for row, cell in zip(rows, column, strict=True):
            if not is_blank(cell):
                self._error(
                    row,
                    self.letter(index),
                    cell,
                    f"value in column {self.letter(index)}, which has no header: "
                    "delete it, or name the column if it belongs to the template",
                )

    def accept_columns(self, rows: Sequence[int], values: list[list[Any]]) -> None:
        """Take a chunk's rows, as `_fast` returned them."""
        raise NotImplementedError

    def accept_row(self, row: int, values: list[Any]) -> None:
        """Take one row read by the slow path (one value per schema column)."""
        self.accept_columns([row], [[v] for v in values])

    # --- end of sheet --------------------------------------------------------------------

    def finish(self) -> None:
        if not self.usable:
            return
        self._check_unique()
        if not self.data_row_count and not self.sheet.optional:
            self._error(
                None,
                None,
                None,
                f"the {self.sheet.name} sheet has a header but no data rows: "
                f"{'fill in row 2' if self.sheet.exactly_one_row else 'add at least one row'}",
            )

    def _check_unique(self) -> None:
        unique: set[str] = set()
        for values, _ in self._ids:
            unique.update(values)
        if len(unique) == sum(len(values) for values, _ in self._ids):
            return
        column = self.sheet.columns[cast(int, self._unique_at)].name
        first: dict[str, int] = {}
        for values, rows in self._ids:
            for value, row in zip(values, rows, strict=True):
                if value not in first:
                    first[value] = row
                    continue
                self._error(
                    row,
                    column,
                    value,
                    f"{column} {value!r} is already used in row {first[value]}; each {column} must be unique",
                )

    def _error(self, row: int | None, column: str | None, value: object, message: str) -> None:
        self.errors.add(self.sheet.name, row, column, value, message)
