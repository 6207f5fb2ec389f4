"""One error shape for every API response that is not a success (in the spirit of RFC 9457).

    {"type": "https://…/problems/<slug>", "title": "…", "detail": "…", "errors": [{…}]}

`errors` lists each problem: `{"field", "message"}` for a request field, or the evidence reader's
`{"sheet", "row", "column", "value", "message"}` for a row of an invalid workbook.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from filings.services.common import ServiceError
from filings.storage import StorageUnavailable

PROBLEM_BASE = "https://cvc-portal.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: ("invalid-request", "The request is not valid"),
    401: ("not-authenticated", "Authentication is required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with the current state"),
    413: ("too-large", "The request is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("throttled", "Too many requests"),
    503: ("unavailable", "Temporarily unavailable"),
}


class FileStoreUnavailable(exceptions.APIException):
    """The file store did not answer (`filings.storage.StorageUnavailable`): 503, retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = StorageUnavailable.message
    default_code = "file_store_unavailable"
    wait = 60  # sent as Retry-After


def problem(status_code: int, detail: str, errors: list[dict[str, Any]] | None = None,
            slug: str | None = None, title: str | None = None) -> dict[str, Any]:
    default_slug, default_title = _TITLES.get(status_code, ("error", "Error"))
    return {"type": PROBLEM_BASE + (slug or default_slug), "title": title or default_title,
            "detail": detail, "errors": errors or []}


def _field_errors(data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested validation errors into `{"field", "message"}` items."""
    if isinstance(data, dict):
        return [item for key, value in data.items()
                for item in _field_errors(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(data, list):
        if all(not isinstance(v, dict | list) for v in data):
            field = None if prefix in ("", "non_field_errors") else prefix
            return [{"field": field, "message": str(v)} for v in data]
        return [item for i, value in enumerate(data)
                for item in _field_errors(value, f"{prefix}[{i}]")]
    return [{"field": prefix or None, "message": str(data)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _problem_response(exc, context)
    renderer = getattr(context.get("request"), "accepted_renderer", None)
    # The browsable API keeps its HTML page; machines get application/problem+json.
    if response is not None and (renderer is None or renderer.format == "json"):
        response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _problem_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(problem(exc.status, exc.message), status=exc.status)
    response = exception_handler(exc, context)  # Http404/PermissionDenied too; keeps Retry-After
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        detail = "; ".join(e["message"] if not e["field"] else f"{e['field']}: {e['message']}"
                           for e in errors[:3])
        response.data = problem(status.HTTP_400_BAD_REQUEST, detail or "Invalid request.", errors)
    elif isinstance(exc, exceptions.Throttled):
        raw_wait = getattr(exc, "wait", None)
        wait = max(1, math.ceil(raw_wait)) if raw_wait is not None else None
        detail = (f"Too many requests; retry in {wait} seconds." if wait is not None
                  else "Too many requests; retry later.")
        response.data = problem(429, detail)
    else:
        response.data = problem(response.status_code, _message(exc, response.data))
    return response


def _message(exc: Exception, data: Any) -> str:
    if isinstance(exc, Http404 | PermissionDenied) and str(exc):
        return str(exc)
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])
    return str(data)


@csrf_exempt  # it changes nothing; a write to a mistyped URL is a 404, not a CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other URL under /api/v1/ (an id that is not a UUID, a typo): a 404 in the one shape."""
    return problem_json(404, "No such API resource; see /api/docs/.")


def problem_json(status_code: int, detail: str, **headers: str) -> JsonResponse:
    """A problem response for what Django answers before DRF sees the request."""
    response = JsonResponse(problem(status_code, detail), status=status_code,
                            content_type=PROBLEM_CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request_problem(request: HttpRequest, exception: Exception | None) -> JsonResponse:
    """Django's refusals of a request as a whole (too many fields or files, a body over the
    cap, a malformed upload) on an API path, in the one shape."""
    if isinstance(exception, RequestDataTooBig):
        return problem_json(413, "The request body is larger than the portal accepts; send less "
                                 "(one evidence file per request).")
    if isinstance(exception, TooManyFilesSent):
        return problem_json(400, f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files in one "
                                 "request; send one evidence file per request.")
    if isinstance(exception, TooManyFieldsSent):
        return problem_json(400, "Too many fields in one request.")
    return problem_json(400, "The request could not be read; check its body and headers.")


def csrf_problem(request: HttpRequest, reason: str) -> JsonResponse:
    return problem_json(403, "A write with a session must carry its CSRF token (the X-CSRFToken "
                             "header); machines authenticate with `Authorization: Token <key>`.")
