"""Rulebook amendments: versions as JSON data, small validated edits, and a readable diff.

Pure Python (no Django). A stored version is `rulebook_data(...)`: canonical JSON-able data
(dates as ISO strings, decimals as plain strings, sets as sorted lists, TOML key names). Each
amendment takes such data and returns new data, validated as a whole `Rulebook`; it never
mutates its input. An amendment that cannot apply raises `AmendmentError` naming the form
field at fault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pycountry

from filings.rules.rulebook import (
    VEHICLE_CLASSES,
    Rulebook,
    RulebookError,
    validate_rulebook,
)

Data = dict[str, Any]
Requirement = Literal["critical_minerals", "battery_components"]
REQUIREMENTS: tuple[Requirement, ...] = ("critical_minerals", "battery_components")
CONFIDENCES = ("V", "S", "U")
MIN_CITATION_LENGTH = 5

_SOURCE = "amended rulebook"
# Amounts, limits and shares on the forms are far below this; anything above is a typo.
_LARGEST = Decimal(10) ** 15


class AmendmentError(ValueError):
    """An amendment that cannot apply. `field` names the form field at fault ('' = whole form)."""

    field: str
    message: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


# --- data -----------------------------------------------------------------------------------

def _decimal_text(value: Decimal) -> str:
    """Plain notation without trailing fractional zeros: 80000, 7.5 (never 8E+4 or 7.50)."""
    if value == 0:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rulebook_data(rulebook: Rulebook) -> Data:
    """The whole rulebook as canonical JSON-able data; `rulebook_from_data` reads it back."""
    dumped = rulebook.model_dump(mode="python", by_alias=True, exclude_none=True)
    data: Data = _canonical(dumped)
    return data


def rulebook_from_data(data: Mapping[str, Any], *, source: str = "<rulebook>") -> Rulebook:
    """Validate rule data; a problem raises `RulebookError` naming each key at fault."""
    return validate_rulebook(dict(data), source=source)


def data_sha256(data: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the data's canonical JSON: sorted keys, no spaces, ASCII."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# --- amendments -----------------------------------------------------------------------------

def _editable(data: Mapping[str, Any]) -> Data:
    """A fresh canonical copy of valid rule data (so the input is never touched)."""
    try:
        return rulebook_data(rulebook_from_data(data, source=_SOURCE))
    except RulebookError as exc:
        raise AmendmentError("", "The version's rule data is not valid, so it cannot be amended: "
                             f"{_problems(exc)}") from exc


def _checked(data: Data, field: str) -> Data:
    try:
        return rulebook_data(rulebook_from_data(data, source=_SOURCE))
    except RulebookError as exc:
        raise AmendmentError(field, f"The amended rules would not be valid: {_problems(exc)}"
                             ) from exc


def _problems(exc: RulebookError) -> str:
    return str(exc).removeprefix(f"{_SOURCE}: ")


def _citation(citation: str) -> str:
    text = citation.strip()
    if len(text) < MIN_CITATION_LENGTH:
        raise AmendmentError("citation", "Cite the law, regulation or notice the change follows "
                             f"(at least {MIN_CITATION_LENGTH} characters).")
    return text


def _confidence(confidence: str) -> str:
    if confidence not in CONFIDENCES:
        raise AmendmentError("confidence", f"Confidence is one of {', '.join(CONFIDENCES)} "
                             "(verified, secondary source, unconfirmed).")
    return confidence


def _number(field: str, value: Decimal | int | str, *, maximum: Decimal | None = None) -> str:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise AmendmentError(field, f"{value!r} is not a number.") from None
    if not number.is_finite() or number < 0:
        raise AmendmentError(field, "Must be a finite number, zero or more.")
    if maximum is not None and number > maximum:
        raise AmendmentError(field, f"Must be at most {_decimal_text(maximum)}.")
    if number >= _LARGEST:
        raise AmendmentError(field, f"{_decimal_text(number)} is implausibly large.")
    return _decimal_text(number)


def _requirement(requirement: str) -> Requirement:
    for known in REQUIREMENTS:
        if requirement == known:
            return known
    raise AmendmentError("requirement", "Choose critical_minerals or battery_components.")


def _country_code(country: str) -> str:
    code = country.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise AmendmentError("country", f"{country.strip()!r} is not an ISO 3166-1 alpha-2 "
                             "country code (for example JP).")
    return code


def country_name(code: str) -> str:
    """'Japan (JP)'; the common name where ISO's is formal ('South Korea (KR)')."""
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None:
        return code
    return f"{getattr(country, 'common_name', None) or country.name} ({code})"


