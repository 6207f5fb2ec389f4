"""What Django answers before any view does (a request it cannot read, a failed CSRF check):
problem JSON on API paths, the portal's own page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.csrf import csrf_failure as django_csrf_failure

from filings.api.errors import bad_request_problem, csrf_problem, is_api, problem_json
from filings.uploads import upload_refusal


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's SuspiciousOperation family (too many files or fields, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, a malformed multipart body), and the uploads refused while
    they stream (over their cap: 413; a file name too long to read: 400)."""
    refusal = upload_refusal(exception)
    if refusal is not None:
        return _upload_refused(request, *refusal)
    if is_api(request):
        return bad_request_problem(request, exception)
    return render(request, "bad_request.html", status=400)


def _upload_refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The refusal in the answer the caller reads: problem JSON on the API, JSON for the upload
    form's script, else a page in the portal's look leading back to the filing."""
    if is_api(request):
        return problem_json(status, message)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=status)
    match = request.resolver_match
    back = None
    if match is not None and match.view_name == "filings:evidence_upload":
        back = reverse("filings:detail", kwargs={"reference": match.kwargs["reference"]})
    return render(request, "upload_refused.html", {"message": message, "back": back},
                  status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: problem JSON on the API; Django's own page (which explains the
    cookie and the token) elsewhere."""
    if is_api(request):
        return csrf_problem(request, reason)
    return django_csrf_failure(request, reason)
