"""One id per web request, on every log line it causes — in the web process and in the Celery
tasks it enqueues.

The middleware assigns the id (an incoming `X-Request-ID` only when it is a short safe token: it
ends up in log lines, so anything else is replaced) and returns it in the response header. A
context variable holds it while the request is handled; `RequestIdFilter` copies it onto each log
record. Publishing a task adds it to the message headers; the worker sets the variable around
the task, so its log lines carry the same id.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from celery import signals

if TYPE_CHECKING:  # portal.celery imports this module: keep that import light
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# The Celery message header the id travels in.
TASK_HEADER = "portal_request_id"
# Letters, digits, '.', '_' and '-', at most 64: a UUID, nginx's $request_id, a load balancer's.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)


def current() -> str | None:
    """The id of the request (or of the request that enqueued the task) being handled."""
    return _request_id.get()


def accepted_or_new(incoming: str | None) -> str:
    """`incoming` when it is a safe short token, else a fresh random id."""
    if incoming is not None and _SAFE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every response, even a refusal, carries the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_or_new(request.headers.get(HEADER))
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts `request_id` (and, in a worker, `task_id` and `task_name`) on each record it sees.

    Attached to handlers, not loggers, so records propagated from any logger pass through it.
    Attributes are set only when known: the text format shows '-' for a missing one.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if (request_id := _request_id.get()) is not None:
            record.request_id = request_id
        if (task := _task.get()) is not None:
            record.task_id, record.task_name = task
        return True


def _add_to_message(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and (request_id := _request_id.get()) is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _enter_task(task_id: str, task: Any, **_: Any) -> None:
    # A worker collects the message's non-Celery headers into `request.headers`.
    incoming = (task.request.headers or {}).get(TASK_HEADER)
    _request_id.set(incoming if isinstance(incoming, str) and _SAFE_ID.fullmatch(incoming)
                    else None)
    _task.set((task_id, task.name))


def _leave_task(**_: Any) -> None:
    # A pool process runs one task after another: the next must not inherit this one's id.
    _request_id.set(None)
    _task.set(None)


def carry_into_celery_tasks() -> None:
    """Connect the publish and prerun/postrun handlers (connecting twice is harmless)."""
    signals.before_task_publish.connect(_add_to_message)
    signals.task_prerun.connect(_enter_task)
    signals.task_postrun.connect(_leave_task)
