"""A submitted, assessed filing with notes and a certificate; helpers. Dossiers are signed with
the local PKI (tests/pki.py), as certificates are."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import timezone

from filings.dossiers import services
from filings.dossiers.models import Dossier
from filings.models import Filing, ReviewNote
from portal.accounts.models import User
from tests.web.conftest import engine_result, filing, scenario, store_assessment  # noqa: F401
from tests.web.routes import Scenario, _certificate


def make_examined(s: Scenario, reviewer: User) -> Filing:
    """The scenario's filing submitted and assessed, with a certificate and two review notes
    (one the manufacturer may see, one internal recommendation)."""
    version = s.filing.current_version()
    assert version is not None
    store_assessment(version, result=engine_result())
    _certificate(s)
    ReviewNote.objects.create(filing=s.filing, author=reviewer, kind=ReviewNote.Kind.COMMENT,
                              text="Please keep the 2024 invoices at hand.")
    ReviewNote.objects.create(filing=s.filing, author=reviewer,
                              kind=ReviewNote.Kind.RECOMMEND_APPROVE,
                              text="Internal: recommend approval.")
    Filing.objects.filter(pk=s.filing.pk).update(submitted_at=timezone.now())
    s.filing.refresh_from_db()
    return s.filing


@pytest.fixture
def examined(scenario, reviewer) -> Filing:  # noqa: F811
    return make_examined(scenario, reviewer)


def built(actor: User, filing: Filing) -> Dossier:  # noqa: F811
    dossier = services.dossier_request(actor=actor, filing=filing)
    return services.dossier_build(dossier_id=dossier.pk)


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
