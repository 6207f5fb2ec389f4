"""Validating a sheet's cells a column at a time with polars, and summing its lines by key.

A source (CSV or XLSX) hands a sheet over as a DataFrame: one column per file column, named
`c0`, `c1`, ... (text as `String`; an XLSX amount or year column as `Float64`, its numeric
cells as numbers), and `row`, the spreadsheet row number. Each schema column is checked
with vectorised expressions that accept only what `cells.py` accepts, and give the same
values; every cell they do not accept (and every XLSX cell that may not be what its text
says) goes to the authoritative per-cell function in `cells.py`, which gives the precise
error, or, rarely, accepts it (an amount with leading zeros, say), and then its value is
used. Python runs per failing cell only, never per valid one.

Amounts become exact integer micro-units (at most 12 integer digits and 6 decimal places,
so below 10**18: an Int64), summed per group as Int128, and leave as `Decimal`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

import polars as pl
import pycountry

from filings.evidence import cells
from filings.evidence.schema import MAX_AMOUNT_DIGITS, MAX_DECIMAL_PLACES, YES_NO, Column, Kind, Sheet
from filings.rules.rulebook import Rulebook
from filings.rules.text import Text

ROW = "row"
PLACES = "__places"  # suffix of an amount's decimal places column (the Decimal's exponent)
MICRO = "__micro"  # suffix of an amount's micro-units column
_SCALE = 10**MAX_DECIMAL_PLACES
_DECIMALS = Context(prec=80)

# str.strip() takes off the characters for which str.isspace() is true: Unicode's White_Space
# (what polars' strip_chars() takes off, and its regex's \s) and U+001C-U+001F, which are
# forbidden characters. A cell whose stripped text differs for that reason keeps such a
# character, so its check fails and the per-cell rule decides. Blank is decided exactly.
_NOT_SPACE = r"[^\s\x{1C}-\x{1F}]"


def _rust_class(pattern: str) -> str:
    """`cells.FORBIDDEN_CHARACTERS`' class in the syntax of polars' (Rust) regex engine."""
    assert pattern.startswith("[")
    assert pattern.endswith("]")
    body = "".join(c if c == "-" else f"\\x{{{ord(c):X}}}" for c in pattern[1:-1])
    return f"[{body}]"


FORBIDDEN = _rust_class(cells.FORBIDDEN_CHARACTERS.pattern)
_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"
COUNTRY_CODES: tuple[str, ...] = tuple(sorted(c.alpha_2 for c in pycountry.countries))

# A source's typed values for cells (row, file column index) the per-cell rules must see as
# they are in the file (XLSX: numbers, TRUE/FALSE, dates, percentages); None: the text is it.
TypedCells = Callable[[Sequence[tuple[int, int]]], Mapping[tuple[int, int], object]]


def blank(expression: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """True where the cell is empty, as `sheets.is_blank` says."""
    if dtype == pl.String:
        return expression.is_null() | ~expression.str.contains(_NOT_SPACE)
    return expression.is_null()


def blank_rows(frame: pl.DataFrame, columns: Sequence[str]) -> pl.Expr:
    checks = [blank(pl.col(c), frame.schema[c]) for c in columns]
    return pl.all_horizontal(checks) if checks else pl.lit(True)


@dataclass
class Checked:
    """One schema column checked: the normalised value(s) and where the check failed."""

    values: dict[str, pl.Expr]  # output column name -> expression
    ok: pl.Expr
    suspicious: pl.Expr | None = None  # XLSX cells to read typed even if their text passes


def _stripped(source: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return source.fill_null("").str.strip_chars()
    return _number_text(source)


def _number_text(source: pl.Expr) -> pl.Expr:
    """A numeric XLSX cell as `cells.number_text` writes it, where that is cheap: whole
    numbers below 10**15; other numbers are left to the per-cell rule (see `_numbers_ok`)."""
    whole = source.is_not_null() & (source.round(0) == source) & (source.abs() < 1e15)
    return pl.when(whole).then(source.cast(pl.Int64).cast(pl.String)).otherwise(pl.lit(""))


def _numbers_ok(source: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return pl.lit(True)
    return source.is_null() | ((source.round(0) == source) & (source.abs() < 1e15))


def check_column(
    column: Column, source: pl.Expr, dtype: pl.DataType, rulebook: Rulebook, stripped: pl.Expr | None = None
) -> Checked:
    """The vectorised check of one column; it accepts a subset of what `cells` accepts.
    `stripped`, for a text column, is `_stripped(source, dtype)` computed already."""
    name = column.name
    kind = column.kind
    if stripped is None or dtype != pl.String:
        stripped = _stripped(source, dtype)
    if kind is Kind.AMOUNT:
        return _check_amount(name, source, dtype, stripped)
    if kind is Kind.YEAR:
        return _check_year(column, source, dtype, stripped)
    text = stripped
    numbers_ok = _numbers_ok(source, dtype)
    ascii_only = text.str.contains(_PRINTABLE_ASCII)
    if kind in (Kind.TEXT, Kind.ID, Kind.VIN):
        ok = (
            numbers_ok
            & (text.str.len_chars() > 0)
            & (text.str.len_chars() <= column.max_length)
            & ~text.str.contains(FORBIDDEN)
        )
        if kind is Kind.VIN:
            return Checked({name: text.str.to_uppercase()}, ok & ascii_only)
        return Checked({name: text}, ok)
    if kind is Kind.CODE:
        lowered = text.str.to_lowercase()
        allowed = list(column.allowed_codes(rulebook))
        return Checked({name: lowered}, numbers_ok & ascii_only & lowered.is_in(allowed))
    if kind in (Kind.COUNTRY, Kind.OPTIONAL_COUNTRY):
        upper = text.str.to_uppercase()
        known = ascii_only & upper.is_in(list(COUNTRY_CODES))
        if kind is Kind.OPTIONAL_COUNTRY:
            empty = text == ""
            value = pl.when(empty).then(pl.lit(None, pl.String)).otherwise(upper)
            return Checked({name: value}, numbers_ok & (empty | known))
        return Checked({name: upper}, numbers_ok & known)
    if kind is Kind.YES_NO:
        lowered = text.str.to_lowercase()
        return Checked({name: lowered == "yes"}, numbers_ok & ascii_only & lowered.is_in(["yes", "no"]))
    raise AssertionError(f"no check for {kind}")


# A plain amount as most are written: at most 12 integer and 6 decimal digits. Others that
# `cells.parse_amount` accepts (leading zeros, trailing zeros past 6 places) go to it.
_PLAIN_AMOUNT = (
    rf"^(?:[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(?:\.[0-9]{{0,{MAX_DECIMAL_PLACES}}})?|\.[0-9]{{1,{MAX_DECIMAL_PLACES}}})$"
)


# Kinds whose columns hold few distinct values (codes, countries, yes/no). Cells written as
# the values themselves (most) are checked by a cast to their Enum (`_by_canonical_value`);
# in a slice with any other cell, each distinct text is checked once, and the cells take its
# result through a hash lookup (`_by_distinct_value`).
_FEW_VALUES = frozenset({Kind.CODE, Kind.COUNTRY, Kind.OPTIONAL_COUNTRY, Kind.YES_NO})


def _by_distinct_value(column: Column, frame: pl.DataFrame, source: str, rulebook: Rulebook) -> Checked:
    cell = pl.col(source).fill_null("")
    distinct = frame.select(cell.unique())
    checked = check_column(column, pl.col(source), pl.String(), rulebook)
    values = [e.alias(k) for k, e in checked.values.items()]
    table = distinct.select(pl.col(source), checked.ok.alias("__ok"), *values)
    keys = table.get_column(source)

    def looked_up(name: str) -> pl.Expr:
        return cell.replace_strict(keys, table.get_column(name), return_dtype=table.schema[name])

    return Checked({name: looked_up(name) for name in checked.values}, looked_up("__ok"))


def _categories(column: Column, rulebook: Rulebook) -> tuple[str, ...]:
    """The values a few-valued column's valid cells take (`_as_enums`' categories)."""
    if column.kind is Kind.CODE:
        return column.allowed_codes(rulebook)
    if column.kind is Kind.YES_NO:
        return YES_NO
    return COUNTRY_CODES


def _canonical_enum(column: Column, rulebook: Rulebook) -> pl.Enum | None:
    """The Enum of a few-valued column's values, if a cell written exactly as one of them is
    one `check_column` accepts as that value (a code in lower case, a country in upper
    case, "yes" or "no"); None (then every slice takes `_by_distinct_value`) otherwise."""
    categories = _categories(column, rulebook)
    key = (column.kind, categories)
    if key not in _CANONICAL:
        _CANONICAL[key] = _canonical_check(column, categories, rulebook)
    return _CANONICAL[key]


def _canonical_check(column: Column, categories: tuple[str, ...], rulebook: Rulebook) -> pl.Enum | None:
    if not categories or len(set(categories)) != len(categories):
        return None
    checked = check_column(column, pl.col("cell"), pl.String(), rulebook)
    (value,) = checked.values.values()
    table = pl.DataFrame({"cell": list(categories)}, schema={"cell": pl.String}).select(
        ok=checked.ok, value=value, cell="cell")
    expected = [c == "yes" for c in categories] if column.kind is Kind.YES_NO else list(categories)
    if not table.get_column("ok").fill_null(False).all() or table.get_column("value").to_list() != expected:
        return None
    return pl.Enum(categories)


_CANONICAL: dict[tuple[Kind, tuple[str, ...]], pl.Enum | None] = {}


def _by_canonical_value(column: Column, source: str, enum: pl.Enum) -> Checked:
    """A few-valued column's check where every cell is written as one of its values (or is
    empty, where that is allowed): a cast to their Enum. Its `ok` is false for any other
    cell, even one `check_column` accepts; a slice with such a cell is checked again by
    `_by_distinct_value` (see `validate`). The values are the Enum itself (`_as_enums`')."""
    cell = pl.col(source)
    value = cell.cast(enum, strict=False)
    ok = value.is_not_null()
    if column.kind is Kind.OPTIONAL_COUNTRY:
        ok = ok | cell.is_null() | (cell == "")
    if column.kind is Kind.YES_NO:
        return Checked({column.name: value.to_physical() == YES_NO.index("yes")}, ok)
    return Checked({column.name: value}, ok)


def _check_amount(name: str, source: pl.Expr, dtype: pl.DataType, stripped: pl.Expr) -> Checked:
    # A number: its shortest round-trip text, which is its 15-digit text when short.
    text = stripped if dtype == pl.String else source.cast(pl.String).fill_null("")
    ok = text.str.contains(_PLAIN_AMOUNT)
    dot = text.str.find(".", literal=True)
    if dtype == pl.String:
        places = pl.when(dot.is_null()).then(0).otherwise(text.str.len_bytes() - dot - 1)
    else:
        parts = text.str.split_exact(".", 1)
        whole = parts.struct.field("field_0")
        written = parts.struct.field("field_1").fill_null("").str.strip_chars_end("0")
        # At most 15 significant digits: then the shortest text is the one Excel (and
        # `cells.number_text`) writes; longer ones go to the per-cell rule.
        significant = (whole + written).str.strip_chars_start("0").str.len_bytes()
        ok = ok & (significant <= 15)
        places = written.str.len_bytes()
    # A plain amount has at most 12 integer digits and 6 places, so it is a Decimal(18, 6)
    # exactly, and that Decimal's integer (its physical value) is the amount in micro-units.
    micro = text.cast(pl.Decimal(MAX_AMOUNT_DIGITS + MAX_DECIMAL_PLACES, MAX_DECIMAL_PLACES), strict=False)
    ok = ok.fill_null(False)
    return Checked(
        {name + MICRO: pl.when(ok).then(micro.to_physical().cast(pl.Int64)).otherwise(None),
         name + PLACES: places.cast(pl.Int8)},
        ok,
    )


def _check_year(column: Column, source: pl.Expr, dtype: pl.DataType, stripped: pl.Expr) -> Checked:
    low, high = column.minimum or 0, column.maximum or 9999
    if dtype == pl.String:
        text = stripped
        year = pl.when(text.str.contains(r"^[0-9]{1,4}$")).then(text).otherwise(None).cast(pl.Int64)
    else:
        year = pl.when(source.round(0) == source).then(source).otherwise(None).cast(pl.Int64, strict=False)
    ok = year.is_between(low, high).fill_null(False)
    return Checked({column.name: year}, ok)


def amount_of(micro: int, places: int) -> Decimal:
    """The exact Decimal of micro-units, with `places` decimal places as `cells` gives it."""
    value = _DECIMALS.scaleb(Decimal(micro), -MAX_DECIMAL_PLACES)
    return _DECIMALS.quantize(value, Decimal(1).scaleb(-places))


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass
class Failure:
    """A cell the vectorised check did not accept, or that must be read as typed."""

    row: int
    index: int  # the file column
    schema_index: int
    value: object


@dataclass
class Validated:
    """A sheet's rows that passed every check, and each id's row for the uniqueness check."""

    frame: pl.DataFrame
    ids: pl.DataFrame | None = None  # row, id: every row whose id cell is valid
    errors: list[tuple[int, int, str, object, Text]] = field(default_factory=list)


def validate(
    sheet: Sheet,
    frame: pl.DataFrame,
    positions: Sequence[int],
    rulebook: Rulebook,
    typed: TypedCells | None,
    always_typed: Callable[[int], pl.Expr] | None = None,
) -> Validated:
    """Check `frame` (blank rows already dropped) against `sheet`; `positions[i]` is the file
    column of the schema's column i. `always_typed(index)` marks XLSX cells the per-cell
    rules must see as typed even when their text passes (numbers, TRUE/FALSE, dates...)."""
    selected: list[pl.Expr] = [pl.col(ROW)]
    canonical: list[int] = []  # the columns checked by `_by_canonical_value`
    texts: list[pl.Expr] = []
    for i, (column, position) in enumerate(zip(sheet.columns, positions, strict=True)):
        source = f"c{position}"
        if column.kind in _FEW_VALUES and frame.schema[source] == pl.String:
            enum = _canonical_enum(column, rulebook)
            if enum is not None:
                checked = _by_canonical_value(column, source, enum)
                canonical.append(i)
            else:
                checked = _by_distinct_value(column, frame, source, rulebook)
        elif frame.schema[source] == pl.String:
            # Each text is stripped once, before the checks that take it (`_stripped`).
            texts.append(_stripped(pl.col(source), pl.String()).alias(f"__text{i}"))
            checked = check_column(column, pl.col(source), pl.String(), rulebook, pl.col(f"__text{i}"))
        else:
            checked = check_column(column, pl.col(source), frame.schema[source], rulebook)
        selected.extend(_selected(checked, i, position, always_typed))
    checked_frame = frame.lazy().with_columns(texts).select(selected).collect()
    # A slice with a cell not written as one of its column's values checks that column
    # again, each distinct text as `check_column` does.
    again: list[pl.Expr] = []
    for i in canonical:
        ok = checked_frame.get_column(f"__ok{i}")
        if ok.sum() != ok.len():
            column, position = sheet.columns[i], positions[i]
            checked = _by_distinct_value(column, frame, f"c{position}", rulebook)
            again.extend(_selected(checked, i, position, always_typed))
    if again:
        checked_frame = checked_frame.with_columns(frame.select(again).get_columns())
    oks = [f"__ok{i}" for i in range(len(sheet.columns))]
    bad_rows = checked_frame.filter(~pl.all_horizontal(oks))
    failures: list[Failure] = []
    if bad_rows.height:
        originals = frame.join(bad_rows.select(ROW), on=ROW, how="semi")
        for i, position in enumerate(positions):
            failing = bad_rows.filter(~pl.col(f"__ok{i}")).get_column(ROW)
            if not failing.len():
                continue
            cells_of = originals.filter(pl.col(ROW).is_in(failing.implode())).select(ROW, f"c{position}")
            for row, value in cells_of.iter_rows():
                failures.append(Failure(row, position, i, "" if value is None else value))
    if typed is not None and failures:
        found = typed([(f.row, f.index) for f in failures])
        for failure in failures:
            failure.value = found.get((failure.row, failure.index), failure.value)
    errors: list[tuple[int, int, str, object, Text]] = []
    overrides: dict[int, dict[int, object]] = {}
    refused: set[int] = set()
    parsers = [_parser(column, rulebook) for column in sheet.columns]
    failures.sort(key=lambda f: (f.row, f.schema_index))
    # The per-cell rules depend on the column and the cell alone, so each distinct cell of a
    # column is judged once: a sheet with the same mistake on every line ('USA' for US in a
    # million rows) costs one judgement, not a million. The cell's type is part of the key:
    # True, 1 and 1.0 are equal in Python, not to the rules.
    judged: dict[tuple[int, type, object], object] = {}
    for failure in failures:
        column = sheet.columns[failure.schema_index]
        key = (failure.schema_index, type(failure.value), failure.value)
        outcome = judged.get(key, _UNJUDGED)  # cells are text, numbers, dates: all hashable
        if outcome is _UNJUDGED:
            try:
                outcome = parsers[failure.schema_index](column, failure.value)
            except cells.CellProblem as problem:
                outcome = problem
            judged[key] = outcome
        if isinstance(outcome, cells.CellProblem):
            errors.append((failure.row, failure.schema_index, column.name, failure.value, outcome.text))
            refused.add(failure.row)
            overrides.setdefault(failure.schema_index, {})[failure.row] = _REFUSED
            continue
        overrides.setdefault(failure.schema_index, {})[failure.row] = outcome
    result = checked_frame.drop(oks)
    if overrides:
        result = _apply(result, sheet, overrides)
    unique = sheet.unique_column
    ids = None
    if unique is not None:
        ids = result.select(ROW, unique.name)
        refused_ids = overrides.get(sheet.columns.index(unique), {})
        bad_ids = [row for row, value in refused_ids.items() if value is _REFUSED]
        if bad_ids:
            ids = ids.filter(~pl.col(ROW).is_in(bad_ids))
    if refused:
        result = result.filter(~pl.col(ROW).is_in(sorted(refused)))
    return Validated(result.with_columns(_as_enums(sheet, rulebook)), ids, errors)


def _selected(
    checked: Checked, i: int, position: int, always_typed: Callable[[int], pl.Expr] | None
) -> list[pl.Expr]:
    ok = checked.ok
    if always_typed is not None:
        ok = ok & ~always_typed(position)
    return [ok.alias(f"__ok{i}"), *(expr.alias(out) for out, expr in checked.values.items())]


def _as_enums(sheet: Sheet, rulebook: Rulebook) -> list[pl.Expr]:
    """Codes and countries as polars Enums of the values they may take: every valid cell's
    value is one, and grouping and joining on their small integers is several times faster
    than on text (the values read back as the same strings)."""
    enums: list[pl.Expr] = []
    for column in sheet.columns:
        if column.kind is Kind.CODE:
            enums.append(pl.col(column.name).cast(pl.Enum(column.allowed_codes(rulebook))))
        elif column.kind in (Kind.COUNTRY, Kind.OPTIONAL_COUNTRY):
            enums.append(pl.col(column.name).cast(pl.Enum(COUNTRY_CODES)))
    return enums


_REFUSED = object()
_UNJUDGED = object()


def _apply(frame: pl.DataFrame, sheet: Sheet, overrides: dict[int, dict[int, object]]) -> pl.DataFrame:
    """Put the per-cell rules' values in place of the cells they accepted."""
    updates: list[pl.Expr] = []
    for index, by_row in overrides.items():
        column = sheet.columns[index]
        accepted = {row: value for row, value in by_row.items() if value is not _REFUSED}
        if not accepted:
            continue
        rows = pl.Series(list(accepted), dtype=pl.Int64)
        if column.kind is Kind.AMOUNT:
            values = list(accepted.values())
            micro = [int(_DECIMALS.scaleb(v, MAX_DECIMAL_PLACES)) for v in values]  # type: ignore[arg-type]
            places = [decimal_places(v) for v in values]  # type: ignore[arg-type]
            for suffix, new, dtype in ((MICRO, micro, pl.Int64), (PLACES, places, pl.Int8)):
                name = column.name + suffix
                updates.append(_replaced(name, rows, pl.Series(new, dtype=dtype)))
        else:
            name = column.name
            replaced = pl.Series(list(accepted.values()), dtype=frame.schema[name])
            updates.append(_replaced(name, rows, replaced))
    return frame.with_columns(updates) if updates else frame


def _replaced(name: str, rows: pl.Series, values: pl.Series) -> pl.Expr:
    return (
        pl.when(pl.col(ROW).is_in(rows.implode()))
        .then(pl.col(ROW).replace_strict(rows, values, default=None, return_dtype=values.dtype))
        .otherwise(pl.col(name))
        .alias(name)
    )


def with_decimals(frame: pl.DataFrame, sheet: Sheet) -> pl.DataFrame:
    """Each amount also as an exact Decimal(38, 6) column under the column's own name."""
    amounts = [c.name for c in sheet.columns if c.kind is Kind.AMOUNT]
    if not amounts:
        return frame
    return frame.with_columns(
        (
            (pl.col(name + MICRO) // _SCALE).cast(pl.String)
            + "."
            + (pl.col(name + MICRO) % _SCALE).cast(pl.String).str.pad_start(MAX_DECIMAL_PLACES, "0")
        )
        .cast(pl.Decimal(38, MAX_DECIMAL_PLACES))
        .alias(name)
        for name in amounts
    )


def _parser(column: Column, rulebook: Rulebook) -> Callable[[Column, object], Any]:
    if column.kind is Kind.CODE:
        listed = column.allowed_codes(rulebook)
        allowed = frozenset(listed)
        return lambda c, cell: cells.parse_code(c, cell, allowed, listed)
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


# --- grouping ---------------------------------------------------------------------------------


def groups(
    frame: pl.DataFrame, keys: Sequence[str], amount: str, supplier_unless: str = "feoc"
) -> tuple[list[list[Any]], list[Decimal], list[int], list[int]]:
    """Per distinct key, in order of first row: the key values (a list per key column, the
    supplier last) and the exact sum; then the
    offsets of each key's rows in the last list, which holds every key's rows, ascending,
    one key after another (`Groups`' columns). The supplier ends each key, and is part of it
    only where `supplier_unless` (the FEOC flag) is true; elsewhere it is None."""
    if not frame.height:
        return [[] for _ in (*keys, "supplier")], [], [0], []
    # Within a group polars keeps the frame's order of rows, so rows in ascending order give
    # each group's rows ascending without a sort per group (which cost twice the grouping).
    if not frame.get_column(ROW).is_sorted():
        frame = frame.sort(ROW)
    supplier = pl.when(pl.col(supplier_unless)).then(pl.col("supplier")).otherwise(pl.lit(None, pl.String))
    total = pl.col("__sum")
    places = pl.col("__places").cast(pl.Int64)
    scale = pl.lit(_SCALE, pl.Int128)
    # The sum's text with the most decimal places any of its lines has, as Decimal adds them.
    text = (total // scale).cast(pl.String) + pl.when(places > 0).then(
        "." + (total % scale).cast(pl.String).str.pad_start(MAX_DECIMAL_PLACES, "0").str.slice(0, places)
    ).otherwise(pl.lit(""))
    summed = (
        frame.lazy()
        .with_columns(supplier.alias("supplier"))
        # The groups in the order of their first rows (the frame's order, ascending).
        .group_by([*keys, "supplier"], maintain_order=True)
        .agg(
            pl.col(amount + MICRO).cast(pl.Int128).sum().alias("__sum"),
            pl.col(amount + PLACES).max().alias("__places"),
            pl.col(ROW).alias("__rows"),
            pl.len().alias("__count"),
        )
        .with_columns(text.alias("__text"))
        .collect()
    )
    key_columns = [python_values(summed.get_column(name)) for name in (*keys, "supplier")]
    sums = list(map(Decimal, summed.get_column("__text").to_list()))
    starts = [0, *summed.get_column("__count").cum_sum().to_list()]
    rows = summed.get_column("__rows").explode().to_list()
    return key_columns, sums, starts, rows


def python_values(column: pl.Series) -> list[Any]:
    """A column's values as Python objects. An Enum's (codes, countries) are its categories'
    own strings, shared by every group that has them, not a new string per group: a
    million varied lines make hundreds of thousands of groups, and their keys' strings
    would otherwise take more memory than the frame they came from."""
    if not isinstance(column.dtype, pl.Enum):
        return column.to_list()
    categories: list[str | None] = [*column.dtype.categories.to_list(), None]
    # A null's physical value is null; it takes the last place, which holds None.
    codes = column.to_physical().fill_null(len(categories) - 1).to_list()
    return list(map(categories.__getitem__, codes))
