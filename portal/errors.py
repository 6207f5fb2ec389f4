"""What Django answers before any view does (a request it cannot read, a failed CSRF check):
problem JSON on API paths, the portal's own page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.csrf import csrf_failure as django_csrf_failure

from filings.api.errors import bad_request_problem, csrf_problem, is_api


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's SuspiciousOperation family (too many files or fields, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, a malformed multipart body)."""
    if is_api(request):
        return bad_request_problem(request, exception)
    return render(request, "bad_request.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: problem JSON on the API; Django's own page (which explains the
    cookie and the token) elsewhere."""
    if is_api(request):
        return csrf_problem(request, reason)
    return django_csrf_failure(request, reason)
