"""What the benchmarks that run the portal share: a throwaway PostgreSQL database and Celery
worker processes of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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
