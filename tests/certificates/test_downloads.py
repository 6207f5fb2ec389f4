"""The PDF download: the manufacturer (own filings) and the authority; the filing page section."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from filings.certificates.models import Certificate
from tests.certificates.conftest import issue, pdf_bytes


def download_url(certificate: Certificate) -> str:
    return reverse("certificates:download", kwargs={
        "reference": certificate.filing.reference, "public_id": certificate.public_id})


@pytest.fixture
def issued(approved) -> Certificate:
    return issue(approved)


@pytest.mark.parametrize("who", ["viewer", "signer", "reviewer", "approver"])
def test_the_manufacturer_and_the_authority_download_the_pdf(issued, who, request):
    client = Client()
    client.force_login(request.getfixturevalue(who))

    response = client.get(download_url(issued))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == pdf_bytes(issued)


def test_another_manufacturer_finds_nothing(issued, outsider, client):
    client.force_login(outsider)

    assert client.get(download_url(issued)).status_code == 404


def test_a_pending_certificate_has_nothing_to_download(approved, signer, client):
    client.force_login(signer)

    assert client.get(download_url(approved.certificates.get())).status_code == 404


def test_the_filing_page_shows_the_certificate_and_its_status(issued, viewer, client):
    client.force_login(viewer)

    body = client.get(reverse("filings:detail", args=[issued.filing.reference])).content.decode()

    assert issued.serial in body and "Valid" in body
    assert download_url(issued) in body
    assert reverse("certificates:verify", kwargs={"public_id": issued.public_id}) in body
