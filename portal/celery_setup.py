"""How the portal's Celery processes (workers and beat) log, and how request ids reach them.

Connected from portal.celery, so every process that can publish or run a task has it.
"""

from __future__ import annotations

import logging.config
from typing import Any

from celery import signals

from portal import request_id


def _portal_logging(**_: Any) -> None:
    """With a receiver for `setup_logging`, Celery configures no logging of its own (and does not
    redirect stdout into it): workers and beat log exactly as the web does."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _close_old_connections(sender: Any = None, **_: Any) -> None:
    """Before and after each task, what Django does around each request: close a connection
    that errored or outlived CONN_MAX_AGE, keep the others (checked before their next use,
    CONN_HEALTH_CHECKS). Not for an eager task, which runs inside its caller's transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


def connect() -> None:
    signals.setup_logging.connect(_portal_logging)
    # Celery's Django fixup closes every connection before and after each task unless
    # CELERY_DB_REUSE_MAX is set (the settings set it): these keep persistent connections.
    signals.task_prerun.connect(_close_old_connections, weak=False)
    signals.task_postrun.connect(_close_old_connections, weak=False)
    request_id.carry_into_celery_tasks()
