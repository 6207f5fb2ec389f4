"""The four sheet readers and the Book that routes sheets to them and assembles Evidence.

Reading gives each sheet's validated frame (`Book.frames`); `Book.finish` then sums the
battery components and critical-mineral lines by key (`frames.groups`) into the ledgers.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from filings.evidence.errors import ErrorLog, EvidenceInvalid
from filings.evidence.frames import MICRO, PLACES, ROW, amount_of, groups
from filings.evidence.schema import (
    BATTERY_COMPONENTS,
    CRITICAL_MINERALS,
    READ_ME_SHEET,
    SHEETS,
    SHEETS_BY_NAME,
    VEHICLE,
    VINS,
)
from filings.evidence.sheets import SheetReader, normalised_name
from filings.evidence.vins import vin_checks
from filings.rules.collection import collector_paused
from filings.rules.inputs import (
    ChainKey,
    ComponentKey,
    ComponentLedger,
    Evidence,
    Groups,
    KeyColumns,
    MineralLedger,
    Vehicle,
    VinEntry,
)
from filings.rules.rulebook import Rulebook
from filings.rules.text import N_, text

_VEHICLE_ROWS = N_(
    "the vehicle sheet has %(count)s data rows (rows %(rows)s); it must have exactly one: file "
    "one vehicle per filing")
_GIVEN_TWICE = N_("the %(sheet)s sheet is given twice; keep one")
# `where` is "sheet" or "file"
_SHEET_NAMED_EXACTLY = N_("sheet %(name)s must be named exactly %(meant)s (lower case)")
_FILE_NAMED_EXACTLY = N_("file %(name)s must be named exactly %(meant)s (lower case)")
_UNKNOWN_SHEET = N_(
    "unknown sheet %(name)s: the evidence has the sheets %(sheets)s (vins is optional) and may "
    "have a %(read_me)s sheet; remove or rename it")
_UNKNOWN_FILE = N_(
    "unknown file %(name)s: the evidence has the sheets %(sheets)s (vins is optional) and may "
    "have a %(read_me)s sheet; remove or rename it")
_MISSING_SHEET = N_("missing sheet %(sheet)s: add it with the header row %(columns)s")


class _VehicleReader(SheetReader):
    def finish(self) -> None:
        super().finish()
        if self.usable and self.data_row_count > 1:
            listed = ", ".join(map(str, self.first_data_rows[:10]))
            more = ", ..." if self.data_row_count > 10 else ""
            self._error(
                None, None, None, text(_VEHICLE_ROWS, count=str(self.data_row_count), rows=listed + more)
            )


class Book:
    """All sheets of one upload: routes sheets to readers and assembles the Evidence."""

    def __init__(self, rulebook: Rulebook, errors: ErrorLog) -> None:
        self.errors = errors
        self.vehicle = _VehicleReader(VEHICLE, rulebook, errors)
        self.battery_components = SheetReader(BATTERY_COMPONENTS, rulebook, errors)
        self.critical_minerals = SheetReader(CRITICAL_MINERALS, rulebook, errors)
        self.vins = SheetReader(VINS, rulebook, errors)
        self._readers: dict[str, SheetReader] = {
            r.sheet.name: r
            for r in (self.vehicle, self.battery_components, self.critical_minerals, self.vins)
        }

    def reader_for(self, name: str, where: str) -> SheetReader | None:
        """The reader for a sheet (or CSV file) name; None (with an error if due) to skip it.

        `where` says what the name belongs to in messages: "sheet" or "file".
        """
        if name == READ_ME_SHEET:
            return None
        reader = self._readers.get(name)
        if reader is None:
            reader = self._unknown(name, where)
        if reader is None:
            return None
        if reader.seen:
            self.errors.add(name, None, None, None, text(_GIVEN_TWICE, sheet=name))
            return None
        return reader

    def is_evidence_sheet(self, name: str) -> bool:
        return normalised_name(name) in self._readers

    def _unknown(self, name: str, where: str) -> SheetReader | None:
        """Report an unexpected name; a near miss ('Vehicle') is still read, for its errors."""
        meant = normalised_name(name)
        if meant in SHEETS_BY_NAME or meant == READ_ME_SHEET:
            template = _SHEET_NAMED_EXACTLY if where == "sheet" else _FILE_NAMED_EXACTLY
            self.errors.add(None, None, None, name, text(template, name=repr(name), meant=repr(meant)))
            return self._readers.get(meant)
        allowed = ", ".join(s.name for s in SHEETS)
        template = _UNKNOWN_SHEET if where == "sheet" else _UNKNOWN_FILE
        self.errors.add(
            None, None, None, name, text(template, name=repr(name), sheets=allowed, read_me=READ_ME_SHEET)
        )
        return None

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every sheet's validated rows, or EvidenceInvalid listing every problem found."""
        for reader in self._readers.values():
            if not reader.seen and not reader.sheet.optional:
                self.errors.add(
                    reader.sheet.name,
                    None,
                    None,
                    None,
                    text(_MISSING_SHEET, sheet=repr(reader.sheet.name),
                         columns=", ".join(reader.sheet.column_names)),
                )
            reader.finish()
        if self.errors:
            raise EvidenceInvalid(self.errors.errors())
        return {name: reader.validated() for name, reader in self._readers.items()}


def group(frames: dict[str, pl.DataFrame]) -> Evidence:
    """The engine's Evidence from validated frames: lines summed by key, exactly (the keys
    and sums made with the cycle collector paused: hundreds of thousands on a varied sheet),
    and the VINs checked as a column (`vins.vin_checks`)."""
    with collector_paused():
        vehicle = _vehicle(frames[VEHICLE.name])
        return Evidence(
            vehicle=vehicle,
            battery_components=_components(frames[BATTERY_COMPONENTS.name]),
            critical_minerals=_minerals(frames[CRITICAL_MINERALS.name]),
            vins=tuple(map(VinEntry, *frames[VINS.name].select(ROW, "vin").get_columns())),
            vins_checked=vin_checks(frames[VINS.name], vehicle.model_year),
        )


def _vehicle(frame: pl.DataFrame) -> Vehicle:
    (line,) = frame.iter_rows(named=True)

    def amount(name: str) -> Decimal:
        return amount_of(line[name + MICRO], line[name + PLACES])

    return Vehicle(
        line["make"],
        line["model"],
        line["model_year"],
        line["vehicle_class"],
        amount("msrp_usd"),
        amount("battery_capacity_kwh"),
        amount("gvwr_lb"),
        line["final_assembly_country"],
        row=line[ROW],
    )


def _components(frame: pl.DataFrame) -> ComponentLedger:
    keys, sums, starts, rows = groups(frame, ("component_type", "manufacturing_country", "feoc"), "value_usd")
    return ComponentLedger.from_groups(
        Groups(KeyColumns(ComponentKey, ComponentKey._fields, keys), sums, starts, rows))


_CHAIN = tuple(name for name in ChainKey._fields if name != "supplier")


def _minerals(frame: pl.DataFrame) -> MineralLedger:
    keys, sums, starts, rows = groups(frame, _CHAIN, "value_usd")
    return MineralLedger.from_groups(Groups(KeyColumns(ChainKey, ChainKey._fields, keys), sums, starts, rows))
