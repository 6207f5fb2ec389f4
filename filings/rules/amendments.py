"""Amendments to rule data, and a readable diff between two versions.

Pure Python. A rulebook version is stored as `rulebook_data(...)`: canonical JSON (dates and
decimals as strings, sets as sorted lists, TOML key names). Each amendment takes that data and
returns new, validated data; it never mutates its input. A change that breaks a rule of the
schema raises `AmendmentError` naming the form field at fault.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pycountry

from filings.rules.rulebook import Rulebook, RulebookError, validate_rulebook

Data = dict[str, Any]
Requirement = Literal["critical_minerals", "battery_components"]
CONFIDENCES = ("V", "S", "U")


class AmendmentError(ValueError):
    """An amendment that cannot apply. `field` names the form field at fault ('' = the form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def _canonical(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (dt.date, Decimal)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def rulebook_data(rulebook: Rulebook) -> Data:
    """The rulebook as canonical JSON-able data (round-trips through `rulebook_from_data`)."""
    data: Data = _canonical(rulebook.model_dump(mode="python", by_alias=True,
                                                exclude_none=True))
    return data


def rulebook_from_data(data: Mapping[str, Any], *, source: str = "<rulebook>") -> Rulebook:
    """Validate rule data; a problem raises `RulebookError` naming each key at fault."""
    return validate_rulebook(dict(data), source=source)


def data_sha256(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def _validated(data: Data, field: str = "") -> Data:
    try:
        rulebook = rulebook_from_data(data, source="amendment")
    except RulebookError as exc:
        raise AmendmentError(field, str(exc).removeprefix("amendment: ")) from None
    return rulebook_data(rulebook)


def _citation(citation: str) -> str:
    if len(citation.strip()) < 5:
        raise AmendmentError("citation", "A citation is required (at least 5 characters).")
    return citation.strip()


def _amount(field: str, value: Decimal | str | int) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise AmendmentError(field, f"{value!r} is not a number.") from None
    if not amount.is_finite() or amount < 0:
        raise AmendmentError(field, "Must be a finite, non-negative number.")
    return format(amount.normalize(), "f")


def _country(code: str) -> str:
    code = code.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise AmendmentError("country", f"{code!r} is not an ISO 3166-1 alpha-2 country code "
                             "(for example JP).")
    return code


def with_version(data: Mapping[str, Any], *, version: str, title: str | None = None,
                 note: str | None = None) -> Data:
    """A copy of the data under another version id (and title/note when given)."""
    new = copy.deepcopy(dict(data))
    new["rulebook"]["version"] = version
    if title is not None:
        new["rulebook"]["title"] = title
    if note is not None:
        new["rulebook"]["note"] = note
    return _validated(new, "version")


def fta_add(data: Mapping[str, Any], *, country: str, from_: dt.date, basis: str, citation: str,
            confidence: str, minerals: Collection[str] | None = None, note: str = "") -> Data:
    """Add a country's free-trade-agreement treatment from a date (for the minerals listed, or
    all applicable minerals)."""
    code, citation = _country(country), _citation(citation)
    if confidence not in CONFIDENCES:
        raise AmendmentError("confidence", f"Confidence is one of {', '.join(CONFIDENCES)}.")
    if not basis.strip():
        raise AmendmentError("basis", "Name the agreement the treatment rests on.")
    new = copy.deepcopy(dict(data))
    if any(entry["country"] == code for entry in new["fta_countries"]):
        raise AmendmentError("country", f"{code} is listed already; end or change its "
                             "treatment instead of adding it again.")
    known = set(new["critical_minerals"]["applicable_minerals"])
    unknown = sorted(set(minerals or ()) - known)
    if unknown:
        raise AmendmentError("minerals", f"Unknown mineral(s) {', '.join(unknown)}; the "
                             f"applicable minerals are {', '.join(sorted(known))}.")
    entry: Data = {"country": code, "from": from_.isoformat(), "basis": basis.strip(),
                   "citation": citation, "confidence": confidence}
    if minerals:
        entry["minerals"] = sorted(set(minerals))
    if note.strip():
        entry["note"] = note.strip()
    new["fta_countries"].append(entry)
    return _validated(new, "country")


def fta_end(data: Mapping[str, Any], *, country: str, until: dt.date, citation: str) -> Data:
    """End a country's open-ended treatment on `until` (its last day)."""
    code, citation = _country(country), _citation(citation)
    new = copy.deepcopy(dict(data))
    entry = next((e for e in new["fta_countries"] if e["country"] == code), None)
    if entry is None or entry.get("until") is not None:
        raise AmendmentError("country", f"{code} has no open-ended FTA treatment to end.")
    if until < dt.date.fromisoformat(entry["from"]):
        raise AmendmentError("until", f"{code}'s treatment starts on {entry['from']}; it cannot "
                             "end before that.")
    entry["until"], entry["citation"] = until.isoformat(), citation
    return _validated(new, "until")


def without_fta(data: Mapping[str, Any], country: str) -> Data:
    """The data with a country's FTA treatment removed (the demo's rules before Japan)."""
    code = _country(country)
    new = copy.deepcopy(dict(data))
    kept = [e for e in new["fta_countries"] if e["country"] != code]
    if len(kept) == len(new["fta_countries"]):
        raise AmendmentError("country", f"{code} has no FTA treatment to remove.")
    new["fta_countries"] = kept
    return _validated(new, "country")


def schedule_set_pct(data: Mapping[str, Any], *, requirement: Requirement, row_from: dt.date,
                     required_pct: Decimal, citation: str) -> Data:
    """Change the required share of the schedule row that starts on `row_from`."""
    citation = _citation(citation)
    new = copy.deepcopy(dict(data))
    if requirement not in ("critical_minerals", "battery_components"):
        raise AmendmentError("requirement", "Choose critical minerals or battery components.")
    rows = new[requirement]["schedule"]
    row = next((r for r in rows if r["from"] == row_from.isoformat()), None)
    if row is None:
        starts = ", ".join(r["from"] for r in rows)
        raise AmendmentError("row_from", f"No schedule row starts on {row_from}; rows start on "
                             f"{starts}.")
    row["required_pct"] = _amount("required_pct", required_pct)
    row["citation"] = citation
    return _validated(new, "required_pct")


def msrp_cap_set(data: Mapping[str, Any], *, vehicle_class: str, cap_usd: Decimal | str,
                 citation: str) -> Data:
    new = copy.deepcopy(dict(data))
    if vehicle_class not in new["msrp_cap"]["caps_usd"]:
        raise AmendmentError("vehicle_class", f"Unknown vehicle class {vehicle_class!r}.")
    new["msrp_cap"]["caps_usd"][vehicle_class] = _amount("cap_usd", cap_usd)
    new["msrp_cap"]["citation"] = _citation(citation)
    return _validated(new, "cap_usd")


def amount_set(data: Mapping[str, Any], *, requirement: Requirement, amount_usd: Decimal | str,
               citation: str) -> Data:
    new = copy.deepcopy(dict(data))
    if requirement not in ("critical_minerals", "battery_components"):
        raise AmendmentError("requirement", "Choose critical minerals or battery components.")
    new[requirement]["amount_usd"] = _amount("amount_usd", amount_usd)
    new[requirement]["citation"] = _citation(citation)
    return _validated(new, "amount_usd")


def battery_minimum_set(data: Mapping[str, Any], *, minimum_kwh: Decimal | str,
                        citation: str) -> Data:
    new = copy.deepcopy(dict(data))
    new["battery_capacity"]["minimum_kwh"] = _amount("minimum_kwh", minimum_kwh)
    new["battery_capacity"]["citation"] = _citation(citation)
    return _validated(new, "minimum_kwh")


def gvwr_set(data: Mapping[str, Any], *, below_lb: Decimal | str, citation: str) -> Data:
    new = copy.deepcopy(dict(data))
    new["gvwr"]["below_lb"] = _amount("below_lb", below_lb)
    new["gvwr"]["citation"] = _citation(citation)
    return _validated(new, "below_lb")


def credit_window_set(data: Mapping[str, Any], *,
                      field: Literal["placed_in_service_from", "acquired_until"], on: dt.date,
                      citation: str) -> Data:
    """Move the first placed-in-service date or the last acquisition date of the credit."""
    if field not in ("placed_in_service_from", "acquired_until"):
        raise AmendmentError("field", "Choose the first placed-in-service date or the last "
                             "acquisition date.")
    new = copy.deepcopy(dict(data))
    window = new["credit_window"]
    window[field], window[f"{field}_citation"] = on.isoformat(), _citation(citation)
    if field == "placed_in_service_from" and new["transitional_amount"]["from"] != on.isoformat():
        raise AmendmentError("on", "The transitional amount starts on the first "
                             f"placed-in-service date ({new['transitional_amount']['from']}); "
                             "moving it is not an amendment this form makes.")
    return _validated(new, "on")


# --- diff ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Change:
    path: str
    label: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> Literal["added", "removed", "changed"]:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"


_SECTIONS = {
    "rulebook": "Rulebook", "credit_window": "Credit window",
    "transitional_amount": "Transitional amount", "final_assembly": "Final assembly",
    "north_america": "North America", "msrp_cap": "MSRP cap",
    "battery_capacity": "Battery capacity", "gvwr": "Gross vehicle weight",
    "critical_minerals": "Critical minerals", "battery_components": "Battery components",
    "feoc": "Foreign entity of concern", "fta_countries": "FTA treatment", "vin": "VIN",
}


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return f"{getattr(country, 'common_name', None) or country.name} ({code})" if country \
        else code


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} {_text(v)}" for k, v in value.items())
    return str(value)


def _fta_summary(entry: Mapping[str, Any]) -> str:
    span = f"from {entry['from']}" + (f" until {entry['until']}" if entry.get("until") else "")
    minerals = _text(entry["minerals"]) if entry.get("minerals") else "all minerals"
    return f"{span}, {entry['basis']}, {minerals} [{entry['confidence']}] ({entry['citation']})"


_KEYS = {"caps_usd": "cap (USD)", "amount_usd": "amount (USD)", "base_usd": "base (USD)",
         "minimum_kwh": "minimum (kWh)", "below_lb": "below (lb)",
         "required_pct": "required share (%)", "from": "from", "until": "until"}


def _leaves(value: Any, path: str, label: str) -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            name = _KEYS.get(str(key), str(key).replace("_", " "))
            yield from _leaves(item, f"{path}.{key}", f"{label}, {name}")
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            key = item.get("from") or item.get("first") or str(index)
            yield from _leaves(item, f"{path}[{key}]", f"{label} [{key}]")
    else:
        yield path, label, value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What changed from one version's data to another's, section by section, readable."""
    changes: list[Change] = []
    for section, title in _SECTIONS.items():
        old, new = before.get(section), after.get(section)
        if old == new:
            continue
        if section == "fta_countries":
            changes.extend(_fta_diff(old or [], new or []))
            continue
        old_leaves = {p: (lbl, v) for p, lbl, v in _leaves(old, section, title)}
        new_leaves = {p: (lbl, v) for p, lbl, v in _leaves(new, section, title)}
        for path in [*old_leaves, *(p for p in new_leaves if p not in old_leaves)]:
            was, now = old_leaves.get(path), new_leaves.get(path)
            if was is not None and now is not None and was[1] == now[1]:
                continue
            label = (now or was)[0]  # type: ignore[index]
            changes.append(Change(path, label, None if was is None else _text(was[1]),
                                  None if now is None else _text(now[1])))
    return changes


def _fta_diff(old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> Iterator[Change]:
    was = {e["country"]: e for e in old}
    now = {e["country"]: e for e in new}
    for code in sorted(set(was) | set(now)):
        label = f"FTA treatment of {_country_name(code)}"
        if code not in now:
            yield Change(f"fta_countries.{code}", label, _fta_summary(was[code]), None)
        elif code not in was:
            yield Change(f"fta_countries.{code}", label, None, _fta_summary(now[code]))
        elif was[code] != now[code]:
            for key in sorted(set(was[code]) | set(now[code])):
                if was[code].get(key) != now[code].get(key):
                    before, after = was[code].get(key), now[code].get(key)
                    yield Change(f"fta_countries.{code}.{key}", f"{label}, {key}",
                                 None if before is None else _text(before),
                                 None if after is None else _text(after))
