"""Synthetic evidence for the benchmarks and the worker tests: realistic sizes, suppliers,
countries and cents. *Few chains* (the default) draws the lines from 300 supplier/country
combinations, as real supply chains have; *varied* draws each line's supplier and countries
afresh, so nearly every line is its own chain."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

COUNTRIES = (
    "US", "CA", "MX", "CL", "AU", "AR", "JP", "KR", "ID", "PH", "CD", "CN", "ZA", "BR", "PE",
    "BO", "DE", "FR", "GB", "NO", "FI", "SE", "IN", "VN", "TH", "MA", "ZM", "ZW", "GA", "NC",
)  # fmt: skip
COMPONENT_TYPES = (
    "cathode_electrode",
    "anode_electrode",
    "separator",
    "liquid_electrolyte",
    "battery_cell",
    "battery_module",
)
_NAMES = ("Andes", "Boreal", "Cobre", "Delta", "Evergreen", "Fjord", "Granite")
_KINDS = ("Lithium", "Metals", "Minerals", "Refining")
_SUFFIXES = ("Mining Co.", "Resources Ltd", "Materials Inc", "Co., Ltd.", "SA", "GmbH")


def _minerals() -> tuple[str, ...]:
    from filings.rules import load_rulebook

    return tuple(sorted(load_rulebook().critical_minerals.applicable_minerals))


def _supplier(rng: random.Random, number: int) -> str:
    return f"{rng.choice(_NAMES)} {rng.choice(_KINDS)} {number} {rng.choice(_SUFFIXES)}"


def _chain(rng: random.Random, minerals: tuple[str, ...], supplier: str) -> tuple[str, ...]:
    return (
        rng.choice(minerals),
        supplier,
        rng.choice(COUNTRIES),
        rng.choice(COUNTRIES),
        rng.choice(("", "", "", rng.choice(COUNTRIES))),
        rng.choices(("no", "yes"), (9, 1))[0],
        rng.choices(("no", "yes"), (19, 1))[0],
    )


def _vin(serial: int) -> str:
    """A valid VIN: US manufacturer (1GR), check digit right, model year 2024 (R)."""
    from filings.rules.vin import check_digit

    unchecked = f"1GRAN4E20RU{serial:06d}"
    return unchecked[:8] + check_digit(unchecked) + unchecked[9:]


def sheets(lines: int, *, varied: bool = False, seed: int = 30) -> dict[str, Iterator[list[object]]]:
    """Rows (header first) of every sheet; critical_minerals has `lines` data rows."""
    from filings.evidence.schema import SHEETS_BY_NAME

    rng = random.Random(seed)
    minerals_list = _minerals()
    chains = [_chain(rng, minerals_list, _supplier(rng, i % 80)) for i in range(300)]

    def minerals() -> Iterator[list[object]]:
        yield list(SHEETS_BY_NAME["critical_minerals"].column_names)
        for i in range(lines):
            chain = _chain(rng, minerals_list, _supplier(rng, i)) if varied else rng.choice(chains)
            mineral, supplier, extraction, processing, recycling, feoc, untraceable = chain
            value = f"{rng.randint(100, 2_500_000) / 100:.2f}"
            yield [f"CM-{i:07d}", mineral, supplier, extraction, processing, recycling, value, feoc,
                   untraceable]

    def components() -> Iterator[list[object]]:
        yield list(SHEETS_BY_NAME["battery_components"].column_names)
        for i in range(200):
            yield [
                f"BC-{i:04d}",
                rng.choice(COMPONENT_TYPES),
                f"Cell Supplier {i % 12}",
                rng.choice(COUNTRIES[:6]),
                f"{rng.randint(1000, 900_000) / 100:.2f}",
                "no",
            ]

    def vins() -> Iterator[list[object]]:
        yield ["vin"]
        for i in range(2000):
            yield [_vin(i)]

    return {
        "vehicle": iter(
            [
                list(SHEETS_BY_NAME["vehicle"].column_names),
                ["Granite", "Ridgeline EV", "2024", "pickup", "54990.00", "82.5", "7200", "US"],
            ]
        ),
        "battery_components": components(),
        "critical_minerals": minerals(),
        "vins": vins(),
    }


def write_csv_set(
    folder: Path, lines: int, *, varied: bool = False, quoting: Literal[0, 1, 2, 3] = csv.QUOTE_MINIMAL
) -> list[Path]:
    """The evidence as four CSV files (csv.writer: CRLF line ends, quotes where needed, or
    around every cell with `quoting=csv.QUOTE_ALL`, as R's write.csv and many exports write)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in sheets(lines, varied=varied).items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, quoting=quoting).writerows(rows)
        paths.append(path)
    return paths
