"""The evidence template: every sheet and column, defined once.

The readers, the blank template (with its drop-downs and `read_me` sheet) and the column
documentation are all generated from `SHEETS`; change a column here and all of them follow.
Allowed codes that the law defines (critical minerals, battery component types) come from
the rulebook, so a rulebook amendment changes the template too.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from filings.rules.rulebook import VEHICLE_CLASSES, Rulebook
from filings.rules.text import N_, Text, text

READ_ME_SHEET = "read_me"
YES_NO = ("yes", "no")
MAX_AMOUNT_DIGITS = 12  # amounts stay below 1e12
MAX_DECIMAL_PLACES = 6  # so sums of many lines stay exact
# The most rows one sheet may have, the header row included, counted as a spreadsheet numbers
# them; the CSV and the XLSX readers both apply it. Five times the benchmark's 100,000
# critical-mineral lines (bench/evidence.py); at the widest sheet's 9 columns it stays under
# the XLSX preflight's cap on cells per sheet (`ZipLimits.max_cells_per_sheet`), which bounds
# the memory calamine takes for a sheet, so a full sheet meets this limit, not that cap.
MAX_SHEET_ROWS = 500_000


class Kind(enum.Enum):
    """How a column's cells are read. `description` ends up in the template's read_me."""

    TEXT = "text"
    ID = "identifier"
    CODE = "code"
    COUNTRY = "country"
    OPTIONAL_COUNTRY = "optional country"
    YES_NO = "yes/no"
    AMOUNT = "number"
    YEAR = "year"
    VIN = "VIN"

    @property
    def rule(self) -> str:
        return _KIND_RULES[self]


# Without the closing full stop: error messages quote them in parentheses.
_KIND_RULES = {
    Kind.TEXT: N_("Text, up to %(max_length)s characters"),
    Kind.ID: N_("Text, up to %(max_length)s characters; unique within the sheet"),
    Kind.CODE: N_("One of the listed codes (case does not matter)"),
    Kind.COUNTRY: N_("ISO 3166-1 alpha-2 country code, e.g. US, CA, MX, JP, GB (not UK)"),
    Kind.OPTIONAL_COUNTRY: N_("ISO 3166-1 alpha-2 country code, or empty when it does not apply"),
    Kind.YES_NO: N_("yes or no"),
    Kind.AMOUNT: N_(
        "Plain number, 0 or more, below 1,000,000,000,000, at most %(places)s decimal places; "
        "no currency sign, thousands separator or exponent (1234.56)"
    ),
    Kind.YEAR: N_("Four-digit year, %(minimum)s to %(maximum)s"),
    Kind.VIN: N_("17-character vehicle identification number; unique within the sheet"),
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    description: str
    example: str
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    codes: Callable[[Rulebook], tuple[str, ...]] | None = None

    @property
    def required(self) -> bool:
        return self.kind is not Kind.OPTIONAL_COUNTRY

    def allowed_codes(self, rulebook: Rulebook) -> tuple[str, ...]:
        if self.kind is Kind.YES_NO:
            return YES_NO
        return self.codes(rulebook) if self.codes else ()

    def rule(self) -> str:
        return self.rule_text().render() + "."

    def rule_text(self) -> Text:
        """The column's rule, without its full stop, as a translatable Text."""
        return text(self.kind.rule, max_length=str(self.max_length), minimum=str(self.minimum),
                    maximum=str(self.maximum), places=str(MAX_DECIMAL_PLACES))


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    description: str
    columns: tuple[Column, ...]
    optional: bool = False
    exactly_one_row: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def unique_column(self) -> Column | None:
        """The column whose values must not repeat (ids and VINs)."""
        return next((c for c in self.columns if c.kind in (Kind.ID, Kind.VIN)), None)


def _vehicle_classes(_: Rulebook) -> tuple[str, ...]:
    return VEHICLE_CLASSES


def _component_types(rulebook: Rulebook) -> tuple[str, ...]:
    return tuple(rulebook.battery_components.component_types)


def _minerals(rulebook: Rulebook) -> tuple[str, ...]:
    return tuple(sorted(rulebook.critical_minerals.applicable_minerals))


