"""Normalised evidence: what the engine takes in.

The evidence readers build these from a workbook; tests build them directly. Values are
already validated (ISO codes upper case, money as Decimal, yes/no as bool); `row` is the
spreadsheet row the value came from, so findings can point back at it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact
from typing import NamedTuple

from filings.rules.rulebook import VehicleClass

# Sums must be exact whatever the input's digits; an inexact sum raises instead of rounding.
_exact_add = Context(prec=80, traps=[Inexact]).add


@dataclass(frozen=True, slots=True)
class Vehicle:
    make: str
    model: str
    model_year: int
    vehicle_class: VehicleClass
    msrp_usd: Decimal
    battery_capacity_kwh: Decimal
    gvwr_lb: Decimal
    final_assembly_country: str
    row: int = 2


@dataclass(frozen=True, slots=True)
class BatteryComponent:
    row: int
    component_id: str
    component_type: str
    supplier: str
    manufacturing_country: str
    value_usd: Decimal
    feoc: bool


@dataclass(frozen=True, slots=True)
class MineralLine:
    row: int
    line_id: str
    mineral: str
    supplier: str
    extraction_country: str
    processing_country: str
    recycling_country: str | None
    value_usd: Decimal
    feoc: bool
    impracticable_to_trace: bool


class ChainKey(NamedTuple):
    """What decides how a critical-mineral line is treated. Lines sharing a key are a chain."""

    mineral: str
    supplier: str
    extraction_country: str
    processing_country: str
    recycling_country: str | None
    feoc: bool
    impracticable_to_trace: bool


@dataclass(slots=True)
class Chain:
    value_usd: Decimal = Decimal(0)
    rows: list[int] = field(default_factory=list)


class MineralLedger:
    """Critical-mineral lines summed by chain.

    A 100,000-line sheet usually has a few hundred distinct chains; the engine evaluates
    chains, so a period with many segments costs chains x segments, not lines x segments.
    Every line's row number is kept for the findings. Sums are exact (Decimal).
    """

    __slots__ = ("_chains", "line_count")

    def __init__(self) -> None:
        self._chains: dict[ChainKey, Chain] = {}
        self.line_count = 0

    @classmethod
    def from_lines(cls, lines: Iterable[MineralLine]) -> MineralLedger:
        ledger = cls()
        for line in lines:
            ledger.add(line.row, ChainKey(line.mineral, line.supplier, line.extraction_country,
                                          line.processing_country, line.recycling_country,
                                          line.feoc, line.impracticable_to_trace),
                       line.value_usd)
        return ledger

    def add(self, row: int, key: ChainKey, value_usd: Decimal) -> None:
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = Chain()
        chain.value_usd = _exact_add(chain.value_usd, value_usd)
        chain.rows.append(row)
        self.line_count += 1

    def add_many(self, rows: Iterable[int], keys: Iterable[ChainKey],
                 values: Iterable[Decimal]) -> None:
        """`add` for many lines in one loop (the readers' bulk path); same result, less overhead."""
        chains = self._chains
        exact_add = _exact_add
        count = 0
        for row, key, value in zip(rows, keys, values, strict=True):
            chain = chains.get(key)
            if chain is None:
                chain = chains[key] = Chain()
            chain.value_usd = exact_add(chain.value_usd, value)
            chain.rows.append(row)
            count += 1
        self.line_count += count

    def chains(self) -> Iterator[tuple[ChainKey, Chain]]:
        return iter(self._chains.items())

    def __len__(self) -> int:
        return self.line_count


@dataclass(frozen=True, slots=True)
class VinEntry:
    row: int
    vin: str


@dataclass(frozen=True, slots=True)
class Evidence:
    vehicle: Vehicle
    battery_components: tuple[BatteryComponent, ...]
    critical_minerals: MineralLedger
    vins: tuple[VinEntry, ...] = ()
