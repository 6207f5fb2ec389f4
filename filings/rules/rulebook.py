"""The rulebook: versioned rule data, loaded from TOML and validated before use.

Pure Python (no Django). A malformed rulebook raises `RulebookError` naming the key that is
wrong, at load time, so a bad amendment can never reach an assessment.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_RULEBOOK_PATH = Path(__file__).parent / "data" / "irc-30d.toml"

Confidence = Literal["V", "S", "U"]
VehicleClass = Literal["car", "suv", "van", "pickup"]
VEHICLE_CLASSES: tuple[VehicleClass, ...] = ("car", "suv", "van", "pickup")


class RulebookError(ValueError):
    """The rulebook file is missing, unreadable or breaks a rule of its schema."""


def _iso_country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None or code != code.upper():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _non_negative(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("must be a finite, non-negative number")
    return value


def _percentage(value: Decimal) -> Decimal:
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError("must be a percentage between 0 and 100")
    return value


Country = Annotated[str, AfterValidator(_iso_country)]
Money = Annotated[Decimal, AfterValidator(_non_negative)]
Percentage = Annotated[Decimal, AfterValidator(_percentage)]
Citation = Annotated[str, Field(min_length=5)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Meta(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9.-]*$")
    version: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
    title: str
    note: str = ""


class CreditWindow(_Strict):
    placed_in_service_from: dt.date
    placed_in_service_from_citation: Citation
    placed_in_service_from_confidence: Confidence
    acquired_until: dt.date
    acquired_until_citation: Citation
    acquired_until_confidence: Confidence


class TransitionalAmount(_Strict):
    from_: dt.date = Field(alias="from")
    until: dt.date
    base_usd: Money
    battery_threshold_kwh: Money
    battery_at_threshold_usd: Money
    battery_per_kwh_above_usd: Money
    battery_part_cap_usd: Money
    citation: Citation
    confidence: Confidence


class DatedRule(_Strict):
    from_: dt.date = Field(alias="from")
    citation: Citation
    confidence: Confidence
    note: str = ""


class NorthAmerica(_Strict):
    countries: frozenset[Country] = Field(min_length=1)
    citation: Citation
    confidence: Confidence
    note: str = ""


class MsrpCap(DatedRule):
    caps_usd: dict[VehicleClass, Money]

    @field_validator("caps_usd")
    @classmethod
    def _every_class_has_a_cap(cls, caps: dict[VehicleClass, Money]) -> dict[VehicleClass, Money]:
        missing = sorted(set(VEHICLE_CLASSES) - set(caps))
        if missing:
            raise ValueError(f"no cap for vehicle class(es) {', '.join(missing)}")
        return caps


class BatteryCapacity(_Strict):
    minimum_kwh: Money
    citation: Citation
    confidence: Confidence


class Gvwr(_Strict):
    below_lb: Money
    citation: Citation
    confidence: Confidence


class ScheduleRow(DatedRule):
    until: dt.date | None = None
    required_pct: Percentage


def _check_schedule(rows: tuple[ScheduleRow, ...]) -> tuple[ScheduleRow, ...]:
    """Rows must be in date order, contiguous, and only the last may be open-ended."""
    for i, row in enumerate(rows):
        if row.until is not None and row.until < row.from_:
            raise ValueError(f"row {i + 1}: 'until' {row.until} is before 'from' {row.from_}")
        if i + 1 < len(rows):
            following = rows[i + 1]
            if row.until is None:
                raise ValueError(f"row {i + 1}: only the last row may leave 'until' open")
            if following.from_ != row.until + dt.timedelta(days=1):
                raise ValueError(
                    f"rows {i + 1} and {i + 2} must be contiguous: row {i + 2} should start "
                    f"on {row.until + dt.timedelta(days=1)}, not {following.from_}"
                )
    return rows


Schedule = Annotated[tuple[ScheduleRow, ...], Field(min_length=1), AfterValidator(_check_schedule)]


class CriticalMinerals(_Strict):
    amount_usd: Money
    citation: Citation
    confidence: Confidence
    qualifying_rule: str
    applicable_minerals: frozenset[Annotated[str, Field(pattern=r"^[a-z]+$")]] = Field(min_length=1)
    applicable_minerals_citation: Citation
    applicable_minerals_confidence: Confidence
    schedule: Schedule


class BatteryComponents(_Strict):
    amount_usd: Money
    citation: Citation
    confidence: Confidence
    qualifying_rule: str
    component_types: tuple[Annotated[str, Field(pattern=r"^[a-z_]+$")], ...] = Field(min_length=1)
    component_types_citation: Citation
    component_types_confidence: Confidence
    schedule: Schedule


class Feoc(_Strict):
    battery_components_from: dt.date
    battery_components_citation: Citation
    battery_components_confidence: Confidence
    critical_minerals_from: dt.date
    critical_minerals_citation: Citation
    critical_minerals_confidence: Confidence
    impracticable_to_trace_until: dt.date
    impracticable_to_trace_citation: Citation
    impracticable_to_trace_confidence: Confidence


class FtaCountry(DatedRule):
    country: Country
    until: dt.date | None = None
    basis: str
    minerals: frozenset[str] | None = None

    @model_validator(mode="after")
    def _until_not_before_from(self) -> Self:
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"{self.country}: 'until' {self.until} is before 'from' {self.from_}")
        return self

    def covers(self, mineral: str, on: dt.date) -> bool:
        in_force = self.from_ <= on and (self.until is None or on <= self.until)
        return in_force and (self.minerals is None or mineral in self.minerals)


class WmiRegion(_Strict):
    first: str = Field(min_length=1, pattern=r"^[A-Z0-9]+$")
    region: str
    countries: frozenset[Country] = frozenset()


class Vin(_Strict):
    citation: Citation
    confidence: Confidence
    wmi_regions_citation: Citation
    wmi_regions_confidence: Confidence
    wmi_regions: tuple[WmiRegion, ...]

    def region_of(self, first_character: str) -> WmiRegion | None:
        for region in self.wmi_regions:
            if first_character in region.first:
                return region
        return None


class Rulebook(_Strict):
    """One version of the rules. Immutable; every result records `id` and `version`."""

    rulebook: Meta
    credit_window: CreditWindow
    transitional_amount: TransitionalAmount
    final_assembly: DatedRule
    north_america: NorthAmerica
    msrp_cap: MsrpCap
    battery_capacity: BatteryCapacity
    gvwr: Gvwr
    critical_minerals: CriticalMinerals
    battery_components: BatteryComponents
    feoc: Feoc
    fta_countries: tuple[FtaCountry, ...]
    vin: Vin

    @property
    def id(self) -> str:
        return self.rulebook.id

    @property
    def version(self) -> str:
        return self.rulebook.version

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        minerals = self.critical_minerals.applicable_minerals
        for fta in self.fta_countries:
            unknown = sorted((fta.minerals or frozenset()) - minerals)
            if unknown:
                raise ValueError(f"fta_countries {fta.country}: unknown minerals {unknown}")
        seen = [fta.country for fta in self.fta_countries]
        duplicated = sorted({c for c in seen if seen.count(c) > 1})
        if duplicated:
            raise ValueError(f"fta_countries lists {', '.join(duplicated)} more than once")
        window = self.credit_window
        if self.transitional_amount.from_ != window.placed_in_service_from:
            raise ValueError("transitional_amount.from must equal credit_window.placed_in_service_from")
        for name in ("critical_minerals", "battery_components"):
            first = getattr(self, name).schedule[0].from_
            if first != self.transitional_amount.until + dt.timedelta(days=1):
                raise ValueError(
                    f"{name}.schedule must start the day after transitional_amount.until"
                )
        return self

    def required_pct(self, requirement: Literal["critical_minerals", "battery_components"],
                     on: dt.date) -> ScheduleRow | None:
        """The schedule row in force on `on`, or None when the test does not apply."""
        schedule: tuple[ScheduleRow, ...] = getattr(self, requirement).schedule
        for row in schedule:
            if row.from_ <= on and (row.until is None or on <= row.until):
                return row
        return None

    def fta_treatment(self, country: str, mineral: str, on: dt.date) -> FtaCountry | None:
        for fta in self.fta_countries:
            if fta.country == country and fta.covers(mineral, on):
                return fta
        return None

    def change_dates(self) -> list[dt.date]:
        """Every placed-in-service date on which some rule's value changes, sorted.

        An assessment over a period splits at these dates; within two consecutive dates every
        rule has one value, so assessing one day of the segment assesses all of it.
        """
        return sorted(set(self._boundaries()))

    def _boundaries(self) -> Iterator[dt.date]:
        day = dt.timedelta(days=1)
        yield self.credit_window.placed_in_service_from
        yield self.transitional_amount.from_
        yield self.transitional_amount.until + day
        yield self.final_assembly.from_
        yield self.msrp_cap.from_
        yield self.feoc.battery_components_from
        yield self.feoc.critical_minerals_from
        yield self.feoc.impracticable_to_trace_until + day
        for requirement in (self.critical_minerals, self.battery_components):
            for row in requirement.schedule:
                yield row.from_
                if row.until is not None:
                    yield row.until + day
        for fta in self.fta_countries:
            yield fta.from_
            if fta.until is not None:
                yield fta.until + day


def parse_rulebook(text: str, *, source: str = "<rulebook>") -> Rulebook:
    """Parse and validate rulebook TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{source}: not valid TOML: {exc}") from exc
    return validate_rulebook(data, source=source)


def validate_rulebook(data: dict[str, Any], *, source: str = "<rulebook>") -> Rulebook:
    """Validate rule data (parsed TOML, or a stored version's JSON)."""
    try:
        return Rulebook.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise RulebookError(f"{source}: {problems}") from exc


def load_rulebook(path: Path | str | None = None) -> Rulebook:
    """Load a rulebook file; with no path, the shipped rulebook (cached)."""
    if path is None:
        return _default_rulebook()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulebookError(f"{path}: cannot read the rulebook: {exc.strerror}") from exc
    return parse_rulebook(text, source=str(path))


@cache
def _default_rulebook() -> Rulebook:
    return parse_rulebook(DEFAULT_RULEBOOK_PATH.read_text(encoding="utf-8"),
                          source=DEFAULT_RULEBOOK_PATH.name)
