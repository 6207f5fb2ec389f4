"""The reviewer console's dossier pages: dossiers (read-only, with a "check" action) and examiner
links (issue one for a filing, revoke the selected ones). Every write calls a service."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from filings import selectors
from filings.dossiers import services
from filings.dossiers.models import Dossier, ExaminerLink
from filings.dossiers.storage import dossier_open
from filings.services.common import ServiceError
from filings.storage import StorageUnavailable
from portal.accounts.models import User
from portal.accounts.roles import CAPABILITIES, Capability, OrganisationKind, Role

if TYPE_CHECKING:
    _DossierAdminBase = admin.ModelAdmin[Dossier]
    _LinkAdminBase = admin.ModelAdmin[ExaminerLink]
else:  # Django's admin classes are generic only in the type stubs
    _DossierAdminBase = _LinkAdminBase = admin.ModelAdmin


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_authority_reader(request: HttpRequest) -> bool:
    membership = _actor(request).membership() if request.user.is_authenticated else None
    return (membership is not None and membership.organisation.kind == OrganisationKind.AUTHORITY
            and Capability.REVIEW_FILINGS in CAPABILITIES[Role(membership.role)])


class _ReadOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_authority_reader(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_authority_reader(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(_ReadOnly, _DossierAdminBase):
    list_display = ("public_id", "filing", "audience", "status", "progress", "size", "created_at")
    list_filter = ("status", "audience")
    actions = ["check_dossiers"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dossier]:
        visible = selectors.filing_list(actor=_actor(request))
        return Dossier.objects.filter(filing__in=visible, audience="authority")\
            .select_related("filing")

    @admin.action(description="Check the selected dossiers (signature and every file)")
    def check_dossiers(self, request: HttpRequest, queryset: QuerySet[Dossier]) -> None:
        # Imported here, as the signature checks are: asn1crypto's X.509 module alone takes
        # 60 ms, and every process imports this module when Django sets up the admin.
        from filings.dossiers.signature import load_trusted, portal_certificate_paths
        from filings.dossiers.verify import verify_dossier

        trusted = load_trusted(portal_certificate_paths())
        for dossier in queryset.filter(status="ready"):
            try:
                with dossier_open(dossier) as stored:
                    check = verify_dossier(stored, trusted)
            except (StorageUnavailable, FileNotFoundError) as exc:
                self.message_user(request, f"{dossier}: {exc}", messages.ERROR)
                continue
            if check.valid:
                self.message_user(request, f"{dossier}: intact ({check.members} files).")
            else:
                self.message_user(request, f"{dossier}: " + " ".join(check.problems),
                                  messages.ERROR)


class IssueLinkForm(forms.Form):
    filing = forms.UUIDField(label="Filing reference")
    note = forms.CharField(label="Who the link is for", max_length=200, required=False)


@admin.register(ExaminerLink)
class ExaminerLinkAdmin(_ReadOnly, _LinkAdminBase):
    list_display = ("filing", "note", "issued_by", "issued_at", "expires_at", "state", "uses")
    actions = ["revoke_links"]
    change_list_template = "admin/dossiers/examinerlink/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExaminerLink]:
        visible = selectors.filing_list(actor=_actor(request))
        return ExaminerLink.objects.filter(filing__in=visible).select_related("filing",
                                                                              "issued_by")

    @admin.display(description="state")
    def state(self, link: ExaminerLink) -> str:
        if link.revoked_at is not None:
            return "revoked"
        return "expired" if link.expired else "usable"

    @admin.action(description="Revoke the selected examiner links")
    def revoke_links(self, request: HttpRequest, queryset: QuerySet[ExaminerLink]) -> None:
        try:
            for link in queryset:
                services.examiner_link_revoke(actor=_actor(request), link=link)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} link(s) revoked.")

    def get_urls(self) -> list[URLPattern]:
        return [path("issue/", self.admin_site.admin_view(self.issue_view),
                     name="dossiers_examinerlink_issue"), *super().get_urls()]

    def issue_view(self, request: HttpRequest) -> HttpResponse:
        if not _is_authority_reader(request):
            raise PermissionDenied
        form = IssueLinkForm(request.POST or None, initial={"filing": request.GET.get("filing")})
        issued: dict[str, Any] | None = None
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                filing = selectors.filing_get(actor=_actor(request),
                                              reference=uuid.UUID(str(form.cleaned_data["filing"])))
                link, token = services.examiner_link_issue(actor=_actor(request), filing=filing,
                                                           note=form.cleaned_data["note"])
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except Http404:
                form.add_error("filing", "No submitted filing has this reference.")
                status = 404
            else:
                issued = {"link": link, "url": request.build_absolute_uri(
                    reverse("dossiers:examiner", kwargs={"token": token}))}
        elif request.method == "POST":
            status = 400
        context = {**self.admin_site.each_context(request), "form": form, "issued": issued,
                   "title": "Issue an examiner link", "opts": self.model._meta}
        return TemplateResponse(request, "admin/dossiers/examinerlink/issue.html", context,
                                status=status)
