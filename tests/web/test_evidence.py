"""Uploading, removing and downloading evidence files, and the blank template."""

from __future__ import annotations

import html
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import EvidenceFile, FileKind
from filings.states import State
from filings.storage import EVIDENCE_SHEET_NAMES
from tests.storage.upload_samples import CSV_FOLDER, stored_objects
from tests.web.routes import SAMPLE_WORKBOOK, workbook_upload

EMPTY = ("vehicle.csv: the file is empty (0 bytes); choose the file that holds the content and "
         "upload it again.")


def upload_url(filing) -> str:
    return reverse("filings:evidence_upload", kwargs={"reference": filing.reference})


def download_url(evidence_file) -> str:
    return reverse("filings:evidence_download", kwargs={
        "reference": evidence_file.version.filing.reference, "file_id": evidence_file.pk})


def test_a_preparer_uploads_the_sample_workbook_with_its_hash_and_size(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence", "file": workbook_upload()},
                           follow=True)
    stored = EvidenceFile.objects.get()
    assert (stored.kind, stored.size, stored.uploaded_by) == (
        FileKind.EVIDENCE, SAMPLE_WORKBOOK.stat().st_size, preparer)
    page = response.content.decode()
    assert "Uploaded us-pickup-japan-minerals.xlsx." in page
    assert stored.sha256 in page
    assert download_url(stored) in page


def test_an_upload_by_script_gets_json_with_where_to_go_next(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence", "file": workbook_upload()},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["redirect"] == reverse("filings:detail",
                                                  kwargs={"reference": filing.reference})


def test_a_refused_upload_by_script_gets_the_message_and_the_status(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing),
                           {"kind": "evidence", "file": SimpleUploadedFile("notes.txt", b"hello")},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert ".xlsx" in response.json()["error"]


