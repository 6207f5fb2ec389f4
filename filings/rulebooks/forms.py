"""The console's forms for rulebook pages: one per kind of amendment (field names are the
service's parameter names), the draft's own fields, and the what-if run's version."""

from __future__ import annotations

from typing import Any

from django import forms

from filings.rulebooks.models import RulebookVersion
from filings.rules.rulebook import VEHICLE_CLASSES

_CONFIDENCE = [("V", "V: read in a primary text"), ("S", "S: secondary sources only"),
               ("U", "U: unconfirmed, our best reading")]
_REQUIREMENTS = [("critical_minerals", "Critical minerals"),
                 ("battery_components", "Battery components")]
_DATE = forms.DateInput(attrs={"type": "date"})


class _Citation(forms.Form):
    title = ""
    citation = forms.CharField(min_length=5, max_length=500, widget=forms.TextInput(
        attrs={"size": 80}), help_text="The law, regulation or notice this change follows.")


class DraftForm(forms.Form):
    version = forms.CharField(max_length=50, help_text="A new id that is never reused, for "
                              "example 2025.3.")
    citation = forms.CharField(min_length=5, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))
    note = forms.CharField(min_length=5, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
                           help_text="What changes and why; it is shown in the history.")


class DraftTextForm(forms.Form):
    citation = forms.CharField(min_length=5, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))
    note = forms.CharField(min_length=5, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


class PublishForm(forms.Form):
    """The publish confirmation: the impact preview it confirms and the confirm button's value.
    Not required here: the service owns the rules and their messages, so the form only parses."""

    CONFIRM = "publish"
    preview = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)

    def confirmed(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data["confirm"] == self.CONFIRM)

    def preview_id(self) -> int | None:
        return self.cleaned_data.get("preview") if self.is_valid() else None


class FtaAddForm(_Citation):
    title = "Add a country's free-trade-agreement treatment"
    country = forms.CharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2, e.g. JP.")
    from_ = forms.DateField(label="From", widget=_DATE, help_text="First day the treatment "
                            "applies (placed-in-service date).")
    basis = forms.CharField(max_length=200, help_text="The agreement, e.g. U.S.-Japan Critical "
                            "Minerals Agreement.")
    minerals = forms.CharField(required=False, help_text="Comma-separated minerals it is limited "
                               "to; empty for all applicable minerals.")
    confidence = forms.ChoiceField(choices=_CONFIDENCE)

    def params(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        minerals = [m.strip().lower() for m in data.pop("minerals", "").split(",") if m.strip()]
        return {**data, "minerals": minerals or None}


class FtaEndForm(_Citation):
    title = "End a country's free-trade-agreement treatment"
    country = forms.CharField(min_length=2, max_length=2)
    until = forms.DateField(widget=_DATE, help_text="Last day the treatment applies.")


class SchedulePctForm(_Citation):
    title = "Change a required percentage"
    requirement = forms.ChoiceField(choices=_REQUIREMENTS)
    row_from = forms.DateField(label="Schedule row starting on", widget=_DATE)
    required_pct = forms.DecimalField(label="Required share (%)", min_value=0, max_value=100,
                                      decimal_places=2)


class MsrpCapForm(_Citation):
    title = "Change an MSRP cap"
    vehicle_class = forms.ChoiceField(choices=[(c, c) for c in VEHICLE_CLASSES])
    cap_usd = forms.DecimalField(label="Cap (USD)", min_value=0, decimal_places=2)


class AmountForm(_Citation):
    title = "Change a credit amount"
    requirement = forms.ChoiceField(choices=_REQUIREMENTS)
    amount_usd = forms.DecimalField(label="Amount (USD)", min_value=0, decimal_places=2)


class BatteryMinimumForm(_Citation):
    title = "Change the minimum battery capacity"
    minimum_kwh = forms.DecimalField(label="Minimum (kWh)", min_value=0, decimal_places=3)


class GvwrForm(_Citation):
    title = "Change the gross vehicle weight limit"
    below_lb = forms.DecimalField(label="Below (lb)", min_value=0, decimal_places=0)


class CreditWindowForm(_Citation):
    title = "Change the credit window"
    field = forms.ChoiceField(choices=[
        ("acquired_until", "Last acquisition date with a credit"),
        ("placed_in_service_from", "First placed-in-service date with a credit")])
    on = forms.DateField(label="Date", widget=_DATE)


AMENDMENT_FORMS: dict[str, type[_Citation]] = {
    "fta_add": FtaAddForm, "fta_end": FtaEndForm, "schedule_set_pct": SchedulePctForm,
    "msrp_cap_set": MsrpCapForm, "amount_set": AmountForm,
    "battery_minimum_set": BatteryMinimumForm, "gvwr_set": GvwrForm,
    "credit_window_set": CreditWindowForm,
}


def amendment_params(form: _Citation) -> dict[str, Any]:
    params = getattr(form, "params", None)
    return params() if callable(params) else dict(form.cleaned_data)


class WhatIfForm(forms.Form):
    version = forms.ModelChoiceField(queryset=RulebookVersion.objects.none(),
                                     empty_label=None, label="Rulebook version")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = RulebookVersion.objects.order_by("-published_at", "-pk")
