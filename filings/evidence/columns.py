"""Reading a whole column of cells at once (the fast path) or one cell (the slow path).

The fast path checks a chunk's column with C-speed operations: low-cardinality columns
(codes, countries, yes/no, supplier names) are parsed once per distinct value and memoised;
amounts are checked with one regular expression over the joined column and converted with
`map` to Decimal. When anything in the chunk looks wrong it gives up (returns None) and
the caller re-reads the chunk cell by cell with `one`, which produces the precise errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Context
from functools import partial
from itertools import repeat
from typing import Any

from filings.evidence import cells
from filings.evidence.schema import MAX_AMOUNT_DIGITS, MAX_DECIMAL_PLACES, Column, Kind
from filings.rules.rulebook import Rulebook

# Each value is a plain number the slow path accepts unchanged: at most 12 integer digits
# (so below 1e12) and at most 6 decimal places. Anything else takes the slow path.
# Possessive quantifiers (++, ?+): nothing to backtrack into, twice as fast here.
_PLAIN_AMOUNT = rf"[0-9]{{1,{MAX_AMOUNT_DIGITS}}}+(?:\.[0-9]{{0,{MAX_DECIMAL_PLACES}}}+)?+"
_PLAIN_AMOUNT_LINES = re.compile(rf"{_PLAIN_AMOUNT}(?:\n{_PLAIN_AMOUNT})*+")
# At most 18 significant digits pass that pattern, so converting in this context is exact.
_to_decimal = Context(prec=40).create_decimal
_MEMO_KINDS = frozenset({Kind.TEXT, Kind.CODE, Kind.COUNTRY, Kind.OPTIONAL_COUNTRY, Kind.YES_NO})
_TEXT_OR_NUMBER = frozenset({str, float, int})
_NUMBERS = frozenset({float, int})


class ColumnReader:
    """Parses one column of one sheet; keeps a memo of the distinct values already seen."""

    def __init__(self, column: Column, rulebook: Rulebook) -> None:
        self.column = column
        self._parse = _parser(column, rulebook)
        self._memo: dict[object, Any] = {}
        self.fast: Callable[[Sequence[object], bool], list[Any] | None] = {
            Kind.ID: self._fast_identifiers,
            Kind.VIN: self._fast_identifiers,
            Kind.AMOUNT: self._fast_amounts,
            Kind.YEAR: self._fast_cell_by_cell,
        }.get(column.kind, self._fast_memoised)

    def one(self, cell: object) -> Any:
        """The cell's value, or `CellProblem` saying what is wrong with it."""
        if self.column.kind in _MEMO_KINDS and type(cell) is str and cell in self._memo:
            return self._memo[cell]
        return self._parse(self.column, cell)

    def _fast_memoised(self, column: Sequence[object], text_only: bool) -> list[Any] | None:
        # Only str/float/int: a bool would share a memo slot with 1.0, and must be refused.
        if not text_only and not set(map(type, column)) <= _TEXT_OR_NUMBER:
            return None
        memo = self._memo
        for cell in set(column).difference(memo):
            try:
                memo[cell] = self._parse(self.column, cell)
            except cells.CellProblem:
                return None
        return list(map(memo.__getitem__, column))

    def _fast_identifiers(self, column: Sequence[object], text_only: bool) -> list[Any] | None:
        if not text_only and set(map(type, column)) != {str}:
            return self._fast_cell_by_cell(column, text_only)
        texts: list[str] = list(column)  # type: ignore[arg-type]
        if not _stripped_and_printable(texts):
            texts = list(map(str.strip, texts))
            joined = " ".join(texts)
            if "" in texts or (not joined.isprintable() and cells.FORBIDDEN_CHARACTERS.search(joined)):
                return None
        if max(map(len, texts)) > self.column.max_length:
            return None
        return list(map(str.upper, texts)) if self.column.kind is Kind.VIN else texts

    def _fast_amounts(self, column: Sequence[object], text_only: bool) -> list[Any] | None:
        if not text_only:
            types = set(map(type, column))
            if types <= _NUMBERS:
                column = list(map(format, column, repeat(".15g")))
            elif types != {str}:
                return None
        if not _PLAIN_AMOUNT_LINES.fullmatch("\n".join(column)):  # type: ignore[arg-type]
            return None
        return list(map(_to_decimal, column))  # type: ignore[arg-type]

    def _fast_cell_by_cell(self, column: Sequence[object], text_only: bool) -> list[Any] | None:
        try:
            return [self._parse(self.column, cell) for cell in column]
        except cells.CellProblem:
            return None


def _stripped_and_printable(texts: list[str]) -> bool:
    """True if no text is empty, has surrounding white space or an unprintable character.

    Every forbidden character is unprintable, and of the white space str.strip() removes only
    the plain space is printable; an empty or space-edged text leaves "  " or a space at an
    end of the joined texts. One C-speed pass instead of stripping every text.
    """
    joined = " ".join(texts)
    return bool(joined) and joined.isprintable() and "  " not in joined and joined[0] != " " != joined[-1]


def _parser(column: Column, rulebook: Rulebook) -> Callable[[Column, object], Any]:
    if column.kind is Kind.CODE:
        listed = column.allowed_codes(rulebook)
        return partial(_parse_code, allowed=frozenset(listed), listed=listed)
    parsers: dict[Kind, Callable[[Column, object], Any]] = {
        Kind.TEXT: cells.parse_text,
        Kind.ID: cells.parse_text,
        Kind.VIN: cells.parse_vin,
        Kind.COUNTRY: cells.parse_country,
        Kind.OPTIONAL_COUNTRY: cells.parse_country,
        Kind.YES_NO: cells.parse_yes_no,
        Kind.AMOUNT: cells.parse_amount,
        Kind.YEAR: cells.parse_year,
    }
    return parsers[column.kind]


def _parse_code(column: Column, cell: object, *, allowed: frozenset[str], listed: tuple[str, ...]) -> str:
    return cells.parse_code(column, cell, allowed, listed)
