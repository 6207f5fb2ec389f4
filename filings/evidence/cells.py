"""Reading one cell: the authoritative rules, with messages that say how to fix the value.

Cells arrive as text (CSV, or XLSX text cells) or as the Python values an XLSX reader gives
(float, int, bool, date...). Every rule lives here; the column-at-a-time fast path in
`columns.py` may only accept what these functions accept, and must produce the same values.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass
from decimal import Decimal

import pycountry

from filings.evidence.schema import MAX_AMOUNT_DIGITS, MAX_DECIMAL_PLACES, Column, Kind

# Control characters and the invisible marks that reorder or hide text (the "Trojan
# Source" characters, the Arabic letter mark and the invisible tag characters): allowed in no
# cell, so what a reviewer sees is what was filed.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\U000e0000-\U000e007f]")
# A line break inside a cell (Alt+Enter in Excel; a quoted CSV cell spanning lines). It is one
# of the forbidden characters, but gets a message of its own: people do not think of it as a
# character, and the fix is different.
LINE_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
_LINE_BREAK = (
    "holds a line break; evidence cells are one line each: remove the line break (in Excel, "
    "Alt+Enter makes one; Find & Replace with Ctrl+J in 'Find what' finds them)"
)
PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_EXPONENT = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")
_AMOUNT_LIMIT = Decimal(10) ** MAX_AMOUNT_DIGITS
_SMALLEST_PLACE = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR", "EN": "GB"}
_DATE_TYPES = (dt.date, dt.time, dt.timedelta)


class CellProblem(ValueError):
    """The cell breaks its column's rule; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class Percent:
    """A workbook number formatted as a percentage: `value` 0.5 shows as 50% in Excel.

    The XLSX reader hands such a cell on as this, so that no column takes it for its number.
    """

    value: float | int
    cell: str  # its reference, B7

    def __str__(self) -> str:
        shown = format(Decimal(format(self.value, ".15g")).scaleb(2), "f")
        return (shown.rstrip("0").rstrip(".") if "." in shown else shown) + "%"

    def problem(self, column: Column, expected: str) -> CellProblem:
        """Why the cell is refused in `column`, which expects `expected`."""
        if column.kind is Kind.AMOUNT and column.name.endswith("_usd"):
            fix = "amounts are entered as plain US dollar numbers, such as 1250.00"
            how = "Number and type the amount in dollars"
        elif column.kind is Kind.AMOUNT:
            fix = f"{column.name} is entered as a plain number, such as {column.example}"
            how = "Number and type the value"
        elif column.kind is Kind.YEAR:
            fix, how = f"{column.name} is a four-digit year", "Number and type the year"
        else:
            fix, how = f"{column.name} takes {expected}", f"Text and type the {expected}"
        return CellProblem(
            f"cell {self.cell} is formatted as a percentage, so Excel shows {self} for the number "
            f"{number_text(self.value)}; {fix}: format the cell as {how}"
        )


def _refuse_percent(column: Column, cell: object, expected: str) -> None:
    if isinstance(cell, Percent):
        raise cell.problem(column, expected)


def number_text(value: float | int) -> str:
    """A numeric XLSX cell as text: Excel keeps 15 significant digits, so does this."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def text_of(cell: object, expected: str = "text") -> str:
    """The cell as stripped text; numbers become their text, dates and TRUE/FALSE are refused."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        raise CellProblem(f"expected {expected}, found a TRUE/FALSE value; type the {expected}")
    if isinstance(cell, int | float):
        return number_text(cell)
    if isinstance(cell, _DATE_TYPES):
        raise CellProblem(
            f"expected {expected}, found a date or time; format the cell as Text and type the {expected}"
        )
    raise CellProblem(f"expected {expected}, found an unsupported cell value")


def _required(column: Column) -> CellProblem:
    return CellProblem(f"{column.name} is required: fill in the cell ({column.rule().rstrip('.')})")


def parse_text(column: Column, cell: object) -> str:
    _refuse_percent(column, cell, "text")
    text = text_of(cell)
    if not text:
        raise _required(column)
    if len(text) > column.max_length:
        raise CellProblem(f"is {len(text)} characters long; at most {column.max_length} are allowed")
    forbidden = FORBIDDEN_CHARACTERS.search(text)
    if forbidden:
        if LINE_BREAKS.search(text):
            raise CellProblem(_LINE_BREAK)
        raise CellProblem(
            f"contains the invisible or control character U+{ord(forbidden.group()):04X}; "
            "retype the value without it"
        )
    return text


