"""gunicorn's configuration for the Procfile's `web` process (`--config python:portal.gunicorn_conf`).

Everything comes from the environment, with defaults for one small machine. Log lines, the
access log included, go to stdout through portal.logs (JSON unless LOG_FORMAT=text).
"""

from __future__ import annotations

import os
from pathlib import Path

from portal import logs

# 127.0.0.1 unless told: a container sets WEB_HOST=0.0.0.0 behind its proxy.
bind = [f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let one process wait on the database or an upload while serving others.
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# A process that stops heartbeating this long is killed and replaced. Its threads' requests do
# not count: the process heartbeats while they run.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycle each process now and then, jittered so they do not all restart together.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "100"))
# The heartbeat files on tmpfs (gunicorn's advice): a container's disk-backed /tmp can stall
# them into false worker timeouts.
_SHM = Path("/dev/shm")  # noqa: S108 (only gunicorn's heartbeat files, which it creates safely)
worker_tmp_dir = str(_SHM) if _SHM.is_dir() else None
# gunicorn's control socket would be one per user ($HOME/.gunicorn), shared by every instance.
control_socket_disable = True
proc_name = "cvc-portal-web"

logconfig_dict = logs.from_environment()
access_log_format = logs.ACCESS_LOG_FORMAT
