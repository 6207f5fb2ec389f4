"""TRUST 17: the Celery configuration's invariants, for every task the portal registers."""

from __future__ import annotations

import pytest
from django.conf import settings

from portal.celery import app

# Redis redelivers an unacknowledged message after this long; filesystem transport never does.
VISIBILITY = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)


def portal_tasks():
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if name.startswith("filings.")}
    assert len(tasks) >= 6, sorted(tasks)
    return sorted(tasks.items())


def test_only_json_crosses_the_broker():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_a_worker_takes_one_message_at_a_time():
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.parametrize(("name", "task"), portal_tasks())
def test_every_task_acknowledges_late_and_is_redelivered_when_its_worker_dies(name, task):
    assert task.acks_late, name
    assert task.reject_on_worker_lost, name


@pytest.mark.parametrize(("name", "task"), portal_tasks())
def test_every_time_limit_and_retry_delay_is_below_the_visibility_timeout(name, task):
    time_limit = task.time_limit or app.conf.task_time_limit
    assert time_limit is not None, f"{name} has no hard time limit"
    assert time_limit < VISIBILITY, name
    soft = task.soft_time_limit or app.conf.task_soft_time_limit
    assert soft is not None and soft < time_limit, name
    backoff = getattr(task, "retry_backoff_max", 0) or 0
    assert backoff < VISIBILITY, name
