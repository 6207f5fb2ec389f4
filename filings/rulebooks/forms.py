"""The console's forms for rulebook pages: one per kind of amendment (field names are the
service's parameter names), the draft's own fields, and the what-if run's version."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from filings.evidence.plan import MAX_CHANGE_ROWS, MAX_CHANGE_SUPPLIERS, STEPS, Change
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


# --- The sourcing planner (a manufacturer's page: its texts are translated) ----------------

# Each step of `filings.evidence.plan.STEPS` as people read it, processing (the usual move) first.
_STEP_LABELS = {
    "processing_country": _("Processing of critical minerals"),
    "extraction_country": _("Extraction of critical minerals"),
    "recycling_country": _("Recycling of critical minerals"),
    "manufacturing_country": _("Manufacturing or assembly of battery components"),
}
assert _STEP_LABELS.keys() == STEPS.keys(), "a step of filings.evidence.plan has no label"
PLAN_STEPS = list(_STEP_LABELS.items())


class PlanChangeForm(forms.Form):
    """One change of a plan: which lines (rows, suppliers or both), which step, where to."""

    step = forms.ChoiceField(label=_("Step"), choices=PLAN_STEPS)
    country = forms.CharField(
        label=_("New country"), max_length=2, required=False,
        widget=forms.TextInput(attrs={"size": 3, "autocapitalize": "characters",
                                      "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("ISO 3166-1 alpha-2 code, such as US, CA, MX or JP. Empty only for "
                        "recycling: not recycled."))
    rows = forms.CharField(
        label=_("Rows"), required=False, max_length=2000,
        help_text=_("Spreadsheet row numbers on the sheet, such as 2, 5-9."))
    suppliers = forms.CharField(
        label=_("Suppliers"), required=False, max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One supplier name per line, exactly as in the evidence: every line of "
                        "each moves."))
    not_feoc = forms.BooleanField(
        label=_("The supplier at the new place is not a foreign entity of concern"),
        required=False, initial=True,
        help_text=_("Clears the FEOC flag of the lines that move. Untick it to keep each "
                        "line's flag as it is."))

    def has_lines(self) -> bool:
        return bool(self.cleaned_data.get("rows") or self.cleaned_data.get("suppliers"))

    def change(self) -> Change:
        """The valid form's change (the FEOC flag cleared when the box is ticked, else kept)."""
        data = self.cleaned_data
        return Change(step=data["step"], country=data["country"] or None, rows=data["rows"],
                      suppliers=data["suppliers"], feoc=False if data["not_feoc"] else None)

    @staticmethod
    def initial_for(change: Change) -> dict[str, Any]:
        """A planned change as the form shows it, to change and plan again."""
        return {"step": change.step, "country": change.country or "",
                "not_feoc": change.feoc is False, "rows": rows_text(change.rows),
                "suppliers": "\n".join(sorted(change.suppliers))}

    @staticmethod
    def initial_from_link(query: QueryDict) -> dict[str, Any]:
        """A change filled in from a link ("Plan this change" under the advice): its step and
        rows, or a supplier; anything else in the query is ignored."""
        initial: dict[str, Any] = {"not_feoc": True}
        if query.get("step") in STEPS:
            initial["step"] = query["step"]
        rows, supplier = query.get("rows", ""), query.get("supplier", "")
        if rows and len(rows) <= 2000:
            initial["rows"] = rows
        if supplier and len(supplier) <= 200:
            initial["suppliers"] = supplier
        return initial

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).strip().upper()

    def clean_rows(self) -> frozenset[int]:
        text = str(self.cleaned_data["rows"])
        rows: set[int] = set()
        for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
            first, dash, last = part.partition("-")
            try:
                low, high = int(first), int(last) if dash else int(first)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(part)s” is not a row number or a range such as 5-9."),
                    params={"part": part}) from None
            if low < 2 or high < low:
                raise forms.ValidationError(
                    _("“%(part)s”: rows start at 2 (row 1 is the header), and a range runs "
                          "from the lower number to the higher."), params={"part": part})
            if high - low + 1 + len(rows) > MAX_CHANGE_ROWS:
                raise forms.ValidationError(
                    _("At most %(max)s rows per change; name suppliers for more."),
                    params={"max": f"{MAX_CHANGE_ROWS:,}"})
            rows.update(range(low, high + 1))
        return frozenset(rows)

    def clean_suppliers(self) -> frozenset[str]:
        names = frozenset(filter(None, (" ".join(line.split())
                                        for line in str(self.cleaned_data["suppliers"]).splitlines())))
        if len(names) > MAX_CHANGE_SUPPLIERS:
            raise forms.ValidationError(_("At most %(max)s suppliers per change."),
                                        params={"max": f"{MAX_CHANGE_SUPPLIERS:,}"})
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_lines() and not data.get("country") and data.get("step") != "recycling_country":
            self.add_error("country", _("Give the country the step would move to."))
        return data


class _PlanChanges(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.has_lines() for form in self.forms if form.cleaned_data):
            raise forms.ValidationError(
                _("Name the lines that would change: their rows, their suppliers or both."))


def rows_text(rows: Collection[int]) -> str:
    """Rows as the form takes them, runs written as ranges: 2-5, 9."""
    parts: list[str] = []
    ordered = sorted(rows)
    start = 0
    for i, row in enumerate(ordered):
        if i + 1 == len(ordered) or ordered[i + 1] != row + 1:
            first = ordered[start]
            parts.append(str(row) if first == row else f"{first}-{row}")
            start = i + 1
    return ", ".join(parts)


PlanChangeFormSet = forms.formset_factory(PlanChangeForm, formset=_PlanChanges, extra=3,
                                          max_num=3, absolute_max=3, validate_max=True)


class _VersionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.rulebook_id} {obj.version}"


class PlanRulebookForm(forms.Form):
    rulebook = _VersionChoice(
        label=_("Rulebook version"), queryset=RulebookVersion.objects.none(),
        empty_label=None,
        help_text=_("The published rules the plan is assessed under."))

    def __init__(self, *args: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rulebook"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = versions
