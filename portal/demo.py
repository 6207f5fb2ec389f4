"""`python -m portal.demo`: run the web server and a real Celery worker side by side.

Used by `make demo` after migrating and loading demo data. Ctrl-C stops both cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("DEMO_PORT", "8000")


def main() -> int:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1"),
           "PORTAL_BASE_URL": f"http://{HOST}:{PORT}"}
    python = sys.executable
    broker = (f"Redis at {env['REDIS_URL']}" if env.get("REDIS_URL")
              else "the embedded filesystem broker (var/broker)")
    worker = subprocess.Popen(  # noqa: S603 (fixed argv, our own interpreter)
        [python, "-m", "celery", "-A", "portal", "worker", "--beat", "--loglevel=INFO",
         # The default queue and the certificates queue (settings.CERTIFICATE_QUEUE).
         "-Q", f"{os.environ.get('CELERY_QUEUE', 'portal')},"
               f"{os.environ.get('CELERY_CERTIFICATE_QUEUE', 'certificates')}",
         "--concurrency=1", "--schedule", str(ROOT / "var" / "celerybeat-schedule")],
        cwd=ROOT, env=env)
    web = subprocess.Popen(  # noqa: S603
        [python, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], cwd=ROOT, env=env)
    print(f"\nPortal: http://{HOST}:{PORT}/   reviewer console: http://{HOST}:{PORT}/admin/\n"
          f"Worker: a Celery process on {broker}. Ctrl-C stops both.\n", flush=True)
    try:
        while worker.poll() is None and web.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
