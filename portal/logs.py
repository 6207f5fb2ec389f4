"""How every process logs — web (Django and gunicorn), workers, beat: one line per record on stdout,
JSON by default (`LOG_FORMAT=json`), or readable text (`LOG_FORMAT=text`, which `make demo` uses).

`config()` is the one logging configuration: settings.LOGGING (Django; the worker and beat load it
through the `setup_logging` signal, see portal.celery) and gunicorn's `logconfig_dict` (its master
logs before Django starts). Each record passes `RequestIdFilter` (portal.request_id), so JSON lines
carry `request_id` — and `task_id`, `task_name` in a worker — when there is one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

FORMATS = ("json", "text")
# gunicorn's access line as a message; the JSON line also gets the fields GunicornAccessFields lifts.
ACCESS_LOG_FORMAT = '"%(r)s" %(s)s %(b)s %(M)sms'



def from_environment() -> dict[str, Any]:
    """`config()` as LOG_FORMAT (default json) and LOG_LEVEL (default INFO) say."""
    return config(log_format=os.environ.get("LOG_FORMAT", "json"),
                  level=os.environ.get("LOG_LEVEL", "INFO").upper())


def config(*, log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary: everything to stdout, through the root logger."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "portal.request_id.RequestIdFilter"},
            "access_fields": {"()": "portal.logs.GunicornAccessFields"},
        },
        "formatters": _formatters(),
        "handlers": {
            "stdout": _stdout(log_format, "request_id"),
            "access": _stdout(log_format, "access_fields"),
        },
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            # Django's defaults give these their own plain-text handlers; send them to root instead.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
            # gunicorn adds a plain-text handler to its error log before applying this.
            "gunicorn.error": {"handlers": [], "level": level, "propagate": True},
            # The access line is logged after the response, outside the request's context:
            # its own filter reads the id from the response header.
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            # A line per stage of every certificate render.
            "weasyprint.progress": {"level": "WARNING"},
        },
    }


def _formatters() -> dict[str, Any]:
    return {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "text": {
            "()": "logging.Formatter",
            "fmt": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s",
            "defaults": {"request_id": "-"},
        },
    }


def _stdout(log_format: str, log_filter: str) -> dict[str, Any]:
    return {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
            "formatter": log_format, "filters": [log_filter]}


class GunicornAccessFields(logging.Filter):
    """gunicorn passes its access-log atoms as the record's args: lift the useful ones into fields
    (http_method, path, status, bytes, duration_ms, remote_addr, user_agent, request_id)."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if not isinstance(atoms, Mapping):
            return True
        record.http_method = atoms.get("m")
        record.path = atoms.get("U")
        record.status = _int_or_none(atoms.get("s"))
        record.bytes = atoms.get("B")
        record.duration_ms = atoms.get("M")
        record.remote_addr = atoms.get("h")
        record.user_agent = atoms.get("a")
        # Set by portal.request_id.RequestIdMiddleware; absent when Django never saw the request.
        if (request_id := atoms.get("{x-request-id}o")) is not None:
            record.request_id = request_id
        return True


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
