"""A real Celery worker process, on the same broker and database as the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_environment(**overrides: str) -> dict[str, str]:
    """The environment of a subprocess sharing this test's database, broker, folders and keys."""
    return {**os.environ, "DATABASE_URL": _database_url(),
            "EVIDENCE_ROOT": str(settings.EVIDENCE_ROOT),
            "CERTIFICATE_ROOT": str(settings.CERTIFICATE_ROOT),
            "CERTIFICATE_SIGNING_KEY": str(settings.CERTIFICATE_SIGNING_KEY),
            "CERTIFICATE_SIGNING_CERT": str(settings.CERTIFICATE_SIGNING_CERT),
            "CERTIFICATE_SIGNING_CHAIN": ",".join(map(str, settings.CERTIFICATE_SIGNING_CHAIN)),
            "CERTIFICATE_TSA_URL": settings.CERTIFICATE_TSA_URL,
            "CERTIFICATE_TRUST_ROOTS": ",".join(map(str, settings.CERTIFICATE_TRUST_ROOTS)),
            # This test process's queues (one pair per xdist worker: tests/conftest.py).
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "CELERY_CERTIFICATE_QUEUE": settings.CERTIFICATE_QUEUE,
            # This test process's cache (tests/conftest.py), which the sourcing planner's
            # worker writes its outcomes into.
            **_cache_environment(), **overrides}


def _cache_environment() -> dict[str, str]:
    default = settings.CACHES["default"]
    env = {"CACHE_KEY_PREFIX": str(default["KEY_PREFIX"])}
    if str(default["BACKEND"]).endswith("FileBasedCache"):
        env["CACHE_DIR"] = str(default["LOCATION"])
    return env


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `celery worker` as its own process; stop it (SIGTERM, then kill) afterwards."""
    from portal.celery import app

    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
    assert not xdist_worker or settings.CELERY_TASK_DEFAULT_QUEUE.endswith(f"-{xdist_worker}"), \
        f"xdist worker {xdist_worker} shares the queue {settings.CELERY_TASK_DEFAULT_QUEUE!r}"
    app.control.purge()
    worker = start_worker(tmp_path / "worker.log", env=process_environment())
    try:
        yield worker
    finally:
        stop_process(worker)
        # Shown by pytest only when the test fails: what the worker itself said.
        print((tmp_path / "worker.log").read_text(errors="replace")[-6000:])
        _clear_audit_events()


def start_worker(log_path: Path, *, env: dict[str, str], cwd: Path = ROOT,
                 hostname: str | None = None) -> subprocess.Popen[bytes]:
    """`celery worker` as its own process, writing to `log_path`."""
    # Each xdist process has its own queues (tests/conftest.py), so workers never share tasks.
    name = ["-n", hostname or f"{settings.CELERY_TASK_DEFAULT_QUEUE}@%h"]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency=1", *name,
             "-Q", f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CERTIFICATE_QUEUE}",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds: any server or worker a test started."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A loopback port nobody listens on now (for a server that cannot take a bound socket)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clear_audit_events() -> None:
    """Let the transactional test's flush empty the tables: audit rows and published rulebook
    versions refuse DELETE on SQLite.

    (PostgreSQL's flush uses TRUNCATE, which row triggers do not see.)
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS filings_auditevent_no_delete")
        cursor.execute("DELETE FROM filings_auditevent")
        cursor.execute("""CREATE TRIGGER filings_auditevent_no_delete BEFORE DELETE ON filings_auditevent
                          BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""")
        cursor.execute("DROP TRIGGER IF EXISTS filings_rulebookversion_no_delete")
        cursor.execute("DELETE FROM rulebooks_impactpreviewchunk")
        cursor.execute("DELETE FROM filings_impactpreview")
        cursor.execute("DELETE FROM filings_rulebookversion")
        cursor.execute("""CREATE TRIGGER filings_rulebookversion_no_delete
                          BEFORE DELETE ON filings_rulebookversion WHEN OLD.status = 'published'
                          BEGIN SELECT RAISE(ABORT, 'a published rulebook version is immutable');
                          END;""")


def wait_for(predicate, *, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
