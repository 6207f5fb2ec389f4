"""Log-in throttling per account and per address, kept in the database, without enumeration."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.accounts.models import LoginFailure
from tests.factories import PASSWORD


def attempt(client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": password},
                       REMOTE_ADDR=address)


@pytest.fixture
def limits(settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 3
    settings.LOGIN_THROTTLE_PER_ADDRESS = 5


def test_the_right_password_is_refused_after_too_many_failures_for_the_account(client, signer, limits):
    for _ in range(3):
        assert attempt(client, signer.email, "wrong password").status_code == 200
    refused = attempt(client, signer.email, PASSWORD)
    assert refused.status_code == 200
    assert "Too many failed log-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def _page(response, email: str) -> str:
    """The page with what legitimately differs (the typed address, the CSRF token) masked."""
    html = response.content.decode().replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


def test_an_unknown_address_and_a_wrong_password_answer_alike(client, signer, limits):
    unknown = attempt(client, "nobody@granite.example", "wrong password")
    wrong = attempt(client, signer.email, "wrong password")
    assert unknown.status_code == wrong.status_code == 200
    assert _page(unknown, "nobody@granite.example") == _page(wrong, signer.email)
    for _ in range(2):
        attempt(client, "nobody@granite.example", "wrong password")
    assert "Too many failed" in attempt(client, "nobody@granite.example", "x").content.decode()


def test_one_address_trying_many_accounts_is_throttled(client, signer, limits):
    for n in range(5):
        attempt(client, f"guess{n}@granite.example", "wrong password", address="198.51.100.9")
    refused = attempt(client, signer.email, PASSWORD, address="198.51.100.9")
    assert "Too many failed" in refused.content.decode()
    allowed = attempt(client, signer.email, PASSWORD, address="192.0.2.1")
    assert allowed.status_code == 302


def test_throttling_holds_when_the_cache_is_down(client, signer, limits, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    cache.close()
    for _ in range(3):
        attempt(client, signer.email, "wrong password")
    assert "Too many failed" in attempt(client, signer.email, PASSWORD).content.decode()
    assert LoginFailure.objects.filter(email=signer.email).count() == 3


def test_a_successful_login_clears_the_accounts_failures_and_rotates_the_session(client, signer, limits):
    attempt(client, signer.email, "wrong password")
    client.get(reverse("login"))
    before = client.session.session_key
    assert attempt(client, signer.email, PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(email=signer.email).exists()
    assert client.session.session_key != before
