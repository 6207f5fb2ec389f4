"""Certificates through the API: metadata, the PDF, the public lookup and the approver's revoke."""

from __future__ import annotations

import uuid

from django.urls import reverse
from rest_framework.test import APIClient

from filings.certificates.models import Certificate, CertificateStatus
from tests.api.conftest import token_client
from tests.web.routes import _certificate


def test_the_owner_lists_the_certificates_and_downloads_the_pdf(viewer, scenario):
    ids = _certificate(scenario)
    client = token_client(viewer)
    listed = client.get(reverse("api:certificates", kwargs={"reference": ids["reference"]})).json()
    assert [c["public_id"] for c in listed] == [str(ids["public_id"])]
    assert listed[0]["status"] == "issued"
    pdf = client.get(reverse("api:certificate_pdf", kwargs=ids))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_anyone_looks_up_a_published_certificate_without_its_evidence(scenario):
    ids = _certificate(scenario)
    response = APIClient().get(reverse("api:certificate_public",
                                       kwargs={"public_id": ids["public_id"]}))
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["serial"].startswith("CVC-TEST-")
    assert body["manufacturer"] == scenario.filing.organisation.name
    text = response.content.decode()
    assert "sha256" not in text.replace("pdf_sha256", "")
    assert scenario.evidence_file.original_name not in text


def test_a_pending_or_unknown_certificate_is_not_found(scenario):
    ids = _certificate(scenario)
    Certificate.objects.filter(public_id=ids["public_id"]).update(status=CertificateStatus.PENDING)
    client = APIClient()
    for public_id in (ids["public_id"], uuid.uuid4()):
        response = client.get(reverse("api:certificate_public", kwargs={"public_id": public_id}))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


def test_the_lookup_is_throttled_per_address(settings, scenario):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"}}
    url = reverse("api:certificate_public", kwargs={"public_id": _certificate(scenario)["public_id"]})
    codes = [APIClient().get(url).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_revoking_needs_a_reason(approver, scenario):
    from tests.api.routes import _submitted

    _submitted(scenario, "approved")
    _certificate(scenario)
    client = token_client(approver)
    url = reverse("api:certificate_revoke", kwargs={"reference": scenario.filing.reference})
    assert client.post(url, {"reason": ""}, format="json").status_code == 400
    response = client.post(url, {"reason": "Issued in error."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert client.post(url, {"reason": "Again."}, format="json").status_code == 409
