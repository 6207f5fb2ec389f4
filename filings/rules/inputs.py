"""Normalised evidence: what the engine takes in.

The evidence readers build these from a workbook; tests build them directly. Values are
already validated (ISO codes upper case, money as Decimal, yes/no as bool); `row` is the
spreadsheet row the value came from, so findings can point back at it.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Context, Decimal, Inexact
from typing import Any, Generic, NamedTuple, Self, TypeVar, overload

from filings.rules.rulebook import VehicleClass
from filings.rules.vin import model_year_code, vin_problem

# Sums must be exact whatever the input's digits; an inexact sum raises instead of rounding.
_exact_add = Context(prec=80, traps=[Inexact]).add
K = TypeVar("K", bound=tuple[object, ...])
L = TypeVar("L", "MineralLine", "BatteryComponent")


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
    """What decides how a critical-mineral line is treated. Lines sharing a key are a chain.

    `supplier` is kept only for FEOC lines, the one place findings name a supplier; every
    other line's supplier decides nothing, so lines from many suppliers share one chain.
    """

    mineral: str
    extraction_country: str
    processing_country: str
    recycling_country: str | None
    feoc: bool
    impracticable_to_trace: bool
    supplier: str | None = None


class ComponentKey(NamedTuple):
    """What decides how a battery component is treated; `supplier` only for FEOC components."""

    component_type: str
    manufacturing_country: str
    feoc: bool
    supplier: str | None = None


def chain_key(line: MineralLine) -> ChainKey:
    return ChainKey(line.mineral, line.extraction_country, line.processing_country,
                    line.recycling_country, line.feoc, line.impracticable_to_trace,
                    line.supplier if line.feoc else None)


def component_key(component: BatteryComponent) -> ComponentKey:
    return ComponentKey(component.component_type, component.manufacturing_country, component.feoc,
                        component.supplier if component.feoc else None)


@dataclass(slots=True)
class Chain:
    """The lines of one key: their exact summed value and their spreadsheet rows, ascending."""

    value_usd: Decimal = Decimal(0)
    rows: list[int] = field(default_factory=list)


class KeyColumns(Sequence[K]):
    """Keys held as columns, one list per field of the key tuple `make`: the readers' groups
    come from polars a column at a time, and the engine reads them a column at a time, so a
    key tuple is made only for the few keys something asks for one by one."""

    __slots__ = ("_make", "_names", "columns")

    def __init__(self, make: Callable[..., K], names: Sequence[str],
                 columns: Sequence[Sequence[Any]]) -> None:
        if len(columns) != len(names) or len({len(column) for column in columns}) > 1:
            raise ValueError(f"key columns of lengths {[len(c) for c in columns]} "
                             f"for the fields {list(names)}")
        self._make = make
        self._names = tuple(names)
        self.columns = tuple(columns)

    def column(self, name: str) -> Sequence[Any]:
        return self.columns[self._names.index(name)]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @overload
    def __getitem__(self, index: int) -> K: ...
    @overload
    def __getitem__(self, index: slice) -> list[K]: ...
    def __getitem__(self, index: int | slice) -> K | list[K]:
        if isinstance(index, slice):
            return list(map(self._make, *(column[index] for column in self.columns)))
        return self._make(*(column[index] for column in self.columns))

    def __iter__(self) -> Iterator[K]:
        return map(self._make, *self.columns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(map(operator.eq, self, other))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Groups(Generic[K]):
    """A ledger's groups as columns, which is how the engine reads them: group `i` has the
    key `keys[i]`, the exact sum `values[i]`, and the rows `rows[starts[i]:starts[i + 1]]`,
    ascending. One flat sequence of rows, not a list per group: a sheet of a million varied
    lines has hundreds of thousands of groups, and the engine needs the rows of a few."""

    keys: Sequence[K]
    values: Sequence[Decimal]
    starts: Sequence[int]  # len(keys) + 1 offsets into `rows`
    rows: Sequence[int]

    def __len__(self) -> int:
        return len(self.keys)

    def column(self, name: str) -> Sequence[Any]:
        """One field of every key (`keys[i].<name>` for each i), as the engine reads them."""
        if isinstance(self.keys, KeyColumns):
            return self.keys.column(name)
        return list(map(operator.attrgetter(name), self.keys))

    def rows_of(self, i: int) -> Sequence[int]:
        return self.rows[self.starts[i]:self.starts[i + 1]]

    def rows_of_all(self, indices: Sequence[int]) -> list[int]:
        """The rows of the groups `indices`, one group after another."""
        starts, rows = self.starts, self.rows
        return list(itertools.chain.from_iterable(
            map(rows.__getitem__, map(slice, map(starts.__getitem__, indices),
                                      map(starts.__getitem__, map((1).__add__, indices))))))

    def line_count(self, indices: Sequence[int]) -> int:
        """How many lines the groups `indices` hold together."""
        starts = self.starts
        return sum(map(operator.sub, map(starts.__getitem__, map((1).__add__, indices)),
                       map(starts.__getitem__, indices)))

    def first_row(self, i: int) -> int:
        return self.rows[self.starts[i]]

    def count(self, i: int) -> int:
        return self.starts[i + 1] - self.starts[i]


def starts_of(counts: Iterable[int]) -> list[int]:
    """The offsets `Groups.starts` holds for groups of these many rows each."""
    return [0, *itertools.accumulate(counts)]


class _Ledger(Generic[K]):
    """Lines summed by key: the engine evaluates keys, so its cost follows the number of
    distinct keys, not of lines. Every line's row is kept for the findings; sums are exact.

    A ledger is built line by line or group by group (`add`, `add_group`: tests, builders),
    or handed its groups whole (`from_groups`: the readers and stored evidence), which it
    keeps as they are until something adds to it."""

    __slots__ = ("_chains", "_groups", "line_count")

    def __init__(self) -> None:
        self._chains: dict[K, Chain] | None = {}
        self._groups: Groups[K] | None = None
        self.line_count = 0

    @classmethod
    def from_groups(cls, groups: Groups[K]) -> Self:
        """A ledger of groups with distinct keys (the readers' and stored evidence's)."""
        ledger = cls()
        ledger._chains = None
        ledger._groups = groups
        ledger.line_count = len(groups.rows)
        return ledger

    def _editable(self) -> dict[K, Chain]:
        if self._chains is None:
            groups = self._groups
            assert groups is not None
            self._chains = {key: Chain(groups.values[i], list(groups.rows_of(i)))
                            for i, key in enumerate(groups.keys)}
        self._groups = None
        return self._chains

    def add(self, row: int, key: K, value_usd: Decimal) -> None:
        chains = self._editable()
        chain = chains.get(key)
        if chain is None:
            chain = chains[key] = Chain()
        chain.value_usd = _exact_add(chain.value_usd, value_usd)
        chain.rows.append(row)
        self.line_count += 1

    def add_lines(self, lines: Iterable[L], key_of: Callable[[L], K]) -> None:
        """Single lines (tests and builders), each keyed by `key_of`."""
        for line in lines:
            self.add(line.row, key_of(line), line.value_usd)

    def add_group(self, key: K, value_usd: Decimal, rows: Iterable[int]) -> None:
        """Lines already summed: one call per key. The rows of one key must be added in
        ascending order."""
        chains = self._editable()
        chain = chains.get(key)
        if chain is None:
            chain = chains[key] = Chain()
        chain.value_usd = _exact_add(chain.value_usd, value_usd)
        before = len(chain.rows)
        chain.rows.extend(rows)
        self.line_count += len(chain.rows) - before

    def groups(self) -> Groups[K]:
        """The groups as columns, in the order their keys were first added."""
        if self._groups is None:
            chains = self._chains
            assert chains is not None
            rows: list[int] = []
            starts = [0]
            for chain in chains.values():
                rows.extend(sorted(chain.rows))
                starts.append(len(rows))
            self._groups = Groups(list(chains), [c.value_usd for c in chains.values()], starts, rows)
        return self._groups

    def group_keys(self) -> Iterable[K]:
        return self._chains.keys() if self._chains is not None else self.groups().keys

    def chains(self) -> Iterator[tuple[K, Chain]]:
        if self._chains is not None:
            return iter(self._chains.items())
        groups = self.groups()
        return ((key, Chain(groups.values[i], list(groups.rows_of(i))))
                for i, key in enumerate(groups.keys))

    def __len__(self) -> int:
        return self.line_count

    def _summary(self) -> dict[K, tuple[Decimal, list[int]]]:
        return {key: (chain.value_usd, sorted(chain.rows)) for key, chain in self.chains()}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _Ledger) and type(other) is type(self)
                and self._summary() == other._summary())

    __hash__ = None  # type: ignore[assignment]


class MineralLedger(_Ledger[ChainKey]):
    """Critical-mineral lines summed by chain."""

    __slots__ = ()

    @classmethod
    def from_lines(cls, lines: Iterable[MineralLine]) -> MineralLedger:
        ledger = cls()
        ledger.add_lines(lines, chain_key)
        return ledger


class ComponentLedger(_Ledger[ComponentKey]):
    """Battery components summed by type, country and FEOC flag."""

    __slots__ = ()

    @classmethod
    def from_lines(cls, components: Iterable[BatteryComponent]) -> ComponentLedger:
        ledger = cls()
        ledger.add_lines(components, component_key)
        return ledger


@dataclass(frozen=True, slots=True)
class VinEntry:
    row: int
    vin: str


@dataclass(frozen=True, slots=True)
class VinSummary:
    """The VIN checks no rulebook decides, done once: `invalid` (row, VIN, problem) in row
    order; the valid VINs' rows by manufacturer identifier (WMI, in order); and the rows of
    valid VINs whose model-year code is not the vehicle's, by code."""

    invalid: tuple[tuple[int, str, str], ...]
    by_wmi: tuple[tuple[str, tuple[int, ...]], ...]
    by_year_code: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    vehicle: Vehicle
    battery_components: ComponentLedger
    critical_minerals: MineralLedger
    vins: tuple[VinEntry, ...] = ()
    # The VIN checks, when done already (stored evidence); `vin_summary` does them otherwise.
    vins_checked: VinSummary | None = None

    @classmethod
    def from_lines(cls, vehicle: Vehicle, components: Iterable[BatteryComponent],
                   minerals: Iterable[MineralLine], vins: Iterable[VinEntry] = ()) -> Evidence:
        """Evidence from single lines (tests and builders); the readers add summed groups."""
        return cls(vehicle, ComponentLedger.from_lines(components),
                   MineralLedger.from_lines(minerals), tuple(vins))


def vin_summary(evidence: Evidence) -> VinSummary:
    """The evidence's VIN checks: stored with it, or done now."""
    if evidence.vins_checked is not None:
        return evidence.vins_checked
    expected_year = model_year_code(evidence.vehicle.model_year)
    invalid: list[tuple[int, str, str]] = []
    by_wmi: dict[str, list[int]] = {}
    year_mismatch: dict[str, list[int]] = {}
    for entry in sorted(evidence.vins, key=lambda e: e.row):
        problem = vin_problem(entry.vin)
        if problem:
            invalid.append((entry.row, entry.vin, problem))
            continue
        by_wmi.setdefault(entry.vin[:3], []).append(entry.row)
        if entry.vin[9] != expected_year:
            year_mismatch.setdefault(entry.vin[9], []).append(entry.row)
    return VinSummary(tuple(invalid), tuple((k, tuple(v)) for k, v in sorted(by_wmi.items())),
                      tuple((k, tuple(v)) for k, v in sorted(year_mismatch.items())))


def with_vin_summary(evidence: Evidence) -> Evidence:
    """The evidence with its VIN checks done, so assessing many dates does them once."""
    if evidence.vins_checked is not None:
        return evidence
    return replace(evidence, vins_checked=vin_summary(evidence))
