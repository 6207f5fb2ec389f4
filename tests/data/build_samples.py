"""Builds the sample evidence under tests/data/ (run: .venv/bin/python -m tests.data.build_samples).

Fictional manufacturers and suppliers, realistic shapes: the files are committed, and this script
is how they were made, so a change to the samples is a reviewed change to this file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from filings.rules.vin import check_digit

HERE = Path(__file__).parent
Rows = list[list[Any]]

VEHICLE_HEADER = ["make", "model", "model_year", "vehicle_class", "msrp_usd",
                  "battery_capacity_kwh", "gvwr_lb", "final_assembly_country"]
COMPONENT_HEADER = ["component_id", "component_type", "supplier", "manufacturing_country",
                    "value_usd", "feoc"]
MINERAL_HEADER = ["line_id", "mineral", "supplier", "extraction_country", "processing_country",
                  "recycling_country", "value_usd", "feoc", "impracticable_to_trace"]


def vins(prefix8: str, year_code: str, plant: str, first_serial: int, count: int) -> Rows:
    """`count` valid VINs: 8-character WMI+VDS prefix, check digit computed, serials counting up."""
    out = []
    for serial in range(first_serial, first_serial + count):
        draft = f"{prefix8}0{year_code}{plant}{serial:06d}"
        out.append([draft[:8] + check_digit(draft) + draft[9:]])
    return out


def write_workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)


def write_csv_folder(folder: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> None:
    folder.mkdir(exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(["" if v is None else v for v in row] for row in rows)


# A US-built pickup whose lithium and nickel are processed in Japan: it meets the critical-mineral
# test only because Japan counts as an FTA country from 2023-03-28.
US_PICKUP = {
    "vehicle": [VEHICLE_HEADER,
                ["Granite Motor Company", "Ironwood EV", 2024, "pickup", 74995.00, 123.0, 8550, "US"]],
    "battery_components": [
        COMPONENT_HEADER,
        ["GMC-CAT-01", "cathode_electrode", "Cumberland Cell Works", "US", 3120.50, "no"],
        ["GMC-AN-01", "anode_electrode", "Cumberland Cell Works", "US", 1410.25, "no"],
        ["GMC-SEP-01", "separator", "Hokuriku Membrane K.K.", "JP", 640.00, "no"],
        ["GMC-ELY-01", "liquid_electrolyte", "Daejeon Electrolyte Co.", "KR", 512.40, "no"],
        ["GMC-CELL-01", "battery_cell", "Cumberland Cell Works", "US", 2230.00, "no"],
        ["GMC-MOD-01", "battery_module", "Granite Powertrain Tennessee", "US", 1185.75, "no"],
    ],
    "critical_minerals": [
        MINERAL_HEADER,
        ["LI-001", "lithium", "Pilbara Spodumene Pty", "AU", "JP", None, 2840.00, "no", "no"],
        ["LI-002", "lithium", "Atacama Brines S.A.", "AR", "JP", None, 1160.00, "no", "no"],
        ["NI-001", "nickel", "Sulawesi Nickel Tbk", "ID", "JP", None, 1930.60, "no", "no"],
        ["CO-001", "cobalt", "Katanga Cobalt SARL", "CD", "FI", None, 640.20, "no", "no"],
        ["MN-001", "manganese", "Kalahari Manganese", "ZA", "US", None, 310.00, "no", "no"],
        ["GR-001", "graphite", "Niassa Graphite Lda", "MZ", "JP", None, 705.00, "no", "no"],
        ["AL-001", "aluminum", "Saguenay Aluminium", "CA", "CA", None, 214.15, "no", "no"],
        ["NI-002", "nickel", "Rust Belt Recyclers", "US", "US", "US", 280.05, "no", "no"],
    ],
    "vins": [["vin"], *vins("1GRT4EL7", "R", "N", 100201, 6)],
}

# A sedan built in Germany: nothing else matters, final assembly is outside North America.
GERMAN_SEDAN = {
    "vehicle": [VEHICLE_HEADER,
                ["Rhein Automobilwerke", "Aurelia e", 2024, "car", 52900.00, 82.5, 5291, "DE"]],
    "battery_components": [
        COMPONENT_HEADER,
        ["RA-CELL-1", "battery_cell", "Lausitz Zellfabrik GmbH", "DE", 4210.00, "no"],
        ["RA-MOD-1", "battery_module", "Rhein Automobilwerke Dingolfing", "DE", 1320.00, "no"],
        ["RA-CAT-1", "cathode_electrode", "Silesia Cathode Sp. z o.o.", "PL", 2480.80, "no"],
        ["RA-AN-1", "anode_electrode", "Silesia Cathode Sp. z o.o.", "PL", 990.00, "no"],
    ],
    "critical_minerals": [
        MINERAL_HEADER,
        ["M1", "lithium", "Erzgebirge Lithium GmbH", "DE", "DE", None, 2100.00, "no", "no"],
        ["M2", "nickel", "Nordic Nickel Oy", "FI", "FI", None, 1650.00, "no", "no"],
        ["M3", "cobalt", "Katanga Cobalt SARL", "CD", "BE", None, 720.00, "no", "no"],
        ["M4", "graphite", "Niassa Graphite Lda", "MZ", "DE", None, 510.00, "no", "no"],
    ],
    "vins": [["vin"], *vins("WRA31AE9", "R", "D", 418800, 4)],
}

# A Mexican-built crossover: critical minerals meet 50 % in 2024, battery components fall short
# of 60 % because the cells come from Korea, so the credit is $3,750.
CROSSOVER = {
    "vehicle": [VEHICLE_HEADER,
                ["Northwind Automotive", "Tamarack AWD", 2024, "suv", 47450.00, 77.4, 5997, "MX"]],
    "battery_components": [
        COMPONENT_HEADER,
        ["NW-CELL-A", "battery_cell", "Ochang Energy Solutions", "KR", 3890.00, "no"],
        ["NW-CAT-A", "cathode_electrode", "Ochang Energy Solutions", "KR", 1760.00, "no"],
        ["NW-AN-A", "anode_electrode", "Gumi Anode Materials", "KR", 805.30, "no"],
        ["NW-MOD-A", "battery_module", "Northwind Ramos Arizpe", "MX", 1420.00, "no"],
        ["NW-SEP-A", "separator", "Ontario Separator Inc.", "CA", 560.00, "no"],
        ["NW-ELY-A", "liquid_electrolyte", "Bécancour Electrolytes", "CA", 470.00, "no"],
        ["NW-MOD-B", "battery_module", "Northwind Ramos Arizpe", "MX", 1150.00, "no"],
    ],
    "critical_minerals": [
        MINERAL_HEADER,
        ["L-1", "lithium", "Salar de Atacama SpA", "CL", "CL", None, 2010.00, "no", "no"],
        ["L-2", "nickel", "Sudbury Nickel Ltd", "CA", "CA", None, 1540.00, "no", "no"],
        ["L-3", "cobalt", "Katanga Cobalt SARL", "CD", "FI", None, 830.00, "no", "no"],
        ["L-4", "manganese", "Kalahari Manganese", "ZA", "BE", None, 260.00, "no", "no"],
        ["L-5", "graphite", "Niassa Graphite Lda", "MZ", "PL", None, 880.00, "no", "no"],
        ["L-6", "lithium", "Nevada Brine Partners", "US", "US", None, 415.00, "no", "no"],
    ],
    "vins": [["vin"], *vins("3NWTA4C2", "R", "M", 20011, 3)],
}

# A US-built compact whose anode graphite is processed by a foreign entity of concern: fine in
# 2024, not a clean vehicle at all from 2025-01-01. One electrolyte-salt line is marked
# impracticable to trace and is excluded from the FEOC test until 2027.
FEOC_GRAPHITE = {
    "vehicle": [VEHICLE_HEADER,
                ["Prairie Electric Vehicles", "Meridian", 2025, "car", 38990.00, 66.0, 4850, "US"]],
    "battery_components": [
        COMPONENT_HEADER,
        ["PEV-CELL", "battery_cell", "Prairie Cells Kansas", "US", 3520.00, "no"],
        ["PEV-MOD", "battery_module", "Prairie Electric Vehicles", "US", 980.00, "no"],
        ["PEV-CAT", "cathode_electrode", "Great Lakes Cathode LLC", "US", 1890.00, "no"],
        ["PEV-AN", "anode_electrode", "Great Lakes Cathode LLC", "US", 760.00, "no"],
        ["PEV-SEP", "separator", "Hokuriku Membrane K.K.", "JP", 410.00, "no"],
    ],
    "critical_minerals": [
        MINERAL_HEADER,
        ["FG-1", "graphite", "Heilongjiang Carbon Materials", "CN", "CN", None, 690.00, "yes", "no"],
        ["FG-2", "lithium", "Greenbushes Lithium Pty", "AU", "US", None, 2350.00, "no", "no"],
        ["FG-3", "nickel", "Sudbury Nickel Ltd", "CA", "CA", None, 1320.00, "no", "no"],
        ["FG-4", "lithium", "Qinghai Salt Lake Chemicals", "CN", "CN", None, 95.00, "yes", "yes"],
        ["FG-5", "cobalt", "Katanga Cobalt SARL", "CD", "CA", None, 405.00, "no", "no"],
    ],
    "vins": [["vin"], *vins("1PEV2AB6", "S", "K", 5001, 4)],
}

# A US-built SUV whose lithium is processed in China. Processing in a covered nation makes the
# processor a foreign entity of concern (DOE's jurisdiction test, 89 FR 37079), so from
# 2025-01-01 the SUV is not a clean vehicle at all; and without those lines the critical-mineral
# share is 54 %: met against 2024's 50 %, not against 2025's 60 %. The lithium was extracted in
# Zimbabwe, Argentina and Brazil, none an FTA country, so only the processing can move. Moved to
# Japan by a processor that is not a FEOC, the vehicle earns the full credit in 2025 under rules
# that count Japan, and only the battery-component half under rules that do not.
LITHIUM_CHINA = {
    "vehicle": [VEHICLE_HEADER,
                ["Granite Motor Company", "Basalt EV", 2025, "suv", 64900.00, 91.0, 6350, "US"]],
    "battery_components": [
        COMPONENT_HEADER,
        ["BS-CELL-01", "battery_cell", "Cumberland Cell Works", "US", 3480.00, "no"],
        ["BS-MOD-01", "battery_module", "Granite Powertrain Tennessee", "US", 1240.00, "no"],
        ["BS-CAT-01", "cathode_electrode", "Bécancour Cathode Inc.", "CA", 1960.00, "no"],
        ["BS-AN-01", "anode_electrode", "Gumi Anode Materials", "KR", 880.00, "no"],
        ["BS-SEP-01", "separator", "Ontario Separator Inc.", "CA", 520.00, "no"],
        ["BS-ELY-01", "liquid_electrolyte", "Daejeon Electrolyte Co.", "KR", 610.00, "no"],
    ],
    "critical_minerals": [
        MINERAL_HEADER,
        ["BL-01", "lithium", "Sichuan Lithium Refining Co.", "ZW", "CN", None, 2000.00, "yes", "no"],
        ["BL-02", "lithium", "Sichuan Lithium Refining Co.", "AR", "CN", None, 1600.00, "yes", "no"],
        ["BL-03", "lithium", "Jiangxi Ganzhou Lithium Materials", "BR", "CN", None, 1000.00, "yes",
         "no"],
        ["BN-01", "nickel", "Sudbury Nickel Ltd", "CA", "CA", None, 1900.00, "no", "no"],
        ["BC-01", "cobalt", "Broken Hill Cobalt Pty", "AU", "US", None, 800.00, "no", "no"],
        ["BM-01", "manganese", "Kalahari Manganese", "ZA", "US", None, 600.00, "no", "no"],
        ["BG-01", "graphite", "Niassa Graphite Lda", "MZ", "US", None, 1200.00, "no", "no"],
        ["BA-01", "aluminum", "Saguenay Aluminium", "CA", "CA", None, 500.00, "no", "no"],
        ["BN-02", "nickel", "Rust Belt Recyclers", "US", "US", "US", 400.00, "no", "no"],
    ],
    "vins": [["vin"], *vins("1GRS6EV4", "S", "N", 300101, 5)],
}

# A workbook full of the mistakes people make; every bad cell must be reported at once.
MISTAKES = {
    "vehicle": [VEHICLE_HEADER,
                ["Granite Motor Company", "Ironwood EV", "twenty24", "sedan", "$74,995",
                 -5, 8550, "USA"]],
    "battery_components": [
        [*COMPONENT_HEADER, "notes"],
        ["C-1", "cell", "Cumberland Cell Works", "US", 2230.00, "no", "check"],
        ["C-1", "battery_module", "Granite Powertrain", "UK", -10, "maybe", ""],
    ],
    "critical_minerals": [
        MINERAL_HEADER,
        ["X-1", "copper", "Andes Copper", "CL", "CL", None, 100, "no", "no"],
        ["X-1", "lithium", "", "XX", "JP", None, "NaN", "no", "Y"],
        ["X-3", "nickel", "Sulawesi Nickel Tbk", "ID", "JP", "", "inf", "no", "no"],
    ],
    "vins": [["vin"], ["1GRT4EL7XRN100201"], ["1GRT4EL7XRN100201"]],
}


def main() -> None:
    write_workbook(HERE / "us-pickup-japan-minerals.xlsx", US_PICKUP)
    write_csv_folder(HERE / "us-pickup-japan-minerals-csv", US_PICKUP)
    write_workbook(HERE / "german-sedan.xlsx", GERMAN_SEDAN)
    write_workbook(HERE / "crossover-short-na-components.xlsx", CROSSOVER)
    write_workbook(HERE / "feoc-graphite-2025.xlsx", FEOC_GRAPHITE)
    write_workbook(HERE / "mistakes.xlsx", MISTAKES)
    write_workbook(HERE / "suv-lithium-processed-in-china.xlsx", LITHIUM_CHINA)


if __name__ == "__main__":
    main()
