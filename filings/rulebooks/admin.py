"""The console's rulebook pages: the history of versions and what changed in each, drafting an
amendment, its impact preview, publishing, and the what-if run of a filing under any version.

As in the rest of the console, nothing here writes a model: each form is parsed and handed to
one service (`filings.rulebooks.services`), which checks the role and the draft's state again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from filings import selectors
from filings.admin import FILING_PAGES, FilingAdmin, segments_context
from filings.models import Filing
from filings.rulebooks.forms import (
    AMENDMENT_FORMS,
    DraftForm,
    DraftTextForm,
    PublishForm,
    WhatIfForm,
    amendment_params,
)
from filings.rulebooks.impact import CHANGE_KINDS
from filings.rulebooks.models import ImpactPreview, JobStatus, RulebookStatus, RulebookVersion
from filings.rulebooks.selectors import rule_changes, rulebook_current
from filings.rulebooks.services import drafting, preview, publishing, what_if
from filings.rules import amend
from filings.services import common
from portal.accounts.models import User
from portal.accounts.roles import CAPABILITIES, Capability, OrganisationKind, Role

if TYPE_CHECKING:
    _RulebookAdminBase = admin.ModelAdmin[RulebookVersion]
else:
    _RulebookAdminBase = admin.ModelAdmin


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def can_amend(user: User) -> bool:
    """Only a hint for which buttons to show: the services check again."""
    membership = user.membership()
    return (membership is not None and membership.organisation.kind == OrganisationKind.AUTHORITY
            and Capability.AMEND_RULES in CAPABILITIES[Role(membership.role)])


# --- the admin ----------------------------------------------------------------------------

@admin.register(RulebookVersion)
class RulebookVersionAdmin(_RulebookAdminBase):
    """The history: every version, newest first; a row opens what changed in it."""

    list_display = ("version", "status", "based_on_version", "published_at", "published_by_name",
                    "changes")
    list_display_links = ("version",)
    list_filter = ("status",)
    search_fields = ("version", "citation", "note")
    actions = None
    ordering = ("-published_at", "-pk")
    change_list_template = "admin/rulebooks/rulebookversion/change_list.html"
    detail_template = "admin/rulebooks/rulebookversion/detail.html"
    preview_template = "admin/rulebooks/rulebookversion/preview.html"
    draft_template = "admin/rulebooks/rulebookversion/draft.html"
    publish_template = "admin/rulebooks/rulebookversion/publish.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest,
                              obj: RulebookVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: RulebookVersion | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RulebookVersion]:
        rulebook_current()  # the shipped version is the first record
        return super().get_queryset(request).select_related("based_on", "published_by",
                                                            "created_by")

    @admin.display(description="based on")
    def based_on_version(self, record: RulebookVersion) -> str:
        return record.based_on.version if record.based_on else "—"

    @admin.display(description="published by")
    def published_by_name(self, record: RulebookVersion) -> str:
        if record.is_published:
            return str(record.published_by) if record.published_by else "seeded as the first version"
        return "—"

    @admin.display(description="what changed")
    def changes(self, record: RulebookVersion) -> str:
        if record.based_on is None:
            return "first version"
        changes = rule_changes(record)
        if not changes:
            return "no rule changed yet"
        return "; ".join(f"{c.label} ({c.kind})" for c in changes[:4]) + (
            f"; and {len(changes) - 4} more" if len(changes) > 4 else "")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("draft/", view(self.draft_view), name="rulebooks_rulebookversion_draft"),
            path("<path:object_id>/amend/<slug:amendment>/", view(self.amend_view),
                 name="rulebooks_rulebookversion_amend"),
            path("<path:object_id>/text/", view(self.text_view),
                 name="rulebooks_rulebookversion_text"),
            path("<path:object_id>/preview/", view(self.preview_view),
                 name="rulebooks_rulebookversion_preview"),
            path("<path:object_id>/preview/<int:preview_id>/status/", view(self.preview_status),
                 name="rulebooks_rulebookversion_preview_status"),
            path("<path:object_id>/publish/", view(self.publish_view),
                 name="rulebooks_rulebookversion_publish"),
            path("<path:object_id>/discard/", view(self.discard_view),
                 name="rulebooks_rulebookversion_discard"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {"can_amend": can_amend(_actor(request)), "current": rulebook_current(),
                   **(extra_context or {})}
        return super().changelist_view(request, context)

    def _record(self, request: HttpRequest, object_id: str) -> RulebookVersion:
        record = self.get_object(request, unquote(object_id))
        if record is None or not self.has_view_permission(request, record):
            raise Http404("No such rulebook version.")
        return record

    def _url(self, name: str, record: RulebookVersion, *extra: Any) -> str:
        return reverse(f"admin:rulebooks_rulebookversion_{name}", args=[record.pk, *extra])

    def _context(self, request: HttpRequest, record: RulebookVersion | None,
                 **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "original": record,
                "record": record, "can_amend": can_amend(_actor(request)), **extra}

    # --- a version: what changed, and for a draft the forms that amend it ------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        record = self._record(request, object_id)
        return self._detail(request, record)

    def _detail(self, request: HttpRequest, record: RulebookVersion, *, bound: str = "",
                bound_form: forms.Form | None = None, status: int = 200) -> HttpResponse:
        base = record.based_on
        changes = amend.diff(base.data, record.data) if base is not None else []
        amendment_forms = []
        text_form: forms.Form | None = None
        if record.status == RulebookStatus.DRAFT:
            for slug, form_class in AMENDMENT_FORMS.items():
                form = bound_form if slug == bound and bound_form is not None else form_class(
                    initial={"citation": record.citation})
                amendment_forms.append({"slug": slug, "form": form, "title": form_class.title,
                                        "url": self._url("amend", record, slug),
                                        "open": slug == bound})
            text_form = (bound_form if bound == "text" and bound_form is not None else
                         DraftTextForm(initial={"citation": record.citation,
                                                "note": record.note}))
        previews = list(record.previews.order_by("-created_at", "-pk")[:1])
        context = self._context(
            request, record, title=str(record), changes=changes,
            amendment_forms=amendment_forms, text_form=text_form,
            latest_preview=previews[0] if previews else None,
            publishable=publishing.preview_for_publishing(record)
            if record.status == RulebookStatus.DRAFT else None,
            fta_countries=record.data.get("fta_countries", []),
            urls={name: self._url(name, record) for name in
                  ("text", "preview", "publish", "discard")},
            is_current=rulebook_current().pk == record.pk)
        return TemplateResponse(request, self.detail_template, context, status=status)

    def _service(self, request: HttpRequest, record: RulebookVersion, call: Any, done: str,
                 *, bound: str = "", form: forms.Form | None = None,
                 redirect: str | None = None) -> HttpResponse:
        try:
            call()
        except drafting.AmendmentInvalid as exc:
            if form is not None and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                messages.error(request, exc.message)
            return self._detail(request, record, bound=bound, bound_form=form, status=400)
        except common.ServiceError as exc:
            messages.error(request, exc.message)
            return self._detail(request, record, bound=bound, bound_form=form, status=exc.status)
        messages.success(request, done)
        return HttpResponseRedirect(redirect or self._url("change", record))

    def amend_view(self, request: HttpRequest, object_id: str, amendment: str) -> HttpResponse:
        record = self._record(request, object_id)
        form_class = AMENDMENT_FORMS.get(amendment)
        if form_class is None:
            raise Http404("No such amendment.")
        if request.method != "POST":
            return HttpResponseRedirect(self._url("change", record))
        form = form_class(request.POST)
        if not form.is_valid():
            return self._detail(request, record, bound=amendment, bound_form=form, status=400)
        return self._service(
            request, record,
            lambda: drafting.rulebook_draft_amend(actor=_actor(request), draft=record,
                                                  amendment=amendment, **amendment_params(form)),
            f"{form_class.title}: done. Run the impact preview to see which filings it changes.",
            bound=amendment, form=form)

    def text_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        record = self._record(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._url("change", record))
        form = DraftTextForm(request.POST)
        if not form.is_valid():
            return self._detail(request, record, bound="text", bound_form=form, status=400)
        return self._service(
            request, record,
            lambda: drafting.rulebook_draft_update(actor=_actor(request), draft=record,
                                                   **form.cleaned_data),
            "Citation and note saved.", bound="text", form=form)

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the confirmation, naming what the draft's finished current impact preview found
        publishing sends back to review; POST (its Publish button): publish."""
        record = self._record(request, object_id)
        if record.status != RulebookStatus.DRAFT:
            messages.error(request, f"Version {record.version} is already published.")
            return HttpResponseRedirect(self._url("change", record))
        if request.method != "POST":
            return self._publish_page(request, record)
        form = PublishForm(request.POST)
        try:
            publishing.rulebook_publish(actor=_actor(request), draft=record,
                                        preview_id=form.preview_id(),
                                        confirmed=form.confirmed())
        except drafting.AmendmentInvalid as exc:
            messages.error(request, exc.message)
            return self._publish_page(request, record, status=400)
        except common.ServiceError as exc:
            messages.error(request, exc.message)
            return self._publish_page(request, record, status=exc.status)
        messages.success(request, f"Version {record.version} is published and in force. The "
                                  "worker re-assesses the filings it changes; each one's audit "
                                  "trail records it.")
        return HttpResponseRedirect(self._url("change", record))

    def _publish_page(self, request: HttpRequest, record: RulebookVersion, *,
                      status: int = 200) -> HttpResponse:
        record.refresh_from_db()
        ready = (publishing.preview_for_publishing(record)
                 if record.status == RulebookStatus.DRAFT else None)
        rows = ready.rows if ready is not None else []
        back = publishing.sent_to_review(ready) if ready is not None else []
        context = self._context(
            request, record, title=f"Publish {record.version}", preview=ready,
            sent_to_review=back, others=[row for row in rows if row not in back],
            form=PublishForm(initial={"preview": ready.pk if ready else None,
                                      "confirm": PublishForm.CONFIRM}),
            preview_url=self._url("preview", record), change_url=self._url("change", record),
            publish_url=self._url("publish", record))
        return TemplateResponse(request, self.publish_template, context, status=status)

    def discard_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        record = self._record(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._url("change", record))
        return self._service(
            request, record,
            lambda: drafting.rulebook_draft_discard(actor=_actor(request), draft=record),
            f"Draft {record.version} discarded.",
            redirect=reverse("admin:rulebooks_rulebookversion_changelist"))

    def draft_view(self, request: HttpRequest) -> HttpResponse:
        """A new draft amendment, starting from the version in force."""
        current = rulebook_current()
        form = DraftForm(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                draft = drafting.rulebook_draft_create(actor=_actor(request), **form.cleaned_data)
            except drafting.AmendmentInvalid as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    messages.error(request, exc.message)
                status = 400
            except common.ServiceError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, f"Draft {draft.version} created from "
                                          f"{current.version}. Amend it below.")
                return HttpResponseRedirect(self._url("change", draft))
        elif request.method == "POST":
            status = 400
        context = self._context(request, None, title="Draft a rulebook amendment", form=form,
                                current=current)
        return TemplateResponse(request, self.draft_template, context, status=status)

    # --- impact preview --------------------------------------------------------------------

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        record = self._record(request, object_id)
        if request.method == "POST":
            try:
                preview.rulebook_preview_request(actor=_actor(request), draft=record)
            except common.ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "The impact preview is running in the background.")
            return HttpResponseRedirect(self._url("preview", record))
        latest = record.previews.order_by("-created_at", "-pk").first()
        rows = latest.rows if latest is not None else []
        context = self._context(
            request, record, title=f"Impact of {record.version}", preview=latest,
            rows=rows, stale=latest is not None and latest.data_sha256 != record.data_sha256,
            counts=[(CHANGE_KINDS[k], (latest.counts or {}).get(k, 0)) for k in CHANGE_KINDS]
            if latest is not None else [],
            unchanged=(latest.counts or {}).get("unchanged", 0) if latest is not None else 0,
            running=latest is not None and latest.status in (JobStatus.QUEUED,
                                                             JobStatus.RUNNING),
            status_url=self._url("preview_status", record, latest.pk) if latest else "",
            change_url=self._url("change", record))
        return TemplateResponse(request, self.preview_template, context)

    def preview_status(self, request: HttpRequest, object_id: str,
                       preview_id: int) -> JsonResponse:
        record = self._record(request, object_id)
        preview = ImpactPreview.objects.filter(draft=record, pk=preview_id).first()
        if preview is None:
            raise Http404("No such preview.")
        return JsonResponse({"status": preview.status, "done": preview.done,
                             "total": preview.total,
                             "finished": preview.status in (JobStatus.DONE, JobStatus.FAILED)})


# --- what-if: a filing under any version, stored nowhere ------------------------------------

def what_if_view(model_admin: FilingAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """The filing's evidence under any rulebook version, stored nowhere (a page of the
    console's filing, `FILING_PAGES`)."""
    if not _actor(request).has_perm("filings.view_assessment"):
        raise Http404("No such filing.")
    filing: Filing = model_admin.visible_filing(request, object_id)
    form = WhatIfForm(request.GET if "version" in request.GET else None)
    outcome: dict[str, Any] | None = None
    status = 200
    if form.is_bound and form.is_valid():
        try:
            outcome = what_if.assessment_what_if(filing=filing,
                                                 record=form.cleaned_data["version"])
        except common.ServiceError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            outcome["segments"] = segments_context(outcome["result"])
    elif form.is_bound:
        status = 400
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.opts,
               "filing": filing, "form": form, "outcome": outcome,
               "latest": selectors.latest_assessment(filing=filing),
               "title": f"What if: {filing}",
               "change_url": reverse("admin:filings_filing_change", args=[filing.pk])}
    return TemplateResponse(request, "admin/rulebooks/what_if.html", context, status=status)


FILING_PAGES["what-if"] = what_if_view
