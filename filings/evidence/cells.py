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
from filings.rules.text import N_, Text, text

# Control characters and the invisible marks that reorder or hide text (the "Trojan
# Source" characters, the Arabic letter mark and the invisible tag characters): allowed in no
# cell, so what a reviewer sees is what was filed.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\U000e0000-\U000e007f]")
# A line break inside a cell (Alt+Enter in Excel; a quoted CSV cell spanning lines). It is one
# of the forbidden characters, but gets a message of its own: people do not think of it as a
# character, and the fix is different.
LINE_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
_LINE_BREAK = N_(
    "holds a line break; evidence cells are one line each: remove the line break (in Excel, "
    "Alt+Enter makes one; Find & Replace with Ctrl+J in 'Find what' finds them)"
)
# What a column expects, as the messages name it.
_TEXT = N_("text")
_A_CODE = N_("a code")
_A_COUNTRY_CODE = N_("a country code")
_YES_OR_NO = N_("yes or no")
_A_NUMBER = N_("a number")
_A_YEAR = N_("a year")
_PERCENT = N_(
    "cell %(cell)s is formatted as a percentage, so Excel shows %(shown)s for the number "
    "%(number)s; %(fix)s: format the cell as %(how)s")
_PERCENT_USD = N_("amounts are entered as plain US dollar numbers, such as 1250.00")
_PERCENT_USD_HOW = N_("Number and type the amount in dollars")
_PERCENT_AMOUNT = N_("%(column)s is entered as a plain number, such as %(example)s")
_PERCENT_AMOUNT_HOW = N_("Number and type the value")
_PERCENT_YEAR = N_("%(column)s is a four-digit year")
_PERCENT_YEAR_HOW = N_("Number and type the year")
_PERCENT_OTHER = N_("%(column)s takes %(expected)s")
_PERCENT_OTHER_HOW = N_("Text and type the %(expected)s")
_FOUND_BOOLEAN = N_("expected %(expected)s, found a TRUE/FALSE value; type the %(expected)s")
_FOUND_DATE = N_(
    "expected %(expected)s, found a date or time; format the cell as Text and type the "
    "%(expected)s")
_FOUND_UNSUPPORTED = N_("expected %(expected)s, found an unsupported cell value")
_REQUIRED = N_("%(column)s is required: fill in the cell (%(rule)s)")
_TOO_LONG = N_("is %(length)s characters long; at most %(limit)s are allowed")
_INVISIBLE = N_(
    "contains the invisible or control character U+%(code)s; retype the value without it")
_UNKNOWN_CODE = N_("unknown %(column)s %(code)s: expected %(choices)s")
_UNKNOWN_CODE_GUESS = N_("unknown %(column)s %(code)s: expected %(choices)s; did you mean %(guess)s?")
_ONE_OF = N_("one of %(codes)s")
_ONE_OF_LISTED = N_("one of the %(count)s %(column)s codes listed in the read_me sheet")
_NOT_A_COUNTRY = N_(
    "%(code)s is not an ISO 3166-1 alpha-2 country code; write the two-letter code, e.g. US, CA, "
    "MX, JP, GB")
_NOT_A_COUNTRY_USE = N_("%(code)s is not an ISO 3166-1 alpha-2 country code; use %(alpha_2)s")
_NOT_A_COUNTRY_USE_FOR = N_(
    "%(code)s is not an ISO 3166-1 alpha-2 country code; use %(alpha_2)s for %(name)s")
_NOT_YES_NO = N_("expected yes or no, found %(found)s; write yes or no")
_AMOUNT_BOOLEAN = N_(
    "expected a number, found a TRUE/FALSE value; format the cell as Number and type the amount")
_AMOUNT_DATE = N_(
    "expected a number, found a date or time; format the cell as Number and type the amount")
