"""Evidence packed for storage: the summed groups, the vehicle and the checked VINs, as bytes.

An evidence version's files are read once; what the rules read of them (see `inputs`) is
stored packed, with its SHA-256, so a re-assessment under another rulebook (the impact
preview, publication, the what-if page) never reads the files again. The VIN checks that no
rulebook decides (length, alphabet, check digit, model-year code) are stored done.

The format is versioned JSON, zlib-compressed: money as exact decimal strings, a group's rows
as runs (first row, count), since lines of one group often stand together.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from filings.rules.inputs import (
    ChainKey,
    ComponentKey,
    ComponentLedger,
    Evidence,
    Groups,
    MineralLedger,
    Vehicle,
    VinEntry,
    VinSummary,
    vin_summary,
)

FORMAT = 1
K = TypeVar("K", ChainKey, ComponentKey)


class PackedEvidenceError(ValueError):
    """Stored evidence that cannot be used (damaged, or of an unknown format)."""


def pack(evidence: Evidence) -> bytes:
    vehicle = evidence.vehicle
    summary = vin_summary(evidence)
    document = {
        "format": FORMAT,
        "vehicle": [vehicle.make, vehicle.model, vehicle.model_year, vehicle.vehicle_class,
                    str(vehicle.msrp_usd), str(vehicle.battery_capacity_kwh),
                    str(vehicle.gvwr_lb), vehicle.final_assembly_country, vehicle.row],
        "minerals": _packed_groups(evidence.critical_minerals.groups()),
        "components": _packed_groups(evidence.battery_components.groups()),
        "vins": [[entry.row, entry.vin] for entry in evidence.vins],
        "vin_summary": {"invalid": [list(item) for item in summary.invalid],
                        "by_wmi": [[wmi, _runs(rows)] for wmi, rows in summary.by_wmi],
                        "by_year_code": [[code, _runs(rows)] for code, rows in summary.by_year_code]},
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode("utf-8"), 6)


def unpack(data: bytes) -> Evidence:
    try:
        document = json.loads(zlib.decompress(data).decode("utf-8"))
        if document.get("format") != FORMAT:
            raise PackedEvidenceError(f"stored evidence of format {document.get('format')!r}")
        return _evidence(document)
    except PackedEvidenceError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, zlib.error) as exc:
        raise PackedEvidenceError(f"stored evidence is damaged ({type(exc).__name__})") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _evidence(document: dict[str, Any]) -> Evidence:
    make, model, year, vehicle_class, msrp, kwh, gvwr, country, row = document["vehicle"]
    vehicle = Vehicle(make, model, int(year), vehicle_class, Decimal(msrp), Decimal(kwh),
                      Decimal(gvwr), country, row=int(row))
    minerals = MineralLedger.from_groups(_groups(document["minerals"], ChainKey._make))
    components = ComponentLedger.from_groups(_groups(document["components"], ComponentKey._make))
    vins = tuple(VinEntry(int(row), str(vin)) for row, vin in document["vins"])
    stored = document["vin_summary"]
    summary = VinSummary(
        invalid=tuple((int(row), str(vin), str(problem)) for row, vin, problem in stored["invalid"]),
        by_wmi=tuple((str(wmi), tuple(_rows(runs))) for wmi, runs in stored["by_wmi"]),
        by_year_code=tuple((str(code), tuple(_rows(runs))) for code, runs in stored["by_year_code"]))
    return Evidence(vehicle, components, minerals, vins, summary)


def _packed_groups(groups: Groups[Any]) -> list[list[Any]]:
    return [[list(key), str(groups.values[i]), _runs(groups.rows_of(i))]
            for i, key in enumerate(groups.keys)]


def _groups(items: list[list[Any]], make: Callable[[list[Any]], K]) -> Groups[K]:
    keys: list[K] = []
    values: list[Decimal] = []
    rows: list[int] = []
    starts = [0]
    for key, value, runs in items:
        keys.append(make(key))
        values.append(Decimal(value))
        rows.extend(_rows(runs))
        starts.append(len(rows))
    if len(set(keys)) != len(keys):
        raise PackedEvidenceError("stored evidence is damaged (a group is stored twice)")
    return Groups(keys, values, starts, rows)


def _runs(rows: Sequence[int]) -> list[int]:
    """Ascending rows as runs, flattened: [first, count, first, count, ...]."""
    runs: list[int] = []
    for row in rows:
        if runs and runs[-2] + runs[-1] == row:
            runs[-1] += 1
        else:
            runs += (row, 1)
    return runs


def _rows(runs: list[int]) -> list[int]:
    if len(runs) == 2 and runs[1] == 1:  # one line: the common case of varied evidence
        return runs[:1]
    return [row for i in range(0, len(runs), 2) for row in range(runs[i], runs[i] + runs[i + 1])]