def _fta_entry(data: Data, code: str) -> Data | None:
    entries: list[Data] = data["fta_countries"]
    return next((entry for entry in entries if entry["country"] == code), None)


def with_version(data: Mapping[str, Any], *, version: str, title: str | None = None,
                 note: str | None = None) -> Data:
    """A copy under another version id (and title and note, when given)."""
    new = _editable(data)
    meta = new["rulebook"]
    meta["version"] = version.strip()
    if title is not None:
        meta["title"] = title.strip()
    if note is not None:
        meta["note"] = note.strip()
    try:
        return rulebook_data(rulebook_from_data(new, source=_SOURCE))
    except RulebookError:
        raise AmendmentError("version", "A version is letters, digits, dots and hyphens, "
                             "starting with a letter or digit (for example 2025.3).") from None


def fta_add(data: Mapping[str, Any], *, country: str, from_: dt.date, basis: str, citation: str,
            confidence: str, minerals: Collection[str] | None = None, note: str = "") -> Data:
    """Count a country as a free-trade-agreement country from `from_`.

    The treatment covers `minerals` only, or every applicable mineral when None; the entry
    goes after the countries listed already (the diff matches entries by country).
    """
    new = _editable(data)
    code = _country_code(country)
    existing = _fta_entry(new, code)
    if existing is not None:
        raise AmendmentError("country", _listed_already(code, existing, from_))
    basis = basis.strip()
    if not basis:
        raise AmendmentError("basis", "Name the agreement the treatment rests on.")
    entry: Data = {"country": code, "from": from_.isoformat(), "basis": basis,
                   "citation": _citation(citation), "confidence": _confidence(confidence),
                   "note": note.strip()}
    if minerals is not None:
        entry["minerals"] = _minerals(new, minerals)
    new["fta_countries"].append(entry)
    return _checked(new, "country")


def _listed_already(code: str, entry: Mapping[str, Any], from_: dt.date) -> str:
    name, start, until = country_name(code), entry["from"], entry.get("until")
    one_entry = "The rulebook keeps one FTA entry per country"
    if until is None:
        return (f"{name} already has FTA treatment from {start} with no end date; if it stops, "
                f"end it first (end a country's treatment). {one_entry}, so another period "
                "cannot be added next to it.")
    if from_ <= dt.date.fromisoformat(until):
        return (f"{name}'s FTA treatment from {start} until {until} overlaps a treatment from "
                f"{from_}. {one_entry}.")
    return (f"{name} is listed already (FTA treatment from {start} until {until}). "
            f"{one_entry}, so a second period cannot be added.")


def _minerals(data: Data, minerals: Collection[str]) -> list[str]:
    items = minerals.split(",") if isinstance(minerals, str) else minerals
    chosen = sorted({m.strip().lower() for m in items if m.strip()})
    if not chosen:
        raise AmendmentError("minerals", "List the minerals the treatment is limited to, or "
                             "leave the list out for every applicable mineral.")
    known = set(data["critical_minerals"]["applicable_minerals"])
    unknown = [m for m in chosen if m not in known]
    if unknown:
        raise AmendmentError("minerals", f"Not an applicable critical mineral: "
                             f"{', '.join(unknown)}.")
    return chosen


def fta_end(data: Mapping[str, Any], *, country: str, until: dt.date, citation: str) -> Data:
    """End a country's open-ended FTA treatment; `until` is its last day."""
    new = _editable(data)
    code = _country_code(country)
    entry = _fta_entry(new, code)
    if entry is None:
        raise AmendmentError("country", f"{country_name(code)} has no FTA treatment to end.")
    if entry.get("until") is not None:
        raise AmendmentError("country", f"{country_name(code)}'s FTA treatment already ends on "
                             f"{entry['until']}.")
    if until < dt.date.fromisoformat(entry["from"]):
        raise AmendmentError("until", f"{country_name(code)}'s FTA treatment starts on "
                             f"{entry['from']}; it cannot end before that.")
    entry["until"] = until.isoformat()
    entry["citation"] = _citation(citation)
    return _checked(new, "until")