VEHICLE = Sheet(
    "vehicle",
    "The vehicle the filing is for: exactly one row.",
    (
        Column("make", Kind.TEXT, "Manufacturer's make as on the vehicle label.", "Acme Motors"),
        Column("model", Kind.TEXT, "Model name.", "Roadrunner EV"),
        Column("model_year", Kind.YEAR, "Model year.", "2024", minimum=1980, maximum=2100),
        Column("vehicle_class", Kind.CODE, "Class that sets the MSRP cap.", "pickup", codes=_vehicle_classes),
        Column("msrp_usd", Kind.AMOUNT, "Manufacturer's suggested retail price, US dollars.", "54990.00"),
        Column("battery_capacity_kwh", Kind.AMOUNT, "Battery capacity in kilowatt-hours.", "82.5"),
        Column("gvwr_lb", Kind.AMOUNT, "Gross vehicle weight rating in pounds.", "7200"),
        Column("final_assembly_country", Kind.COUNTRY, "Country of final assembly.", "US"),
    ),
    exactly_one_row=True,
)

BATTERY_COMPONENTS = Sheet(
    "battery_components",
    "One row per battery component, with its incremental value.",
    (
        Column("component_id", Kind.ID, "Your identifier for the component.", "BC-0001", max_length=64),
        Column(
            "component_type",
            Kind.CODE,
            "Component type as the rulebook defines it.",
            "battery_cell",
            codes=_component_types,
        ),
        Column("supplier", Kind.TEXT, "Company that made the component.", "Volta Cells Inc"),
        Column(
            "manufacturing_country", Kind.COUNTRY, "Country where it was manufactured or assembled.", "US"
        ),
        Column("value_usd", Kind.AMOUNT, "Incremental value of the component, US dollars.", "1250.00"),
        Column("feoc", Kind.YES_NO, "Made by a foreign entity of concern?", "no"),
    ),
)

CRITICAL_MINERALS = Sheet(
    "critical_minerals",
    "One row per critical-mineral supply line, with its value.",
    (
        Column("line_id", Kind.ID, "Your identifier for the line.", "CM-000001", max_length=64),
        Column(
            "mineral", Kind.CODE, "Applicable critical mineral (lower case name).", "lithium", codes=_minerals
        ),
        Column("supplier", Kind.TEXT, "Company that supplied the mineral.", "Andes Lithium SA"),
        Column("extraction_country", Kind.COUNTRY, "Country where it was extracted.", "CL"),
        Column("processing_country", Kind.COUNTRY, "Country where it was processed.", "US"),
        Column(
            "recycling_country",
            Kind.OPTIONAL_COUNTRY,
            "Country where it was recycled; empty if not recycled.",
            "",
        ),
        Column("value_usd", Kind.AMOUNT, "Value of the mineral in this line, US dollars.", "312.40"),
        Column("feoc", Kind.YES_NO, "Extracted, processed or recycled by a foreign entity of concern?", "no"),
        Column(
            "impracticable_to_trace",
            Kind.YES_NO,
            "Origin impracticable to trace (the interim FEOC exclusion)?",
            "no",
        ),
    ),
)

VINS = Sheet(
    "vins",
    "Optional: the VINs of the vehicles covered, one per row.",
    (Column("vin", Kind.VIN, "Vehicle identification number.", "1HGCM82633A004352", max_length=64),),
    optional=True,
)

SHEETS: tuple[Sheet, ...] = (VEHICLE, BATTERY_COMPONENTS, CRITICAL_MINERALS, VINS)
SHEETS_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}


_TOO_MANY_ROWS = N_(
    "the %(sheet)s sheet has %(found)s rows; at most %(limit)s rows are accepted in one sheet "
    "(the header row included)")
_TOO_MANY_LINES = N_(
    "the %(sheet)s sheet has %(found)s rows; at most %(limit)s rows are accepted in one sheet "
    "(the header row included): lines with the same mineral, supplier, countries, feoc and "
    "impracticable_to_trace are assessed together, so they may be combined into one line with "
    "the summed value_usd")
_MORE_THAN = N_("more than %(count)s")


def too_many_rows(sheet: str, found: int, limit: int, *, more: bool = False) -> Text:
    """The message for a sheet over the row limit: it has `found` rows (more than `found`)."""
    template = _TOO_MANY_LINES if sheet == CRITICAL_MINERALS.name else _TOO_MANY_ROWS
    count: Text | str = text(_MORE_THAN, count=f"{found:,}") if more else f"{found:,}"
    return text(template, sheet=sheet, found=count, limit=f"{limit:,}")
