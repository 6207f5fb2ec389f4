"""The second factor (TRUST 7): staff — the authority's reviewers and approvers — confirm a TOTP
code before the console opens. django-otp keeps the devices and rejects a code used before
(`TOTPDevice.last_t`); this module holds the portal's flow: enrol an authenticator app on the
first visit, then a code once per login session, and throttles wrong codes (`_wait_seconds`).
"""

from __future__ import annotations

import base64
import datetime as dt
import math

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import User
from portal.accounts.roles import OrganisationKind
from portal.audit.services import audit_record

DEVICE_NAME = "Authenticator app"


def is_verified(user: object) -> bool:
    """Whether this request's user confirmed a code (`OTPMiddleware` adds `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def mfa_required(user: User) -> bool:
    """Whoever can open the console, or act for the reviewing authority, uses a second factor."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    membership = user.membership()
    return membership is not None and membership.organisation.kind == OrganisationKind.AUTHORITY


class TokenForm(forms.Form):
    code = forms.RegexField(regex=r"^\s*\d{6}\s*$", label=_("Six-digit code"),
                            error_messages={"invalid": _("Enter the six digits your authenticator "
                                                         "app shows now.")},
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                          "inputmode": "numeric",
                                                          "autofocus": True}))


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def authenticator_key(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (base32, in groups of four)."""
    encoded = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(encoded[i:i + 4] for i in range(0, len(encoded), 4))


@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not mfa_required(user) or is_verified(user):
        return HttpResponseRedirect(_next_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if device is None:
        device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False,
                                                            defaults={"name": DEVICE_NAME})
    form = TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            problem = _code_problem(device, form.cleaned_data["code"].strip())
            if problem is None:
                _verified(request, user, device, enrolled=enrolling)
                return HttpResponseRedirect(_next_url(request))
            form.add_error("code", problem)
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request)}
    if enrolling:
        context.update(qr=segno.make(device.config_url, error="m").svg_data_uri(scale=4),
                       secret=authenticator_key(device))
    return render(request, "registration/second_factor.html", context, status=status)


def _wait_seconds(device: TOTPDevice) -> int:
    """Seconds before the device takes another code: none for the first MFA_FREE_WRONG_CODES
    wrong codes in a row (a mistyped digit is no attack), then MFA_THROTTLE_SECONDS doubled with
    every further miss, so guessing one of a million codes takes years."""
    over = int(device.throttling_failure_count) - int(settings.MFA_FREE_WRONG_CODES)
    last = device.throttling_failure_timestamp
    if over < 0 or last is None or settings.MFA_THROTTLE_SECONDS <= 0:
        return 0
    delay = min(int(settings.MFA_THROTTLE_SECONDS) * 2 ** over, MAX_THROTTLE_DELAY_SECONDS)
    left: float = (last + dt.timedelta(seconds=delay) - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


@transaction.atomic
def _code_problem(device: TOTPDevice, code: str) -> str | None:
    """None when the code is right; else what to tell the person. The device row is locked, so
    parallel guesses wait their turn instead of sharing one throttle check."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    wait = _wait_seconds(locked)
    if wait:
        return ngettext(
            "Too many wrong codes: wait %(seconds)d second, then enter the code your "
            "authenticator app shows then.",
            "Too many wrong codes: wait %(seconds)d seconds, then enter the code your "
            "authenticator app shows then.", wait) % {"seconds": wait}
    if locked.verify_token(code):
        device.refresh_from_db()
        return None
    return gettext("Wrong code, try again: enter the code your authenticator app shows now (each "
                   "code works once).")


@transaction.atomic
def _verified(request: HttpRequest, user: User, device: TOTPDevice, *, enrolled: bool) -> None:
    if enrolled:
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        membership = user.membership()
        if membership is not None:
            audit_record(organisation=membership.organisation, actor=user, action="mfa_enrol",
                         reason=DEVICE_NAME)
    django_otp.login(request, device)
