"""The reviewer console's actors and filings.

Reviewers and approvers get their console access the way demo data and the accounts admin give it:
through `console_access_sync`. Filings carry a real assessment, produced by running the engine on
the sample workbooks once per test session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from filings.evidence import EvidenceInvalid, read_evidence
from filings.models import Assessment, EvidenceFile, FileKind, Filing
from filings.rules import assess_period, load_rulebook
from filings.states import State
from portal.accounts.models import Organisation, User
from portal.accounts.roles import ATTESTATION_STATEMENT, Role
from portal.accounts.services import console_access_sync
from tests.factories import FilingFactory, member

DATA = Path(__file__).parent.parent / "data"
COVERAGE = (dt.date(2024, 6, 1), dt.date(2024, 12, 31))
ELIGIBLE_WORKBOOK = "us-pickup-japan-minerals.xlsx"
INELIGIBLE_WORKBOOK = "german-sedan.xlsx"
INVALID_WORKBOOK = "mistakes.xlsx"


@cache
def engine_output(workbook: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(result, row errors) of the real reader and engine on a sample workbook."""
    try:
        evidence = read_evidence([DATA / workbook])
    except EvidenceInvalid as exc:
        return None, [e.to_dict() for e in exc.errors]
    return assess_period(evidence, rulebook=load_rulebook(), start=COVERAGE[0],
                         end=COVERAGE[1]).to_dict(), []


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """These tests log in with force_login; Argon2 would only make each factory user slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reviewer(reviewer: User) -> User:
    console_access_sync(user=reviewer)
    return reviewer


@pytest.fixture
def approver(approver: User) -> User:
    console_access_sync(user=approver)
    return approver


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root@portal.example", "a long superuser password 1")


def client_for(user: User) -> Client:
    """A client logged in as `user`, past the second factor when the user is staff."""
    client = Client()
    client.force_login(user)
    if user.is_staff:
        second_factor_passed(client, user)
    return client


def second_factor_passed(client: Client, user: User) -> TOTPDevice:
    """What `portal.accounts.mfa` does after a good code: a confirmed device, verified in the
    client's session."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def filing_in(state: State, organisation: Organisation, *, submitted_days_ago: int | None = 3,
              workbook: str | None = ELIGIBLE_WORKBOOK, **fields: Any) -> Filing:
    """A filing in `state`, submitted that many days ago, its evidence assessed by the engine."""
    submitted_at = None if submitted_days_ago is None else days_ago(submitted_days_ago)
    signer = member(Role.SIGNER, organisation)
    filing = FilingFactory.create(organisation=organisation, state=state, submitted_at=submitted_at,
                           submitted_by=signer if submitted_at else None,
                           attestation=ATTESTATION_STATEMENT if submitted_at else "", **fields)
    version = filing.versions.get()
    version.submitted_at = submitted_at
    version.save()
    if workbook is not None:
        _assessed(version, signer, workbook)
    return filing


def _assessed(version: Any, uploader: User, workbook: str) -> Assessment:
    content = (DATA / workbook).read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    EvidenceFile.objects.create(
        version=version, kind=FileKind.EVIDENCE, stored_name=f"{uuid.uuid4().hex}.xlsx",
        original_name=workbook, size=len(content), sha256=sha256, uploaded_by=uploader,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    result, errors = engine_output(workbook)
    credits = [s["credit_usd"] for s in result["segments"]] if result else []
    rulebook = load_rulebook()
    return Assessment.objects.create(
        version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
        evidence_hashes={workbook: sha256}, valid=result is not None, result=result,
        errors=errors, credit_min_usd=min(credits) if credits else None,
        credit_max_usd=max(credits) if credits else None, duration_ms=12)


def change_url(filing: Filing) -> str:
    return reverse("admin:filings_filing_change", args=[filing.pk])


def action_url(filing: Filing, action: str) -> str:
    return reverse("admin:filings_filing_review", args=[filing.pk, action])


def shown(response: Any) -> list[Filing]:
    """The filings on a changelist page, in the order shown."""
    return list(response.context["cl"].result_list)
