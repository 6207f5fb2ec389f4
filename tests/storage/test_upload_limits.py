"""The upload caps hold while the body streams (issue 11): a request whose Content-Length is
over the largest upload is answered 413 before its body is read; a file that passes its cap is
dropped there, so no more than the cap of it ever reaches the disk. Web and API alike."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from filings.models import EvidenceFile
from tests.api.conftest import token_client
from tests.storage.upload_samples import (
    WORKBOOK,
    MeasuredTemporaryFileUploadHandler,
    api_url,
    measured_handlers,
    stored_objects,
    temporary_files,
    web_url,
)

pytestmark = pytest.mark.django_db

CAP = 64 * 1024
SENT = 1024 * 1024
CHUNK = 64 * 1024  # what Django's parser reads at a time


@pytest.fixture
def measured(settings, upload_temp):
    """Every file goes through a temporary file in the test's folder, whose size is noted."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_HANDLERS = measured_handlers(settings.FILE_UPLOAD_HANDLERS)
    MeasuredTemporaryFileUploadHandler.largest_seen = []
    return MeasuredTemporaryFileUploadHandler.largest_seen


def _nothing_left() -> None:
    assert not EvidenceFile.objects.exists()
    assert stored_objects() == []
    assert temporary_files() == []


def _post(client, url: str, body: bytes, payload: FakePayload, **extra):
    return client.generic("POST", url, body, content_type=MULTIPART_CONTENT,
                          **{"wsgi.input": payload, **extra})


STREAMED = {
    # (name, kind, the setting made small, the other's cap, the message)
    "a supporting PDF": ("big.pdf", "supporting", "SUPPORTING_DOCUMENT_MAX_BYTES",
                         "EVIDENCE_MAX_BYTES",
                         "big.pdf: the file is larger than the 65,536 bytes a supporting document "
                         "may be; nothing was stored. Upload a smaller file."),
    "an evidence workbook": ("big.xlsx", "evidence", "EVIDENCE_MAX_BYTES",
                             "SUPPORTING_DOCUMENT_MAX_BYTES",
                             "big.xlsx: the file is larger than the 65,536 bytes an evidence file "
                             "may be; nothing was stored. Upload a smaller file."),
}


@pytest.mark.parametrize("client_kind", ["web", "api"])
@pytest.mark.parametrize(("name", "kind", "small", "other", "message"), STREAMED.values(),
                         ids=STREAMED.keys())
def test_a_file_over_its_cap_is_dropped_while_it_streams_with_a_413(
        settings, measured, preparer, filing, client_kind, name, kind, small, other, message):
    """The other kind's cap stays large, so the request's Content-Length passes and the file is
    cut by its own cap (by its extension) as it arrives."""
    setattr(settings, small, CAP)
    setattr(settings, other, 2 * SENT)
    body = encode_multipart(BOUNDARY, {"kind": kind,
                                       "file": SimpleUploadedFile(name, b"%PDF-1.7\n" * (SENT // 9))})
    payload = FakePayload(body)
    if client_kind == "web":
        client = Client()
        client.force_login(preparer)
        response = _post(client, web_url(filing), body, payload)
        page = response.content.decode()
        assert page.count(html.escape(message)) == 1
        assert '<link rel="stylesheet"' in page
    else:
        response = _post(token_client(preparer), api_url(filing), body, payload)
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["detail"] == message

    assert response.status_code == 413
    assert measured and max(measured) <= CAP  # the temporary file never held more than the cap
    assert len(body) - len(payload) <= CAP + 3 * CHUNK < len(body)  # it stopped reading
    _nothing_left()


@pytest.mark.parametrize("client_kind", ["web", "script", "api"])
def test_a_content_length_over_the_cap_is_answered_without_reading_the_body(
        settings, upload_temp, preparer, filing, client_kind):
    settings.EVIDENCE_MAX_BYTES = settings.SUPPORTING_DOCUMENT_MAX_BYTES = CAP
    body = encode_multipart(BOUNDARY, {"kind": "evidence",
                                       "file": SimpleUploadedFile("huge.xlsx", b"PK\x03\x04")})
    payload = FakePayload(body)
    declared = {"CONTENT_LENGTH": str(1024 ** 3)}
    message = ("This upload is 1,024 MiB, more than the 65,536 bytes one upload may carry (an "
               "evidence file at most 65,536 bytes, a supporting document at most 65,536 bytes); "
               "nothing was read or stored. Upload fewer or smaller files.")
    if client_kind == "api":
        response = _post(token_client(preparer), api_url(filing), body, payload, **declared)
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["detail"] == message
    else:
        client = Client(enforce_csrf_checks=True)  # as a browser: the CSRF check reads the form
        client.force_login(preparer)
        client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))  # cookie
        if client_kind == "script":  # the upload form's script asks for JSON
            declared["HTTP_ACCEPT"] = "application/json"
        response = _post(client, web_url(filing), body, payload, **declared)
        if client_kind == "script":
            assert response.json() == {"error": message}
        else:
            assert response.content.decode().count(html.escape(message)) == 1

    assert response.status_code == 413
    assert not payload.read_started
    _nothing_left()


def test_a_file_within_its_cap_is_stored_when_the_other_cap_is_smaller(settings, measured,
                                                                       preparer, filing):
    """The handler's cap for a file follows its extension: a workbook over the supporting
    documents' cap but within the evidence cap arrives whole."""
    settings.SUPPORTING_DOCUMENT_MAX_BYTES = 1024
    settings.EVIDENCE_MAX_BYTES = 2 * len(WORKBOOK)

    response = token_client(preparer).post(api_url(filing), {
        "kind": "evidence", "file": SimpleUploadedFile("evidence.xlsx", WORKBOOK)},
        format="multipart")

    assert response.status_code == 201
    assert max(measured) == len(WORKBOOK)
    assert [p.read_bytes() for p in stored_objects()] == [WORKBOOK]
    assert temporary_files() == []