@pytest.mark.parametrize(("name", "content", "kind", "expected"), [
    ("notes.txt", b"hello", "evidence",
     "Evidence must be an .xlsx workbook or .csv sheet files; notes.txt is neither."),
    ("evidence.xlsx", b"MZ\x90\x00 not a zip", "evidence",
     "evidence.xlsx: this is not an Excel workbook; it looks like a Windows program. Save it "
     "from Excel as 'Excel Workbook (.xlsx)' and upload that."),
    ("letter.pdf", b"<html>not a pdf</html>", "supporting",
     "letter.pdf: this is not a PDF document; it looks like an HTML page. Save or print the "
     "document as a PDF and upload that."),
    ("vehicle.csv", b"", "evidence", EMPTY),
    ("evidence.xlsx", SAMPLE_WORKBOOK.read_bytes(), "supporting",
     "A supporting document must be a PDF, PNG or JPEG file; evidence.xlsx is evidence: upload "
     "it as evidence."),
    ("letter.pdf", b"%PDF-1.7\n", "evidence",
     "Evidence must be an .xlsx workbook or .csv sheet files; letter.pdf is a supporting "
     "document: upload it as a supporting document."),
    ("notes.docx", b"PK", "supporting",
     "A supporting document must be a PDF, PNG or JPEG file; notes.docx is none of these."),
])
def test_a_wrong_file_is_refused_with_a_clear_message_once_on_the_page(client, preparer, filing,
                                                                      name, content, kind,
                                                                      expected):
    client.force_login(preparer)
    response = client.post(upload_url(filing),
                           {"kind": kind, "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(html.escape(expected)) == 1, page
    assert 'role="alert"' in page
    assert not EvidenceFile.objects.exists()


def test_an_empty_file_is_said_once_in_the_storages_words(client, preparer, filing):
    """Not also the form's "The submitted file is empty." under the field (issue 11)."""
    client.force_login(preparer)
    response = client.post(upload_url(filing),
                           {"kind": "evidence", "file": SimpleUploadedFile("vehicle.csv", b"")})
    page = response.content.decode()
    assert page.count(EMPTY) == 1
    assert page.count("empty") == 1
    assert "Choose a file" not in page


def test_an_oversized_file_is_refused_with_the_limit(client, preparer, filing, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    client.force_login(preparer)
    big = SimpleUploadedFile("big.xlsx", b"PK" + b"\0" * (1024 * 1024 + 10))
    response = client.post(upload_url(filing), {"kind": "evidence", "file": big})
    assert response.status_code == 413
    assert ("big.xlsx: the file is larger than the 1 MiB an evidence file may be; nothing was "
            "stored. Upload a smaller file.") in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_an_upload_without_a_file_is_explained(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence"})
    assert response.status_code == 400
    assert response.content.decode().count("Choose a file to upload.") == 1


def test_an_upload_without_a_kind_is_explained(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "spreadsheet",
                                                "file": workbook_upload()})
    assert response.status_code == 400
    assert response.content.decode().count(
        "Choose what kind of file this is: evidence or a supporting document.") == 1
    assert not EvidenceFile.objects.exists()


# --- several files at once: stored together, or none of them -----------------------------

def _sheets(**replace: bytes) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(path.name, replace.get(path.stem, path.read_bytes()))
            for path in sorted(CSV_FOLDER.glob("*.csv"))]


def test_the_upload_form_takes_several_files(client, preparer, filing):
    client.force_login(preparer)
    page = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    tag = next(t for t in page.content.decode().split("<input") if 'name="file"' in t)
    assert " multiple" in tag.split(">")[0]


def test_the_four_csv_sheets_are_uploaded_at_once_and_each_is_named(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence", "file": _sheets()},
                           follow=True)
    assert ("Uploaded battery_components.csv, critical_minerals.csv, vehicle.csv and vins.csv."
            in response.content.decode())
    assert sorted(f.original_name for f in EvidenceFile.objects.all()) == [
        "battery_components.csv", "critical_minerals.csv", "vehicle.csv", "vins.csv"]
    assert len(stored_objects()) == 4


def test_one_bad_file_among_several_stores_none_of_them(client, preparer, filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence", "file": _sheets(vins=b"")})
    assert response.status_code == 400
    assert response.content.decode().count(
        html.escape(EMPTY.replace("vehicle.csv", "vins.csv")
                    + " None of the 4 files of this upload was stored.")) == 1
    assert not EvidenceFile.objects.exists()
    assert stored_objects() == []  # the three stored before the empty one are deleted again


def test_several_files_that_overfill_the_version_store_none(client, preparer, filing, settings):
    settings.EVIDENCE_MAX_FILES_PER_VERSION = 2
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence", "file": _sheets()},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "A version holds at most 2 files; remove one first. None "
                                        "of the 4 files of this upload was stored."}
    assert not EvidenceFile.objects.exists()
    assert stored_objects() == []


def test_a_file_in_a_field_the_form_does_not_have_is_refused_not_dropped(client, preparer,
                                                                        filing):
    client.force_login(preparer)
    response = client.post(upload_url(filing), {"kind": "evidence", "file": workbook_upload(),
                                                "attachment": workbook_upload("extra.xlsx")})
    assert response.status_code == 400
    assert response.content.decode().count(html.escape(
        "The upload carries files in a field the form does not have (attachment); nothing was "
        "stored. Choose the files in the form's file field.")) == 1
    assert not EvidenceFile.objects.exists()
    assert stored_objects() == []


def test_no_file_is_added_once_the_filing_is_submitted(client, preparer, scenario):
    scenario.put_in(State.SUBMITTED)
    client.force_login(preparer)
    response = client.post(upload_url(scenario.filing),
                           {"kind": "evidence", "file": workbook_upload("late.xlsx")})
    assert response.status_code == 409
    assert "only be added while the filing is a draft" in response.content.decode()
    assert EvidenceFile.objects.count() == 1


def test_a_draft_file_is_removed(client, preparer, scenario):
    client.force_login(preparer)
    url = reverse("filings:evidence_remove", kwargs={
        "reference": scenario.filing.reference, "file_id": scenario.evidence_file.pk})
    response = client.post(url, follow=True)
    assert "Removed us-pickup-japan-minerals.xlsx." in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_a_submitted_file_is_kept(client, preparer, scenario):
    scenario.put_in(State.SUBMITTED)
    client.force_login(preparer)
    url = reverse("filings:evidence_remove", kwargs={
        "reference": scenario.filing.reference, "file_id": scenario.evidence_file.pk})
    response = client.post(url)
    assert response.status_code == 409
    assert EvidenceFile.objects.count() == 1


def test_a_file_downloads_as_an_attachment_with_its_original_name(client, viewer, scenario):
    client.force_login(viewer)
    response = client.get(download_url(scenario.evidence_file))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="us-pickup-japan-minerals.xlsx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == SAMPLE_WORKBOOK.read_bytes()


def test_a_file_is_not_found_under_another_filings_reference(client, viewer, scenario,
                                                             manufacturer):
    from tests.factories import FilingFactory

    other = FilingFactory.create(organisation=manufacturer)
    client.force_login(viewer)
    url = reverse("filings:evidence_download", kwargs={
        "reference": other.reference, "file_id": scenario.evidence_file.pk})
    assert client.get(url).status_code == 404


def test_a_file_missing_from_storage_is_not_found_rather_than_an_error(client, viewer, scenario):
    from filings.storage import evidence_key, evidence_storage

    evidence_storage().delete(evidence_key(scenario.evidence_file.stored_name))
    client.force_login(viewer)
    assert client.get(download_url(scenario.evidence_file)).status_code == 404


def test_the_blank_template_downloads_as_a_workbook_with_every_sheet(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("filings:evidence_template"))
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    workbook = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sheets = workbook.read("xl/workbook.xml").decode()
    for sheet in EVIDENCE_SHEET_NAMES:
        assert f'name="{sheet}"' in sheets


def test_the_blank_template_needs_a_login(client, db):
    assert client.get(reverse("filings:evidence_template")).status_code == 302
