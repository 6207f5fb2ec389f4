"""The reviewer console: Django admin as a read-only window plus buttons that call the services.

Reviewers and approvers are staff with view-only permissions (see `manage.py setup_roles`).
Nothing here writes a model: each review action parses a small form and calls exactly one service,
which checks the role, the state and four eyes again. Every queryset comes from a selector, so the
console shows an authority exactly the filings that have been submitted, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from filings import selectors
from filings.models import Assessment, EvidenceFile, Filing
from filings.rules.labels import CONFIDENCE_LABELS, REQUIREMENT_LABELS
from filings.services import common, review
from filings.states import State, transition
from portal.accounts.models import User
from portal.audit.models import AuditEvent

if TYPE_CHECKING:
    _FilingAdminBase = admin.ModelAdmin[Filing]
    _AuditEventAdminBase = admin.ModelAdmin[AuditEvent]
else:  # Django's admin classes are generic only in the type stubs
    _FilingAdminBase = _AuditEventAdminBase = admin.ModelAdmin

admin.site.site_header = "Clean vehicle credit review console"
admin.site.site_title = "Review console"
admin.site.index_title = "Review console"

# --- review actions -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAction:
    """One button on a filing. `action` is its row of `filings.states.TRANSITIONS` (the label,
    and whether `selectors.filing_actions` offers it); `run` calls the one service behind it."""

    action: str
    # (actor, filing, comment, **the options form's cleaned data)
    run: Callable[..., object]
    done: str
    takes_comment: bool = True
    # An extra condition for showing the button, from what the lifecycle does not know itself
    # (whether the filing holds an issued certificate); the service checks again.
    shown_when: Callable[[Filing], bool] | None = None
    # Choices the action asks for besides the comment, from an app built on the lifecycle (the
    # certificate's language on approval); only parsed here, the service checks them.
    options_form: type[forms.Form] | None = None
    # Who reads the comment: true to `selectors.filing_review_notes`, which shows the notes.
    comment_help: str = "Required. Say what you decided and why; the manufacturer reads it."

    @property
    def label(self) -> str:
        return transition(self.action).label


_RECOMMENDATION_HELP = ("Required. Say what you recommend and why. The approver reads it; "
                        "the manufacturer reads it too once the review ends (a decision or a "
                        "change request).")

# Keyed by the slug in the button's URL. Apps built on the lifecycle add theirs from their own
# admin module (`filings.certificates.admin`), as admin.site.register does for models.
REVIEW_ACTIONS: dict[str, ReviewAction] = {
    "start": ReviewAction(
        "review_start", lambda actor, filing, _: review.review_start(actor=actor, filing=filing),
        "Review started: the filing is in review and assigned to you.", takes_comment=False),
    "recommend-approve": ReviewAction(
        "review_recommend_approve",
        lambda actor, filing, comment: review.review_recommend(
            actor=actor, filing=filing, recommendation="approve", comment=comment),
        "Approval recommended; an approver decides next.", comment_help=_RECOMMENDATION_HELP),
    "recommend-reject": ReviewAction(
        "review_recommend_reject",
        lambda actor, filing, comment: review.review_recommend(
            actor=actor, filing=filing, recommendation="reject", comment=comment),
        "Rejection recommended; an approver decides next.", comment_help=_RECOMMENDATION_HELP),
    "request-changes": ReviewAction(
        "review_request_changes",
        lambda actor, filing, comment: review.review_request_changes(
            actor=actor, filing=filing, comment=comment),
        "Changes requested; the manufacturer has been told.",
        comment_help="Required. Say what the manufacturer must change and why; the manufacturer "
                     "reads it."),
    "approve": ReviewAction(
        "filing_approved",
        lambda actor, filing, comment: review.filing_approve(
            actor=actor, filing=filing, comment=comment),
        "Filing approved."),
    "reject": ReviewAction(
        "filing_rejected",
        lambda actor, filing, comment: review.filing_reject(
            actor=actor, filing=filing, comment=comment),
        "Filing rejected."),
}

# Extra pages of a filing (`<filing>/<slug>/`), added by the apps built on the lifecycle
# (`filings.rulebooks.admin` adds the what-if run). Each takes the FilingAdmin, the request and
# the filing's id, and checks what the actor may see itself.
FILING_PAGES: dict[str, Callable[[FilingAdmin, HttpRequest, str], HttpResponse]] = {}


def review_actions_for(user: User, filing: Filing) -> list[tuple[str, ReviewAction]]:
    """The buttons to show: the actions `selectors.filing_actions` offers this user on this
    filing now. Only a hint: the service decides, whatever is shown."""
    offered = selectors.filing_actions(actor=user, filing=filing)
    return [(slug, action) for slug, action in REVIEW_ACTIONS.items()
            if action.action in offered and (action.shown_when is None or action.shown_when(filing))]


class ReviewCommentForm(forms.Form):
    # Not required here: the service owns the rule and its message, so the form only parses.
    # The help text, who reads the comment, is the action's (`ReviewAction.comment_help`).
    comment = forms.CharField(required=False, widget=forms.Textarea(
        attrs={"rows": 6, "cols": 80, "required": True}))


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # admin_view lets only active staff through
    return request.user


# --- the filing list ----------------------------------------------------------------------

class QueueStateFilter(admin.SimpleListFilter):
    """State, defaulting to the review queue (assessed and in review) instead of "all"."""

    title = "state"
    parameter_name = "state"
    QUEUE, ALL = "queue", "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(self.QUEUE, "Waiting for review"), *State.choices, (self.ALL, "All states")]

    def value(self) -> str:
        return str(super().value() or self.QUEUE)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == self.QUEUE:
            return queryset.filter(pk__in=selectors.review_queue(actor=_actor(request)).values("pk"))
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(state=self.value())

    def choices(self, changelist: Any) -> Iterator[Any]:
        # Drop Django's leading "All" (no parameter): here no parameter means the queue.
        yield from islice(super().choices(changelist), 1, None)


# The latest assessment's outcome, from `selectors.filing_dashboard`'s annotations.
_OUTCOMES: dict[str, tuple[str, Q]] = {
    "full": ("Credit for the whole period",
             Q(latest_valid=True, latest_credit_min__gt=0)),
    "partial": ("Credit for part of the period",
                Q(latest_valid=True, latest_credit_min=0, latest_credit_max__gt=0)),
    "none": ("No credit (not eligible)", Q(latest_valid=True, latest_credit_max=0)),
    "invalid": ("Evidence invalid", Q(latest_valid=False)),
    "unassessed": ("Not assessed yet", Q(latest_valid__isnull=True)),
}


class OutcomeFilter(admin.SimpleListFilter):
    """The latest assessment's outcome; a credit above $0 means the vehicle is eligible."""

    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in _OUTCOMES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        outcome = _OUTCOMES.get(self.value() or "")
        return queryset.filter(outcome[1]) if outcome else queryset


