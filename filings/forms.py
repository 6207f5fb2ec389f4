"""Forms of the manufacturer pages: they parse input; every rule lives in `filings.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from filings.models import FileKind, VehicleClass
from filings.states import State
from portal.accounts.roles import ATTESTATION_STATEMENT

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_CHOOSE_KIND = "Choose what kind of file this is: evidence or a supporting document."


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


class _FilesInput(forms.FileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    """The files chosen in one file input, each cleaned as a FileField cleans one. Empty files
    pass here: store_upload refuses them naming the file, so the page says it once."""

    widget = _FilesInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        chosen = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not chosen:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        clean_one = super().clean
        return [clean_one(item, initial) for item in chosen]


class EvidenceUploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=FileKind.choices, initial=FileKind.EVIDENCE, widget=forms.RadioSelect,
        error_messages={"required": _CHOOSE_KIND, "invalid_choice": _CHOOSE_KIND})
    file = _FilesField(
        label="Files", allow_empty_file=True,
        error_messages={"required": "Choose a file to upload."},
        help_text="The evidence workbook (.xlsx), or its sheets as CSV files (choose the four at "
                  "once); supporting documents as PDF, PNG or JPEG. Files chosen together are "
                  "stored together, or none of them is.",
        widget=_FilesInput(attrs={"accept": ".xlsx,.csv,.pdf,.png,.jpg,.jpeg"}))

    def refusal(self) -> str:
        """What is wrong with the form, as one message for the page's alert."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class SubmitForm(forms.Form):
    # Not required here: the service refuses an unconfirmed attestation with its own message.
    attest = forms.BooleanField(label=ATTESTATION_STATEMENT, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text="Say why the filing is withdrawn; the reason is kept in the audit trail.")
