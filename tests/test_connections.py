"""Persistent database connections (issue 13): the web and the workers keep their connection
(DB_CONN_MAX_AGE, default 60 s) and check it before each request's or task's first use; a
worker closes only stale connections around a task, never inside an eager one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from portal import celery_setup
from tests.celery_worker import ROOT


def database_settings(**env: str) -> dict[str, object]:
    """The default database's settings as a fresh process reads them from `env`."""
    environment = {k: v for k, v in os.environ.items() if k != "DB_CONN_MAX_AGE"}
    code = ("import json; from django.conf import settings; d = settings.DATABASES['default']; "
            "print(json.dumps({'age': d['CONN_MAX_AGE'], 'checks': d['CONN_HEALTH_CHECKS'], "
            "'reuse': settings.CELERY_DB_REUSE_MAX}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                         text=True, env={**environment, "DJANGO_SETTINGS_MODULE": "portal.settings",
                                         **env})
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_connections_persist_with_health_checks_by_default():
    assert database_settings() == {"age": 60, "checks": True, "reuse": 1_000_000_000}


def test_the_environment_sets_how_long_a_connection_lives():
    assert database_settings(DB_CONN_MAX_AGE="0")["age"] == 0


@pytest.mark.parametrize("eager", [False, True])
def test_a_worker_closes_stale_connections_around_a_task_but_not_an_eager_one(monkeypatch,
                                                                                eager):
    closed = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: closed.append(True))
    task = SimpleNamespace(request=SimpleNamespace(is_eager=eager))
    celery_setup._close_old_connections(sender=task)
    assert closed == ([] if eager else [True])