def _usd(amount: int | None) -> str:
    return "—" if amount is None else f"${amount:,}"


def _person(user: User | None) -> str:
    return str(user) if user else "—"


# --- the filing detail --------------------------------------------------------------------

def _download_url(evidence_file: EvidenceFile, filing: Filing) -> str | None:
    """The manufacturer-side download route, which checks the reader's access itself."""
    try:
        return reverse("filings:evidence_download",
                       kwargs={"reference": filing.reference, "file_id": evidence_file.pk})
    except NoReverseMatch:
        return None


# The mark beside each status and outcome word, so that colour is never the only sign of it.
MARKS = {"met": "✓", "not met": "✗", "n/a": "–", "eligible": "✓", "not eligible": "✗"}


def _requirement_rows(requirements: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for rid, req in requirements.items():
        met = req.get("met")
        status = "n/a" if not req.get("applies") or met is None else ("met" if met else "not met")
        confidence = str(req.get("confidence", ""))
        rows.append({"id": rid, "label": REQUIREMENT_LABELS.get(rid, rid.replace("_", " ")),
                     "status": status, "mark": MARKS[status], "citation": req.get("citation", ""),
                     "confidence": CONFIDENCE_LABELS.get(confidence, confidence)})
    return rows


def segments_context(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An engine result's segments as `admin/filings/_segments.html` shows them."""
    return [{
        "start": s["from"], "end": s["to"], "eligible": s["eligible"],
        "outcome": "eligible" if s["eligible"] else "not eligible",
        "mark": MARKS["eligible" if s["eligible"] else "not eligible"],
        "credit": _usd(s["credit_usd"]),
        "method": str(s.get("credit_basis", {}).get("method", "")).replace("_", " "),
        "requirements": _requirement_rows(s["requirements"]), "findings": s["findings"],
    } for s in (result or {}).get("segments", [])]


def _assessment_context(assessment: Assessment | None) -> dict[str, Any]:
    if assessment is None:
        return {"assessment": None}
    return {"assessment": assessment, "segments": segments_context(assessment.result),
            "row_errors": assessment.errors}


def _versions_context(filing: Filing) -> list[dict[str, Any]]:
    return [{"version": version,
             "files": [{"file": f, "url": _download_url(f, filing)} for f in version.files.all()]}
            for version in selectors.filing_history(filing=filing)]


# The read-only fields of the filing page; the sections below them come from the template.
_DETAIL_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Vehicle", ("manufacturer", "make", "model", "model_year", "vehicle_class", "reference")),
    ("Coverage", ("coverage_start", "coverage_end")),
    ("Submission", ("state", "state_changed_at", "signed_by", "submitted_at", "attestation")),
    ("Review", ("reviewer_name", "recommendation_summary", "decided_by_name", "decided_at",
                "certificate")),
)


@admin.register(Filing)
class FilingAdmin(_FilingAdminBase):
    list_display = ("manufacturer", "vehicle", "coverage", "state", "submitted", "credit",
                    "reviewer_name", "recommendation_summary")
    list_display_links = ("vehicle",)
    list_filter = (QueueStateFilter, ("organisation", admin.RelatedOnlyFieldListFilter),
                   OutcomeFilter)
    search_fields = ("make", "model", "organisation__name")
    # Oldest submission first: the queue is worked in the order it arrived.
    ordering = ("submitted_at", "pk")
    list_per_page = 50
    actions = None
    change_form_template = "admin/filings/filing/change_form.html"
    review_action_template = "admin/filings/filing/review_action.html"
    fieldsets = tuple((title, {"fields": fields}) for title, fields in _DETAIL_SECTIONS)
    readonly_fields = tuple(field for _, fields in _DETAIL_SECTIONS for field in fields)

    # Read-only for everyone, superusers included: every change goes through the services.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Filing | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Filing | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Filing]:
        return selectors.filing_dashboard(actor=_actor(request)).select_related(
            "reviewer", "recommended_by", "decided_by", "submitted_by")

    @admin.display(description="manufacturer", ordering="organisation__name")
    def manufacturer(self, filing: Filing) -> str:
        return filing.organisation.name

    @admin.display(description="vehicle", ordering="make")
    def vehicle(self, filing: Filing) -> str:
        # The make only where it is not the manufacturer's name, which the column before shows.
        make = "" if filing.make == filing.organisation.name else f"{filing.make} "
        return f"{make}{filing.model} {filing.model_year} ({filing.vehicle_class})"

    @admin.display(description="coverage", ordering="coverage_start")
    def coverage(self, filing: Filing) -> str:
        return format_html('<span class="date">{}</span> – <span class="date">{}</span>',
                           filing.coverage_start, filing.coverage_end)

    @admin.display(description="submitted", ordering="submitted_at")
    def submitted(self, filing: Filing) -> str:
        if filing.submitted_at is None:
            return "—"
        at = timezone.localtime(filing.submitted_at)
        return format_html('<span class="date">{}</span> {}', at.strftime("%Y-%m-%d"),
                           at.strftime("%H:%M"))

    @admin.display(description="credit", ordering="latest_credit_max")
    def credit(self, filing: Filing) -> str:
        valid = getattr(filing, "latest_valid", None)
        if valid is None:
            return "not assessed"
        if not valid:
            return "evidence invalid"
        low, high = getattr(filing, "latest_credit_min", None), getattr(filing, "latest_credit_max", None)
        return _usd(low) if low == high else f"{_usd(low)} to {_usd(high)}"

    @admin.display(description="reviewer", ordering="reviewer__full_name")
    def reviewer_name(self, filing: Filing) -> str:
        return _person(filing.reviewer)

    @admin.display(description="recommendation", ordering="recommendation")
    def recommendation_summary(self, filing: Filing) -> str:
        """The standing recommendation with its author and date. The lifecycle clears it when a
        filing goes back to review (`clears_recommendation`), so an old one never shows."""
        if not filing.recommended_by_id:
            return "—"
        at = getattr(filing, "recommended_at", None)
        when = f", {timezone.localtime(at):%Y-%m-%d}" if at else ""
        return format_html("{}<br><small>{}{}</small>", filing.get_recommendation_display(),
                           _person(filing.recommended_by), when)

    @admin.display(description="signed by")
    def signed_by(self, filing: Filing) -> str:
        return _person(filing.submitted_by)

    @admin.display(description="decided by")
    def decided_by_name(self, filing: Filing) -> str:
        return _person(filing.decided_by)

    @admin.display(description="certificate")
    def certificate(self, filing: Filing) -> str:
        """Every certificate of the filing, newest first, with its status (never deleted) and
        the language of its labels."""
        certificates = filing.certificates.order_by("-created_at", "-pk")
        return "; ".join(f"{c.serial} ({c.get_status_display().lower()}"
                         f"{': ' + c.error if c.error else ''}; {c.get_language_display()})"
                         for c in certificates) or "—"

    def get_urls(self) -> list[URLPattern]:
        # Before the default URLs: their catch-all `<path:object_id>/` would swallow these.
        return [path("<path:object_id>/review/<slug:action>/",
                     self.admin_site.admin_view(self.review_action_view),
                     name="filings_filing_review"),
                *(path(f"<path:object_id>/{slug}/",
                       self.admin_site.admin_view(partial(page, self)),
                       name=f"filings_filing_{slug.replace('-', '_')}")
                  for slug, page in FILING_PAGES.items()),
                *super().get_urls()]

    def visible_filing(self, request: HttpRequest, object_id: str) -> Filing:
        filing = self.get_object(request, unquote(object_id))
        if filing is None or not self.has_view_permission(request, filing):
            raise Http404("No such filing.")
        return filing

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        filing = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if filing is not None and self.has_view_permission(request, filing):
            context.update(self._detail_context(request, filing))
        return super().change_view(request, object_id, form_url, context)

    def _detail_context(self, request: HttpRequest, filing: Filing) -> dict[str, Any]:
        user = _actor(request)
        context: dict[str, Any] = {"review_actions": review_actions_for(user, filing)}
        if user.has_perm("filings.view_evidencefile"):
            context["versions"] = _versions_context(filing)
        if user.has_perm("filings.view_assessment"):
            context.update(_assessment_context(selectors.latest_assessment(filing=filing)))
        if user.has_perm("filings.view_reviewnote"):
            context["review_notes"] = selectors.filing_review_notes(actor=user, filing=filing)
        if user.has_perm("audit.view_auditevent"):
            context["audit_events"] = selectors.filing_audit_events(filing=filing)
        return context

    def review_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """GET: a small form; POST: call the action's one service, then back to the filing."""
        review_action = REVIEW_ACTIONS.get(action)
        if review_action is None:
            raise Http404("No such review action.")
        filing = self.visible_filing(request, object_id)
        data = request.POST if request.method == "POST" else None
        form = ReviewCommentForm(data)
        form.fields["comment"].help_text = review_action.comment_help
        options = review_action.options_form(data) if review_action.options_form else None
        status = 200
        context = {**self.admin_site.each_context(request), "opts": self.opts, "filing": filing,
                   "action": review_action, "form": form, "options_form": options,
                   "title": f"{review_action.label}: {filing}",
                   "change_url": reverse("admin:filings_filing_change", args=[filing.pk])}
        # The form only for whoever may take the action now; a POST goes to the service, which
        # decides in any case and says why it refuses.
        if request.method != "POST" and action not in dict(review_actions_for(_actor(request),
                                                                               filing)):
            return TemplateResponse(request, self.review_action_template,
                                    {**context, "closed": True}, status=403)
        if request.method == "POST" and form.is_valid() and (options is None or options.is_valid()):
            comment = form.cleaned_data["comment"] if review_action.takes_comment else ""
            try:
                review_action.run(_actor(request), filing, comment,
                                  **(options.cleaned_data if options else {}))
            except common.ServiceError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, review_action.done)
                return HttpResponseRedirect(context["change_url"])
        return TemplateResponse(request, self.review_action_template, context, status=status)


