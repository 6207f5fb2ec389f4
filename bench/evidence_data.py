"""Synthetic evidence for the benchmarks: realistic sizes, suppliers, countries and cents."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

from filings.evidence.schema import SHEETS_BY_NAME
from filings.rules.vin import check_digit

MINERALS = ("lithium", "cobalt", "nickel", "graphite", "manganese", "aluminum")
COUNTRIES = ("US", "CA", "MX", "CL", "AU", "AR", "JP", "KR", "ID", "PH", "CD", "CN", "ZA", "BR")
COMPONENT_TYPES = (
    "cathode_electrode",
    "anode_electrode",
    "separator",
    "liquid_electrolyte",
    "battery_cell",
    "battery_module",
)
_SUFFIXES = ("Mining Co.", "Resources Ltd", "Materials Inc", "Co., Ltd.", "SA", "GmbH")


def _suppliers(rng: random.Random, count: int) -> list[str]:
    return [
        f"{rng.choice(('Andes', 'Boreal', 'Cobre', 'Delta', 'Evergreen', 'Fjord', 'Granite'))} "
        f"{rng.choice(('Lithium', 'Metals', 'Minerals', 'Refining'))} {i} {rng.choice(_SUFFIXES)}"
        for i in range(count)
    ]


def _chains(rng: random.Random, count: int) -> list[tuple[str, ...]]:
    """A few hundred distinct supplier/country combinations, as real supply chains have."""
    suppliers = _suppliers(rng, 80)
    return [
        (
            rng.choice(MINERALS),
            rng.choice(suppliers),
            rng.choice(COUNTRIES),
            rng.choice(COUNTRIES),
            rng.choice(("", "", "", "US", "CA")),
            rng.choices(("no", "yes"), (9, 1))[0],
            rng.choices(("no", "yes"), (19, 1))[0],
        )
        for _ in range(count)
    ]


def _vin(serial: int) -> str:
    """A valid VIN: US manufacturer (1GR), check digit right, model year 2024 (R)."""
    unchecked = f"1GRAN4E20RU{serial:06d}"
    return unchecked[:8] + check_digit(unchecked) + unchecked[9:]


def sheets(lines: int, *, seed: int = 30) -> dict[str, Iterator[list[object]]]:
    """Rows (header first) of every sheet; critical_minerals has `lines` data rows."""
    rng = random.Random(seed)
    chains = _chains(rng, 300)

    def minerals() -> Iterator[list[object]]:
        yield list(SHEETS_BY_NAME["critical_minerals"].column_names)
        for i in range(lines):
            mineral, supplier, extraction, processing, recycling, feoc, untraceable = rng.choice(chains)
            value = f"{rng.randint(100, 2_500_000) / 100:.2f}"
            yield [
                f"CM-{i:07d}",
                mineral,
                supplier,
                extraction,
                processing,
                recycling,
                value,
                feoc,
                untraceable,
            ]

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


def write_csv_set(folder: Path, lines: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in sheets(lines).items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
        paths.append(path)
    return paths


def write_xlsx(path: Path, lines: int) -> Path:
    """The same evidence as one workbook (openpyxl write-only); numbers as numeric cells."""
    workbook = Workbook(write_only=True)
    for name, rows in sheets(lines).items():
        sheet = workbook.create_sheet(name)
        numeric = {i for i, c in enumerate(SHEETS_BY_NAME[name].columns) if c.kind.name in ("AMOUNT", "YEAR")}
        for n, row in enumerate(rows):
            sheet.append(
                [
                    float(v) if n and i in numeric else v  # type: ignore[arg-type]
                    for i, v in enumerate(row)
                ]
            )
    workbook.save(path)
    return path
