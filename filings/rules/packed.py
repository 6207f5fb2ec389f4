"""Evidence packed for storage: the summed groups, the vehicle and the checked VINs, as bytes.

An evidence version's files are read once; what the rules read of them (see `inputs`) is
stored packed, with its SHA-256, so a re-assessment under another rulebook (the impact
preview, publication, the what-if page) never reads the files again. The VIN checks that no
rulebook decides (length, alphabet, check digit, model-year code) are stored done.

The format is versioned JSON, zlib-compressed, by columns (format 2): each key field one
list, the sums one list of exact decimal strings, each group's row count, and the rows of
every group one after another as differences from the row before (lines of one group often
stand together, and a run of 1s compresses to almost nothing). A few long lists, not a list
per group: a varied sheet of a million lines has hundreds of thousands of groups, and the
per-group lists of format 1 took 3.1 s to pack and 2.9 s to unpack, more than reading the
files. Format 1, which versions stored before hold, is still read.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import zlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from zlib_ng import zlib_ng

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
    VinSummary,
    vin_summary,
)

FORMAT = 2
_FORMATS = (1, 2)  # read; the first without columns
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
        "minerals": _packed_columns(evidence.critical_minerals.groups(), ChainKey._fields),
        "components": _packed_columns(evidence.battery_components.groups(), ComponentKey._fields),
        "vins": {"rows": _differences([entry.row for entry in evidence.vins]),
                 "vins": [entry.vin for entry in evidence.vins]},
        "vin_summary": {"invalid": [list(item) for item in summary.invalid],
                        "by_wmi": [[wmi, _runs(rows)] for wmi, rows in summary.by_wmi],
                        "by_year_code": [[code, _runs(rows)] for code, rows in summary.by_year_code]},
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    # zlib's format, written by zlib-ng at level 3: for a million varied lines 0.18 s and
    # 6.5 MiB, where zlib's level 6 took 1.15 s for 5.9 MiB.
    return zlib_ng.compress(text.encode("utf-8"), 3)


def unpack(data: bytes) -> Evidence:
    try:
        document = json.loads(zlib.decompress(data).decode("utf-8"))
        if document.get("format") not in _FORMATS:
            raise PackedEvidenceError(f"stored evidence of format {document.get('format')!r}")
        return _evidence(document)
    except PackedEvidenceError:
        raise
    except (ValueError, ArithmeticError, KeyError, TypeError, IndexError, zlib.error) as exc:
        # ArithmeticError: decimal's InvalidOperation, for a sum that is not a number.
        raise PackedEvidenceError(f"stored evidence is damaged ({type(exc).__name__})") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _evidence(document: dict[str, Any]) -> Evidence:
    make, model, year, vehicle_class, msrp, kwh, gvwr, country, row = document["vehicle"]
    vehicle = Vehicle(make, model, int(year), vehicle_class, Decimal(msrp), Decimal(kwh),
                      Decimal(gvwr), country, row=int(row))
    if document["format"] == 1:
        minerals = MineralLedger.from_groups(_groups(document["minerals"], ChainKey._make))
        components = ComponentLedger.from_groups(_groups(document["components"], ComponentKey._make))
        vins = tuple(VinEntry(int(row), str(vin)) for row, vin in document["vins"])
    else:
        minerals = MineralLedger.from_groups(_columns(document["minerals"], ChainKey, ChainKey._fields))
        components = ComponentLedger.from_groups(
            _columns(document["components"], ComponentKey, ComponentKey._fields))
        stored_vins = document["vins"]
        rows = list(itertools.accumulate(stored_vins["rows"]))
        if len(rows) != len(stored_vins["vins"]):
            raise PackedEvidenceError("stored evidence is damaged (VINs and their rows differ in number)")
        vins = tuple(map(VinEntry, rows, stored_vins["vins"]))
    stored = document["vin_summary"]
    summary = VinSummary(
        invalid=tuple((int(row), str(vin), str(problem)) for row, vin, problem in stored["invalid"]),
        by_wmi=tuple((str(wmi), tuple(_rows(runs))) for wmi, runs in stored["by_wmi"]),
        by_year_code=tuple((str(code), tuple(_rows(runs))) for code, runs in stored["by_year_code"]))
    return Evidence(vehicle, components, minerals, vins, summary)


def _packed_columns(groups: Groups[Any], fields: Sequence[str]) -> dict[str, list[Any]]:
    """A ledger's groups as columns: each key field, the sums, the row counts, the rows."""
    starts = groups.starts
    return {"keys": [list(groups.column(name)) for name in fields],
            "values": list(map(str, groups.values)),
            "counts": list(map(operator.sub, starts[1:], starts[:-1])),
            "rows": _differences(groups.rows)}


def _columns(stored: dict[str, list[Any]], make: Callable[..., K], fields: Sequence[str]) -> Groups[K]:
    columns: list[list[Any]] = stored["keys"]
    counts: list[int] = stored["counts"]
    rows = list(itertools.accumulate(stored["rows"]))
    if (len(columns) != len(fields) or any(len(column) != len(counts) for column in columns)
            or len(stored["values"]) != len(counts) or sum(counts) != len(rows)
            or not all(map((0).__lt__, counts))):
        raise PackedEvidenceError("stored evidence is damaged (its columns do not fit together)")
    keys = KeyColumns(make, fields, columns)
    if len(set(zip(*columns, strict=True))) != len(counts):
        raise PackedEvidenceError("stored evidence is damaged (a group is stored twice)")
    return Groups(keys, list(map(Decimal, stored["values"])), [0, *itertools.accumulate(counts)], rows)


def _differences(rows: Sequence[int]) -> list[int]:
    """Each row less the one before it (the first as it is): `itertools.accumulate` undoes it."""
    return list(map(operator.sub, rows, [0, *rows[:-1]]))


def _runs(rows: Sequence[int]) -> list[int]:
    """Ascending rows as runs, flattened: [first, count, first, count, ...] (the VIN summary's
    rows, and format 1's groups')."""
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


# --- format 1: a list per group ----------------------------------------------------------


def _groups(items: list[list[Any]], make: Callable[[list[Any]], K]) -> Groups[K]:
    """Format 1's groups: [key, sum, runs of rows] each."""
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
