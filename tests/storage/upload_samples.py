"""Real files and the hostile ones built from them (issue 11), and where an upload can leave
something behind: the evidence storage's folder and the upload temporary folder."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse
from PIL import Image
from pyhanko.pdf_utils.writer import PdfFileWriter

from filings.models import Filing
from tests.conftest import DATA

WORKBOOK = (DATA / "us-pickup-japan-minerals.xlsx").read_bytes()
CSV_FOLDER = DATA / "us-pickup-japan-minerals-csv"


def pdf() -> bytes:
    """A one-page PDF, as Pillow writes it."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "PDF")
    return out.getvalue()


def image(image_format: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "teal").save(out, image_format)
    return out.getvalue()


def password_protected_pdf() -> bytes:
    writer = PdfFileWriter()
    writer.encrypt("owner secret", "user secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def owner_password_only_pdf() -> bytes:
    """Encrypted with an empty user password: it opens without one; only editing is limited."""
    writer = PdfFileWriter()
    writer.encrypt("owner secret", "")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_archive(entries: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (entries or {"index.html": b"<script>alert(1)</script>"}).items():
            archive.writestr(name, content)
    return out.getvalue()


def local_zip_entry() -> bytes:
    """A ZIP archive's first entry alone (its local header and data), without the directory a
    reader from the end needs: what a streaming ZIP reader still extracts."""
    archive = zip_archive({"payload.html": b"<script>alert(1)</script>"})
    return archive[:archive.index(b"PK\x01\x02")]


def workbook_changed(*, drop: tuple[str, ...] = (), add: dict[str, bytes] | None = None) -> bytes:
    """The sample workbook repackaged without the parts in `drop`, with those in `add`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in drop:
                target.writestr(entry, source.read(entry))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


# --- what an upload leaves behind ---------------------------------------------------------

def stored_objects() -> list[Path]:
    """Every file in the evidence storage's folder."""
    root = Path(settings.EVIDENCE_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def temporary_files() -> list[str]:
    folder = settings.FILE_UPLOAD_TEMP_DIR
    return sorted(os.listdir(folder)) if folder else []


class MeasuredTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, writing as it does; after each chunk it notes the size
    of every file in FILE_UPLOAD_TEMP_DIR, so a test sees the most that was ever on disk."""

    largest_seen: list[int] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        result = super().receive_data_chunk(raw_data, start)
        self.file.flush()
        folder = settings.FILE_UPLOAD_TEMP_DIR
        sizes = [entry.stat().st_size for entry in os.scandir(folder)]
        type(self).largest_seen.append(max(sizes, default=0))
        return result


def measured_handlers(configured: list[str]) -> list[str]:
    """The configured upload handlers, the temporary-file one measured."""
    temporary = "django.core.files.uploadhandler.TemporaryFileUploadHandler"
    assert temporary in configured
    return [f"{__name__}.MeasuredTemporaryFileUploadHandler" if h == temporary else h
            for h in configured]


# --- the two ways in ----------------------------------------------------------------------

def web_url(filing: Filing) -> str:
    return reverse("filings:evidence_upload", kwargs={"reference": filing.reference})


def api_url(filing: Filing) -> str:
    return reverse("api:evidence", kwargs={"reference": filing.reference})


def named(name: str, content: bytes) -> Any:
    """A file for the test client under exactly `name` (SimpleUploadedFile cuts a name at 255
    characters, as Django does on arrival; a hostile client sends what it likes)."""
    handle = io.BytesIO(content)
    handle.name = name
    return handle