def without_fta(data: Mapping[str, Any], country: str) -> Data:
    """The data with a country's FTA entry removed (for example, the rules before Japan's)."""
    new = _editable(data)
    code = _country_code(country)
    if _fta_entry(new, code) is None:
        raise AmendmentError("country", f"{country_name(code)} has no FTA treatment to remove.")
    new["fta_countries"] = [e for e in new["fta_countries"] if e["country"] != code]
    return _checked(new, "country")


def schedule_set_pct(data: Mapping[str, Any], *, requirement: Requirement, row_from: dt.date,
                     required_pct: Decimal | int | str, citation: str) -> Data:
    """Change the required share of the schedule row that starts on `row_from`."""
    new = _editable(data)
    section = new[_requirement(requirement)]
    rows: list[Data] = section["schedule"]
    row = next((r for r in rows if r["from"] == row_from.isoformat()), None)
    if row is None:
        raise AmendmentError("row_from", f"No {_SECTIONS[requirement].lower()} schedule row "
                             f"starts on {row_from}; rows start on "
                             f"{', '.join(r['from'] for r in rows)}.")
    row["required_pct"] = _number("required_pct", required_pct, maximum=Decimal(100))
    row["citation"] = _citation(citation)
    return _checked(new, "required_pct")


def msrp_cap_set(data: Mapping[str, Any], *, vehicle_class: str, cap_usd: Decimal | int | str,
                 citation: str) -> Data:
    """Change the MSRP cap of one vehicle class."""
    new = _editable(data)
    if vehicle_class not in VEHICLE_CLASSES:
        raise AmendmentError("vehicle_class", f"The vehicle classes are "
                             f"{', '.join(VEHICLE_CLASSES)}.")
    new["msrp_cap"]["caps_usd"][vehicle_class] = _number("cap_usd", cap_usd)
    new["msrp_cap"]["citation"] = _citation(citation)
    return _checked(new, "cap_usd")


def amount_set(data: Mapping[str, Any], *, requirement: Requirement,
               amount_usd: Decimal | int | str, citation: str) -> Data:
    """Change the credit amount a requirement earns."""
    new = _editable(data)
    section = new[_requirement(requirement)]
    section["amount_usd"] = _number("amount_usd", amount_usd)
    section["citation"] = _citation(citation)
    return _checked(new, "amount_usd")


def battery_minimum_set(data: Mapping[str, Any], *, minimum_kwh: Decimal | int | str,
                        citation: str) -> Data:
    """Change the minimum battery capacity."""
    new = _editable(data)
    new["battery_capacity"]["minimum_kwh"] = _number("minimum_kwh", minimum_kwh)
    new["battery_capacity"]["citation"] = _citation(citation)
    return _checked(new, "minimum_kwh")


def gvwr_set(data: Mapping[str, Any], *, below_lb: Decimal | int | str, citation: str) -> Data:
    """Change the gross vehicle weight rating a vehicle must stay below."""
    new = _editable(data)
    new["gvwr"]["below_lb"] = _number("below_lb", below_lb)
    new["gvwr"]["citation"] = _citation(citation)
    return _checked(new, "below_lb")


def credit_window_set(data: Mapping[str, Any], *,
                      field: Literal["placed_in_service_from", "acquired_until"], on: dt.date,
                      citation: str) -> Data:
    """Move the first placed-in-service date or the last acquisition date of the credit.

    The first placed-in-service date is also where the transitional amount starts, and the
    rulebook requires the two to be equal; this form changes only the credit window.
    """
    if field not in ("placed_in_service_from", "acquired_until"):
        raise AmendmentError("field", "Choose placed_in_service_from or acquired_until.")
    new = _editable(data)
    window = new["credit_window"]
    transitional_from = new["transitional_amount"]["from"]
    if field == "placed_in_service_from" and on.isoformat() != transitional_from:
        raise AmendmentError("on", "The first placed-in-service date must stay "
                             f"{transitional_from}: the transitional amount starts on it too "
                             "(transitional_amount.from), and that is not changed here.")
    window[field] = on.isoformat()
    window[f"{field}_citation"] = _citation(citation)
    return _checked(new, "on")


