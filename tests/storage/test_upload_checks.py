"""A file is stored only if it is what its extension says, from its first byte to its last, and
nothing else at the same time (issue 11): polyglots and renamed files are refused through the
web form and the API with a message that says what the file looks like and what to send."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filings.models import EvidenceFile
from tests.api.conftest import token_client
from tests.storage.upload_samples import (
    WORKBOOK,
    api_url,
    image,
    local_zip_entry,
    owner_password_only_pdf,
    password_protected_pdf,
    pdf,
    stored_objects,
    temporary_files,
    web_url,
    workbook_changed,
    zip_archive,
)

pytestmark = pytest.mark.django_db

SAVE_XLSX = "Save it from Excel as 'Excel Workbook (.xlsx)' and upload that."
SAVE_PDF = "Save or print the document as a PDF and upload that."
PROLOGUE = b"<script>alert(1)</script>\n"
APPENDED_HTML = b"<html><body><script>alert(1)</script></body></html>"


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    content: Callable[[], bytes]
    message: Callable[[bytes], str]


def _pdf_with_entry_inside() -> bytes:
    document = pdf()
    at = document.index(b"\n") + 1
    return document[:at] + local_zip_entry() + document[at:]


HOSTILE = {
    "xlsx behind %PDF": Case(
        "evidence.xlsx", "evidence", lambda: b"%PDF-1.7\n" + WORKBOOK,
        lambda _: "evidence.xlsx: this is not an Excel workbook; it looks like a PDF document. "
                  + SAVE_XLSX),
    "xlsx behind <script>": Case(
        "evidence.xlsx", "evidence", lambda: PROLOGUE + WORKBOOK,
        lambda _: "evidence.xlsx: this is not an Excel workbook; it looks like an HTML page. "
                  + SAVE_XLSX),
    "xlsx behind another ZIP": Case(
        "evidence.xlsx", "evidence", lambda: zip_archive() + WORKBOOK,
        lambda content: "evidence.xlsx: this is not a plain Excel workbook; something else comes "
                        f"before its ZIP package (its first part is at byte "
                        f"{len(content) - len(WORKBOOK)}, not 0). " + SAVE_XLSX),
    "xlsx with a page appended": Case(
        "evidence.xlsx", "evidence", lambda: WORKBOOK + APPENDED_HTML,
        lambda _: f"evidence.xlsx: this is not a plain Excel workbook; {len(APPENDED_HTML)} bytes "
                  "of something else follow its ZIP package. " + SAVE_XLSX),
    "a Word document as xlsx": Case(
        "evidence.xlsx", "evidence",
        lambda: zip_archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        lambda _: "evidence.xlsx: this is a Word document, not an Excel workbook (it has no "
                  "xl/workbook.xml). " + SAVE_XLSX),
    "a workbook with macros": Case(
        "evidence.xlsx", "evidence",
        lambda: workbook_changed(add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macros"}),
        lambda _: "evidence.xlsx: this workbook holds macros (xl/vbaProject.bin); the portal "
                  "takes workbooks without them. " + SAVE_XLSX),
    "a program as xlsx": Case(
        "evidence.xlsx", "evidence", lambda: b"MZ\x90\x00\x03" + bytes(64),
        lambda _: "evidence.xlsx: this is not an Excel workbook; it looks like a Windows program. "
                  + SAVE_XLSX),
    "PDF/ZIP polyglot": Case(
        "letter.pdf", "supporting", lambda: pdf() + zip_archive(),
        lambda content: "letter.pdf: this PDF document also holds a ZIP archive (from byte "
                        f"{len(pdf()):,}); a file that is two formats at once is not accepted. "
                        + SAVE_PDF),
    "PDF with a ZIP entry inside": Case(
        "letter.pdf", "supporting", _pdf_with_entry_inside,
        lambda content: "letter.pdf: this PDF document also holds a ZIP archive (from byte "
                        f"{content.index(b'PK'):,}); a file that is two formats at once is not "
                        "accepted. " + SAVE_PDF),
    "an HTML page behind %PDF-1.7": Case(
        "letter.pdf", "supporting",
        lambda: b"%PDF-1.7\n<!DOCTYPE html>" + APPENDED_HTML + b"\n%%EOF\n",
        lambda _: "letter.pdf: this is an HTML page behind a PDF header (it has <!DOCTYPE near "
                  "its start), not a PDF document. " + SAVE_PDF),
    "a PDF header and nothing else": Case(
        "letter.pdf", "supporting", lambda: b"%PDF-1.7\n% no objects, no trailer\n%%EOF\n",
        lambda _: "letter.pdf: this cannot be read as a PDF document (its structure is "
                  "damaged). " + SAVE_PDF),
    "a PDF cut short": Case(
        "letter.pdf", "supporting", lambda: pdf()[:-40],
        lambda _: "letter.pdf: this PDF is incomplete or has something appended (it does not "
                  "end with %%EOF). " + SAVE_PDF),
    "an HTML page as pdf": Case(
        "letter.pdf", "supporting", lambda: b"<!doctype html>" + APPENDED_HTML,
        lambda _: "letter.pdf: this is not a PDF document; it looks like an HTML page. "
                  + SAVE_PDF),
    "a password-protected PDF": Case(
        "letter.pdf", "supporting", password_protected_pdf,
        lambda _: "letter.pdf: this PDF is password-protected, so reviewers could not open it; "
                  "save it without a password and upload that."),
    "PNG/ZIP polyglot": Case(
        "scan.png", "supporting", lambda: image("PNG") + zip_archive(),
        lambda _: f"scan.png: this PNG image also holds a ZIP archive (from byte "
                  f"{len(image('PNG')):,}); a file that is two formats at once is not accepted. "
                  "Save it as a PNG image (or a PDF) and upload that."),
    "JPEG/ZIP polyglot": Case(
        "photo.jpg", "supporting", lambda: image("JPEG") + zip_archive(),
        lambda _: f"photo.jpg: this JPEG image also holds a ZIP archive (from byte "
                  f"{len(image('JPEG')):,}); a file that is two formats at once is not accepted. "
                  "Save it as a JPEG image (or a PDF) and upload that."),
    "a PNG signature and nothing else": Case(
        "scan.png", "supporting", lambda: b"\x89PNG\r\n\x1a\n" + bytes(64),
        lambda _: "scan.png: this PNG image is damaged and cannot be read. Save it as a PNG "
                  "image (or a PDF) and upload that."),
    "a workbook as jpg": Case(
        "photo.jpg", "supporting", lambda: WORKBOOK,
        lambda _: "photo.jpg: this is not a JPEG image; it looks like a ZIP archive. Save it as "
                  "a JPEG image (or a PDF) and upload that."),
}


def _nothing_left() -> None:
    assert not EvidenceFile.objects.exists()
    assert stored_objects() == []
    assert temporary_files() == []


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_refused_on_the_web_saying_what_it_looks_like(
        client, preparer, filing, upload_temp, case):
    content = case.content()
    client.force_login(preparer)

    response = client.post(web_url(filing), {"kind": case.kind,
                                             "file": _file(case.name, content)})

    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(html.escape(case.message(content))) == 1, page
    assert 'role="alert"' in page
    _nothing_left()


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_a_problem_on_the_api_saying_what_it_looks_like(
        preparer, filing, upload_temp, case):
    content = case.content()

    response = token_client(preparer).post(api_url(filing), {
        "kind": case.kind, "file": _file(case.name, content)}, format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == case.message(content)
    _nothing_left()


GENUINE = {
    "the sample workbook": ("evidence.xlsx", "evidence", lambda: WORKBOOK),
    "a PDF": ("letter.pdf", "supporting", pdf),
    "a PDF with an owner password only": ("letter.pdf", "supporting", owner_password_only_pdf),
    "a PNG image": ("scan.png", "supporting", lambda: image("PNG")),
    "a JPEG image": ("photo.jpeg", "supporting", lambda: image("JPEG")),
}


@pytest.mark.parametrize(("name", "kind", "content"), GENUINE.values(), ids=GENUINE.keys())
def test_a_genuine_file_is_stored_through_the_web_and_the_api(client, preparer, filing,
                                                              upload_temp, name, kind, content):
    data = content()
    client.force_login(preparer)

    web = client.post(web_url(filing), {"kind": kind, "file": _file(name, data)})
    api = token_client(preparer).post(api_url(filing), {"kind": kind, "file": _file(name, data)},
                                      format="multipart")

    assert web.status_code == 302 and api.status_code == 201, api.content
    stored = EvidenceFile.objects.filter(version__filing=filing)
    assert [f.original_name for f in stored] == [name, name]
    assert [p.read_bytes() for p in stored_objects()] == [data, data]
    assert temporary_files() == []


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
