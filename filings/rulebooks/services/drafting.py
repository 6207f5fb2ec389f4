"""Drafting an amendment: create a draft from the version in force, change its citation and
note, apply one amendment of `filings.rules.amend` at a time, discard it. Approvers of the
reviewing authority only (Capability.AMEND_RULES); every step is an audit event."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from filings.rulebooks.models import ImpactPreview, RulebookStatus, RulebookVersion
from filings.rulebooks.selectors import rulebook_current
from filings.rules import amend
from filings.services.common import (
    NotAllowed,
    ServiceError,
    StateConflict,
    plain_text,
    require_capability,
)
from portal.accounts.models import Membership, User
from portal.accounts.roles import Capability, OrganisationKind
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)

_VERSION_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,49}$")


class AmendmentInvalid(ServiceError):
    """An amendment the rules refuse; `field` names the form field at fault ('' for the form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def require_amender(actor: User) -> Membership:
    membership = require_capability(actor, Capability.AMEND_RULES)
    if membership.organisation.kind != OrganisationKind.AUTHORITY:
        raise NotAllowed("Only the reviewing authority's approvers amend the rulebook.")
    return membership


def _required_text(field: str, value: str, what: str) -> str:
    try:
        text = plain_text(value, what=what, multiline=True)
    except ServiceError as exc:
        raise AmendmentInvalid(field, exc.message) from None
    if len(text) < 5:
        raise AmendmentInvalid(field, f"{what} is required (at least 5 characters).")
    return text


def locked_draft(draft: RulebookVersion) -> RulebookVersion:
    current = RulebookVersion.objects.select_for_update().get(pk=draft.pk)
    if current.status != RulebookStatus.DRAFT:
        raise StateConflict(f"Version {current.version} is published and can no longer change; "
                            "draft a new amendment instead.")
    return current


# --- drafting -----------------------------------------------------------------------------

@transaction.atomic
def rulebook_draft_create(*, actor: User, version: str, citation: str, note: str,
                          based_on: RulebookVersion | None = None) -> RulebookVersion:
    """A draft amendment: a copy of `based_on` (the version in force by default)."""
    membership = require_amender(actor)
    base = based_on or rulebook_current()
    if not base.is_published:
        raise AmendmentInvalid("based_on", "An amendment starts from a published version.")
    label = version.strip()
    if not _VERSION_LABEL.match(label):
        raise AmendmentInvalid("version", "A version is letters, digits, dots and hyphens, "
                               "starting with a letter or digit (for example 2025.3).")
    if RulebookVersion.objects.filter(rulebook_id=base.rulebook_id, version=label).exists():
        raise AmendmentInvalid("version", f"Version {label} exists already; versions keep their "
                               "id forever, so choose a new one.")
    citation = _required_text("citation", citation, "A citation")
    note = _required_text("note", note, "A note")
    data = amend.with_version(base.data, version=label, note=note)
    try:
        draft = RulebookVersion.objects.create(
            rulebook_id=base.rulebook_id, version=label, data=data,
            data_sha256=amend.data_sha256(data), based_on=base, citation=citation, note=note,
            created_by=actor)
    except IntegrityError:
        raise AmendmentInvalid("version", f"Version {label} exists already.") from None
    audit_record(organisation=membership.organisation, actor=actor, action="rulebook_draft",
                 reason=note, data={"version": label, "based_on": base.version,
                                    "citation": citation})
    return draft


@transaction.atomic
def rulebook_draft_update(*, actor: User, draft: RulebookVersion, citation: str,
                          note: str) -> RulebookVersion:
    membership = require_amender(actor)
    draft = locked_draft(draft)
    citation = _required_text("citation", citation, "A citation")
    note = _required_text("note", note, "A note")
    data = amend.with_version(draft.data, version=draft.version, note=note)
    RulebookVersion.objects.filter(pk=draft.pk).update(
        citation=citation, note=note, data=data, data_sha256=amend.data_sha256(data))
    audit_record(organisation=membership.organisation, actor=actor,
                 action="rulebook_draft_update", reason=note,
                 data={"version": draft.version, "citation": citation})
    draft.refresh_from_db()
    return draft


# The amendments a draft takes; each is one function of `filings.rules.amend`.
AMENDMENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "fta_add": amend.fta_add,
    "fta_end": amend.fta_end,
    "schedule_set_pct": amend.schedule_set_pct,
    "msrp_cap_set": amend.msrp_cap_set,
    "amount_set": amend.amount_set,
    "battery_minimum_set": amend.battery_minimum_set,
    "gvwr_set": amend.gvwr_set,
    "credit_window_set": amend.credit_window_set,
}


@transaction.atomic
def rulebook_draft_amend(*, actor: User, draft: RulebookVersion, amendment: str,
                         **params: Any) -> RulebookVersion:
    """Apply one amendment to a draft; the rule data is validated before it is stored."""
    membership = require_amender(actor)
    operation = AMENDMENTS.get(amendment)
    if operation is None:
        raise AmendmentInvalid("", f"Unknown amendment {amendment!r}.")
    draft = locked_draft(draft)
    try:
        data = operation(draft.data, **params)
    except amend.AmendmentError as exc:
        raise AmendmentInvalid(exc.field, exc.message) from None
    RulebookVersion.objects.filter(pk=draft.pk).update(data=data,
                                                       data_sha256=amend.data_sha256(data))
    audit_record(organisation=membership.organisation, actor=actor, action="rulebook_amend",
                 reason=params.get("citation", ""),
                 data={"version": draft.version, "amendment": amendment,
                       "params": {k: _jsonable(v) for k, v in params.items()}})
    draft.refresh_from_db()
    return draft


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(v) for v in value)
    return str(value)


@transaction.atomic
def rulebook_draft_discard(*, actor: User, draft: RulebookVersion) -> None:
    """Delete a draft and its previews (a published version is never deleted)."""
    membership = require_amender(actor)
    draft = locked_draft(draft)
    ImpactPreview.objects.filter(draft=draft).delete()
    version = draft.version
    draft.delete()
    audit_record(organisation=membership.organisation, actor=actor,
                 action="rulebook_draft_discard", data={"version": version})
