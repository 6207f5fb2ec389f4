"""Roles and what each may do: the one definition every check, form and admin filter reads."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_noop


class OrganisationKind(models.TextChoices):
    MANUFACTURER = "manufacturer", gettext_noop("Manufacturer")
    AUTHORITY = "authority", gettext_noop("Reviewing authority")


class Role(models.TextChoices):
    PREPARER = "preparer", gettext_noop("Preparer")
    SIGNER = "signer", gettext_noop("Signer")
    VIEWER = "viewer", gettext_noop("Viewer")
    REVIEWER = "reviewer", gettext_noop("Reviewer")
    APPROVER = "approver", gettext_noop("Approver")


class Capability(StrEnum):
    VIEW_OWN_FILINGS = "view_own_filings"
    EDIT_FILINGS = "edit_filings"
    SUBMIT_FILINGS = "submit_filings"
    REVIEW_FILINGS = "review_filings"
    RECOMMEND = "recommend"
    DECIDE = "decide"
    # Draft, preview and publish rulebook amendments.
    AMEND_RULES = "amend_rules"


ROLE_KIND: dict[Role, OrganisationKind] = {
    Role.PREPARER: OrganisationKind.MANUFACTURER,
    Role.SIGNER: OrganisationKind.MANUFACTURER,
    Role.VIEWER: OrganisationKind.MANUFACTURER,
    Role.REVIEWER: OrganisationKind.AUTHORITY,
    Role.APPROVER: OrganisationKind.AUTHORITY,
}

CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: frozenset({Capability.VIEW_OWN_FILINGS}),
    Role.PREPARER: frozenset({Capability.VIEW_OWN_FILINGS, Capability.EDIT_FILINGS}),
    # A signer attests to the evidence, so it may also prepare it.
    Role.SIGNER: frozenset({Capability.VIEW_OWN_FILINGS, Capability.EDIT_FILINGS,
                            Capability.SUBMIT_FILINGS}),
    Role.REVIEWER: frozenset({Capability.REVIEW_FILINGS, Capability.RECOMMEND}),
    Role.APPROVER: frozenset({Capability.REVIEW_FILINGS, Capability.DECIDE,
                              Capability.AMEND_RULES}),
}

ATTESTATION_STATEMENT = (
    "I attest that the evidence in this filing is true, correct and complete to the best of my "
    "knowledge."
)
