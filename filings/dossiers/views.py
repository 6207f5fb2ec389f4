"""Dossier pages: a filing's dossiers (request one, follow its build, download it), the examiner
link's page and download (no account), and the public dossier check."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from filings import selectors
from filings.dossiers import selectors as dossier_selectors
from filings.dossiers import services
from filings.dossiers.models import Dossier, ExaminerLink
from filings.dossiers.storage import dossier_open
from filings.dossiers.verify import verify_dossier
from filings.services.common import ServiceError
from filings.views import stored_download
from portal.accounts.mfa import is_verified, mfa_required
from portal.accounts.models import User


def _second_factor_missing(request: HttpRequest) -> HttpResponse | None:
    """The authority reaches a dossier only past the second factor, as in the console."""
    user = request.user
    if mfa_required(user) and not is_verified(user):  # type: ignore[arg-type]
        return HttpResponseRedirect(f"{reverse('second_factor')}?next={request.path}")
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def filing_dossiers(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    assert isinstance(request.user, User)
    filing = selectors.filing_get(actor=request.user, reference=reference)
    if (redirect := _second_factor_missing(request)) is not None:
        return redirect
    if request.method == "POST":
        try:
            services.dossier_request(actor=request.user, filing=filing)
        except ServiceError as exc:
            return render(request, "dossiers/filing.html", {
                "filing": filing, "error": exc.message,
                "dossiers": dossier_selectors.filing_dossiers(actor=request.user, filing=filing),
            }, status=exc.status)
        messages.success(request, "The dossier is being built; this page shows its progress.")
        return HttpResponseRedirect(reverse("dossiers:filing", kwargs={"reference": reference}))
    dossiers = list(dossier_selectors.filing_dossiers(actor=request.user, filing=filing)[:20])
    return render(request, "dossiers/filing.html", {
        "filing": filing, "dossiers": dossiers,
        "building": any(d.in_progress for d in dossiers)})


def _zip_response(dossier: Dossier, request: HttpRequest) -> HttpResponse | FileResponse:
    return stored_download(request, lambda: dossier_open(dossier), filename=dossier.file_name,
                           content_type="application/zip",
                           missing="The stored dossier is missing; request a new one.")


@require_GET
@login_required
def dossier_download(request: HttpRequest, reference: uuid.UUID,
                     public_id: uuid.UUID) -> HttpResponse | FileResponse:
    assert isinstance(request.user, User)
    dossier = dossier_selectors.dossier_get(actor=request.user, reference=reference,
                                            public_id=public_id)
    if (redirect := _second_factor_missing(request)) is not None:
        return redirect
    if not dossier.is_ready:
        raise Http404("This dossier is not ready.")
    response = _zip_response(dossier, request)
    if response.status_code == 200:
        services.dossier_downloaded(dossier=dossier, actor=request.user)
    return response


def _examiner_link(request: HttpRequest, token: str) -> tuple[object, HttpResponse | None]:
    try:
        return services.examiner_link_get(token=token), None
    except LookupError:
        return None, render(request, "dossiers/examiner_gone.html", {
            "title": "No such examiner link",
            "message": "This address is not an examiner link the portal issued. Check that it "
                       "was copied whole, or ask the reviewing authority for a new one."},
            status=404)
    except services.LinkGone as exc:
        return None, render(request, "dossiers/examiner_gone.html", {
            "title": "This examiner link no longer works", "message": exc.message}, status=410)


@require_GET
def examiner(request: HttpRequest, token: str) -> HttpResponse:
    """Public by design: whoever holds the random token sees the filing's dossier page."""
    link, gone = _examiner_link(request, token)
    if gone is not None:
        return gone
    response = render(request, "dossiers/examiner.html", {"link": link, "token": token})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def examiner_download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    link, gone = _examiner_link(request, token)
    if gone is not None:
        return gone
    assert isinstance(link, ExaminerLink)
    link.dossier.refresh_from_db()
    if not link.dossier.is_ready:
        return HttpResponseRedirect(reverse("dossiers:examiner", kwargs={"token": token}))
    response = _zip_response(link.dossier, request)
    if response.status_code == 200:
        services.examiner_link_use(link=link)
    return response


class VerifyForm(forms.Form):
    dossier = forms.FileField(label="A dossier (ZIP)")


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone may check that a dossier is the one the portal signed."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    check, status, problem = None, 200, ""
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif form.cleaned_data["dossier"].size > settings.DOSSIER_VERIFY_MAX_BYTES:
            status, problem = 413, "The file is larger than this page checks; use manage.py " \
                                   "verify_dossier instead."
        else:
            from filings.dossiers.signature import load_trusted, portal_certificate_paths

            check = verify_dossier(form.cleaned_data["dossier"],
                                   load_trusted(portal_certificate_paths()))
    return render(request, "dossiers/verify.html",
                  {"form": form, "check": check, "problem": problem}, status=status)
