"""What every service shares: the errors it raises, role checks, the state CAS, queueing after
commit and notifications. The certificates and rulebooks apps use these too."""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from filings.evidence.cells import FORBIDDEN_CHARACTERS
from filings.models import Filing
from filings.states import State, transition
from portal.accounts.models import Membership, User
from portal.accounts.roles import CAPABILITIES, ROLE_KIND, Capability, OrganisationKind, Role
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """A request the service refuses; `message` says what was wrong and what to do."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    status = 403


class StateConflict(ServiceError):
    status = 409


# Line breaks and tabs are text in a comment; every other control character, and the invisible
# marks that reorder or hide text, are refused as the evidence cells refuse them (TRUST 31).
_LINE_BREAKS = re.compile("[\t\n\r]")


def plain_text(value: str, *, what: str, multiline: bool = False) -> str:
    """`value` stripped, or ServiceError naming `what` and the character when it holds a
    control, bidi-override or zero-width character (line breaks and tabs too, unless
    `multiline`)."""
    text = value.strip()
    forbidden = FORBIDDEN_CHARACTERS.search(_LINE_BREAKS.sub("", text) if multiline else text)
    if forbidden:
        raise ServiceError(f"{what} contains the invisible or control character "
                           f"U+{ord(forbidden.group()):04X}; retype it without that character.")
    return text


def _membership(actor: User) -> Membership:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        raise NotAllowed("Your account does not belong to an organisation.")
    return membership


# What a manufacturer's roles may do, each only with its own organisation's filings.
_MANUFACTURER_CAPABILITIES = frozenset().union(*(
    CAPABILITIES[role] for role, kind in ROLE_KIND.items() if kind == OrganisationKind.MANUFACTURER))


def require_capability(actor: User, capability: Capability,
                       filing: Filing | None = None) -> Membership:
    """The actor's membership, if its role has `capability` (and, for a manufacturer's
    capability, the filing is its organisation's); NotAllowed otherwise."""
    membership = _membership(actor)
    if capability not in CAPABILITIES[Role(membership.role)]:
        raise NotAllowed(f"A {membership.role} cannot do this; ask a colleague with the right role.")
    if filing is not None and capability in _MANUFACTURER_CAPABILITIES \
            and filing.organisation_id != membership.organisation_id:
        raise NotAllowed("This filing belongs to another organisation.")
    return membership


def filing_transition(filing: Filing, *, actor: User | None, action: str, reason: str = "",
                      data: dict[str, Any] | None = None, **changes: Any) -> Filing:
    """Take the table's transition `action` (`filings.states.TRANSITIONS`): compare-and-swap
    the state from one of its sources to its target, then record the audit event. Call inside
    a transaction; StateConflict when the filing is in no source state (anymore)."""
    row = transition(action)
    assert row.target is not None, f"{action} changes no state"
    if row.clears_recommendation:
        changes = {"recommendation": "", "recommended_by": None, **changes}
    # Read the state the swap will replace (the caller's object may be stale), so the audit
    # event records the real from-state; the row lock keeps it true until the update.
    from_state = Filing.objects.select_for_update().values_list("state", flat=True).get(pk=filing.pk)
    updated = Filing.objects.filter(pk=filing.pk, state__in=row.sources).update(
        state=row.target, state_changed_at=timezone.now(), **changes)
    if updated != 1:
        raise StateConflict(f"This filing is {State(from_state).label.lower()} now, so it cannot be "
                            f"{action.replace('_', ' ')}; reload the page to see its state.")
    filing.refresh_from_db()
    audit_record(organisation=filing.organisation, actor=actor, filing=filing, action=row.event,
                 from_state=from_state, to_state=row.target, reason=reason, data=data)
    return filing


# How hard a request tries to reach the broker before it leaves the message to a sweep.
_SEND_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Queue `task(*args)` once the transaction commits. If the broker cannot be reached the
    request still succeeds: the work is recorded in the database, and a beat sweep re-sends it
    (TRUST 18), so a broker outage is never a 500 and never a lost job."""
    transaction.on_commit(partial(_send, task, args))


def _send(task: Any, args: tuple[Any, ...]) -> None:
    try:
        task.apply_async(args, retry=True, retry_policy=_SEND_RETRY)
    except Exception:  # kombu raises its transport's own errors; the sweep re-sends the work
        logger.warning("could not queue %s%s: the broker is unreachable; the sweep re-sends it",
                       task.name, args, exc_info=True)


def notify_manufacturer(filing: Filing, subject: str, body: str, /, **names: object) -> None:
    """Mail the manufacturer's members after commit (never inside the transaction), each in
    their saved language: `subject` and `body` are catalogue messages (gettext_noop), filled
    with `names` once translated (a name is written with str() in the recipient's language, so
    a value may build its own text with gettext); a message without a translation goes out as
    written."""
    recipients = User.objects.filter(memberships__organisation=filing.organisation,
                                     is_active=True).values_list("email", "language")
    by_language: dict[str, list[str]] = {}
    for email, language in recipients:
        by_language.setdefault(language or settings.LANGUAGE_CODE, []).append(email)
    link = f"{settings.PORTAL_BASE_URL}/filings/{filing.reference}/"
    for language, emails in by_language.items():
        with translation.override(language):
            title, text = (gettext(subject), gettext(body))
            if names:
                title, text = title % names, text % names
            transaction.on_commit(partial(
                send_mail, f"[CVC portal] {title}: {filing}", f"{text}\n\n{link}\n",
                settings.DEFAULT_FROM_EMAIL, emails, fail_silently=True))
