"""Certificate PDFs in an S3 bucket (a real server): stored once under the certificate's name,
reused after a crash, never replaced, read back to hash, verify and download."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from filings.certificates.models import Certificate
from filings.certificates.services import _produce_pdf, certificate_render
from filings.certificates.signing import check_portal_signature
from filings.certificates.storage import certificate_read, certificate_store_once
from portal.file_storages import file_storages
from tests.api.conftest import token_client
from tests.celery_worker import free_port
from tests.certificates.conftest import issue

pytestmark = pytest.mark.django_db


def _key(certificate: Certificate) -> str:
    return f"certificates/{certificate.public_id.hex}.pdf"


def test_an_issued_pdf_is_stored_once_in_the_bucket(s3_storage, approved, settings,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue(approved)
        again = certificate_render(certificate_id=certificate.pk)

    assert s3_storage.stored_keys() == [_key(certificate)]
    stored = s3_storage.read(_key(certificate))
    assert certificate.stored_name == f"{certificate.public_id.hex}.pdf"
    assert (certificate.pdf_sha256, certificate.pdf_size) == (hashlib.sha256(stored).hexdigest(),
                                                              len(stored))
    assert again.pdf_sha256 == certificate.pdf_sha256
    check = check_portal_signature(certificate_read(certificate))
    assert check.valid


def test_a_render_after_a_crash_reuses_the_pdf_in_the_bucket(s3_storage, approved):
    certificate = approved.certificates.get()
    # The crashed run stored the PDF and never recorded it.
    certificate_store_once(certificate, _produce_pdf(certificate))
    written = s3_storage.read(_key(certificate))

    issued = certificate_render(certificate_id=certificate.pk)

    assert s3_storage.read(_key(certificate)) == written
    assert issued.pdf_sha256 == hashlib.sha256(written).hexdigest()
    assert s3_storage.stored_keys() == [_key(certificate)]


def test_a_pdf_in_the_bucket_is_never_replaced(s3_storage, approved):
    certificate = approved.certificates.get()

    assert certificate_store_once(certificate, b"%PDF-first")
    assert not certificate_store_once(certificate, b"%PDF-second")

    assert s3_storage.read(_key(certificate)) == b"%PDF-first"
    assert s3_storage.stored_keys() == [_key(certificate)]


@pytest.fixture
def issued_in_bucket(s3_storage, approved) -> Certificate:
    return issue(approved)


def _web(certificate: Certificate) -> str:
    return reverse("certificates:download", kwargs={
        "reference": certificate.filing.reference, "public_id": certificate.public_id})


def _api(certificate: Certificate) -> str:
    return reverse("api:certificate_pdf", kwargs={
        "reference": certificate.filing.reference, "public_id": certificate.public_id})


def test_the_owner_downloads_the_pdf_from_the_bucket_on_the_web_and_the_api(
        issued_in_bucket, s3_storage, viewer, signer):
    web = Client()
    web.force_login(viewer)
    responses = [web.get(_web(issued_in_bucket)), token_client(signer).get(_api(issued_in_bucket))]

    stored = s3_storage.read(_key(issued_in_bucket))
    for response in responses:
        assert response.status_code == 200 and response.streaming
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == stored


def test_another_manufacturer_finds_no_pdf_in_the_bucket(issued_in_bucket, outsider):
    web = Client()
    web.force_login(outsider)

    assert web.get(_web(issued_in_bucket)).status_code == 404
    assert token_client(outsider).get(_api(issued_in_bucket)).status_code == 404


def test_a_pdf_download_while_the_bucket_is_down_is_a_503_on_the_web_and_the_api(
        issued_in_bucket, s3_storage, settings, viewer, signer):
    environment = {**s3_storage.server.environment(s3_storage.name),
                   "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    settings.STORAGES = {**settings.STORAGES, **file_storages(environment)}
    web = Client()
    web.force_login(viewer)

    page = web.get(_web(issued_in_bucket))
    api = token_client(signer).get(_api(issued_in_bucket))

    assert page.status_code == 503 and "cannot be reached" in page.content.decode()
    assert api.status_code == 503 and api["Retry-After"] == "60"
    assert api["Content-Type"].startswith("application/problem+json")
    assert "cannot be reached" in api.json()["detail"]