_NOT_FINITE = N_("must be a finite number")
_NEGATIVE = N_("must not be negative")
_TOO_LARGE = N_("must be below 1,000,000,000,000")
_TOO_PRECISE = N_("has more than %(places)s decimal places; round it")
_NOT_FINITE_WRITE = N_("must be a finite number; write a plain number such as 1234.56")
_CURRENCY_SIGN = N_("remove the currency sign: write a plain number such as 1234.56")
_THOUSANDS = N_(
    "remove thousands separators and use a point for decimals: write a plain number such as "
    "1234.56")
_EXPONENT_WRITTEN = N_(
    "write the number out in full, without an exponent: write a plain number such as 1234.56")
_NOT_PLAIN = N_(
    "is not a plain number: write a plain number such as 1234.56 (digits and an optional "
    "decimal point only)")
_NOT_A_YEAR = N_("expected a four-digit year from %(low)s to %(high)s, such as 2024")
PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_EXPONENT = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")
_AMOUNT_LIMIT = Decimal(10) ** MAX_AMOUNT_DIGITS
_SMALLEST_PLACE = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR", "EN": "GB"}
_DATE_TYPES = (dt.date, dt.time, dt.timedelta)


class CellProblem(ValueError):
    """The cell breaks its column's rule; the message says what to write instead."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.render())
        self.text = message


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
        """Why the cell is refused in `column`, which expects `expected` (a template)."""
        if column.kind is Kind.AMOUNT and column.name.endswith("_usd"):
            fix, how = Text(_PERCENT_USD), Text(_PERCENT_USD_HOW)
        elif column.kind is Kind.AMOUNT:
            fix = text(_PERCENT_AMOUNT, column=column.name, example=column.example)
            how = Text(_PERCENT_AMOUNT_HOW)
        elif column.kind is Kind.YEAR:
            fix, how = text(_PERCENT_YEAR, column=column.name), Text(_PERCENT_YEAR_HOW)
        else:
            fix = text(_PERCENT_OTHER, column=column.name, expected=Text(expected))
            how = text(_PERCENT_OTHER_HOW, expected=Text(expected))
        return CellProblem(text(_PERCENT, cell=self.cell, shown=str(self),
                                number=number_text(self.value), fix=fix, how=how))


def _refuse_percent(column: Column, cell: object, expected: str) -> None:
    if isinstance(cell, Percent):
        raise cell.problem(column, expected)


def number_text(value: float | int) -> str:
    """A numeric XLSX cell as text: Excel keeps 15 significant digits, so does this."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def text_of(cell: object, expected: str = _TEXT) -> str:
    """The cell as stripped text; numbers become their text, dates and TRUE/FALSE are refused.
    `expected` (a template) names what the column takes."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        raise CellProblem(text(_FOUND_BOOLEAN, expected=Text(expected)))
    if isinstance(cell, int | float):
        return number_text(cell)
    if isinstance(cell, _DATE_TYPES):
        raise CellProblem(text(_FOUND_DATE, expected=Text(expected)))
    raise CellProblem(text(_FOUND_UNSUPPORTED, expected=Text(expected)))


def _required(column: Column) -> CellProblem:
    return CellProblem(text(_REQUIRED, column=column.name, rule=column.rule_text()))


def parse_text(column: Column, cell: object) -> str:
    _refuse_percent(column, cell, _TEXT)
    written = text_of(cell)
    if not written:
        raise _required(column)
    if len(written) > column.max_length:
        raise CellProblem(text(_TOO_LONG, length=str(len(written)), limit=str(column.max_length)))
    forbidden = FORBIDDEN_CHARACTERS.search(written)
    if forbidden:
        if LINE_BREAKS.search(written):
            raise CellProblem(Text(_LINE_BREAK))
        raise CellProblem(text(_INVISIBLE, code=f"{ord(forbidden.group()):04X}"))
    return written


def parse_vin(column: Column, cell: object) -> str:
    return parse_text(column, cell).upper()


def parse_code(column: Column, cell: object, allowed: frozenset[str], listed: tuple[str, ...]) -> str:
    _refuse_percent(column, cell, _A_CODE)
    code = text_of(cell, _A_CODE).lower()
    if not code:
        raise _required(column)
    if code in allowed:
        return code
    guess = difflib.get_close_matches(re.sub(r"[\s-]+", "_", code), listed, n=1, cutoff=0.75)
    if len(listed) <= 10:
        choices = text(_ONE_OF, codes=", ".join(listed))
    else:
        choices = text(_ONE_OF_LISTED, count=str(len(listed)), column=column.name)
    if guess:
        raise CellProblem(text(_UNKNOWN_CODE_GUESS, column=column.name, code=repr(code),
                               choices=choices, guess=repr(guess[0])))
    raise CellProblem(text(_UNKNOWN_CODE, column=column.name, code=repr(code), choices=choices))


def parse_country(column: Column, cell: object) -> str | None:
    _refuse_percent(column, cell, _A_COUNTRY_CODE)
    code = text_of(cell, _A_COUNTRY_CODE).upper()
    if not code:
        if column.required:
            raise _required(column)
        return None
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code
    raise CellProblem(_not_a_country(code))


def _not_a_country(code: str) -> Text:
    if code in _COUNTRY_HINTS:
        return text(_NOT_A_COUNTRY_USE, code=repr(code), alpha_2=_COUNTRY_HINTS[code])
    try:
        country = pycountry.countries.lookup(code)
    except LookupError:
        return text(_NOT_A_COUNTRY, code=repr(code))
    return text(_NOT_A_COUNTRY_USE_FOR, code=repr(code), alpha_2=country.alpha_2, name=country.name)


def parse_yes_no(column: Column, cell: object) -> bool:
    _refuse_percent(column, cell, _YES_OR_NO)
    written = text_of(cell, _YES_OR_NO)
    answer = written.lower()
    if answer == "yes":
        return True
    if answer == "no":
        return False
    if not answer:
        raise _required(column)
    raise CellProblem(text(_NOT_YES_NO, found=repr(written)))


def parse_amount(column: Column, cell: object) -> Decimal:
    _refuse_percent(column, cell, _A_NUMBER)
    if isinstance(cell, bool | dt.date | dt.time | dt.timedelta):
        raise CellProblem(Text(_AMOUNT_BOOLEAN if isinstance(cell, bool) else _AMOUNT_DATE))
    if isinstance(cell, int | float):
        if not math.isfinite(cell):
            raise CellProblem(Text(_NOT_FINITE))
        value = Decimal(format(cell, ".15g"))
    else:
        written = text_of(cell, _A_NUMBER)
        if not written:
            raise _required(column)
        if not PLAIN_NUMBER.fullmatch(written):
            raise CellProblem(Text(_why_not_a_number(written)))
        value = Decimal(written)
    return _checked_amount(value)


def _checked_amount(value: Decimal) -> Decimal:
    if value < 0:
        raise CellProblem(Text(_NEGATIVE))
    if value >= _AMOUNT_LIMIT:
        raise CellProblem(Text(_TOO_LARGE))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        rounded = value.quantize(_SMALLEST_PLACE)
        if rounded != value:
            raise CellProblem(text(_TOO_PRECISE, places=str(MAX_DECIMAL_PLACES)))
        value = rounded
    return abs(value) if value == 0 else value


def _why_not_a_number(written: str) -> str:
    """The template saying why `written` is not a plain number."""
    lowered = written.lower().lstrip("+-")
    if lowered in {"nan", "inf", "infinity", "snan"}:
        return _NOT_FINITE_WRITE
    if written.startswith("-") and PLAIN_NUMBER.fullmatch(written[1:].strip()):
        return _NEGATIVE
    if re.search(r"[$€£¥]|usd", lowered):
        return _CURRENCY_SIGN
    if "," in written:
        return _THOUSANDS
    if _EXPONENT.fullmatch(lowered):
        return _EXPONENT_WRITTEN
    return _NOT_PLAIN


def parse_year(column: Column, cell: object) -> int:
    _refuse_percent(column, cell, _A_YEAR)
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
        raise CellProblem(text(_NOT_A_YEAR, low=str(low), high=str(high)))
    return year
