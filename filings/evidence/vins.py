"""The VIN checks no rulebook decides (`rules.inputs.vin_summary`), a column at a time.

A model's VIN sheet may list hundreds of thousands of vehicles; checking each VIN's length,
alphabet and check digit in Python took 2.6 us a VIN (1.3 s for 500,000). Here polars
checks the whole column; the few VINs it finds wrong go to `rules.vin.vin_problem` for the
words, which also has the last word on each: a VIN polars takes for wrong and the rule finds
valid counts as valid (`tests/evidence/test_vin_checks.py` holds the two to each other).
"""

from __future__ import annotations

import functools
import operator

import polars as pl

from filings.evidence.frames import ROW
from filings.evidence.sheets import VALIDATE_ROWS
from filings.rules.inputs import VinSummary
from filings.rules.vin import TRANSLITERATION, VIN_LENGTH, WEIGHTS, model_year_code, vin_problem

_CHARACTERS = list(TRANSLITERATION)
_VALUES = list(TRANSLITERATION.values())


def vin_checks(frame: pl.DataFrame, model_year: int) -> VinSummary:
    """`vin_summary` of the VINs in `frame` (its `row` and `vin` columns) for a vehicle of
    `model_year`: the invalid ones with their problem, in row order; the valid ones' rows by
    manufacturer identifier (WMI); those whose model-year code is not the vehicle's, by code."""
    vin = pl.col("vin")
    # A slice at a time: each of the 17 characters is a column while the sum is made.
    pieces = [_looks_valid(piece) for piece in frame.select(ROW, "vin").iter_slices(VALIDATE_ROWS)]
    checked = (pl.concat(pieces) if pieces else frame.select(ROW, "vin", valid=pl.lit(False))).sort(ROW)
    invalid: list[tuple[int, str, str]] = []
    rescued: list[int] = []
    for row, text in checked.filter(~pl.col("valid")).select(ROW, "vin").iter_rows():
        problem = vin_problem(text)
        if problem is None:
            rescued.append(row)
        else:
            invalid.append((row, text, problem))
    valid = checked.filter(pl.col("valid") | pl.col(ROW).is_in(rescued))
    wmi = vin.str.slice(0, 3)
    year_code = vin.str.slice(9, 1)
    by_wmi = _rows_by(valid, wmi)
    by_year_code = _rows_by(valid.filter(year_code != model_year_code(model_year)), year_code)
    return VinSummary(tuple(invalid), by_wmi, by_year_code)


def _looks_valid(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (row, vin) with `valid`: true where the length, the alphabet and the check
    digit are right."""
    vin = pl.col("vin")
    # A character outside the VIN alphabet has no value, and then neither has the sum.
    values = (vin.str.slice(i, 1).replace_strict(_CHARACTERS, _VALUES, default=None, return_dtype=pl.Int64)
              for i in range(VIN_LENGTH))
    weighted = (value * weight for value, weight in zip(values, WEIGHTS, strict=True))
    # The sum is a column of its own before its two uses: an eager select computes an
    # expression as often as it is written.
    summed = frame.with_columns(functools.reduce(operator.add, weighted).alias("total"))
    remainder = pl.col("total") % 11
    check_digit = pl.when(remainder == 10).then(pl.lit("X")).otherwise(remainder.cast(pl.String))
    looks_valid = (vin.str.len_chars() == VIN_LENGTH) & (vin.str.slice(8, 1) == check_digit)
    return summed.select(ROW, "vin", looks_valid.fill_null(False).alias("valid"))


def _rows_by(frame: pl.DataFrame, key: pl.Expr) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The frame's rows (ascending, as it holds them) grouped by `key`, the keys in order."""
    grouped = frame.group_by(key.alias("key"), maintain_order=True).agg(pl.col(ROW)).sort("key")
    return tuple((str(key), tuple(rows)) for key, rows in grouped.iter_rows())
