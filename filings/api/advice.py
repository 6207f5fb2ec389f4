"""The sourcing advice of an assessment, as the API documents it.

The API returns the stored advice (`filings.rules.advice.Advice.to_dict()`) as it is; these
serializers only describe its shape for the OpenAPI schema (`AdviceField`), and
tests/api/test_advice_field.py checks that what is returned has exactly these properties.
Money is a string of dollars and cents, shares are percent strings, dates ISO."""

from __future__ import annotations

from typing import Any, TypeVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_MONEY = "US dollars, as a decimal string."


_S = TypeVar("_S", bound=type[serializers.Serializer[Any]])


def _spanning(cls: _S) -> _S:
    """`from` and `to` (the first and last placed-in-service day the item covers; `from` is a
    Python keyword, so not a class attribute) after `requirement`."""
    fields = dict(cls._declared_fields)
    first = {"requirement": fields.pop("requirement")}
    cls._declared_fields = {
        **first,
        "from": serializers.DateField(help_text="The first placed-in-service day covered."),
        "to": serializers.DateField(help_text="The last placed-in-service day covered."),
        **fields}
    return cls


class AdviceLineOutput(serializers.Serializer[Any]):
    """One evidence line as it is now: a critical-mineral line or a battery component."""

    row = serializers.IntegerField(help_text="The line's row in its sheet.")
    id = serializers.CharField(help_text="The line's id in the evidence.")
    supplier = serializers.CharField()
    mineral = serializers.CharField(required=False, help_text="Critical-mineral lines only.")
    extraction_country = serializers.CharField(required=False)
    processing_country = serializers.CharField(required=False)
    recycling_country = serializers.CharField(required=False, allow_null=True)
    impracticable_to_trace = serializers.BooleanField(required=False)
    component_type = serializers.CharField(required=False, help_text="Battery components only.")
    manufacturing_country = serializers.CharField(required=False)
    value_usd = serializers.CharField(help_text=_MONEY)
    feoc = serializers.BooleanField(help_text="Made or handled by a foreign entity of concern.")


class AdviceMoveOutput(serializers.Serializer[Any]):
    """One way to meet a share: move every listed line's non-qualifying step."""

    lines = AdviceLineOutput(many=True)
    rows = serializers.ListField(child=serializers.IntegerField())
    suppliers = serializers.ListField(child=serializers.CharField())
    value_usd = serializers.CharField(help_text="The value of the lines to move. " + _MONEY)
    qualifying_pct_after = serializers.CharField(help_text="The share after the move, in percent.")
    exact = serializers.BooleanField(
        help_text="False (least value only): a cover found, not proven the least.")
    lower_bound_usd = serializers.CharField(
        allow_null=True, help_text="When not exact: the least value costs at least this.")


class AdviceDestinationOutput(serializers.Serializer[Any]):
    step = serializers.ChoiceField(
        choices=["extraction_or_processing", "recycling", "manufacturing_or_assembly"])
    mineral = serializers.CharField(allow_null=True)
    countries = serializers.ListField(
        child=serializers.CharField(), help_text="ISO 3166-1 alpha-2 codes counted on every date.")


@_spanning
class AdviceShareOutput(serializers.Serializer[Any]):
    """An unmet share on some dates, and the fewest lines, fewest suppliers and least value
    that would meet it."""

    requirement = serializers.ChoiceField(choices=["critical_minerals", "battery_components"])
    required_pct = serializers.CharField()
    qualifying_pct = serializers.CharField(allow_null=True)
    qualifying_value_usd = serializers.CharField(help_text=_MONEY)
    total_value_usd = serializers.CharField(help_text=_MONEY)
    shortfall_usd = serializers.CharField(
        help_text="The value that would have to qualify besides what does. " + _MONEY)
    fewest_lines = AdviceMoveOutput()
    fewest_suppliers = AdviceMoveOutput()
    least_value = AdviceMoveOutput()
    destinations = AdviceDestinationOutput(many=True)
    credit_usd = serializers.IntegerField()
    credit_usd_if_met = serializers.IntegerField(
        help_text="The credit with this share met and nothing else changed.")
    blocked_by = serializers.ListField(
        child=serializers.CharField(),
        help_text="Requirements no sourcing of this share fixes that keep the vehicle ineligible.")
    message = serializers.CharField()


class AdviceFeocOutput(serializers.Serializer[Any]):
    requirement = serializers.ChoiceField(
        choices=["feoc_critical_minerals", "feoc_battery_components"])
    line = AdviceLineOutput()
    disqualifies_from = serializers.DateField()
    excluded_until = serializers.DateField(
        allow_null=True, help_text="Impracticable to trace: left out of the test until this day.")
    disqualifies_in_period = serializers.BooleanField()
    message = serializers.CharField()


@_spanning
class AdviceNotBySourcingOutput(serializers.Serializer[Any]):
    """A requirement unmet that no change of sourcing fixes."""

    requirement = serializers.CharField()
    fixable_by_sourcing = serializers.BooleanField()
    message = serializers.CharField()
    where = serializers.ListField(
        child=serializers.CharField(),
        help_text="Final assembly: the countries it would have to be in.")


class AdviceRulebookOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    version = serializers.CharField()


class AdviceOutput(serializers.Serializer[Any]):
    """What would meet each unmet requirement, segment by segment."""

    rulebook = AdviceRulebookOutput()
    shares = AdviceShareOutput(many=True)
    feoc = AdviceFeocOutput(many=True)
    not_by_sourcing = AdviceNotBySourcingOutput(many=True)


@extend_schema_field(AdviceOutput(allow_null=True))
class AdviceField(serializers.JSONField):
    """The stored advice, returned as stored; documented as `AdviceOutput`."""