# --- the audit trail ----------------------------------------------------------------------

class ToStateFilter(admin.SimpleListFilter):
    """The state an event moved the filing to, by its label. Events that move no filing (a
    login, a certificate issued) have none and are not a choice: Django's own filter offered
    them as a link with no text."""

    title = "to state"
    parameter_name = "to_state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels = dict(State.choices)
        reached = (model_admin.get_queryset(request).exclude(to_state="")
                   .order_by("to_state").values_list("to_state", flat=True).distinct())
        return [(state, str(labels.get(state, state))) for state in reached]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditEventAdminBase):
    """Append-only: nobody adds, changes or deletes an event here, superusers included."""

    list_display = ("created_at", "organisation", "filing", "actor", "action", "from_state",
                    "to_state", "reason")
    list_filter = ("action", ToStateFilter, ("organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reason", "filing__make", "filing__model", "actor__email")
    date_hierarchy = "created_at"
    ordering = ("-pk",)  # newest first
    actions = None
    # Names, not links: a reviewer may not open the accounts admin the links would lead to.
    fields = ("created_at", "organisation_name", "filing", "actor_name", "action", "from_state",
              "to_state", "reason", "data", "previous_hash", "hash")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return selectors.audit_event_list(actor=_actor(request))

    @admin.display(description="organisation")
    def organisation_name(self, event: AuditEvent) -> str:
        return event.organisation.name

    @admin.display(description="actor")
    def actor_name(self, event: AuditEvent) -> str:
        return str(event.actor) if event.actor else "system"

