"""portal.logs: one line per record on stdout, JSON or text, for Django, gunicorn and Celery."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from gunicorn.glogging import SafeAtoms  # type: ignore[import-untyped]

from portal import logs
from portal.request_id import RequestIdMiddleware

logger = logging.getLogger("tests.logs")


@pytest.fixture
def logging_to() -> Iterator[Callable[[str], io.StringIO]]:
    """Apply `logs.config()` with its handlers writing to a buffer; settings.LOGGING again after."""

    def apply(log_format: str) -> io.StringIO:
        buffer = io.StringIO()
        config = logs.config(log_format=log_format, level="INFO")
        for handler in config["handlers"].values():
            handler["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    yield apply
    logging.config.dictConfig(settings.LOGGING)


def test_a_json_line_has_time_level_logger_message_and_the_request_id(logging_to):
    output = logging_to("json")

    def view(request: HttpRequest) -> HttpResponse:
        logger.warning("evidence for %s refused", "GRN-1")
        return HttpResponse()

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0003"))

    [line] = output.getvalue().splitlines()
    record = json.loads(line)
    assert {key: record[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING", "logger": "tests.logs", "message": "evidence for GRN-1 refused",
        "request_id": "req-0003"}
    assert dt.datetime.fromisoformat(record["time"]).utcoffset() == dt.timedelta(0)


def test_an_exception_stays_on_one_json_line(logging_to):
    output = logging_to("json")
    try:
        raise ValueError("bad cell")
    except ValueError:
        logger.exception("assessment failed")

    [line] = output.getvalue().splitlines()
    assert "ValueError: bad cell" in json.loads(line)["exc_info"]


def test_a_text_line_shows_a_dash_outside_a_request(logging_to):
    output = logging_to("text")
    logger.warning("sweep found nothing")

    assert output.getvalue().rstrip().endswith("WARNING [-] tests.logs: sweep found nothing")


def test_the_access_line_gets_fields_and_the_id_from_the_response_header(logging_to):
    output = logging_to("json")
    atoms = SafeAtoms({"r": "GET /health/ HTTP/1.1", "s": "200", "b": "15", "B": 15, "M": 3,
                       "m": "GET", "U": "/health/", "h": "10.0.0.7", "a": "probe/1.0",
                       "{x-request-id}o": "req-0004"})
    logging.getLogger("gunicorn.access").info(logs.ACCESS_LOG_FORMAT, atoms)

    [line] = output.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == '"GET /health/ HTTP/1.1" 200 15 3ms'
    assert {key: record[key] for key in ("http_method", "path", "status", "bytes", "duration_ms",
                                         "remote_addr", "user_agent", "request_id")} == {
        "http_method": "GET", "path": "/health/", "status": 200, "bytes": 15, "duration_ms": 3,
        "remote_addr": "10.0.0.7", "user_agent": "probe/1.0", "request_id": "req-0004"}


def test_django_and_gunicorn_records_are_written_once(logging_to):
    output = logging_to("json")
    logging.getLogger("django.request").warning("not found")
    logging.getLogger("gunicorn.error").info("booting")

    assert len(output.getvalue().splitlines()) == 2


def test_an_unknown_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="json, text, not 'xml'"):
        logs.config(log_format="xml", level="INFO")