# --- diff -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions' data."""

    path: str
    label: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> Literal["added", "removed", "changed"]:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"


_SECTION_ORDER = {name: i for i, name in enumerate(Rulebook.model_fields)}
_SECTIONS = {
    "rulebook": "Rulebook", "credit_window": "Credit window",
    "transitional_amount": "Transitional amount", "final_assembly": "Final assembly",
    "north_america": "North America", "msrp_cap": "MSRP cap",
    "battery_capacity": "Battery capacity", "gvwr": "Gross vehicle weight rating",
    "critical_minerals": "Critical minerals", "battery_components": "Battery components",
    "feoc": "Foreign entity of concern", "fta_countries": "FTA treatment", "vin": "VIN",
}
_KEYS = {
    "placed_in_service_from": "first placed-in-service date",
    "acquired_until": "last acquisition date",
    "base_usd": "base amount (USD)",
    "battery_threshold_kwh": "battery threshold (kWh)",
    "battery_at_threshold_usd": "battery amount at the threshold (USD)",
    "battery_per_kwh_above_usd": "battery amount per kWh above the threshold (USD)",
    "battery_part_cap_usd": "battery part cap (USD)",
    "below_lb": "less than (lb)",
    "impracticable_to_trace": "impracticable-to-trace exclusion",
    "impracticable_to_trace_until": "impracticable-to-trace exclusion until",
    "wmi_regions": "WMI regions",
}
_UNITS = {"usd": "USD", "kwh": "kWh", "lb": "lb", "pct": "%"}
# Lists of tables keyed by one of their fields (by the list's own key); others go by index.
_ITEM_KEYS = {"fta_countries": "country", "schedule": "from", "wmi_regions": "first"}


def _unit(key: str) -> str:
    stem, _, suffix = key.rpartition("_")
    return _UNITS.get(suffix, "") if stem else ""


