"""The four sheet readers and the Book that routes sheets to them and assembles Evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from filings.evidence.cells import CellProblem
from filings.evidence.errors import ErrorLog, EvidenceInvalid
from filings.evidence.schema import (
    BATTERY_COMPONENTS,
    CRITICAL_MINERALS,
    READ_ME_SHEET,
    SHEETS,
    SHEETS_BY_NAME,
    VEHICLE,
    VINS,
)
from filings.evidence.sheets import Cells, SheetReader, normalised_name
from filings.rules.inputs import (
    ChainKey,
    ComponentKey,
    ComponentLedger,
    Evidence,
    MineralLedger,
    Vehicle,
    VinEntry,
)
from filings.rules.rulebook import Rulebook


class _VehicleReader(SheetReader):
    def __init__(self, rulebook: Rulebook, errors: ErrorLog) -> None:
        super().__init__(VEHICLE, rulebook, errors)
        self.vehicles: list[Vehicle] = []

    def accept_columns(self, rows: Sequence[int], values: list[list[Any]]) -> None:
        for row, make, model, year, vehicle_class, msrp, kwh, gvwr, country in zip(
            rows, *values, strict=True
        ):
            self.vehicles.append(Vehicle(make, model, year, vehicle_class, msrp, kwh, gvwr, country, row=row))

    def finish(self) -> None:
        super().finish()
        if self.usable and self.data_row_count > 1:
            listed = ", ".join(map(str, self.first_data_rows[:10]))
            more = ", ..." if self.data_row_count > 10 else ""
            self._error(
                None,
                None,
                None,
                f"the vehicle sheet has {self.data_row_count} data rows (rows {listed}{more}); "
                "it must have exactly one: file one vehicle per filing",
            )


class _BatteryComponentsReader(SheetReader):
    def __init__(self, rulebook: Rulebook, errors: ErrorLog) -> None:
        super().__init__(BATTERY_COMPONENTS, rulebook, errors)
        self.components = ComponentLedger()

    def accept_columns(self, rows: Sequence[int], values: list[list[Any]]) -> None:
        for row, _, component_type, supplier, country, value, feoc in zip(rows, *values, strict=True):
            self.components.add(row, ComponentKey(component_type, country, feoc, supplier if feoc else None),
                                value)


class _CriticalMineralsReader(SheetReader):
    """Sums lines into the ledger per chain.

    The fast path parses each distinct combination of the chain columns once (a 100,000-line
    sheet has a few hundred), so per line it only hashes the raw cells and adds to the ledger.
    """

    def __init__(self, rulebook: Rulebook, errors: ErrorLog) -> None:
        super().__init__(CRITICAL_MINERALS, rulebook, errors)
        self.ledger = MineralLedger()
        self._by_cells: dict[str, ChainKey] = {}
        self._by_values: dict[tuple[Any, ...], ChainKey] = {}

    def _fast(self, columns: list[Cells], text_only: bool) -> list[list[Any]] | None:
        ids = self.readers[0].fast(columns[0], text_only)
        amounts = None if ids is None else self.readers[_VALUE].fast(columns[_VALUE], text_only)
        if ids is None or amounts is None:
            return None
        chain_columns = [columns[i] for i in _CHAIN]
        if not text_only and any(set(map(type, c)) != {str} for c in chain_columns):
            return None  # numbers, dates or TRUE/FALSE in a chain column: read cell by cell
        # One string per line holds its chain cells: hashing it is cheaper than seven cells.
        known = self._by_cells
        try:
            keys = list(map(known.__getitem__, map(_JOINER.join, zip(*chain_columns, strict=True))))
        except KeyError:  # a chain not seen before: parse each new one once
            cells = list(map(_JOINER.join, zip(*chain_columns, strict=True)))
            for new in set(cells).difference(known):
                key = self._parsed_key(new)
                if key is None:
                    return None
                known[new] = key
            keys = list(map(known.__getitem__, cells))
        return [ids, keys, amounts]

    def accept_columns(self, rows: Sequence[int], values: list[list[Any]]) -> None:
        _, keys, amounts = values
        add = self.ledger.add
        for row, key, amount in zip(rows, keys, amounts, strict=True):
            add(row, key, amount)

    def _parsed_key(self, joined: str) -> ChainKey | None:
        cells = joined.split(_JOINER)
        if len(cells) != len(_CHAIN):
            return None  # a cell held the joiner, a control character: read cell by cell
        try:
            return self._key([self.readers[i].one(c) for i, c in zip(_CHAIN, cells, strict=True)])
        except CellProblem:
            return None

    def accept_row(self, row: int, values: list[Any]) -> None:
        self.ledger.add(row, self._key([values[i] for i in _CHAIN]), values[_VALUE])

    def _key(self, fields: list[Any]) -> ChainKey:
        """One ChainKey object per chain, however its cells were spelt ('us' or 'US')."""
        values = tuple(fields)
        if not values[_FEOC_AT]:
            values = (*values[:-1], None)  # a supplier decides nothing unless the line is FEOC
        key = self._by_values.get(values)
        if key is None:
            key = self._by_values[values] = ChainKey(*values)
        return key


_CHAIN = tuple(CRITICAL_MINERALS.column_names.index(name) for name in ChainKey._fields)
_FEOC_AT = ChainKey._fields.index("feoc")
_VALUE = CRITICAL_MINERALS.column_names.index("value_usd")
_JOINER = "\x1f"  # a control character, so no valid cell holds it


class _VinsReader(SheetReader):
    def __init__(self, rulebook: Rulebook, errors: ErrorLog) -> None:
        super().__init__(VINS, rulebook, errors)
        self.vins: list[VinEntry] = []

    def accept_columns(self, rows: Sequence[int], values: list[list[Any]]) -> None:
        self.vins.extend(map(VinEntry, rows, values[0]))


class Book:
    """All sheets of one upload: routes sheets to readers and assembles the Evidence."""

    def __init__(self, rulebook: Rulebook, errors: ErrorLog) -> None:
        self.errors = errors
        self.vehicle = _VehicleReader(rulebook, errors)
        self.battery_components = _BatteryComponentsReader(rulebook, errors)
        self.critical_minerals = _CriticalMineralsReader(rulebook, errors)
        self.vins = _VinsReader(rulebook, errors)
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
            self.errors.add(name, None, None, None, f"the {name} sheet is given twice; keep one")
            return None
        return reader

    def is_evidence_sheet(self, name: str) -> bool:
        return normalised_name(name) in self._readers

    def _unknown(self, name: str, where: str) -> SheetReader | None:
        """Report an unexpected name; a near miss ('Vehicle') is still read, for its errors."""
        meant = normalised_name(name)
        if meant in SHEETS_BY_NAME or meant == READ_ME_SHEET:
            self.errors.add(
                None, None, None, name, f"{where} {name!r} must be named exactly {meant!r} (lower case)"
            )
            return self._readers.get(meant)
        allowed = ", ".join(s.name for s in SHEETS)
        self.errors.add(
            None,
            None,
            None,
            name,
            f"unknown {where} {name!r}: the evidence has the sheets {allowed} "
            f"(vins is optional) and may have a {READ_ME_SHEET} sheet; remove "
            "or rename it",
        )
        return None

    def finish(self) -> Evidence:
        """The Evidence, or EvidenceInvalid listing every problem found."""
        for reader in self._readers.values():
            if not reader.seen and not reader.sheet.optional:
                self.errors.add(
                    reader.sheet.name,
                    None,
                    None,
                    None,
                    f"missing sheet {reader.sheet.name!r}: add it with the header row "
                    f"{', '.join(reader.sheet.column_names)}",
                )
            reader.finish()
        if self.errors:
            raise EvidenceInvalid(self.errors.errors())
        return Evidence(
            vehicle=self.vehicle.vehicles[0],
            battery_components=self.battery_components.components,
            critical_minerals=self.critical_minerals.ledger,
            vins=tuple(self.vins.vins),
        )
