"""TRUST 7: reviewers and approvers confirm a TOTP code before any console page; the first
visit enrols an authenticator app; a code is good once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import User
from portal.accounts.services import console_access_sync
from portal.audit.models import AuditEvent

CONSOLE = "/admin/filings/filing/"
SECOND_FACTOR = reverse("second_factor")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(reviewer: User) -> User:
    console_access_sync(user=reviewer)
    return User.objects.get(pk=reviewer.pk)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.mark.parametrize("page", [CONSOLE, "/admin/", "/admin/rulebooks/rulebookversion/",
                                  "/admin/audit/auditevent/"])
def test_no_console_page_opens_before_the_second_factor(staff, page):
    client = logged_in(staff)

    response = client.get(page, follow=True)

    assert response.redirect_chain[-1][0].startswith(SECOND_FACTOR)
    assert response.status_code == 200
    assert b"Set up your authenticator app" in response.content


def test_the_first_visit_enrols_an_authenticator_app(staff):
    client = logged_in(staff)
    page = client.get(SECOND_FACTOR, {"next": CONSOLE}).content.decode()
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    assert 'id="totp-qr"' in page and "data:image/svg+xml" in page

    wrong = client.post(SECOND_FACTOR, {"code": "000000" if code(device) != "000000" else "111111",
                                        "next": CONSOLE})
    assert wrong.status_code == 400
    assert b"Wrong code, try again" in wrong.content
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(CONSOLE).status_code == 302

    right = client.post(SECOND_FACTOR, {"code": code(device), "next": CONSOLE})

    assert right.status_code == 302 and right["Location"] == CONSOLE
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(CONSOLE).status_code == 200
    assert AuditEvent.objects.filter(actor=staff, action="mfa_enrol").count() == 1


def test_a_code_is_good_once(staff):
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    used = code(device)
    first = logged_in(staff)
    assert first.post(SECOND_FACTOR, {"code": used, "next": CONSOLE}).status_code == 302

    second = logged_in(staff)  # a new login session, the same code replayed
    replay = second.post(SECOND_FACTOR, {"code": used, "next": CONSOLE})

    assert replay.status_code == 400
    assert second.get(CONSOLE).status_code == 302
    assert second.post(SECOND_FACTOR, {"code": code(device, steps_ahead=1),
                                       "next": CONSOLE}).status_code == 302
    assert second.get(CONSOLE).status_code == 200


def test_the_next_address_stays_on_this_site(staff):
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    response = logged_in(staff).post(SECOND_FACTOR, {"code": code(device),
                                                     "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_manufacturers_need_no_second_factor_and_still_get_no_console(signer):
    client = logged_in(signer)

    assert client.get(SECOND_FACTOR, {"next": "/"})["Location"] == "/"
    response = client.get(CONSOLE, follow=True)
    assert response.status_code == 403
    assert not TOTPDevice.objects.filter(user=signer).exists()


def test_an_anonymous_visitor_is_sent_to_the_portal_login(db):
    response = Client().get(CONSOLE, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if code(device) != "000000" else "111111"


def test_one_wrong_code_says_so_and_the_right_code_right_after_succeeds(staff):
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    client = logged_in(staff)

    wrong = client.post(SECOND_FACTOR, {"code": wrong_code(device), "next": CONSOLE})
    right = client.post(SECOND_FACTOR, {"code": code(device), "next": CONSOLE})

    assert wrong.status_code == 400
    assert b"Wrong code, try again" in wrong.content
    assert b"Too many" not in wrong.content
    assert right.status_code == 302 and right["Location"] == CONSOLE
    assert client.get(CONSOLE).status_code == 200


def test_wrong_codes_in_a_row_are_throttled_with_a_doubling_wait(staff, settings):
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    client = logged_in(staff)
    for _ in range(settings.MFA_FREE_WRONG_CODES):
        answer = client.post(SECOND_FACTOR, {"code": wrong_code(device), "next": CONSOLE})
        assert b"Wrong code, try again" in answer.content

    right_too_soon = client.post(SECOND_FACTOR, {"code": code(device), "next": CONSOLE})

    assert right_too_soon.status_code == 400
    assert b"Too many wrong codes: wait 1 second," in right_too_soon.content
    assert client.get(CONSOLE).status_code == 302
    # Once the wait is over one more guess is taken, and a wrong one doubles the wait.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2))
    assert b"Wrong code, try again" in client.post(
        SECOND_FACTOR, {"code": wrong_code(device), "next": CONSOLE}).content
    assert b"wait 2 seconds" in client.post(
        SECOND_FACTOR, {"code": code(device), "next": CONSOLE}).content
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=3))
    assert client.post(SECOND_FACTOR, {"code": code(device), "next": CONSOLE}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_logging_out_ends_the_verified_session(staff):
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)
    client = logged_in(staff)
    client.post(SECOND_FACTOR, {"code": code(device), "next": CONSOLE})
    assert client.get(CONSOLE).status_code == 200

    client.post(reverse("logout"))
    client.force_login(staff)

    assert client.get(CONSOLE).status_code == 302
