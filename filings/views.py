"""The manufacturer's web pages: entry points only.

Each view reads through `filings.selectors` (another organisation's filing is a 404) and each
state-changing view is POST-only and calls exactly one service; a refused request comes back as
the page with the service's message and its status (400, 403 or 409), never as a 500.
"""

from __future__ import annotations

import io
import logging
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from filings import selectors
from filings.evidence import write_template
from filings.forms import (
    DashboardFilterForm,
    EvidenceUploadForm,
    FilingCreateForm,
    SubmitForm,
    WithdrawForm,
)
from filings.models import EvidenceFile, FileKind, Filing
from filings.services import common, manufacturer
from filings.services.assessment import vehicle_corrections
from filings.states import ASSESSMENT_PENDING, State
from filings.storage import StorageUnavailable, evidence_open
from portal.accounts.models import Membership, User
from portal.accounts.roles import CAPABILITIES, Capability, OrganisationKind, Role

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # every view here is behind login_required
    return request.user


def _capabilities(membership: Membership | None) -> frozenset[Capability]:
    """What the actor's role may do: only to decide which buttons a page shows."""
    return CAPABILITIES[Role(membership.role)] if membership else frozenset()


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- pages --------------------------------------------------------------------------------

@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = DashboardFilterForm(request.GET or None)
    state = search = None
    if form.is_valid():
        state = form.cleaned_data["state"] or None
        search = form.cleaned_data["q"].strip() or None
    filings = selectors.filing_dashboard_pages(actor=actor, state=state, search=search)
    page = Paginator(filings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    membership = actor.membership()
    return render(request, "filings/dashboard.html", {
        "form": form, "page": page, "query": query.urlencode(), "filtered": bool(state or search),
        "can_create": Capability.EDIT_FILINGS in _capabilities(membership),
        "show_organisation": membership is not None
        and membership.organisation.kind == OrganisationKind.AUTHORITY,
    })


@require_http_methods(["GET", "POST"])
@login_required
def filing_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if Capability.EDIT_FILINGS not in _capabilities(actor.membership()):
        refusal = _("Your role can view filings but not create them; ask a preparer or signer of "
                    "your organisation.")
        return render(request, "filings/filing_create.html", {"refusal": refusal}, status=403)
    form = FilingCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            filing = manufacturer.filing_create(actor=actor, **form.cleaned_data)
        except common.ServiceError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Filing created for the %(filing)s. Upload its evidence next.")
                             % {"filing": filing})
            return redirect("filings:detail", reference=filing.reference)
    elif request.method == "POST":
        status = 400
    return render(request, "filings/filing_create.html", {"form": form}, status=status)


def _filing_page(request: HttpRequest, filing: Filing, *, status: int = 200,
                 **forms: Any) -> HttpResponse:
    """The filing page, with any bound form that failed shown with its errors."""
    actor = _actor(request)
    membership = actor.membership()
    own = membership is not None and membership.organisation_id == filing.organisation_id
    actions = selectors.filing_actions(actor=actor, filing=filing)
    versions = list(selectors.filing_history(filing=filing))
    check = selectors.draft_check(filing=filing)
    context = {
        "filing": filing,
        "check": check,
        "vehicle_corrections": ", ".join(
            f"{field.replace('_', ' ')} {value}"
            for field, value in (vehicle_corrections(check.errors) if check else {}).items()),
        "next_step": selectors.next_step(actor=actor, filing=filing, check=check),
        "polling": filing.state in ASSESSMENT_PENDING or bool(check and check.pending),
        "versions": versions,
        "current": versions[0] if versions else None,
        "notes": selectors.filing_review_notes(actor=actor, filing=filing),
        "assessment_pending": filing.state in ASSESSMENT_PENDING,
        "can_upload": "evidence_upload" in actions,
        "can_remove": "evidence_remove" in actions,
        "can_submit": "filing_submit" in actions,
        "can_withdraw": "filing_withdraw" in actions,
        "can_reopen": "filing_reopen" in actions,
        "edit_role_needed": own and filing.state == State.DRAFT and "evidence_upload" not in actions,
        # The sourcing planner (the rulebooks app's page): the manufacturer's own, once there
        # is evidence to plan from.
        "can_plan": own and membership is not None
        and membership.organisation.kind == OrganisationKind.MANUFACTURER
        and any(f.kind == FileKind.EVIDENCE for v in versions for f in v.files.all()),
        "upload_form": forms.get("upload_form") or EvidenceUploadForm(),
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "error": forms.get("error"),
    }
    return render(request, "filings/filing_detail.html", context, status=status)


