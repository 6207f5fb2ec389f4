"""Every read, scoped to what the acting user may see.

A manufacturer's member sees its own organisation's filings; the reviewing authority sees filings
that have been submitted at least once. Anything else is "not found" (a 404, never a 403, so an
outsider learns nothing about other organisations' filings).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import overload

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from filings.models import (
    Assessment,
    EvidenceCheck,
    EvidenceFile,
    EvidenceVersion,
    Filing,
    ReviewNote,
)
from filings.states import ASSESSMENT_PENDING, REVIEWABLE, TRANSITIONS, State
from portal.accounts.models import Organisation, User
from portal.accounts.roles import CAPABILITIES, Capability, OrganisationKind, Role
from portal.audit.models import AuditEvent


def _visible_filings(actor: User) -> QuerySet[Filing]:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        return Filing.objects.none()
    if membership.organisation.kind == OrganisationKind.AUTHORITY:
        return Filing.objects.filter(submitted_at__isnull=False)
    return Filing.objects.filter(organisation_id=membership.organisation_id)


# Newest first; the primary key orders filings created in the same microsecond, so that a page
# never repeats or skips one. The indexes of `Filing.Meta` serve exactly this order.
LIST_ORDER = ("-created_at", "-pk")


def filing_list(*, actor: User, state: str | None = None, search: str | None = None,
                outcome: str | None = None) -> QuerySet[Filing]:
    """Filings the actor may see, newest first, with what a list shows in one query."""
    filings = _visible_filings(actor).select_related("organisation")
    if state:
        filings = filings.filter(state=state)
    if search:
        # The organisation's name through a subquery of the (small) organisations table, read
        # once, rather than a join of every filing to its organisation in the count and again
        # in the page query; the same filings match.
        named = Organisation.objects.filter(name__icontains=search).values("pk")
        filings = filings.filter(Q(make__icontains=search) | Q(model__icontains=search)
                                 | Q(organisation_id__in=named))
    return filings.order_by(*LIST_ORDER)


class ListPages:
    """A filing list for `Paginator` (the dashboard's, the API's) whose deep pages cost what the
    first one costs: a page reads the primary keys of its rows first, from the list's index
    without reading the rows it skips, then only those rows, with `rows` applied (joins and
    per-row figures computed for the page's rows only). Two queries a page, as a queryset's
    count and slice are; the same rows in the same order."""

    def __init__(self, filings: QuerySet[Filing],
                 rows: Callable[[QuerySet[Filing]], QuerySet[Filing]] | None = None) -> None:
        self.filings = filings
        self.rows = rows or (lambda page: page)
        self.ordered = True

    def count(self) -> int:
        return self.filings.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Filing]:
        return iter(self[:])

    @overload
    def __getitem__(self, index: int) -> Filing: ...
    @overload
    def __getitem__(self, index: slice) -> list[Filing]: ...

    def __getitem__(self, index: int | slice) -> Filing | list[Filing]:
        if isinstance(index, int):
            return self[index:index + 1][0]
        keys = self.filings.values("pk")[index]
        page = Filing.objects.filter(pk__in=keys).select_related("organisation")
        return list(self.rows(page).order_by(*self.filings.query.order_by))


def filing_list_pages(*, actor: User, state: str | None = None,
                      search: str | None = None) -> ListPages:
    """`filing_list`, paged for the API: deep pages as cheap as the first."""
    return ListPages(filing_list(actor=actor, state=state, search=search))


def review_queue(*, actor: User) -> QuerySet[Filing]:
    """Filings waiting for the authority, oldest submission first."""
    return (_visible_filings(actor)
            .filter(state__in=REVIEWABLE)
            .select_related("organisation").order_by("submitted_at", "pk"))


def filing_get(*, actor: User, reference: uuid.UUID | str) -> Filing:
    try:
        return _visible_filings(actor).select_related("organisation").get(reference=reference)
    except (Filing.DoesNotExist, ValueError, TypeError):
        raise Http404("No such filing.") from None


def filing_versions(*, filing: Filing) -> QuerySet[EvidenceVersion]:
    """Versions of a filing the caller already got through `filing_get`, newest first."""
    return filing.versions.prefetch_related("files", "assessments").order_by("-number")


def evidence_file_get(*, actor: User, file_id: int) -> EvidenceFile:
    visible = _visible_filings(actor)
    try:
        return EvidenceFile.objects.select_related("version__filing").get(
            pk=file_id, version__filing__in=visible)
    except EvidenceFile.DoesNotExist:
        raise Http404("No such file.") from None


def latest_assessment(*, filing: Filing) -> Assessment | None:
    return (Assessment.objects.filter(version__filing=filing)
            .select_related("version__filing").order_by("-version__number", "-created_at").first())


def filing_actions(*, actor: User, filing: Filing) -> frozenset[str]:
    """The actions of `filings.states.TRANSITIONS` the actor may take on the filing now: the
    one answer the pages, the console and the API show. A hint only: each service checks again
    (four eyes, attestation, evidence) and refuses with a reason."""
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        return frozenset()
    capabilities = CAPABILITIES[Role(membership.role)]
    side = membership.organisation.kind
    if side == OrganisationKind.MANUFACTURER and filing.organisation_id != membership.organisation_id:
        return frozenset()
    return frozenset(
        t.action for t in TRANSITIONS
        if t.capability in capabilities and t.side == side and filing.state in t.sources
        and (filing.recommended_by_id or not t.needs_recommendation)
        and not (filing.recommended_by_id and t.before_recommendation))


def filing_audit_events(*, filing: Filing) -> QuerySet[AuditEvent]:
    return filing.audit_events.select_related("actor").order_by("pk")


# --- reads for the manufacturer web pages -------------------------------------------------

# States after which the manufacturer's page stops polling: nothing more happens by itself.
FINAL_STATES = (State.APPROVED, State.REJECTED, State.WITHDRAWN, State.CERTIFICATE_REVOKED)
# A reviewer's recommendation stays between reviewer and approver while its review is open; the
# manufacturer reads it once a note that ends the review (a decision, a change request) follows.
_RECOMMENDATION_NOTES = (ReviewNote.Kind.RECOMMEND_APPROVE, ReviewNote.Kind.RECOMMEND_REJECT)
_REVIEW_ENDING_NOTES = (ReviewNote.Kind.APPROVE, ReviewNote.Kind.REJECT,
                        ReviewNote.Kind.REQUEST_CHANGES)


def with_outcomes(filings: QuerySet[Filing]) -> QuerySet[Filing]:
    """The filings with their latest assessment's outcome annotated: `latest_valid` (None when
    never assessed), `latest_credit_min`, `latest_credit_max` and `latest_version_number`. Four
    correlated subqueries per row: apply to a page's rows (`filing_dashboard_pages`), not to a
    whole list that is then sliced (the database would compute them for every skipped row)."""
    latest = (Assessment.objects.filter(version__filing=OuterRef("pk"))
              .order_by("-version__number", "-created_at"))
    return filings.annotate(
        latest_valid=Subquery(latest.values("valid")[:1]),
        latest_credit_min=Subquery(latest.values("credit_min_usd")[:1]),
        latest_credit_max=Subquery(latest.values("credit_max_usd")[:1]),
        latest_version_number=Subquery(latest.values("version__number")[:1]),
    )


def filing_dashboard(*, actor: User, state: str | None = None,
                     search: str | None = None) -> QuerySet[Filing]:
    """`filing_list` with the latest assessment's outcome annotated (`with_outcomes`), to
    filter and sort on it (the reviewer console). A page of the manufacturer's dashboard reads
    through `filing_dashboard_pages`."""
    return with_recommended_at(with_outcomes(filing_list(actor=actor, state=state, search=search)))


def with_recommended_at(filings: QuerySet[Filing]) -> QuerySet[Filing]:
    """The filings with `recommended_at`: when their standing recommendation was made (the
    recommending reviewer's latest recommendation note), None without one."""
    note = ReviewNote.objects.filter(filing=OuterRef("pk"), author=OuterRef("recommended_by"),
                                     kind__in=_RECOMMENDATION_NOTES).order_by("-created_at", "-pk")
    return filings.annotate(recommended_at=Subquery(note.values("created_at")[:1]))


def filing_dashboard_pages(*, actor: User, state: str | None = None,
                           search: str | None = None) -> ListPages:
    """The dashboard's list for `Paginator`: `filing_list`, each page's rows with the outcome
    annotations of `with_outcomes`, computed for that page's rows only."""
    return ListPages(filing_list(actor=actor, state=state, search=search), rows=with_outcomes)


def filing_history(*, filing: Filing) -> QuerySet[EvidenceVersion]:
    """Versions of a filing got through `filing_get`, newest first, with files, uploaders and
    assessments (newest first) prefetched."""
    return filing.versions.select_related("created_by").prefetch_related(
        Prefetch("files", queryset=EvidenceFile.objects.select_related("uploaded_by")),
        Prefetch("assessments", queryset=Assessment.objects.order_by("-created_at")),
    ).order_by("-number")


def filing_review_notes(*, actor: User, filing: Filing) -> QuerySet[ReviewNote]:
    """The review notes of a filing got through `filing_get`; a manufacturer sees the
    authority's comments, change requests and decisions, and a reviewer's recommendation once
    its review has ended (the comment form says so), not while it is open."""
    notes = filing.review_notes.select_related("author").order_by("created_at", "pk")
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None or membership.organisation.kind != OrganisationKind.AUTHORITY:
        ended = (filing.review_notes.filter(kind__in=_REVIEW_ENDING_NOTES)
                 .order_by("-created_at", "-pk").values_list("created_at", flat=True).first())
        still_open = Q(kind__in=_RECOMMENDATION_NOTES)
        if ended is not None:
            still_open &= Q(created_at__gt=ended)
        notes = notes.exclude(still_open)
    return notes


def draft_check(*, filing: Filing) -> EvidenceCheck | None:
    """The check of the filing's draft version (None once submitted, or before any upload)."""
    if filing.state != State.DRAFT:
        return None
    return (EvidenceCheck.objects.filter(version__filing=filing, version__submitted_at__isnull=True)
            .select_related("version").order_by("-version__number").first())


def filing_status(*, actor: User, reference: uuid.UUID | str) -> dict[str, object]:
    """The small status document a filing page polls while the assessment (or the draft's
    evidence check) runs."""
    filing = filing_get(actor=actor, reference=reference)
    check = draft_check(filing=filing)
    return {
        "check_status": check.status if check else None,
        "check_pending": bool(check and check.pending),
        "reference": str(filing.reference),
        "state": filing.state,
        "state_label": _(State(filing.state).label),
        "assessment_pending": filing.state in ASSESSMENT_PENDING,
        "terminal": filing.state in FINAL_STATES,
        "updated_at": filing.state_changed_at.isoformat(),
    }


def _signers(filing: Filing) -> list[str]:
    signers = User.objects.filter(memberships__organisation=filing.organisation,
                                  memberships__role=Role.SIGNER, is_active=True).order_by("pk")
    return [u.full_name or u.email for u in signers[:5]]


def next_step(*, actor: User, filing: Filing, check: EvidenceCheck | None) -> str:
    """Who acts next on the filing, and what they do: one sentence for the filing page, in the
    request's language."""
    state = State(filing.state)
    membership = actor.membership() if actor.is_authenticated else None
    signs = membership is not None and Capability.SUBMIT_FILINGS in CAPABILITIES[Role(membership.role)]
    names = {"organisation": filing.organisation}
    if state == State.DRAFT:
        if check is None or check.status == EvidenceCheck.Status.EMPTY:
            return _("Next: a preparer or signer of %(organisation)s uploads the evidence "
                     "workbook, or its sheets as CSV files.") % names
        if check.pending:
            return _("The portal is checking the evidence against the rules in force; the result "
                     "appears here within seconds.")
        if check.status == EvidenceCheck.Status.ERRORS:
            count = len(check.errors)
            return ngettext(
                "Next: a preparer or signer of %(organisation)s corrects the %(count)d problem "
                "listed below and uploads the corrected file (remove the old one first). It "
                "cannot be submitted until the check finds no problems.",
                "Next: a preparer or signer of %(organisation)s corrects the %(count)d problems "
                "listed below and uploads the corrected file (remove the old one first). It "
                "cannot be submitted until the check finds no problems.",
                count) % {**names, "count": count}
        signers = ", ".join(_signers(filing))
        if signs:
            if signers:
                return _("The evidence is ready to submit. Next: you, or another signer "
                         "(%(signers)s), attest and submit it below.") % {"signers": signers}
            return _("The evidence is ready to submit. Next: you, or another signer, attest and "
                     "submit it below.")
        if signers:
            return _("The evidence is ready to submit. Next: a signer of %(organisation)s "
                     "(%(signers)s) attests and submits it; a preparer cannot.") % {
                **names, "signers": signers}
        return _("The evidence is ready to submit. Next: a signer of %(organisation)s attests "
                 "and submits it; a preparer cannot.") % names
    return _(_NEXT_AFTER_DRAFT.get(state, _NOTHING_MORE))


# Marked for the catalogue here, translated when next_step answers.
_NOTHING_MORE = gettext_noop("Nothing more happens to this filing.")
_ASSESSING = gettext_noop(
    "The portal is assessing the submitted evidence; this page updates by itself.")
_NEXT_AFTER_DRAFT = {
    State.SUBMITTED: _ASSESSING,
    State.ASSESSING: _ASSESSING,
    State.ASSESSED: gettext_noop("Next: the reviewing authority takes the filing into review."),
    State.REREVIEW: gettext_noop(
        "The rules were amended: next, the reviewing authority reviews the filing again."),
    State.IN_REVIEW: gettext_noop(
        "Next: the reviewing authority's reviewer recommends and its approver decides."),
    State.INVALID: gettext_noop(
        "Next: a preparer or signer reopens the filing and uploads corrected evidence."),
    State.CHANGES_REQUESTED: gettext_noop(
        "Next: a preparer or signer reads the reviewer's comments, reopens the filing and "
        "uploads corrected evidence."),
    State.APPROVED: gettext_noop("Approved: the certificate is on this page."),
    State.CERTIFICATE_FAILED: gettext_noop(
        "Approved; the reviewing authority is issuing the certificate again."),
    State.CERTIFICATE_REVOKED: gettext_noop(
        "The reviewing authority revoked the certificate (the reason is below). Next: a "
        "preparer or signer reopens the filing as a draft with a new, empty version and submits "
        "corrected evidence for a new review, or a signer withdraws the filing."),
}


# --- reads for the reviewer console (admin) -----------------------------------------------

def audit_event_list(*, actor: User) -> QuerySet[AuditEvent]:
    """Audit events of the filings the actor may see, oldest first; an event of a filing the
    actor cannot see (a manufacturer's draft, another organisation's filing) is not listed."""
    return (AuditEvent.objects.filter(filing__in=_visible_filings(actor))
            .select_related("organisation", "actor", "filing").order_by("pk"))
