"""Evidence assessed as summed groups gives exactly what assessing it line by line gives, and
packed evidence (what is stored with a version) assesses exactly as the evidence it came from."""

from __future__ import annotations

import datetime as dt
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
    MineralLedger,
    chain_key,
    component_key,
)
from filings.rules.packed import PackedEvidenceError, pack, unpack

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


@PROPERTY_SETTINGS
@given(minerals=_minerals(), components=_components(), vins=_VINS)
def test_packed_evidence_assesses_as_the_evidence_it_came_from(minerals, components, vins):
    entries = tuple(VinEntry(1000 + i, vin) for i, vin in enumerate(vins))
    ev = Evidence.from_lines(vehicle(), components, minerals, entries)

    restored = unpack(pack(ev))

    assert restored.critical_minerals == ev.critical_minerals
    assert restored.battery_components == ev.battery_components
    assert restored.vehicle == ev.vehicle and restored.vins == ev.vins
    assert _assessed(restored) == _assessed(ev)


def test_rows_are_stored_as_runs_and_come_back_in_order():
    lines = [mineral(row, value="1.000001") for row in [*range(2, 500), 700, 702, *range(900, 950)]]
    ev = Evidence.from_lines(vehicle(), [component(10)], lines)

    [(_, chain)] = list(unpack(pack(ev)).critical_minerals.chains())

    assert chain.rows == [line.row for line in lines]
    assert str(chain.value_usd) == str(sum(line.value_usd for line in lines))


@pytest.mark.parametrize("damage", [
    lambda data: data[:-5],
    lambda data: zlib.compress(b'{"format": 99}'),
    lambda data: zlib.compress(b'{"format": 1, "vehicle": []}'),
    lambda data: b"not zlib at all",
])
def test_damaged_stored_evidence_is_refused_with_a_reason(damage):
    ev = Evidence.from_lines(vehicle(), [component(10)], [mineral(100)])

    with pytest.raises(PackedEvidenceError, match="stored evidence"):
        unpack(damage(pack(ev)))
