"""Evidence through the storage API: in an S3 bucket (a real server) or a private folder, under
generated names, never replaced, and downloaded only through the view that checks permission."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import EvidenceFile, FileKind
from filings.services.common import ServiceError
from filings.services.manufacturer import evidence_upload
from filings.storage import evidence_key, evidence_storage
from portal.file_storages import file_storages
from tests.api.conftest import token_client
from tests.celery_worker import free_port
from tests.conftest import DATA
from tests.services.test_filing_services import draft_with_workbook, upload
from tests.storage.upload_samples import CSV_FOLDER

pytestmark = pytest.mark.django_db

WORKBOOK = DATA / "us-pickup-japan-minerals.xlsx"


def _key_in_bucket(evidence_file: EvidenceFile) -> str:
    return f"evidence/{evidence_key(evidence_file.stored_name)}"


def _download(client, evidence_file: EvidenceFile):
    return client.get(reverse("filings:evidence_download", kwargs={
        "reference": evidence_file.version.filing.reference, "file_id": evidence_file.pk}))


def test_an_upload_is_stored_in_the_bucket_under_a_generated_name(s3_storage, preparer, settings):
    filing = draft_with_workbook(preparer)

    stored = filing.current_version().files.get()
    assert s3_storage.stored_keys() == [_key_in_bucket(stored)]
    assert "pickup" not in _key_in_bucket(stored)  # the original name is metadata only
    assert s3_storage.read(_key_in_bucket(stored)) == WORKBOOK.read_bytes()
    assert not Path(settings.EVIDENCE_ROOT).exists()  # nothing went to the local folder


def test_a_refused_upload_leaves_nothing_in_the_bucket(s3_storage, preparer):
    filing = draft_with_workbook(preparer)
    before = s3_storage.stored_keys()

    with pytest.raises(ServiceError, match="not a PDF"):
        evidence_upload(actor=preparer, filing=filing, kind=FileKind.SUPPORTING,
                        upload=upload(WORKBOOK, "letter.pdf"))

    assert s3_storage.stored_keys() == before


def test_storing_under_a_taken_name_in_the_bucket_keeps_the_first_object(s3_storage):
    storage = evidence_storage()

    first = storage.save("ab/abcdef.xlsx", ContentFile(b"first"))
    second = storage.save("ab/abcdef.xlsx", ContentFile(b"second"))

    assert first == "ab/abcdef.xlsx" and second != first
    assert s3_storage.read("evidence/ab/abcdef.xlsx") == b"first"
    assert s3_storage.read(f"evidence/{second}") == b"second"


def test_storing_under_a_taken_name_in_the_folder_keeps_the_first_file(settings):
    storage = evidence_storage()

    first = storage.save("ab/abcdef.xlsx", ContentFile(b"first"))
    second = storage.save("ab/abcdef.xlsx", ContentFile(b"second"))

    folder = Path(settings.EVIDENCE_ROOT) / "ab"
    assert first == "ab/abcdef.xlsx" and second != first
    assert (folder / "abcdef.xlsx").read_bytes() == b"first"
    assert sorted(os.listdir(folder)) == sorted(Path(n).name for n in (first, second))  # no temporaries


def test_the_folder_is_private_and_follows_the_setting(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "elsewhere"

    name = evidence_storage().save("cd/cdef.csv", ContentFile(b"vin\n"))

    path = tmp_path / "elsewhere" / name
    assert path.read_bytes() == b"vin\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_download_streams_the_object_from_the_bucket_as_an_attachment(s3_storage, client,
                                                                          preparer, viewer):
    stored = draft_with_workbook(preparer).current_version().files.get()
    client.force_login(viewer)

    response = _download(client, stored)

    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="us-pickup-japan-minerals.xlsx"'
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == s3_storage.read(_key_in_bucket(stored))


def test_another_organisation_cannot_download_from_the_bucket(s3_storage, client, preparer,
                                                              outsider):
    stored = draft_with_workbook(preparer).current_version().files.get()
    client.force_login(outsider)

    assert _download(client, stored).status_code == 404


def test_an_object_missing_from_the_bucket_is_not_found_rather_than_an_error(s3_storage, client,
                                                                             preparer, viewer):
    stored = draft_with_workbook(preparer).current_version().files.get()
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=_key_in_bucket(stored))
    client.force_login(viewer)

    assert _download(client, stored).status_code == 404


def test_the_assessment_reads_the_evidence_from_the_bucket(s3_storage, preparer, signer,
                                                           settings):
    from tests.services.test_filing_services import assessed

    filing = assessed(preparer, signer)

    assessment = filing.current_version().assessments.get()
    assert assessment.valid, assessment.errors
    assert assessment.result["segments"][0]["credit_usd"] == 7500
    assert not Path(settings.EVIDENCE_ROOT).exists()


def _unreachable_bucket(settings, s3_storage) -> None:
    """The storages now point at a port nothing listens on: the bucket's server is down."""
    environment = {**s3_storage.server.environment(s3_storage.name),
                   "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    settings.STORAGES = {**settings.STORAGES, **file_storages(environment)}


def test_a_download_while_the_bucket_is_down_is_a_503_page_not_a_500(s3_storage, client, settings,
                                                                     preparer, viewer):
    stored = draft_with_workbook(preparer).current_version().files.get()
    _unreachable_bucket(settings, s3_storage)
    client.force_login(viewer)

    response = _download(client, stored)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "cannot be reached right now" in response.content.decode()
    assert '<link rel="stylesheet"' in response.content.decode()  # the portal's own page


def test_several_files_refused_together_leave_nothing_in_the_bucket(s3_storage, client, preparer,
                                                                     filing):
    """The sheets stored before the empty one are deleted from the bucket again (issue 11)."""
    sheets = [SimpleUploadedFile(path.name, b"" if path.stem == "vins" else path.read_bytes())
              for path in sorted(CSV_FOLDER.glob("*.csv"))]
    client.force_login(preparer)

    response = client.post(reverse("filings:evidence_upload", kwargs={
        "reference": filing.reference}), {"kind": "evidence", "file": sheets})

    assert response.status_code == 400
    assert "None of the 4 files of this upload was stored." in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert s3_storage.stored_keys() == []


@pytest.mark.parametrize("client_kind", ["web", "api"])
def test_an_upload_while_the_bucket_is_down_is_a_503_storing_nothing(s3_storage, client,
                                                                    settings, preparer, filing,
                                                                    client_kind):
    _unreachable_bucket(settings, s3_storage)
    upload = {"kind": "evidence", "file": SimpleUploadedFile("evidence.xlsx",
                                                             WORKBOOK.read_bytes())}
    if client_kind == "web":
        client.force_login(preparer)
        response = client.post(reverse("filings:evidence_upload", kwargs={
            "reference": filing.reference}), upload)
        assert '<link rel="stylesheet"' in response.content.decode()
        assert "cannot be reached right now" in response.content.decode()
    else:
        response = token_client(preparer).post(reverse("api:evidence", kwargs={
            "reference": filing.reference}), upload, format="multipart")
        assert response["Content-Type"].startswith("application/problem+json")
        assert "cannot be reached right now" in response.json()["detail"]

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert not EvidenceFile.objects.exists()
