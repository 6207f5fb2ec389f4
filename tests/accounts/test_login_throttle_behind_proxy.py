"""Log-in throttling per address behind a trusted proxy (TRUST 6, 29): the address the proxy saw
counts, never the proxy's own nor what the client wrote into X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.models import LoginFailure
from tests.factories import PASSWORD

PROXY = "10.0.0.1"


def attempt(client, email: str, password: str, *, forwarded_for: str, remote_addr: str = PROXY):
    return client.post(reverse("login"), {"username": email, "password": password},
                       REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for)


def refused(response) -> bool:
    return "Too many failed log-in attempts" in response.content.decode()


@pytest.fixture
def limits(settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 3
    settings.LOGIN_THROTTLE_PER_ADDRESS = 5


@pytest.fixture
def one_proxy(settings, limits):
    settings.TRUSTED_PROXY_COUNT = 1


def _fail_five_times(client, left_parts: list[str], client_address: str) -> None:
    for n, left in enumerate(left_parts):
        attempt(client, f"guess{n}@granite.example", "wrong password",
                forwarded_for=f"{left}, {client_address}")


def test_failures_count_for_the_address_the_proxy_appended(client, db, one_proxy):
    for forwarded_for in ("attacker-chosen, 203.0.113.7", "198.51.100.66, 203.0.113.7"):
        attempt(client, "nobody@granite.example", "wrong password", forwarded_for=forwarded_for)
    addresses = set(LoginFailure.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.7"}


def test_rotating_the_left_part_of_the_header_does_not_dodge_the_address_limit(
        client, signer, one_proxy):
    _fail_five_times(client, [f"198.51.100.{n}" for n in range(5)], "203.0.113.7")
    assert refused(attempt(client, signer.email, PASSWORD, forwarded_for="192.0.2.99, 203.0.113.7"))
    assert "_auth_user_id" not in client.session


def test_two_clients_behind_the_same_proxy_do_not_lock_each_other_out(client, signer, one_proxy):
    _fail_five_times(client, ["attacker-chosen"] * 5, "203.0.113.7")
    response = attempt(client, signer.email, PASSWORD, forwarded_for="192.0.2.1")
    assert response.status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(client, signer, limits, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        attempt(client, f"guess{n}@granite.example", "wrong password",
                forwarded_for=f"203.0.113.{n}", remote_addr="198.51.100.9")
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}
    assert refused(attempt(client, signer.email, PASSWORD, forwarded_for="192.0.2.1",
                           remote_addr="198.51.100.9"))
    allowed = attempt(client, signer.email, PASSWORD, forwarded_for="198.51.100.9",
                      remote_addr="192.0.2.1")
    assert allowed.status_code == 302
