"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from filings.models import EvidenceCheck, EvidenceVersion, Filing
from filings.states import State
from portal.accounts.models import Membership, Organisation, User
from portal.accounts.roles import ROLE_KIND, OrganisationKind, Role

PASSWORD = "correct horse battery staple 42"


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Manufacturer {n} Inc.")
    kind = OrganisationKind.MANUFACTURER


class AuthorityFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Reviewing Authority {n}")
    kind = OrganisationKind.AUTHORITY


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


def member(role: Role, organisation: Organisation | None = None, **user_fields: Any) -> User:
    """A user with one membership; the organisation is created when not given."""
    if organisation is None:
        factory_class = (AuthorityFactory if ROLE_KIND[role] == OrganisationKind.AUTHORITY
                         else OrganisationFactory)
        organisation = factory_class()  # type: ignore[assignment]
    if ROLE_KIND[role] == OrganisationKind.AUTHORITY:
        user_fields.setdefault("is_staff", True)
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


class FilingFactory(DjangoModelFactory[Filing]):
    class Meta:
        model = Filing
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    make = "Granite Motor Company"
    model = "Ironwood EV"
    model_year = 2024
    vehicle_class = "pickup"
    coverage_start = dt.date(2024, 6, 1)
    coverage_end = dt.date(2024, 12, 31)
    state = State.DRAFT
    created_by = factory.LazyAttribute(lambda o: member(Role.PREPARER, o.organisation))

    @factory.post_generation
    def with_version(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            EvidenceVersion.objects.create(filing=self, number=1, created_by=self.created_by)


def run_queued_check(filing: Filing) -> EvidenceCheck:
    """What the worker runs for the evidence check queued when the draft's evidence changed
    (`check_evidence`), without the broker."""
    from filings.services.checking import evidence_check_run

    check = EvidenceCheck.objects.get(version=filing.current_version())
    assert check.status == EvidenceCheck.Status.CHECKING, check.status
    evidence_check_run(version_id=check.version_id, token=str(check.token))
    check.refresh_from_db()
    return check


def check_evidence_again(filing: Filing) -> EvidenceCheck:
    """Request and run a new check of the draft's evidence (after a change made behind the
    services' back)."""
    from filings.services.checking import evidence_check_request

    version = filing.current_version()
    assert version is not None
    evidence_check_request(version)
    return run_queued_check(filing)
