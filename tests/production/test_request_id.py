"""Every request gets an id (a safe incoming X-Request-ID, or a fresh one), returned in the
response and put on every log record made while it is handled — and on the records of the
Celery tasks it enqueues."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from celery import Celery
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from portal.request_id import TASK_HEADER, RequestIdFilter, RequestIdMiddleware

GENERATED = re.compile(r"[0-9a-f]{32}")
logger = logging.getLogger("tests.request_id")


class Records(logging.Handler):
    """Keeps every record that reaches the root logger, after RequestIdFilter has seen it."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def named(self, name: str) -> list[logging.LogRecord]:
        return [record for record in self.records if record.name == name]


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("incoming", ["abc-123", "e2e.9f2c_DEF", "0" * 64,
                                      "7d1ac6ab-5d0e-4b8b-9a0e-3f0c8d9b2a11"])
def test_a_safe_incoming_id_is_returned(client, incoming):
    response = client.get("/health/", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["", "has space", "a" * 65, "line\nbreak", "-leading-dash",
                                      "<script>", "ünïcode", '{"json": 1}'])
def test_an_unsafe_incoming_id_is_replaced_by_a_fresh_one(client, incoming):
    response = client.get("/health/", HTTP_X_REQUEST_ID=incoming)

    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own(client):
    first, second = client.get("/health/"), client.get("/health/")

    assert GENERATED.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_refused_request_and_what_it_logs_carry_the_id(client, records):
    response = client.get("/health/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    [refusal] = records.named("django.security.DisallowedHost")
    assert refusal.request_id == response["X-Request-ID"]


def test_the_id_is_forgotten_when_the_request_ends(records):
    def view(request: HttpRequest) -> HttpResponse:
        logger.warning("while handling")
        return HttpResponse()

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    logger.warning("afterwards")

    during, after = records.named(logger.name)
    assert during.request_id == response["X-Request-ID"]
    assert not hasattr(after, "request_id")


# --- into Celery tasks: a separate app on kombu's in-memory transport; the signals are global.

celery_test_app = Celery("request-id-tests", broker="memory://", set_as_current=False)


@celery_test_app.task(name="tests.log_inside")
def log_inside() -> None:
    logger.warning("inside the task")


def test_a_task_published_during_a_request_carries_its_id():
    def view(request: HttpRequest) -> HttpResponse:
        log_inside.delay()
        return HttpResponse()

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0001"))

    with celery_test_app.connection_for_read() as connection:
        message = connection.SimpleQueue("celery").get(timeout=5)
        message.ack()
    assert message.headers[TASK_HEADER] == "req-0001"


def test_a_task_published_outside_a_request_carries_no_id():
    log_inside.delay()

    with celery_test_app.connection_for_read() as connection:
        message = connection.SimpleQueue("celery").get(timeout=5)
        message.ack()
    assert TASK_HEADER not in message.headers


def test_a_task_logs_under_the_id_it_was_sent_with_and_forgets_it_after(records):
    result = log_inside.apply(headers={TASK_HEADER: "req-0002"})
    logger.warning("after the task")

    inside, after = records.named(logger.name)
    assert (inside.request_id, inside.task_id, inside.task_name) == (
        "req-0002", result.id, "tests.log_inside")
    assert not hasattr(after, "request_id") and not hasattr(after, "task_id")


def test_a_task_ignores_an_unsafe_id(records):
    log_inside.apply(headers={TASK_HEADER: "two\nlines"})

    [inside] = records.named(logger.name)
    assert not hasattr(inside, "request_id")
