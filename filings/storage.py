"""Evidence file storage: outside any web-served folder, under server-generated names.

An upload is streamed to a temporary file while its SHA-256 and size are computed and the size
cap enforced, its content is sniffed against its extension, and only then is it stored, through
Django's storage API: the `"evidence"` storage of settings.STORAGES (a private folder on this
machine, or an S3-compatible bucket; see portal/file_storages.py). The original name is metadata
only; it never becomes a path or an object name. Stored files are never replaced.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.uploadedfile import UploadedFile

from filings.models import FileKind
from portal.file_storages import EVIDENCE

EVIDENCE_SHEET_NAMES = ("vehicle", "battery_components", "critical_minerals", "vins")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
_CHUNK = 64 * 1024


class UploadRejected(ValueError):
    """The upload is refused; the message tells the user what to send instead."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


# extension -> (content type, kinds it may be uploaded as)
_ALLOWED = {
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              {FileKind.EVIDENCE}),
    ".csv": ("text/csv", {FileKind.EVIDENCE}),
    ".pdf": ("application/pdf", {FileKind.SUPPORTING}),
    ".png": ("image/png", {FileKind.SUPPORTING}),
    ".jpg": ("image/jpeg", {FileKind.SUPPORTING}),
    ".jpeg": ("image/jpeg", {FileKind.SUPPORTING}),
}


def clean_original_name(name: str) -> str:
    """A display-safe version of the client's file name: no paths, no control or bidi characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d"
                   "\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
    base = _SAFE_NAME.sub("_", base).strip(" .") or "upload"
    return base[:200]


class WriteOnceFileSystemStorage(FileSystemStorage):
    """A private folder whose files are written once: never seen half-written, never replaced.

    The folder is the value of the setting named `root_setting` (EVIDENCE_ROOT, CERTIFICATE_ROOT),
    read at each use, so the storage follows a test that points the setting elsewhere.
    """

    def __init__(self, *, root_setting: str, **options: Any) -> None:
        super().__init__(**options)
        self.root_setting = root_setting

    @property
    def base_location(self) -> str:
        return str(getattr(settings, self.root_setting))

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def _save(self, name: str, content: File[Any]) -> str:
        """Write to a temporary file beside the target, then link it into place: the link is
        atomic and refuses an existing name, which then gets another name, as Django's own does."""
        folder = Path(self.path(name)).parent
        folder.mkdir(parents=True, exist_ok=True, mode=self.directory_permissions_mode or 0o777)
        temporary = _write_temporary(folder, content, self.file_permissions_mode)
        try:
            while True:
                try:
                    os.link(temporary, self.path(name))
                    return name
                except FileExistsError:
                    name = self.get_available_name(name)
        finally:
            os.unlink(temporary)


