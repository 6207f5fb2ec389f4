"""Actors shared by the tests: an owner organisation, its roles, an outsider and the authority."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from tests.factories import AuthorityFactory, OrganisationFactory, member

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    """Uploaded files go to a per-test folder, never to var/."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.CERTIFICATE_ROOT = tmp_path / "certificates"


@pytest.fixture
def manufacturer(db) -> Organisation:
    return OrganisationFactory(name="Granite Motor Company")


@pytest.fixture
def authority(db) -> Organisation:
    return AuthorityFactory(name="Clean Vehicle Review Office")


@pytest.fixture
def preparer(manufacturer) -> User:
    return member(Role.PREPARER, manufacturer, email="preparer@granite.example")


@pytest.fixture
def signer(manufacturer) -> User:
    return member(Role.SIGNER, manufacturer, email="signer@granite.example")


@pytest.fixture
def viewer(manufacturer) -> User:
    return member(Role.VIEWER, manufacturer, email="viewer@granite.example")


@pytest.fixture
def outsider(db) -> User:
    """A signer of a competing manufacturer: must never see the owner's data."""
    return member(Role.SIGNER, OrganisationFactory(name="Competitor Motors"),
                  email="signer@competitor.example")


@pytest.fixture
def reviewer(authority) -> User:
    return member(Role.REVIEWER, authority, email="reviewer@authority.example")


@pytest.fixture
def approver(authority) -> User:
    return member(Role.APPROVER, authority, email="approver@authority.example")


@pytest.fixture
def sample_workbook() -> Path:
    return DATA / "us-pickup-japan-minerals.xlsx"


# A real Celery worker process for the worker and browser tests.
from tests.celery_worker import celery_worker_process  # noqa: E402, F401

# A real S3 server (rclone, or TEST_S3_ENDPOINT_URL) and a bucket per test for the storage tests.
from tests.s3_server import s3_bucket, s3_server, s3_storage  # noqa: E402, F401
