"""Forms of the manufacturer pages: they parse input; every rule lives in `filings.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from filings.models import FileKind, State, VehicleClass
from portal.accounts.roles import ATTESTATION_STATEMENT
from portal.accounts.services import login_allowed, login_failure_record, login_failures_clear
from portal.http import client_address

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _SearchInput(forms.TextInput):
    input_type = "search"


class LoginForm(AuthenticationForm):
    """Django's login form, matching e-mail addresses as they are stored (lower case)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True})

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        """Refuse while throttled (before checking the password), and count each failure."""
        email = str(self.cleaned_data.get("username", ""))
        address = client_address(self.request) if self.request else None
        if not login_allowed(email=email, ip_address=address):
            raise forms.ValidationError(
                "Too many failed log-in attempts. Wait 15 minutes, or reset your password.",
                code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(email=email, ip_address=address)
            raise
        login_failures_clear(email=email)
        return cleaned


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
