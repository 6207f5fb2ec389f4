"""TRUST 29: the client address comes from the configured number of trusted proxies, never from a
part of X-Forwarded-For the client wrote."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from portal.http import client_address

PROXY = "10.0.0.1"


def address(forwarded_for: str | None, remote_addr: str = PROXY) -> str | None:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address("203.0.113.7", remote_addr="198.51.100.9") == "198.51.100.9"
    assert address(None, remote_addr="198.51.100.9") == "198.51.100.9"


@pytest.mark.parametrize("forwarded_for", [
    "203.0.113.7",
    "attacker-chosen, 203.0.113.7",
    "198.51.100.66, 203.0.113.7",
    "192.0.2.1, 198.51.100.66, 203.0.113.7",
    "203.0.113.7:51234",
])
def test_behind_one_proxy_only_the_address_it_appended_counts(settings, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = 1
    assert address(forwarded_for) == "203.0.113.7"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert address("198.51.100.66, 203.0.113.7, 10.0.0.2") == "203.0.113.7"
    assert address("junk, 203.0.113.7, 10.0.0.2") == "203.0.113.7"


def test_a_request_that_bypassed_the_proxies_counts_for_its_own_socket_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    # Too short to have passed both proxies: the left entry is the client's own word.
    assert address("203.0.113.7", remote_addr="198.51.100.9") == "198.51.100.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert address(None, remote_addr="198.51.100.9") == "198.51.100.9"
    assert address("not an address", remote_addr="198.51.100.9") == "198.51.100.9"


def test_other_client_headers_are_never_read(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Public addresses on purpose: ipware prefers a public address in a later header to a
    # private one in X-Forwarded-For, unless it is told to read X-Forwarded-For only.
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="8.8.8.8",
                                   HTTP_CLIENT_IP="8.8.4.4", HTTP_FORWARDED="for=1.1.1.1",
                                   HTTP_X_FORWARDED_FOR="192.168.1.20")
    assert client_address(request) == "192.168.1.20"


def test_ipv6_clients_are_returned_as_addresses(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert address("198.51.100.66, 2001:db8::7") == "2001:db8::7"
    assert address("198.51.100.66, [2001:db8::7]:443") == "2001:db8::7"
