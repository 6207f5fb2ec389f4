"""The portal's log-in form: e-mail addresses as stored, throttled per account and address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from portal.accounts.services import login_allowed, login_failure_record, login_failures_clear
from portal.http import client_address


class LoginForm(AuthenticationForm):
    """Django's login form, matching e-mail addresses as they are stored (lower case)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address")
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
                _("Too many failed log-in attempts. Wait 15 minutes, or reset your password."),
                code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(email=email, ip_address=address)
            raise
        login_failures_clear(email=email)
        return cleaned


class LanguageForm(forms.Form):
    """The header's language switch: one of settings.LANGUAGES, and the page to go back to."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)
