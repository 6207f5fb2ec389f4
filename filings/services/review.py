"""The reviewing authority's side: take into review, recommend, request changes, decide."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from filings import signals
from filings.models import Filing, ReviewNote
from filings.services.common import (
    NotAllowed,
    ServiceError,
    StateConflict,
    filing_transition,
    notify_manufacturer,
    plain_text,
    require_capability,
)
from filings.states import State
from portal.accounts.models import Membership, User
from portal.accounts.roles import Capability, OrganisationKind
from portal.audit.services import audit_record


def _require_authority(actor: User, capability: Capability) -> Membership:
    membership = require_capability(actor, capability)
    if membership.organisation.kind != OrganisationKind.AUTHORITY:
        raise NotAllowed("Only the reviewing authority can do this.")
    return membership


def _comment_required(comment: str) -> str:
    text = plain_text(comment, what="The comment", multiline=True)
    if not text:
        raise ServiceError("A comment is required: say what you decided and why.")
    return text


@transaction.atomic
def review_start(*, actor: User, filing: Filing) -> Filing:
    _require_authority(actor, Capability.RECOMMEND)
    # A new review starts from scratch: the table's row clears any old recommendation.
    return filing_transition(filing, actor=actor, action="review_start", reviewer=actor)


@transaction.atomic
def review_recommend(*, actor: User, filing: Filing, recommendation: str, comment: str) -> Filing:
    _require_authority(actor, Capability.RECOMMEND)
    text = _comment_required(comment)
    if recommendation not in ("approve", "reject"):
        raise ServiceError("Recommend either approve or reject.")
    # One recommendation per review: a second would overwrite the one an approver may be reading.
    updated = Filing.objects.filter(pk=filing.pk, state=State.IN_REVIEW,
                                    recommended_by__isnull=True).update(
        recommendation=recommendation, recommended_by=actor, reviewer=actor)
    if not updated:
        if Filing.objects.filter(pk=filing.pk, state=State.IN_REVIEW).exists():
            raise StateConflict("This filing is recommended already: an approver decides next, "
                                "or request changes; reload the page.")
        raise StateConflict("Only a filing in review can be recommended; reload the page.")
    filing.refresh_from_db()
    kind = (ReviewNote.Kind.RECOMMEND_APPROVE if recommendation == "approve"
            else ReviewNote.Kind.RECOMMEND_REJECT)
    ReviewNote.objects.create(filing=filing, author=actor, kind=kind, text=text)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action=f"review_recommend_{recommendation}", from_state=State.IN_REVIEW,
                 to_state=State.IN_REVIEW, reason=text)
    return filing


@transaction.atomic
def review_request_changes(*, actor: User, filing: Filing, comment: str) -> Filing:
    _require_authority(actor, Capability.REVIEW_FILINGS)
    text = _comment_required(comment)
    filing = filing_transition(filing, actor=actor, action="review_request_changes", reason=text)
    ReviewNote.objects.create(filing=filing, author=actor, kind=ReviewNote.Kind.REQUEST_CHANGES,
                              text=text)
    notify_manufacturer(filing, gettext_noop("Changes requested"),
                        gettext_noop("The reviewer asked for changes to %(filing)s:\n\n%(text)s"),
                        filing=filing, text=text)
    return filing


def _decide(actor: User, filing: Filing, comment: str, to_state: State,
            kind: ReviewNote.Kind) -> Filing:
    _require_authority(actor, Capability.DECIDE)
    text = _comment_required(comment)
    current = Filing.objects.select_for_update().get(pk=filing.pk)
    if not current.recommended_by_id:
        raise StateConflict("A reviewer must recommend a decision before an approver decides.")
    if actor.pk in (current.recommended_by_id, current.reviewer_id):
        raise NotAllowed("Four eyes: the approver cannot be the reviewer who recommended it.")
    filing = filing_transition(current, actor=actor, action=f"filing_{to_state}", reason=text,
                               decided_by=actor, decided_at=timezone.now())
    ReviewNote.objects.create(filing=filing, author=actor, kind=kind, text=text)
    subject, body = _DECISION_MAIL[to_state]
    notify_manufacturer(filing, subject, body, filing=filing, text=text)
    return filing


@transaction.atomic
def filing_approve(*, actor: User, filing: Filing, comment: str,
                   certificate_language: str | None = None) -> Filing:
    """Approve. `filings.signals.filing_approved` is sent in this transaction: the certificates
    app creates the certificate in it (in `certificate_language`, which that app defines and
    checks; None is its default) and renders it after commit."""
    filing = _decide(actor, filing, comment, State.APPROVED, ReviewNote.Kind.APPROVE)
    signals.filing_approved.send(sender=Filing, filing=filing, actor=actor,
                                 certificate_language=certificate_language)
    return filing


@transaction.atomic
def filing_reject(*, actor: User, filing: Filing, comment: str) -> Filing:
    """Reject. A filing reviewed again after a rulebook amendment may hold a valid certificate
    from its first approval: the certificates app hears `filings.signals.filing_rejected` in this
    transaction and revokes it, with the decision's comment as the reason."""
    filing = _decide(actor, filing, comment, State.REJECTED, ReviewNote.Kind.REJECT)
    signals.filing_rejected.send(sender=Filing, filing=filing, actor=actor, comment=comment)
    return filing


# The decision mails, for the catalogue (sent in each recipient's language).
_DECISION_MAIL = {
    State.APPROVED: (gettext_noop("Filing approved"),
                     gettext_noop("%(filing)s was approved:\n\n%(text)s")),
    State.REJECTED: (gettext_noop("Filing rejected"),
                     gettext_noop("%(filing)s was rejected:\n\n%(text)s")),
}
