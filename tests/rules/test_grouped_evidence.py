"""Evidence assessed as summed groups gives exactly what assessing it line by line gives, and
packed evidence (what is stored with a version) assesses exactly as the evidence it came from."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filings.rules import BatteryComponent, Evidence, MineralLine, VinEntry, assess_period
from filings.rules.inputs import (
    ChainKey,
    ComponentKey,
    ComponentLedger,
    Groups,
    MineralLedger,
    chain_key,
    component_key,
    vin_summary,
)
from filings.rules.packed import PackedEvidenceError, _runs, pack, unpack

from .builders import PROPERTY_SETTINGS, component, mineral, shipped, vehicle
from .test_properties import _components, _minerals

_VINS = st.lists(st.sampled_from(["1HGCM82633A004352", "1HGCM82633A004353", "JH4KA7561PC008269",
                                  "5YJ3E1EA7KF317000", "WVWZZZ1KZAW000001", "SHORTVIN"]),
                 max_size=5)


def _line_by_line(minerals: list[MineralLine], components: list[BatteryComponent]) -> tuple[MineralLedger, ComponentLedger]:
    """Ledgers with every line its own group (a non-FEOC line keyed by its own row), which is
    what assessing line by line means; FEOC lines keep their supplier, as findings name it."""
    mineral_ledger = MineralLedger()
    for line in minerals:
        key = chain_key(line)
        if not line.feoc:
            key = ChainKey(*key[:-1], f"line {line.row}")
        mineral_ledger.add(line.row, key, line.value_usd)
    component_ledger = ComponentLedger()
    for item in components:
        ckey = component_key(item)
        if not item.feoc:
            ckey = ComponentKey(*ckey[:-1], f"line {item.row}")
        component_ledger.add(item.row, ckey, item.value_usd)
    return mineral_ledger, component_ledger


def _assessed(ev: Evidence) -> dict[str, Any]:
    return assess_period(ev, rulebook=shipped(), start=dt.date(2023, 1, 1),
                         end=dt.date(2026, 3, 31)).to_dict()


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components(), vins=_VINS)
def test_groups_assess_exactly_as_lines(minerals, components, vins):
    entries = tuple(VinEntry(1000 + i, vin) for i, vin in enumerate(vins))
    grouped = Evidence.from_lines(vehicle(), components, minerals, entries)
    mineral_lines, component_lines = _line_by_line(minerals, components)
    lines = Evidence(vehicle(), component_lines, mineral_lines, entries)

    assert len(grouped.critical_minerals) == len(minerals)
    assert _assessed(grouped) == _assessed(lines)


def test_rows_are_stored_as_differences_and_come_back_in_order():
    lines = [mineral(row, value="1.000001") for row in [*range(2, 500), 700, 702, *range(900, 950)]]
    ev = Evidence.from_lines(vehicle(), [component(10)], lines)

    [(_, chain)] = list(unpack(pack(ev)).critical_minerals.chains())

    assert chain.rows == [line.row for line in lines]
    assert str(chain.value_usd) == str(sum(line.value_usd for line in lines))


def _format_1(ev: Evidence) -> bytes:
    """The evidence as versions stored before columns were packed: a list per group."""
    def groups(g: Groups[Any]) -> list[list[Any]]:
        return [[list(key), str(g.values[i]), _runs(list(g.rows_of(i)))] for i, key in enumerate(g.keys)]

    v, summary = ev.vehicle, vin_summary(ev)
    document = {
        "format": 1,
        "vehicle": [v.make, v.model, v.model_year, v.vehicle_class, str(v.msrp_usd),
                    str(v.battery_capacity_kwh), str(v.gvwr_lb), v.final_assembly_country, v.row],
        "minerals": groups(ev.critical_minerals.groups()),
        "components": groups(ev.battery_components.groups()),
        "vins": [[entry.row, entry.vin] for entry in ev.vins],
        "vin_summary": {"invalid": [list(item) for item in summary.invalid],
                        "by_wmi": [[wmi, _runs(list(rows))] for wmi, rows in summary.by_wmi],
                        "by_year_code": [[code, _runs(list(rows))] for code, rows in summary.by_year_code]},
    }
    return zlib.compress(json.dumps(document).encode())


@pytest.mark.parametrize("stored", [pack, _format_1], ids=["as packed now", "in the first format"])
@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components(), vins=_VINS)
def test_packed_evidence_assesses_as_the_evidence_it_came_from(stored, minerals, components, vins):
    entries = tuple(VinEntry(1000 + i, vin) for i, vin in enumerate(vins))
    ev = Evidence.from_lines(vehicle(), components, minerals, entries)

    restored = unpack(stored(ev))

    assert restored.critical_minerals == ev.critical_minerals
    assert restored.battery_components == ev.battery_components
    assert restored.vehicle == ev.vehicle and restored.vins == ev.vins
    assert _assessed(restored) == _assessed(ev)


def _document(data: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(zlib.decompress(data))
    return document


def _stored(document: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(document).encode())


def _with(data: bytes, change: Any) -> bytes:
    document = _document(data)
    change(document)
    return _stored(document)


def _first_group_twice(document: dict[str, Any]) -> None:
    minerals = document["minerals"]
    for column in minerals["keys"]:
        column.append(column[0])
    minerals["values"].append("1")
    minerals["counts"].append(1)
    minerals["rows"].append(1)


@pytest.mark.parametrize("damage", [
    lambda data: data[:-5],
    lambda data: zlib.compress(b'{"format": 99}'),
    lambda data: zlib.compress(b'{"format": 1, "vehicle": []}'),
    lambda data: b"not zlib at all",
    lambda data: _with(data, lambda d: d["minerals"]["counts"].append(1)),  # columns of other lengths
    lambda data: _with(data, lambda d: d["minerals"]["values"].__setitem__(0, "not a sum")),
    lambda data: _with(data, lambda d: d["minerals"]["counts"].__setitem__(0, 0)),  # a group of no rows
    lambda data: _with(data, lambda d: d["vins"]["rows"].append(5)),
    lambda data: _with(data, _first_group_twice),
])
def test_damaged_stored_evidence_is_refused_with_a_reason(damage):
    ev = Evidence.from_lines(vehicle(), [component(10)], [mineral(100)], [VinEntry(5, "SHORTVIN")])

    with pytest.raises(PackedEvidenceError, match="stored evidence"):
        unpack(damage(pack(ev)))