def _write_temporary(folder: Path, content: File[Any], mode: int | None) -> str:
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in content.chunks(_CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def evidence_storage() -> Storage:
    return storages[EVIDENCE]


def evidence_key(stored_name: str) -> str:
    """The object's name in the evidence storage (a folder per two first characters)."""
    return f"{stored_name[:2]}/{stored_name}"


class StorageUnavailable(Exception):
    """The file store did not answer (a bucket or disk outage): the caller answers 503 and asks
    for a retry, never a 500. Nothing stored is lost."""

    message = ("The file store cannot be reached right now; nothing was lost. Try again in a few "
               "minutes.")


def open_stored(storage: Storage, name: str) -> File[Any]:
    """`storage.open(name, "rb")`: FileNotFoundError when the file is not there, StorageUnavailable
    when the storage cannot be reached (the local disk's or boto's errors)."""
    try:
        return storage.open(name, "rb")
    except FileNotFoundError:
        raise
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            raise FileNotFoundError(name) from exc
        raise StorageUnavailable(StorageUnavailable.message) from exc
    except (BotoCoreError, OSError) as exc:
        raise StorageUnavailable(StorageUnavailable.message) from exc


def evidence_open(stored_name: str) -> File[Any]:
    """The stored file, opened for reading; FileNotFoundError when it is not in the storage,
    StorageUnavailable when the storage does not answer. Callers check the reader's permission
    first (selectors); this only fetches bytes."""
    return open_stored(evidence_storage(), evidence_key(stored_name))


def evidence_copy(stored_name: str, target: Path) -> None:
    """Copy a stored file to a new local file (the evidence readers open files by path)."""
    with evidence_open(stored_name) as source, target.open("xb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def store_upload(upload: UploadedFile, kind: FileKind) -> StoredFile:
    """Validate and store one upload; raises UploadRejected with a message a person can act on."""
    original = clean_original_name(upload.name or "upload")
    extension = Path(original).suffix.lower()
    if extension not in _ALLOWED or kind not in _ALLOWED[extension][1]:
        allowed = sorted(ext for ext, (_, kinds) in _ALLOWED.items() if kind in kinds)
        raise UploadRejected(f"{original}: a {kind.label.lower()} must be one of "
                             f"{', '.join(allowed)} files.")
    if kind == FileKind.EVIDENCE and extension == ".csv" and Path(original).stem not in EVIDENCE_SHEET_NAMES:
        raise UploadRejected(f"{original}: CSV evidence files are named after their sheet: "
                             f"{', '.join(n + '.csv' for n in EVIDENCE_SHEET_NAMES)}.")
    limit = (settings.EVIDENCE_MAX_BYTES if kind == FileKind.EVIDENCE
             else settings.SUPPORTING_DOCUMENT_MAX_BYTES)
    digest, size, temporary = _stream_to_temp(upload, limit, original)
    try:
        _sniff(Path(temporary), extension, original)
        stored_name = _store(Path(temporary), f"{uuid.uuid4().hex}{extension}")
    finally:
        Path(temporary).unlink(missing_ok=True)
    return StoredFile(stored_name, original, _ALLOWED[extension][0], size, digest)


def _store(temporary: Path, stored_name: str) -> str:
    """Store the checked file; the storage never replaces an object, so a taken name (a UUID:
    in practice never) comes back changed, and that is the name kept."""
    with temporary.open("rb") as handle:
        key = evidence_storage().save(evidence_key(stored_name), File(handle, name=stored_name))
    return PurePosixPath(key).name


def _stream_to_temp(upload: UploadedFile, limit: int, original: str) -> tuple[str, int, str]:
    """Stream the upload to a private temporary file, hashing it and stopping at the cap."""
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=settings.FILE_UPLOAD_TEMP_DIR, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRejected(f"{original}: the file is larger than the "
                                         f"{limit // (1024 * 1024)} MB limit.")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(temporary).unlink(missing_ok=True)
        raise UploadRejected(f"{original}: the file is empty.")
    return digest.hexdigest(), size, temporary


def _sniff(path: Path, extension: str, original: str) -> None:
    """The content must be what the extension says: no renamed executables or polyglots."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if extension == ".pdf" and not head.startswith(b"%PDF-"):
        raise UploadRejected(f"{original}: this is not a PDF file (it does not start with %PDF-).")
    if extension == ".png" and not head.startswith(b"\x89PNG\r\n\x1a\n"):
        raise UploadRejected(f"{original}: this is not a PNG image.")
    if extension in (".jpg", ".jpeg") and not head.startswith(b"\xff\xd8\xff"):
        raise UploadRejected(f"{original}: this is not a JPEG image.")
    if extension == ".xlsx":
        _sniff_xlsx(path, original)
    if extension == ".csv":
        _sniff_csv(path, original)


def _sniff_xlsx(path: Path, original: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise UploadRejected(f"{original}: this is not an Excel workbook (.xlsx is a ZIP "
                             "package); save it from Excel as 'Excel Workbook (.xlsx)'.") from None
    if "[Content_Types].xml" not in names:
        raise UploadRejected(f"{original}: this ZIP file is not an Excel workbook.")


def _sniff_csv(path: Path, original: str) -> None:
    """Strict UTF-8 text without NUL bytes, checked in chunks (never the whole file in memory)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                raise UploadRejected(f"{original}: the file contains NUL bytes; it is not a text CSV "
                                     "(UTF-16 files must be saved as 'CSV UTF-8').")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise UploadRejected(f"{original}: the file is not UTF-8 text (byte "
                                     f"{offset + exc.start}); save it as 'CSV UTF-8 (comma "
                                     "delimited)'.") from None
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UploadRejected(f"{original}: the file ends in the middle of a UTF-8 character; save "
                             "it as 'CSV UTF-8 (comma delimited)'.") from None
