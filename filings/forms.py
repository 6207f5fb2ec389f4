"""Forms of the manufacturer pages: they parse input; every rule lives in `filings.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from filings.models import FileKind, VehicleClass
from filings.states import State
from portal.accounts.roles import ATTESTATION_STATEMENT

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_CHOOSE_KIND = _("Choose what kind of file this is: evidence or a supporting document.")


def _translated(choices: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    """The model's choices with their labels in the page's language (marked in the models)."""
    return [(value, _(label)) for value, label in choices]


class _SearchInput(forms.TextInput):
    input_type = "search"


class DashboardFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", _("All states")), *_translated(State.choices)],
                              required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=_SearchInput(attrs={"placeholder": _("Make or model")}))


class FilingCreateForm(forms.Form):
    make = forms.CharField(label=_("Make"), max_length=100)
    model = forms.CharField(label=_("Model"), max_length=100)
    model_year = forms.IntegerField(label=_("Model year"), min_value=1990, max_value=2100)
    vehicle_class = forms.ChoiceField(label=_("Vehicle class"),
                                      choices=_translated(VehicleClass.choices))
    coverage_start = forms.DateField(
        label=_("Coverage start"), widget=_DATE,
        help_text=_("First placed-in-service date the filing covers."))
    coverage_end = forms.DateField(
        label=_("Coverage end"), widget=_DATE,
        help_text=_("Last placed-in-service date the filing covers (inclusive)."))


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
        label=_("Kind"), choices=_translated(FileKind.choices), initial=FileKind.EVIDENCE,
        widget=forms.RadioSelect,
        error_messages={"required": _CHOOSE_KIND, "invalid_choice": _CHOOSE_KIND})
    file = _FilesField(
        label=_("Files"), allow_empty_file=True,
        error_messages={"required": _("Choose a file to upload.")},
        help_text=_("The evidence workbook (.xlsx), or its sheets as CSV files (choose the four at "
                    "once); supporting documents as PDF, PNG or JPEG. Files chosen together are "
                    "stored together, or none of them is."),
        widget=_FilesInput(attrs={"accept": ".xlsx,.csv,.pdf,.png,.jpg,.jpeg"}))

    def refusal(self) -> str:
        """What is wrong with the form, as one message for the page's alert."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class SubmitForm(forms.Form):
    # Not required here: the service refuses an unconfirmed attestation with its own message.
    # The statement stays in English in every language: it is what the filing records.
    attest = forms.BooleanField(label=ATTESTATION_STATEMENT, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not get_language().startswith("en"):
            self.fields["attest"].help_text = _(
                "The statement is recorded in English, as worded above.")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("Say why the filing is withdrawn; the reason is kept in the audit trail."))
