"""`python -m portal.demo`: run the Procfile's processes — gunicorn, the portal and certificates
Celery workers, and beat — under honcho, exactly as production runs them, on the demo's settings.

Used by `make demo` after migrating and loading demo data. Ctrl-C stops them all (honcho does).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("DEMO_PORT", "8000")
# Every Procfile process but `release`: `make demo` has migrated already.
PROCESSES = ("web", "worker", "certificates", "beat")


def demo_environment() -> dict[str, str]:
    env = dict(os.environ)
    # DEBUG shows tracebacks and lets the web process serve static files (portal.urls).
    env.setdefault("DEBUG", "1")
    env.setdefault("LOG_FORMAT", "text")
    # One of each is plenty on a laptop.
    env.setdefault("WEB_CONCURRENCY", "1")
    env.setdefault("WORKER_CONCURRENCY", "1")
    # honcho gives the first process (web) PORT and the next ones PORT+100, +200…
    env.update(WEB_HOST=HOST, PORT=PORT, PORTAL_BASE_URL=f"http://{HOST}:{PORT}")
    # The Procfile names programs (gunicorn, celery): this interpreter's, not whatever is on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def main() -> None:
    env = demo_environment()
    broker = (f"Redis at {env['REDIS_URL']}" if env.get("REDIS_URL")
              else "the embedded filesystem broker (var/broker)")
    print(f"\nPortal: http://{HOST}:{PORT}/   reviewer console: http://{HOST}:{PORT}/admin/\n"
          f"Processes: {', '.join(PROCESSES)} from the Procfile, on {broker}. Ctrl-C stops them.\n",
          flush=True)
    os.chdir(ROOT)
    # No .env file: the processes must see the settings `make demo` migrated with.
    # Our own interpreter and a fixed argv.
    os.execve(sys.executable, [sys.executable, "-m", "honcho", "start", "--env", os.devnull,  # noqa: S606
                               *PROCESSES], env)


if __name__ == "__main__":
    main()
