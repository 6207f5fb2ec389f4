"""Log in by e-mail, log out by POST, reset a forgotten password by e-mail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def log_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": email, "password": password})


def test_the_login_page_asks_for_an_e_mail_address_and_a_password(client, db):
    page = client.get(reverse("login")).content.decode()
    assert 'type="email"' in page
    assert 'type="password"' in page
    assert reverse("password_reset") in page


def test_a_member_logs_in_with_e_mail_and_password_and_lands_on_the_dashboard(client, preparer):
    response = log_in(client, preparer.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("filings:dashboard")
    assert client.get(reverse("filings:dashboard")).status_code == 200


def test_the_e_mail_address_is_matched_whatever_its_case(client, preparer):
    assert log_in(client, preparer.email.upper()).status_code == 302


def test_an_unknown_e_mail_and_a_wrong_password_answer_alike(client, preparer):
    unknown = log_in(client, "nobody@granite.example")
    wrong = log_in(client, preparer.email, "not the password at all")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_cannot_log_in(client, preparer):
    preparer.is_active = False
    preparer.save()
    assert log_in(client, preparer.email).status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_pages_send_an_anonymous_visitor_to_log_in(client, db):
    response = client.get(reverse("filings:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logging_out_takes_a_post_and_ends_the_session(client, preparer):
    client.force_login(preparer)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logging_out_is_protected_against_cross_site_requests(preparer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(preparer)
    assert client.post(reverse("logout")).status_code == 403
    assert "_auth_user_id" in client.session


@pytest.fixture
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.usefixtures("_locmem_mail")
def test_a_forgotten_password_is_reset_through_a_link_sent_by_e_mail(client, preparer):
    response = client.post(reverse("password_reset"), {"email": preparer.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [preparer.email]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", str(message.body))
    assert link is not None, message.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"]
    new_password = "a brand new passphrase 2025"
    done = client.post(form_page.redirect_chain[-1][0],
                       {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    preparer.refresh_from_db()
    assert preparer.check_password(new_password)


@pytest.mark.usefixtures("_locmem_mail")
def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, preparer):
    known = client.post(reverse("password_reset"), {"email": preparer.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@granite.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [[preparer.email]]
