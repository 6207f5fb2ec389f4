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


def connect() -> None:
    signals.setup_logging.connect(_portal_logging)
    request_id.carry_into_celery_tasks()
