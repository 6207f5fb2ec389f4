"""The shared cache setting (TRUST 29): Redis when REDIS_URL or CACHE_URL is set, files under
CACHE_DIR otherwise; in both, what one process stores another reads. Clearing it spares the broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import redis
from django.core.cache import cache

from tests.celery_worker import ROOT
from tests.processes import unique_prefix

_PROGRAM = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
django.setup()
from django.conf import settings
from django.core.cache import cache
if sys.argv[1] == "set":
    cache.set("shared-key", sys.argv[2], 60)
print(json.dumps({"backend": settings.CACHES["default"]["BACKEND"],
                  "value": cache.get("shared-key")}))
"""


def in_a_process(env: dict[str, str], *args: str) -> dict[str, str]:
    """Run `_PROGRAM` in a fresh interpreter with `env` as the cache's environment."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("REDIS_URL", "CACHE_URL", "CACHE_DIR", "CACHE_KEY_PREFIX")}
    done = subprocess.run([sys.executable, "-c", _PROGRAM, *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_with_redis_url_the_cache_is_redis_and_shared_between_processes(redis_url):
    env = {"REDIS_URL": redis_url, "CACHE_KEY_PREFIX": unique_prefix()}
    value = uuid.uuid4().hex
    written = in_a_process(env, "set", value)
    read = in_a_process(env, "get")
    assert written["backend"] == read["backend"] == "portal.cache.PrefixedRedisCache"
    assert read["value"] == value
    stored = redis.Redis.from_url(redis_url)
    assert stored.exists(f"{env['CACHE_KEY_PREFIX']}:1:shared-key") == 1
    stored.delete(f"{env['CACHE_KEY_PREFIX']}:1:shared-key")


def test_cache_url_wins_over_redis_url(redis_url):
    # The broker's REDIS_URL answers nothing; the cache's own URL does.
    env = {"REDIS_URL": "redis://127.0.0.1:1/0", "CACHE_URL": redis_url,
           "CACHE_KEY_PREFIX": unique_prefix()}
    value = uuid.uuid4().hex
    in_a_process(env, "set", value)
    assert in_a_process(env, "get")["value"] == value
    redis.Redis.from_url(redis_url).delete(f"{env['CACHE_KEY_PREFIX']}:1:shared-key")


def test_without_redis_the_cache_is_files_shared_between_processes(tmp_path):
    env = {"CACHE_DIR": str(tmp_path / "cache")}
    value = uuid.uuid4().hex
    written = in_a_process(env, "set", value)
    read = in_a_process(env, "get")
    assert written["backend"] == read["backend"] == \
        "django.core.cache.backends.filebased.FileBasedCache"
    assert read["value"] == value
    assert list((tmp_path / "cache").glob("*.djcache")) != []


def test_clearing_the_cache_deletes_only_its_own_keys(in_redis, redis_url):
    """The broker may share the database: a cache clear must not be FLUSHDB."""
    stored = redis.Redis.from_url(redis_url)
    broker_key = f"_kombu.binding.test-{uuid.uuid4().hex}"
    stored.set(broker_key, "queue")
    try:
        cache.set("throttle_anon_203.0.113.7", [1.0])
        cache.clear()
        assert cache.get("throttle_anon_203.0.113.7") is None
        assert stored.keys(f"{in_redis}:*") == []
        assert stored.get(broker_key) == b"queue"
    finally:
        stored.delete(broker_key)
