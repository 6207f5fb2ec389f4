"""What Django answers before a view (a mistyped URL, a request it cannot read, a failed CSRF
check) is problem JSON on the API and the portal's own page on the web (issue 11)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from filings.api.services import api_token_create
from filings.models import EvidenceFile
from portal.errors import csrf_failure
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _files(count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"part{i}.pdf", b"%PDF-1.7 x", content_type="application/pdf")
            for i in range(count)]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_an_unknown_api_url_with_a_token_is_a_404_problem(signer, method):
    # As a real client: the CSRF middleware checks (the test client skips it by default).
    client = APIClient(enforce_csrf_checks=True)
    _, key = api_token_create(actor=signer, name="ERP")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = getattr(client, method)("/api/v1/no-such-thing/", {}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert "No such API resource" in response.json()["detail"]


def test_more_files_than_django_reads_is_a_400_problem_on_the_api_storing_nothing(signer, filing,
                                                                                settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    url = reverse("api:evidence", kwargs={"reference": filing.reference})

    response = token_client(signer).post(url, {"kind": "supporting", "file": _files(6)},
                                         format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    assert "More than 5 files in one request" in response.json()["detail"]
    assert not EvidenceFile.objects.filter(version__filing=filing).exists()


def test_more_files_than_django_reads_is_the_portals_own_400_page_on_the_web(signer, filing,
                                                                            settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    client = Client()
    client.force_login(signer)
    url = reverse("filings:evidence_upload", kwargs={"reference": filing.reference})

    response = client.post(url, {"kind": "supporting", "file": _files(6)})

    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()
    assert '<link rel="stylesheet"' in response.content.decode()
    assert not EvidenceFile.objects.filter(version__filing=filing).exists()


def test_a_csrf_failure_on_an_api_path_is_a_403_problem():
    request = RequestFactory().post("/api/v1/filings/")

    response = csrf_failure(request, reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    assert "X-CSRFToken" in json.loads(response.content)["detail"]


def test_a_csrf_failure_on_a_page_stays_djangos_explaining_page():
    response = csrf_failure(RequestFactory().post("/filings/new/"), reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert b"CSRF" in response.content