def parse_vin(column: Column, cell: object) -> str:
    return parse_text(column, cell).upper()


def parse_code(column: Column, cell: object, allowed: frozenset[str], listed: tuple[str, ...]) -> str:
    _refuse_percent(column, cell, "a code")
    code = text_of(cell, "a code").lower()
    if not code:
        raise _required(column)
    if code in allowed:
        return code
    guess = difflib.get_close_matches(re.sub(r"[\s-]+", "_", code), listed, n=1, cutoff=0.75)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    if len(listed) <= 10:
        choices = f"one of {', '.join(listed)}"
    else:
        choices = f"one of the {len(listed)} {column.name} codes listed in the read_me sheet"
    raise CellProblem(f"unknown {column.name} {code!r}: expected {choices}{hint}")


def parse_country(column: Column, cell: object) -> str | None:
    _refuse_percent(column, cell, "a country code")
    code = text_of(cell, "a country code").upper()
    if not code:
        if column.required:
            raise _required(column)
        return None
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code
    raise CellProblem(f"{code!r} is not an ISO 3166-1 alpha-2 country code{_country_hint(code)}")


def _country_hint(code: str) -> str:
    if code in _COUNTRY_HINTS:
        return f"; use {_COUNTRY_HINTS[code]}"
    try:
        country = pycountry.countries.lookup(code)
    except LookupError:
        return "; write the two-letter code, e.g. US, CA, MX, JP, GB"
    return f"; use {country.alpha_2} for {country.name}"


def parse_yes_no(column: Column, cell: object) -> bool:
    _refuse_percent(column, cell, "yes or no")
    written = text_of(cell, "yes or no")
    answer = written.lower()
    if answer == "yes":
        return True
    if answer == "no":
        return False
    if not answer:
        raise _required(column)
    raise CellProblem(f"expected yes or no, found {written!r}; write yes or no")


def parse_amount(column: Column, cell: object) -> Decimal:
    _refuse_percent(column, cell, "a number")
    if isinstance(cell, bool | dt.date | dt.time | dt.timedelta):
        kind = "a TRUE/FALSE value" if isinstance(cell, bool) else "a date or time"
        raise CellProblem(f"expected a number, found {kind}; format the cell as Number and type the amount")
    if isinstance(cell, int | float):
        if not math.isfinite(cell):
            raise CellProblem("must be a finite number")
        value = Decimal(format(cell, ".15g"))
    else:
        text = text_of(cell, "a number")
        if not text:
            raise _required(column)
        if not PLAIN_NUMBER.fullmatch(text):
            raise CellProblem(_why_not_a_number(text))
        value = Decimal(text)
    return _checked_amount(value)


def _checked_amount(value: Decimal) -> Decimal:
    if value < 0:
        raise CellProblem("must not be negative")
    if value >= _AMOUNT_LIMIT:
        raise CellProblem("must be below 1,000,000,000,000")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        rounded = value.quantize(_SMALLEST_PLACE)
        if rounded != value:
            raise CellProblem(f"has more than {MAX_DECIMAL_PLACES} decimal places; round it")
        value = rounded
    return abs(value) if value == 0 else value


def _why_not_a_number(text: str) -> str:
    expected = "write a plain number such as 1234.56"
    lowered = text.lower().lstrip("+-")
    if lowered in {"nan", "inf", "infinity", "snan"}:
        return f"must be a finite number; {expected}"
    if text.startswith("-") and PLAIN_NUMBER.fullmatch(text[1:].strip()):
        return "must not be negative"
    if re.search(r"[$€£¥]|usd", lowered):
        return f"remove the currency sign: {expected}"
    if "," in text:
        return f"remove thousands separators and use a point for decimals: {expected}"
    if _EXPONENT.fullmatch(lowered):
        return f"write the number out in full, without an exponent: {expected}"
    return f"is not a plain number: {expected} (digits and an optional decimal point only)"


def parse_year(column: Column, cell: object) -> int:
    _refuse_percent(column, cell, "a year")
    if isinstance(cell, float) and cell.is_integer():
        year: int | None = int(cell)
    elif isinstance(cell, int) and not isinstance(cell, bool):
        year = cell
    elif isinstance(cell, str) and re.fullmatch(r"[0-9]{1,4}", cell.strip()):
        year = int(cell.strip())
    else:
        if isinstance(cell, str) and not cell.strip():
            raise _required(column)
        year = None
    low, high = column.minimum or 0, column.maximum or 9999
    if year is None or not low <= year <= high:
        raise CellProblem(f"expected a four-digit year from {low} to {high}, such as 2024")
    return year
