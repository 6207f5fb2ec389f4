"""What the benchmarks that run the portal share: a throwaway PostgreSQL database, Celery
worker processes of their own, and the local PKI (portal/pki) that certificates and dossiers are
signed and timestamped with."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.pki import LocalPki, prepare

# The loopback-port and process helpers the tests start their servers and workers with.
from tests.celery_worker import free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def portal_env(database: str, queue: str, folder: Path, redis_url: str,
               **overrides: str) -> dict[str, str]:
    """The environment a benchmark's portal processes (its own and the workers) run with: a
    throwaway database next to the admin one, Redis as broker and cache, files under `folder`,
    mail kept in memory, a Celery queue of the benchmark's own; local disk, not a bucket."""
    admin_url = os.environ.get("DATABASE_ADMIN_URL", ADMIN_URL)
    env = {**os.environ, "DATABASE_URL": admin_url.rsplit("/", 1)[0] + f"/{database}",
           "REDIS_URL": redis_url, "CACHE_URL": redis_url, "VAR_DIR": str(folder / "var"),
           "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
           "CELERY_QUEUE": queue, "DJANGO_SETTINGS_MODULE": "portal.settings", **overrides}
    env.pop("AWS_STORAGE_BUCKET_NAME", None)
    return env


def admin_psql(admin_url: str, sql: str) -> None:
    """One statement on the admin database (CREATE / DROP DATABASE); fails loudly."""
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def start_worker(name: str, queue: str, env: dict[str, str], log: Path,
                 include: str | None = None) -> subprocess.Popen[bytes]:
    """A `celery worker --concurrency=1` consuming `queue`, logging to `log`; returns once it
    says it is ready (RuntimeError with its log if it does not within two minutes)."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency=1",
               "-n", f"{name}@%h", "-Q", queue, "--loglevel=WARNING", "--without-gossip",
               "--without-mingle", "--without-heartbeat"]
    if include:
        command += ["-I", include]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while "ready" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker {name} did not start: "
                               f"{log.read_text(errors='replace')[-1000:]}")
        time.sleep(0.2)
    return process


def start_pki(folder: Path) -> tuple[LocalPki, subprocess.Popen[bytes]]:
    """The local PKI prepared in `folder` and served on a free loopback port by a
    `python -m portal.pki serve` process (logging to `folder`/serve.log); returns once its CRLs
    answer (RuntimeError with its log if not within 30 s). Sign with `pki.environment()`."""
    pki = prepare(folder, free_port())
    log = folder / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "portal.pki", "serve", "--dir", str(pki.folder),
             "--port", str(pki.port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not _pki_answers(pki):
        if server.poll() is not None or time.monotonic() > deadline:
            stop_process(server)
            raise RuntimeError(f"the local PKI did not come up on {pki.url}: "
                               f"{log.read_text(errors='replace')[-1000:]}")
        time.sleep(0.1)
    return pki, server


@contextmanager
def served_pki(folder: Path) -> Iterator[LocalPki]:
    """`start_pki(folder)` for the length of a `with` block; the server is stopped after it."""
    pki, server = start_pki(folder)
    try:
        yield pki
    finally:
        stop_process(server)


def demo_portal(var_dir: Path, pki: LocalPki) -> None:
    """Set this process up as a portal with its files and a throwaway SQLite database in
    `var_dir`, signing with `pki`, migrated and with the demo data loaded (the demo signs its
    certificate: `pki` must be served)."""
    os.environ.update({**pki.environment(), "VAR_DIR": str(var_dir),
                       "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    for name in ("DATABASE_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.INFO)  # pyHanko logs every TSA, OCSP and CRL fetch; the rows matter
    call_command("migrate", verbosity=0)
    call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _pki_answers(pki: LocalPki) -> bool:
    try:
        with urllib.request.urlopen(f"{pki.url}/portal/crls/interm/latest.crl", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False