def _key_label(key: str) -> str:
    if key in _KEYS:
        return _KEYS[key]
    for suffix in ("citation", "confidence"):
        if key.endswith(f"_{suffix}"):
            return f"{_key_label(key.removesuffix(f'_{suffix}'))}: {suffix}"
    if _unit(key):
        return f"{key.rpartition('_')[0].replace('_', ' ')} ({_unit(key)})"
    return key.replace("_", " ")


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{_key_label(str(k))} {_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class _Node:
    label: str
    text: str
    item: bool = False  # a whole keyed entry; its fields are nodes of their own


def _fta_summary(entry: Mapping[str, Any]) -> str:
    span = f"from {entry.get('from')}"
    if entry.get("until") is not None:
        span += f" until {entry['until']}"
    minerals = entry.get("minerals")
    scope = f"only {_text(minerals)}" if minerals is not None else "all minerals"
    return (f"{span}, {entry.get('basis')}, {scope}; confidence {entry.get('confidence')}; "
            f"{entry.get('citation')}")


def _row_summary(row: Mapping[str, Any]) -> str:
    until = f"until {row['until']}" if row.get("until") is not None else "open-ended"
    return (f"from {row.get('from')} {until}, required share {row.get('required_pct')} %; "
            f"confidence {row.get('confidence')}; {row.get('citation')}")


def _region_summary(region: Mapping[str, Any]) -> str:
    countries = region.get("countries")
    return f"{region.get('region')}, countries {_text(countries)}" if countries \
        else str(region.get("region"))


def _items(key: str, items: list[Any]) -> list[tuple[str, Mapping[str, Any]]] | None:
    """(key, item) pairs of a list of tables, or None when they cannot be keyed uniquely."""
    field = _ITEM_KEYS.get(key)
    if field is None or not all(isinstance(i, Mapping) for i in items):
        return None
    keys = [str(i.get(field)) for i in items]
    if any(i.get(field) is None for i in items) or len(set(keys)) < len(keys):
        return None
    return list(zip(keys, items, strict=True))


def _walk(out: dict[str, _Node], path: str, prefix: str, key: str, value: Any) -> None:
    """Add the node(s) of `value`, found under `key` at `path`, labelled after `prefix`."""
    if value is None:
        return
    if isinstance(value, Mapping):
        for child, item in value.items():
            name, unit = str(child), _unit(str(child))
            if isinstance(item, Mapping) and unit:  # caps_usd: "MSRP cap, car (USD)"
                for sub, amount in item.items():
                    _leaf(out, f"{path}.{name}.{sub}", f"{prefix}, {sub} ({unit})", amount)
            else:
                _walk(out, f"{path}.{name}", f"{prefix}, {_key_label(name)}", name, item)
        return
    if isinstance(value, list) and value and all(isinstance(i, Mapping) for i in value):
        _tables(out, path, prefix, key, value)
        return
    out[path] = _Node(prefix, _text(value))


def _leaf(out: dict[str, _Node], path: str, label: str, value: Any) -> None:
    if value is not None:
        out[path] = _Node(label, _text(value))


def _tables(out: dict[str, _Node], path: str, prefix: str, key: str,
            tables: list[Mapping[str, Any]]) -> None:
    section = path.split(".", 1)[0]
    title = _SECTIONS.get(section, section.replace("_", " ").capitalize())
    keyed = _items(key, tables)
    if keyed is None:
        for i, table in enumerate(tables):
            item_path, label = f"{path}[{i}]", f"{prefix} {i + 1}"
            out[item_path] = _Node(label, _text(table), item=True)
            for field, value in table.items():
                _walk(out, f"{item_path}.{field}", f"{label}: {_key_label(str(field))}",
                      str(field), value)
        return
    for item_key, table in keyed:
        if key == "fta_countries":
            item_path, label = f"{path}.{item_key}", f"FTA treatment of {country_name(item_key)}"
            summary = _fta_summary(table)
        elif key == "schedule":
            item_path, label = f"{path}[{item_key}]", f"{title}, schedule row from {item_key}"
            summary = _row_summary(table)
        else:
            item_path, label = f"{path}[{item_key}]", f"{title}, WMI region {item_key}"
            summary = _region_summary(table)
        out[item_path] = _Node(label, summary, item=True)
        for field, value in table.items():
            field_label = f"{label}: {_key_label(str(field))}"
            if key == "schedule" and field == "required_pct":
                field_label = f"{title}, required share from {item_key} (%)"
            _walk(out, f"{item_path}.{field}", field_label, str(field), value)


def _nodes(data: Mapping[str, Any]) -> dict[str, _Node]:
    out: dict[str, _Node] = {}
    for section, value in data.items():
        name = str(section)
        if name == "fta_countries" and isinstance(value, list):
            _tables(out, name, "FTA treatment", name, value)
        else:
            _walk(out, name, _SECTIONS.get(name, name.replace("_", " ").capitalize()), name,
                  value)
    return out


def _inside(path: str, items: Collection[str]) -> bool:
    return any(path.startswith((f"{item}.", f"{item}[")) for item in items)


def _order(change: Change) -> tuple[int, str]:
    section = change.path.split(".", 1)[0].split("[", 1)[0]
    return _SECTION_ORDER.get(section, len(_SECTION_ORDER)), change.path


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What changed from one version's data (`rulebook_data`) to another's, readably.

    FTA entries are matched by country, schedule rows by their first day, WMI regions by
    their characters; a whole entry added or removed is one change. Ordered by section (as
    in the rulebook), then path.
    """
    old, new = _nodes(before), _nodes(after)
    whole = {p for p, n in old.items() if n.item and p not in new} | \
        {p for p, n in new.items() if n.item and p not in old}
    changes: list[Change] = []
    for path in old.keys() | new.keys():
        was, now = old.get(path), new.get(path)
        if _inside(path, whole):
            continue
        if was is not None and now is not None and (was.text == now.text or (was.item and now.item)):
            continue
        node = now if now is not None else was
        assert node is not None
        changes.append(Change(path, node.label, None if was is None else was.text,
                              None if now is None else now.text))
    return sorted(changes, key=_order)

