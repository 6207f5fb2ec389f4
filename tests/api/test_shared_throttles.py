"""TRUST 29: the API's throttles count in the shared cache, across real server processes and
restarts, per client address behind trusted proxies; when the cache is down the API says so (503)."""

from __future__ import annotations

import pytest
import redis
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import token_client
from tests.processes import get
from tests.web.routes import _certificate

PROXY = "10.0.0.1"


@pytest.fixture
def lookup_path(scenario) -> str:
    """The public certificate lookup of a published certificate: anonymous, throttled per address."""
    return reverse("api:certificate_public", kwargs={"public_id": _certificate(scenario)["public_id"]})


@pytest.fixture
def anon_rate(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"}}


def _cache_env(store: str, redis_url: str, prefix: str, tmp_path) -> dict[str, str]:
    """The environment that gives server processes one cache: Redis, or one folder of files."""
    shared = {"CACHE_KEY_PREFIX": prefix}
    if store == "redis":
        return {**shared, "REDIS_URL": redis_url}
    return {**shared, "CACHE_DIR": str(tmp_path / "shared-cache")}


@pytest.mark.parametrize("store", ["redis", "files"])
def test_the_anonymous_limit_is_the_sum_over_two_server_processes_and_survives_a_restart(
        store, redis_url, server_prefix, web_server, lookup_path, tmp_path):
    env = {**_cache_env(store, redis_url, server_prefix, tmp_path),
           "API_THROTTLE_ANONYMOUS": "5/minute"}
    first, second = web_server(**env), web_server(**env)
    codes = [get(server.url + lookup_path) for server in (first, second) * 3]
    # Per process, each would have allowed its three; together they allow five.
    assert codes == [200, 200, 200, 200, 200, 429]
    assert get(first.url + lookup_path) == get(second.url + lookup_path) == 429
    first.stop()
    assert get(web_server(**env).url + lookup_path) == 429


def test_behind_a_real_server_a_rotated_header_is_still_throttled(redis_url, server_prefix,
                                                                   web_server, lookup_path):
    server = web_server(REDIS_URL=redis_url, CACHE_KEY_PREFIX=server_prefix,
                        TRUSTED_PROXY_COUNT="1", API_THROTTLE_ANONYMOUS="2/minute")
    url = server.url + lookup_path
    codes = [get(url, {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.7"}) for n in range(3)]
    assert codes == [200, 200, 429]
    assert get(url, {"X-Forwarded-For": "203.0.113.8"}) == 200


def test_behind_one_proxy_the_lookup_counts_the_address_the_proxy_appended(
        settings, anon_rate, lookup_path):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR=PROXY)
    codes = [client.get(lookup_path, HTTP_X_FORWARDED_FOR=left + ", 203.0.113.7").status_code
             for left in ("attacker-chosen", "198.51.100.1", "198.51.100.2")]
    assert codes == [200, 200, 429]
    # Another client behind the same proxy has its own allowance.
    assert client.get(lookup_path, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_without_trusted_proxies_the_lookup_ignores_the_header(settings, anon_rate, lookup_path):
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient(REMOTE_ADDR="198.51.100.9")
    codes = [client.get(lookup_path, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
             for n in range(3)]
    assert codes == [200, 200, 429]
    other = APIClient(REMOTE_ADDR="192.0.2.1")
    assert other.get(lookup_path, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 200


@pytest.fixture
def cache_down():
    """The cache is a Redis that nothing answers (a real refused connection); restored before
    the autouse fixtures clear the cache again."""
    with override_settings(CACHES={"default": {"BACKEND": "portal.cache.PrefixedRedisCache",
                                               "LOCATION": "redis://127.0.0.1:1/0",
                                               "KEY_PREFIX": "down"}}):
        yield


def test_when_the_cache_is_down_the_api_answers_503_saying_when_to_retry(cache_down, lookup_path,
                                                                         preparer):
    for response in (APIClient().get(lookup_path),
                     token_client(preparer).get(reverse("api:filings"))):
        assert response.status_code == 503
        assert response["Content-Type"] == "application/problem+json"
        assert response["Retry-After"] == "60"
        body = response.json()
        assert body["type"].endswith("/unavailable")
        assert "retry" in body["detail"]


def test_a_tokens_counter_is_kept_in_redis_under_the_caches_prefix(in_redis, redis_url, settings,
                                                                  preparer):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "2/minute", "user": "100/minute"}}
    client = token_client(preparer)
    codes = [client.get(reverse("api:filings")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    keys = redis.Redis.from_url(redis_url).keys(f"{in_redis}:*")
    assert [key.decode() for key in keys if b"throttle_token_" in key] != []
