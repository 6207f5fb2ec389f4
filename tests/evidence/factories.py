"""Evidence files built in the test's tmp_path: a small valid filing, changed cell by cell."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from filings.evidence.schema import SHEETS_BY_NAME

VEHICLE = ["Granite", "Ridgeline EV", "2024", "pickup", "54990.00", "82.5", "7200", "US"]
COMPONENTS = [
    ["BC-1", "battery_cell", "Volta Cells Inc", "US", "6000.00", "no"],
    ["BC-2", "cathode_electrode", "Kathode GmbH", "DE", "2500.50", "no"],
    ["BC-3", "separator", "Sepra, Ltd.", "CA", "499.50", "no"],
]
MINERALS = [
    ["CM-1", "lithium", "Andes Lithium SA", "CL", "US", "", "312.40", "no", "no"],
    ["CM-2", "lithium", "Andes Lithium SA", "CL", "US", "", "100.10", "no", "no"],
    ["CM-3", "cobalt", "Katanga Mining", "CD", "CN", "", "250.00", "yes", "no"],
    ["CM-4", "nickel", "Nickel, North Inc.", "CA", "CA", "US", "80.25", "no", "no"],
]
VINS = ["1HGCM82633A004352", "1HGCM82633A004353"]


@dataclass
class EvidenceFiles:
    """Sheets as rows of cells (the header included); `rows[sheet][0]` is the header row."""

    rows: dict[str, list[list[Any]]] = field(default_factory=dict)

    @classmethod
    def valid(cls) -> EvidenceFiles:
        def sheet(name: str, data: list[list[Any]]) -> list[list[Any]]:
            return [list(SHEETS_BY_NAME[name].column_names), *[list(r) for r in data]]

        return cls(
            {
                "vehicle": sheet("vehicle", [VEHICLE]),
                "battery_components": sheet("battery_components", COMPONENTS),
                "critical_minerals": sheet("critical_minerals", MINERALS),
                "vins": sheet("vins", [[v] for v in VINS]),
            }
        )

    def set(self, sheet: str, row: int, column: str, value: Any) -> EvidenceFiles:
        """Change one cell; `row` as a spreadsheet numbers it (data starts at row 2)."""
        header = self.rows[sheet][0]
        self.rows[sheet][row - 1][header.index(column)] = value
        return self

    def write_csv(self, folder: Path, *, encoding: str = "utf-8", newline: str = "\r\n") -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, rows in self.rows.items():
            path = folder / f"{name}.csv"
            with path.open("w", encoding=encoding, newline="") as f:
                csv.writer(f, lineterminator=newline).writerows(rows)
            paths.append(path)
        return paths

    def write_xlsx(self, path: Path, *, numbers: bool = True, states: dict[str, str] | None = None) -> Path:
        """A workbook with one sheet per entry; with `numbers`, numeric text becomes numbers.

        `states` sets sheets' visibility by name: "hidden" or "veryHidden" (as Excel writes them).
        """
        workbook = Workbook()
        workbook.remove(workbook.active)
        for name, rows in self.rows.items():
            sheet = workbook.create_sheet(name)
            for row in rows:
                sheet.append([_as_number(v) if numbers else v for v in row])
            sheet.sheet_state = (states or {}).get(name, "visible")
        workbook.save(path)
        return path


def _as_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def fill_in_template(path: Path) -> Path:
    """The blank template at `path` with the sample vehicle, components, minerals and VINs typed
    in below its header rows, as a manufacturer fills it in."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook["vehicle"].append(VEHICLE)
    for row in COMPONENTS:
        workbook["battery_components"].append(row)
    for row in MINERALS:
        workbook["critical_minerals"].append(row)
    for vin in VINS:
        workbook["vins"].append([vin])
    workbook.save(path)
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def errors_of(paths: list[Path], **options: Any) -> list[dict[str, Any]]:
    """The errors reading `paths` gives, as dicts; fails the test if it reads cleanly."""
    from filings.evidence import EvidenceInvalid, read_evidence

    try:
        read_evidence(paths, **options)
    except EvidenceInvalid as exc:
        return [error.to_dict() for error in exc.errors]
    raise AssertionError("the evidence was read without errors")


def one_error(errors: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    """The single error matching every given key (message matched as a substring)."""
    text = where.pop("message", "")
    found = [
        e for e in errors if all(e[k] == v for k, v in where.items()) and text.lower() in e["message"].lower()
    ]
    assert len(found) == 1, f"expected one error like {where} {text!r}, got: {errors}"
    return found[0]
