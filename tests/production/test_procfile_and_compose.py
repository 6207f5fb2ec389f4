"""The Procfile and docker-compose.yml describe one process layout: the same commands, one
settings environment for every app service, and a worker for every queue a task is routed to."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import Any

import pytest
import yaml

from portal import demo
from tests.production.processes import ROOT, procfile

COMPOSE = ROOT / "docker-compose.yml"
# What every app service must be told (portal/settings.py and the storage settings read them).
SETTINGS = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PRODUCTION", "ALLOWED_HOSTS",
            "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXY_COUNT", "AWS_S3_ENDPOINT_URL",
            "AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def services() -> dict[str, dict[str, Any]]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return dict(compose["services"])


def test_the_procfile_runs_the_web_both_workers_beat_and_a_release_step():
    assert set(procfile()) == {"web", "worker", "certificates", "beat", "release"}


@pytest.mark.parametrize("name", sorted(procfile()))
def test_compose_runs_the_procfile_command_of_the_same_name(name):
    assert services()[name]["command"] == procfile()[name]


@pytest.mark.parametrize("name", sorted(procfile()))
def test_no_command_needs_a_shell(name):
    # compose splits `command:` into argv and runs it directly; honcho runs it with sh.
    assert not set(procfile()[name]) & set("$&|;<>`'\"\\*?~"), procfile()[name]


def test_the_portal_image_runs_only_procfile_commands():
    app_services = {name for name, service in services().items() if "build" in service}
    assert app_services == set(procfile())


def test_every_app_service_gets_the_same_settings():
    environments = {name: services()[name]["environment"] for name in procfile()}
    web = environments["web"]
    assert set(web) >= SETTINGS, sorted(SETTINGS - set(web))
    assert {name for name, env in environments.items() if env != web} == set()


def test_every_queue_a_task_goes_to_has_exactly_one_worker():
    default, routed = _production_queues()
    consumed = [queue for argv in map(shlex.split, procfile().values()) if "worker" in argv
                for queue in _queues(argv, default)]
    assert sorted(consumed) == sorted({default, *routed})


def _production_queues() -> tuple[str, list[str]]:
    """The default queue and the routed ones as settings give them without the test run's own
    queue names (each xdist process has its own: tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CELERY_QUEUE", "CELERY_CERTIFICATE_QUEUE")}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    probe = ("import django, json; django.setup(); from django.conf import settings as s; "
             "print(json.dumps([s.CELERY_TASK_DEFAULT_QUEUE, "
             "[r['queue'] for r in s.CELERY_TASK_ROUTES.values()]]))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    default, routed = json.loads(done.stdout.strip().splitlines()[-1])
    return default, routed


def _queues(worker_argv: list[str], default: str) -> list[str]:
    """A worker without --queues consumes the default queue (CELERY_QUEUE) only."""
    if "--queues" not in worker_argv:
        return [default]
    return worker_argv[worker_argv.index("--queues") + 1].split(",")


def test_the_demo_runs_every_procfile_process_but_release():
    assert set(demo.PROCESSES) == set(procfile()) - {"release"}
