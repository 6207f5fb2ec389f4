"""A file's name is the user's, in Unicode (issue 11): kept (NFC), shown escaped, sent back in a
download's Content-Disposition (RFC 6266 filename*), shortened keeping its extension when too
long, without path parts and without the characters that hide or reorder text. The stored
object's name stays a server-generated UUID."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import EvidenceFile
from filings.services.assessment import assessment_compute, assessment_rulebook
from filings.storage import clean_original_name
from filings.uploads import NAME_TOO_LONG_MESSAGE
from tests.api.conftest import token_client
from tests.storage.upload_samples import (
    WORKBOOK,
    api_url,
    named,
    stored_objects,
    temporary_files,
    web_url,
)

pytestmark = pytest.mark.django_db

UNICODE_NAME = "Évidence–Ω 証拠.xlsx"


@pytest.mark.parametrize(("sent", "kept"), [
    (UNICODE_NAME, UNICODE_NAME),
    ("E\u0301vidence.xlsx", "Évidence.xlsx"),  # decomposed: normalised to NFC
    ("C:\\Users\\ana\\Desktop\\report.pdf", "report.pdf"),
    ("../../etc/report.pdf", "report.pdf"),
    ("report\u202efdp.xlsx", "reportfdp.xlsx"),  # shown as "reportxlsx.pdf" with the override
    ("re\u200bport\u2066.pdf", "report.pdf"),  # zero-width space, bidi isolate
    ("re\u061cport\U000e0041.pdf", "report.pdf"),  # Arabic letter mark, a tag character
    ("tab\tand\nnewline.pdf", "tabandnewline.pdf"),
    ('a:b*c?d<e>f|g.pdf', "a_b_c_d_e_f_g.pdf"),
    (" ..hidden.pdf. ", "hidden.pdf"),
    ("\u202e", "upload"),
])
def test_a_name_keeps_its_unicode_and_loses_only_what_is_unsafe(sent, kept):
    assert clean_original_name(sent) == kept


@pytest.mark.parametrize(("sent", "kept"), [
    ("x" * 1005 + ".xlsx", "x" * 247 + "\u2026.xlsx"),
    ("証拠" * 60 + ".pdf", "証拠" * 41 + "\u2026.pdf"),  # 3 bytes a character
    # İ is 2 bytes, its lower case 3: the name must fit lower-cased too (the assessment's copy).
    ("İ" * 200 + ".xlsx", "İ" * 82 + "\u2026.xlsx"),
    ("y" * 300, "y" * 252 + "\u2026"),  # no extension to keep
])
def test_a_long_name_is_shortened_to_255_bytes_keeping_its_extension(sent, kept):
    name = clean_original_name(sent)

    assert name == kept
    assert len(name.encode()) <= 255 and len(name.lower().encode()) <= 255


def test_a_unicode_name_is_kept_and_shown_on_the_filing_page(client, preparer, filing):
    client.force_login(preparer)

    response = client.post(web_url(filing), {"kind": "evidence",
                                             "file": SimpleUploadedFile(UNICODE_NAME, WORKBOOK)},
                           follow=True)

    stored = EvidenceFile.objects.get()
    assert stored.original_name == UNICODE_NAME
    assert UNICODE_NAME not in stored.stored_name and len(stored.stored_name) == 32 + 5  # uuid
    page = response.content.decode()
    assert f"Uploaded {UNICODE_NAME}." in page
    assert f">{UNICODE_NAME}</a>" in page


def test_a_name_is_shown_escaped(client, preparer, filing):
    client.force_login(preparer)

    response = client.post(web_url(filing), {
        "kind": "evidence", "file": SimpleUploadedFile("R&D's évidence.xlsx", WORKBOOK)},
        follow=True)

    page = response.content.decode()
    assert EvidenceFile.objects.get().original_name == "R&D's évidence.xlsx"
    assert ">R&amp;D&#x27;s évidence.xlsx</a>" in page
    assert "R&D's" not in page


def test_a_unicode_name_comes_back_from_the_api(preparer, filing):
    response = token_client(preparer).post(api_url(filing), {
        "kind": "evidence", "file": SimpleUploadedFile(UNICODE_NAME, WORKBOOK)},
        format="multipart")

    assert response.status_code == 201
    assert response.json()["original_name"] == UNICODE_NAME


def test_a_download_sends_the_unicode_name_as_rfc_5987_filename_star(client, preparer, viewer,
                                                                     filing):
    token_client(preparer).post(api_url(filing), {
        "kind": "evidence", "file": SimpleUploadedFile(UNICODE_NAME, WORKBOOK)},
        format="multipart")
    stored = EvidenceFile.objects.get()
    client.force_login(viewer)

    response = client.get(reverse("filings:evidence_download", kwargs={
        "reference": filing.reference, "file_id": stored.pk}))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%C3%89vidence%E2%80%93%CE%A9%20%E8%A8%BC%E6%8B%A0.xlsx")
    assert b"".join(response.streaming_content) == WORKBOOK


def test_a_name_with_a_bidi_override_is_stored_and_shown_without_it(client, preparer, filing):
    client.force_login(preparer)

    response = client.post(web_url(filing), {
        "kind": "evidence", "file": SimpleUploadedFile("report\u202efdp.xlsx", WORKBOOK)},
        follow=True)
    api = token_client(preparer).post(api_url(filing), {
        "kind": "evidence", "file": SimpleUploadedFile("report\u202efdp.xlsx", WORKBOOK)},
        format="multipart")

    assert [f.original_name for f in EvidenceFile.objects.all()] == ["reportfdp.xlsx"] * 2
    assert api.json()["original_name"] == "reportfdp.xlsx"
    page = response.content.decode()
    assert "Uploaded reportfdp.xlsx." in page
    assert "\u202e" not in page


def test_a_long_unicode_name_is_stored_shortened_with_its_extension(client, preparer, filing):
    client.force_login(preparer)

    response = client.post(web_url(filing), {
        "kind": "evidence", "file": named("証拠" * 60 + ".xlsx", WORKBOOK)}, follow=True)

    kept = "証拠" * 41 + "\u2026.xlsx"
    assert EvidenceFile.objects.get().original_name == kept
    assert f"Uploaded {kept}." in response.content.decode()


@pytest.mark.parametrize("client_kind", ["web", "api"])
def test_a_name_too_long_to_read_is_a_clear_400(client, preparer, filing, upload_temp,
                                                client_kind):
    """1,005 characters: with its part's other headers over the 1,024 bytes Django's parser
    reads of them, so no view sees the file; the answer says so, and what to do."""
    upload = {"kind": "evidence", "file": named("x" * 1005 + ".xlsx", WORKBOOK)}
    if client_kind == "web":
        client.force_login(preparer)
        response = client.post(web_url(filing), upload)
        page = response.content.decode()
        assert page.count(html.escape(NAME_TOO_LONG_MESSAGE)) == 1
        assert '<link rel="stylesheet"' in page  # the portal's own page
        assert f'href="{reverse("filings:detail", kwargs={"reference": filing.reference})}"' in page
    else:
        response = token_client(preparer).post(api_url(filing), upload, format="multipart")
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["detail"] == NAME_TOO_LONG_MESSAGE
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()
    assert stored_objects() == [] and temporary_files() == []


def test_a_name_of_1005_characters_cut_by_the_client_is_stored_with_its_extension(
        client, preparer, filing):
    """Clients that cut a name at 255 characters (Django's test client does, as Django does
    on arrival) send one that fits: it is stored, its extension kept."""
    client.force_login(preparer)

    client.post(web_url(filing), {"kind": "evidence",
                                  "file": SimpleUploadedFile("x" * 1005 + ".xlsx", WORKBOOK)})

    assert EvidenceFile.objects.get().original_name == "x" * 250 + ".xlsx"


def test_a_unicode_workbook_name_still_assesses(preparer, filing):
    """The assessment copies each file under its name, lower-cased: the longest name kept
    (İ, whose lower case is longer) still fits the file system."""
    for name in (UNICODE_NAME, "İ" * 200 + ".xlsx"):
        token_client(preparer).post(api_url(filing), {
            "kind": "evidence", "file": SimpleUploadedFile(name, WORKBOOK)}, format="multipart")
        version = filing.current_version()
        assert version.files.get().original_name == clean_original_name(name)

        result, errors = assessment_compute(version, assessment_rulebook())

        assert errors == [] and result is not None
        version.files.all().delete()
