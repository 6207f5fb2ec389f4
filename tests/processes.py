"""Real processes sharing the test's database and cache: a Redis server that must answer, and
gunicorn web servers started on loopback sockets the test bound.

The Redis tests use `REDIS_URL`, else redis://127.0.0.1:6379/6, and fail (never skip) when it does
not answer: Redis runs on every machine of this project. They write and delete only keys under
their own prefix, so they may share a database with the broker or with another test run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tests.celery_worker import ROOT, _clear_audit_events, _database_url, stop_process

DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/6"
SERVER_TIMEOUT_SECONDS = 30


@pytest.fixture
def redis_url() -> str:
    """The Redis the test may use; the test fails when it does not answer."""
    url = os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} does not answer ({error}); start it (`.ci/run` does).")
    return url


def unique_prefix() -> str:
    return f"cvc-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def server_prefix(redis_url) -> Iterator[str]:
    """A fresh cache key prefix for server processes; its Redis keys are deleted afterwards."""
    prefix = unique_prefix()
    yield prefix
    stored = redis.Redis.from_url(redis_url)
    for key in stored.scan_iter(match=f"{prefix}:*"):
        stored.delete(key)


def redis_cache(url: str, prefix: str) -> dict[str, object]:
    """The CACHES entry the settings make for this Redis URL and key prefix."""
    return {**settings.CACHES["default"], "BACKEND": "portal.cache.PrefixedRedisCache",
            "LOCATION": url, "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}


@pytest.fixture
def in_redis(settings, redis_url) -> Iterator[str]:
    """This process's cache is Redis under a fresh prefix (removed afterwards); yields the prefix."""
    prefix = unique_prefix()
    settings.CACHES = {"default": redis_cache(redis_url, prefix)}
    yield prefix
    cache.clear()


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a web process on the test's database; `overrides` win."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "0",
           "ALLOWED_HOSTS": "127.0.0.1", "TRUSTED_PROXY_COUNT": "0",
           "EVIDENCE_ROOT": str(settings.EVIDENCE_ROOT),
           "CERTIFICATE_ROOT": str(settings.CERTIFICATE_ROOT)}
    for name in ("REDIS_URL", "CACHE_URL", "CACHE_DIR", "CACHE_KEY_PREFIX"):
        env.pop(name, None)  # the cache is exactly what the test says
    return {**env, **overrides}


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def web_server(transactional_db, tmp_path) -> Iterator[Callable[..., Server]]:
    """`web_server(**env)`: start a gunicorn process on the test's database. All stop afterwards."""
    started: list[Server] = []

    def start(**env: str) -> Server:
        listener = socket.create_server(("127.0.0.1", 0))
        log = tmp_path / f"gunicorn-{len(started)}.log"
        with log.open("wb") as out:
            # The socket is bound before the process starts: no port race, and requests sent
            # while Django boots wait in its backlog.
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--workers", "1",
                 "--bind", f"fd://{listener.fileno()}", "--access-logfile", "-"],
                cwd=ROOT, env=server_env(**env), stdout=out, stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),))
        server = Server(f"http://127.0.0.1:{listener.getsockname()[1]}", process, log)
        listener.close()  # the child holds it now; if it dies, connections are refused
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
            # Shown by pytest only when the test fails: what the server itself said.
            print(server.log.read_text(errors="replace")[-4000:])
        _clear_audit_events()


def get(url: str, headers: dict[str, str] | None = None) -> int:
    """The status code of a GET over real HTTP."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=SERVER_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
