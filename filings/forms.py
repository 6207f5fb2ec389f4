"""Forms of the manufacturer pages: they parse input; every rule lives in `filings.services`."""

from __future__ import annotations

from django import forms

from filings.models import FileKind, VehicleClass
from filings.states import State
from portal.accounts.roles import ATTESTATION_STATEMENT

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _SearchInput(forms.TextInput):
    input_type = "search"


class DashboardFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", "All states"), *State.choices], required=False)
    q = forms.CharField(label="Search", required=False, max_length=100,
                        widget=_SearchInput(attrs={"placeholder": "Make or model"}))


class FilingCreateForm(forms.Form):
    make = forms.CharField(max_length=100)
    model = forms.CharField(max_length=100)
    model_year = forms.IntegerField(min_value=1990, max_value=2100)
    vehicle_class = forms.ChoiceField(choices=VehicleClass.choices)
    coverage_start = forms.DateField(
        widget=_DATE, help_text="First placed-in-service date the filing covers.")
    coverage_end = forms.DateField(
        widget=_DATE, help_text="Last placed-in-service date the filing covers (inclusive).")


class EvidenceUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=FileKind.choices, initial=FileKind.EVIDENCE,
                             widget=forms.RadioSelect)
    file = forms.FileField(
        help_text="The evidence workbook (.xlsx) or its sheets as CSV files; supporting "
                  "documents as PDF, PNG or JPEG.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.pdf,.png,.jpg,.jpeg"}))


class SubmitForm(forms.Form):
    # Not required here: the service refuses an unconfirmed attestation with its own message.
    attest = forms.BooleanField(label=ATTESTATION_STATEMENT, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text="Say why the filing is withdrawn; the reason is kept in the audit trail.")