@require_GET
@login_required
def filing_detail(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    filing = selectors.filing_get(actor=_actor(request), reference=reference)
    return _filing_page(request, filing)


@require_GET
@login_required
@never_cache
def filing_status(request: HttpRequest, reference: uuid.UUID) -> JsonResponse:
    return JsonResponse(selectors.filing_status(actor=_actor(request), reference=reference))


# --- state changes ------------------------------------------------------------------------

def _refused(request: HttpRequest, filing: Filing, exc: common.ServiceError,
             **forms: Any) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": exc.message}, status=exc.status)
    filing.refresh_from_db()  # the refusal may be because the state moved on meanwhile
    return _filing_page(request, filing, status=exc.status, error=exc.message, **forms)


def _done(request: HttpRequest, filing: Filing, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("filings:detail", kwargs={"reference": filing.reference})
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "redirect": url})
    return redirect(url)


def _attempt(request: HttpRequest, filing: Filing, action: Callable[[], str],
             **forms: Any) -> HttpResponse:
    """Run one service call; its success message on the next page, or its refusal on this one."""
    try:
        message = action()
    except common.ServiceError as exc:
        return _refused(request, filing, exc, **forms)
    return _done(request, filing, message)


@require_POST
@login_required
def evidence_upload(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    """One or more files of one kind (the four CSV sheets at once), stored all or none."""
    actor = _actor(request)
    filing = selectors.filing_get(actor=actor, reference=reference)
    form = EvidenceUploadForm(request.POST, request.FILES)
    stray = sorted(name for name in request.FILES if name != "file")
    if stray or not form.is_valid():
        message = form.refusal() if not stray else _(
            "The upload carries files in a field the form does not have (%(fields)s); nothing was "
            "stored. Choose the files in the form's file field.") % {"fields": ", ".join(stray)}
        # A fresh form (the kind kept): the alert says what is wrong, once.
        fresh = EvidenceUploadForm(initial={"kind": request.POST.get("kind", FileKind.EVIDENCE)})
        return _refused(request, filing, common.ServiceError(message), upload_form=fresh)
    uploads = form.cleaned_data["file"]
    kind = FileKind(form.cleaned_data["kind"])

    def upload() -> str:
        stored = manufacturer.evidence_upload_many(actor=actor, filing=filing, uploads=uploads,
                                                   kind=kind)
        return _("Uploaded %(files)s.") % {"files": _listed([f.original_name for f in stored])}

    try:
        return _attempt(request, filing, upload, upload_form=form)
    except StorageUnavailable as exc:
        return storage_unavailable(request, exc)


def _listed(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


@require_POST
@login_required
def evidence_remove(request: HttpRequest, reference: uuid.UUID, file_id: int) -> HttpResponse:
    actor = _actor(request)
    evidence_file = _file_of(actor, reference, file_id)
    filing = evidence_file.version.filing

    def remove() -> str:
        manufacturer.evidence_remove(actor=actor, evidence_file=evidence_file)
        return _("Removed %(file)s.") % {"file": evidence_file.original_name}

    return _attempt(request, filing, remove)


@require_POST
@login_required
def filing_submit(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    filing = selectors.filing_get(actor=actor, reference=reference)
    form = SubmitForm(request.POST)
    form.is_valid()  # a checkbox cannot be invalid; unticked is False

    def submit() -> str:
        manufacturer.filing_submit(actor=actor, filing=filing,
                                   attestation_confirmed=bool(form.cleaned_data.get("attest")))
        return _("Submitted. The evidence is being assessed; this page updates when it is done.")

    return _attempt(request, filing, submit, submit_form=form)


@require_POST
@login_required
def filing_take_vehicle(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    filing = selectors.filing_get(actor=actor, reference=reference)

    def take() -> str:
        corrected = manufacturer.filing_take_vehicle_from_evidence(actor=actor, filing=filing)
        return _("The filing now names the vehicle as its evidence does: %(make)s %(model)s, "
                 "model year %(year)s, %(class)s. The evidence is being checked again.") % {
            "make": corrected.make, "model": corrected.model, "year": corrected.model_year,
            "class": corrected.get_vehicle_class_display()}

    return _attempt(request, filing, take)


@require_POST
@login_required
def filing_withdraw(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    filing = selectors.filing_get(actor=actor, reference=reference)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _refused(request, filing, common.ServiceError(_("The reason is too long.")),
                        withdraw_form=form)

    def withdraw() -> str:
        manufacturer.filing_withdraw(actor=actor, filing=filing, reason=form.cleaned_data["reason"])
        return _("The filing was withdrawn.")

    return _attempt(request, filing, withdraw, withdraw_form=form)


@require_POST
@login_required
def filing_reopen(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    filing = selectors.filing_get(actor=actor, reference=reference)

    def reopen() -> str:
        reopened = manufacturer.filing_reopen(actor=actor, filing=filing)
        version = reopened.current_version()
        number = version.number if version else ""
        return _("Reopened as a draft with an empty version %(number)s; upload the corrected "
                 "evidence.") % {"number": number}

    return _attempt(request, filing, reopen)


# --- downloads ----------------------------------------------------------------------------

def _file_of(actor: User, reference: uuid.UUID, file_id: int) -> EvidenceFile:
    """The file, if the actor may see it and it belongs to the filing named in the URL."""
    evidence_file = selectors.evidence_file_get(actor=actor, file_id=file_id)
    if evidence_file.version.filing.reference != reference:
        raise Http404("No such file.")
    return evidence_file


@require_GET
@login_required
def evidence_download(request: HttpRequest, reference: uuid.UUID,
                      file_id: int) -> FileResponse | HttpResponse:
    evidence_file = _file_of(_actor(request), reference, file_id)

    def missing() -> None:
        logger.error("evidence file %s (%s) is missing from storage", evidence_file.pk,
                     evidence_file.stored_name)

    return stored_download(
        request, lambda: evidence_open(evidence_file.stored_name),
        filename=evidence_file.original_name, content_type=evidence_file.content_type,
        missing=_("The stored file is missing; contact the portal's support."), on_missing=missing)


@require_GET
@login_required
def evidence_template(request: HttpRequest) -> FileResponse:
    """The blank workbook, generated from the evidence schema on every request (so never cached
    across languages), its read_me in the request's language."""
    with tempfile.TemporaryDirectory(prefix="template-") as folder:
        path = Path(folder) / "template.xlsx"
        write_template(path, translate=_)
        content = io.BytesIO(path.read_bytes())
    return private_attachment(FileResponse(
        content, as_attachment=True, filename="cvc-evidence-template.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


def private_attachment(response: FileResponse) -> FileResponse:
    """A download that stays the person's: not sniffed, not cached (any app's downloads)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_download(request: HttpRequest, opener: Callable[[], Any], *, filename: str,
                    content_type: str, missing: str,
                    on_missing: Callable[[], None] | None = None) -> FileResponse | HttpResponse:
    """A stored file as a private attachment (evidence, certificates, dossiers): 503 in the
    portal's look when the store does not answer, 404 with `missing` when the file is gone."""
    try:
        handle = opener()
    except StorageUnavailable as exc:
        return storage_unavailable(request, exc)
    except FileNotFoundError:
        if on_missing is not None:
            on_missing()
        raise Http404(missing) from None
    return private_attachment(FileResponse(handle, as_attachment=True, filename=filename,
                                    content_type=content_type))


def storage_unavailable(request: HttpRequest, exc: StorageUnavailable) -> HttpResponse:
    """503 in the portal's look when the file store does not answer (logged for the operator)."""
    logger.error("file store unreachable: %r", exc.__cause__ or exc)
    response = render(request, "unavailable.html", {"message": _(StorageUnavailable.message)},
                      status=503)
    response["Retry-After"] = "60"
    return response
