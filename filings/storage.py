"""Evidence file storage: outside any web-served folder, under server-generated names.

An upload is streamed to a temporary file while its SHA-256 and size are computed and the size
cap enforced, its content is checked against its extension (an .xlsx must be an Excel package
from its first byte, a .pdf must parse as a PDF, neither may also be another format), and only
then is it stored, through Django's storage API: the `"evidence"` storage of settings.STORAGES
(a private folder on this machine, or an S3-compatible bucket; see portal/file_storages.py). The
original name is metadata only (the user's Unicode, cleaned); it never becomes a path or an
object name. Stored files are never replaced.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import shutil
import struct
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_noop

from filings.evidence.cells import FORBIDDEN_CHARACTERS
from filings.evidence.errors import size_text
from filings.models import FileKind
from portal.file_storages import EVIDENCE

logger = logging.getLogger(__name__)

EVIDENCE_SHEET_NAMES = ("vehicle", "battery_components", "critical_minerals", "vins")
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


# extension -> (content type, the kind it may be uploaded as: each extension belongs to one)
_ALLOWED = {
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              FileKind.EVIDENCE),
    ".csv": ("text/csv", FileKind.EVIDENCE),
    ".pdf": ("application/pdf", FileKind.SUPPORTING),
    ".png": ("image/png", FileKind.SUPPORTING),
    ".jpg": ("image/jpeg", FileKind.SUPPORTING),
    ".jpeg": ("image/jpeg", FileKind.SUPPORTING),
}
_WHAT_A_KIND_IS = {
    FileKind.EVIDENCE: "Evidence must be an .xlsx workbook or .csv sheet files",
    FileKind.SUPPORTING: "A supporting document must be a PDF, PNG or JPEG file",
}
_WHAT_IT_IS = {FileKind.EVIDENCE: "evidence", FileKind.SUPPORTING: "a supporting document"}


# --- names --------------------------------------------------------------------------------

# A name is at most this many bytes in UTF-8, lower-cased too: the file-name limit of the
# common file systems, where the assessment copies evidence under its name.
NAME_MAX_BYTES = 255
_PATH_SEPARATORS = re.compile(r"[/\\]")
_UNSAFE_IN_NAMES = re.compile(r'[:*?"<>|]')  # with / and \, what Windows refuses in a name
_NAME_EDGES = re.compile(r"^[\s.]+|[\s.]+$")
# Beyond the evidence cells' set: every other control or format character (U+061C, the tags).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORTENED = "\u2026"
_LONGEST_EXTENSION = 16


def clean_original_name(name: str) -> str:
    """The client's file name as metadata: its Unicode kept (NFC), path parts dropped, control,
    bidi-override and zero-width characters removed, the characters a file system refuses
    (`: * ? " < > |`) replaced by `_`, shortened to NAME_MAX_BYTES keeping the extension."""
    base = _PATH_SEPARATORS.split(unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if not FORBIDDEN_CHARACTERS.match(ch)
                   and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    base = _NAME_EDGES.sub("", unicodedata.normalize("NFC", _UNSAFE_IN_NAMES.sub("_", base)))
    return _shortened(base or "upload")


def _fits(name: str) -> bool:
    return max(len(name.encode()), len(name.lower().encode())) <= NAME_MAX_BYTES


def _shortened(name: str) -> str:
    """`name`, or its beginning, an ellipsis and its extension when it is too long."""
    if _fits(name):
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix) > _LONGEST_EXTENSION:
        suffix = ""
    stem = name[:len(name) - len(suffix)]
    budget = NAME_MAX_BYTES - len((_SHORTENED + suffix).encode())
    stem = stem.encode()[:budget].decode("utf-8", "ignore")
    while stem and not _fits(stem + _SHORTENED + suffix):
        stem = stem[:-1]
    return stem.rstrip() + _SHORTENED + suffix


# --- size limits --------------------------------------------------------------------------

def size_limit(kind: FileKind) -> int:
    return (settings.EVIDENCE_MAX_BYTES if kind == FileKind.EVIDENCE
            else settings.SUPPORTING_DOCUMENT_MAX_BYTES)


def largest_upload() -> int:
    """The largest file any upload may carry: the cap of an upload request as a whole."""
    return max(size_limit(kind) for kind in FileKind)


def upload_size_limit(file_name: str) -> tuple[int, FileKind | None]:
    """The cap of a file by its name, before its content arrives (the upload handler): each
    allowed extension belongs to one kind; any other name gets the largest cap, and is refused
    by store_upload once it has arrived."""
    allowed = _ALLOWED.get(PurePosixPath(clean_original_name(file_name)).suffix.lower())
    if allowed is None:
        return largest_upload(), None
    return size_limit(allowed[1]), allowed[1]


def too_large_message(original: str, limit: int, kind: FileKind | None) -> str:
    what = {FileKind.EVIDENCE: "an evidence file", FileKind.SUPPORTING: "a supporting document",
            None: "a file"}[kind]
    return (f"{original}: the file is larger than the {size_text(limit)} {what} may be; nothing "
            "was stored. Upload a smaller file.")


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

    # Marked for the catalogue; the page shows it in the reader's language (filings.views).
    message = gettext_noop("The file store cannot be reached right now; nothing was lost. Try "
                           "again in a few minutes.")


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
    """Validate and store one upload; raises UploadRejected with a message a person can act on,
    StorageUnavailable when the storage does not answer. Nothing is left behind either way."""
    original = clean_original_name(upload.name or "upload")
    extension = PurePosixPath(original).suffix.lower()
    _check_type(original, extension, kind)
    limit = size_limit(kind)
    digest, size, temporary = _stream_to_temp(upload, limit, original, kind)
    try:
        _sniff(Path(temporary), extension, original)
        stored_name = _store(Path(temporary), f"{uuid.uuid4().hex}{extension}")
    finally:
        Path(temporary).unlink(missing_ok=True)
    return StoredFile(stored_name, original, _ALLOWED[extension][0], size, digest)


def _check_type(original: str, extension: str, kind: FileKind) -> None:
    allowed = _ALLOWED.get(extension)
    if allowed is None:
        neither = "neither" if kind == FileKind.EVIDENCE else "none of these"
        raise UploadRejected(f"{_WHAT_A_KIND_IS[kind]}; {original} is {neither}.")
    if allowed[1] != kind:
        raise UploadRejected(f"{_WHAT_A_KIND_IS[kind]}; {original} is {_WHAT_IT_IS[allowed[1]]}: "
                             f"upload it as {_WHAT_IT_IS[allowed[1]]}.")
    if extension == ".csv" and PurePosixPath(original).stem not in EVIDENCE_SHEET_NAMES:
        raise UploadRejected(f"{original}: CSV evidence files are named after their sheet: "
                             f"{', '.join(n + '.csv' for n in EVIDENCE_SHEET_NAMES)}.")


def _store(temporary: Path, stored_name: str) -> str:
    """Store the checked file; the storage never replaces an object, so a taken name (a UUID:
    in practice never) comes back changed, and that is the name kept."""
    try:
        with temporary.open("rb") as handle:
            key = evidence_storage().save(evidence_key(stored_name),
                                          File(handle, name=stored_name))
    except (BotoCoreError, ClientError, OSError) as exc:
        raise StorageUnavailable(StorageUnavailable.message) from exc
    return PurePosixPath(key).name


def evidence_discard(stored_names: Iterable[str]) -> None:
    """Delete what an upload stored before it failed as a whole (several files stored all or
    none). Best effort: a storage that does not answer keeps the object, which nothing names."""
    storage = evidence_storage()
    for name in stored_names:
        try:
            storage.delete(evidence_key(name))
        except (BotoCoreError, ClientError, OSError):
            logger.warning("could not delete %s, stored by an upload that failed", name,
                           exc_info=True)


def _stream_to_temp(upload: UploadedFile, limit: int, original: str,
                    kind: FileKind) -> tuple[str, int, str]:
    """Stream the upload to a private temporary file, hashing it and stopping at the cap."""
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=settings.FILE_UPLOAD_TEMP_DIR, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRejected(too_large_message(original, limit, kind))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(temporary).unlink(missing_ok=True)
        raise UploadRejected(f"{original}: the file is empty (0 bytes); choose the file that "
                             "holds the content and upload it again.")
    return digest.hexdigest(), size, temporary


# --- what a file is -----------------------------------------------------------------------

_HEAD = 8 * 1024  # where markup betrays an HTML page behind another format's signature
_MARKUP = re.compile(rb"<(?:html|script|!doctype|body|iframe)\b", re.IGNORECASE)
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_LOCAL_FILE = b"PK\x03\x04"
_LOCAL_FILE_HEADER = struct.Struct("<4s2B4HL2L2H")
_ZIP_METHODS = frozenset({0, 8, 9, 12, 14, 93, 95, 98})  # stored, deflate, bzip2, lzma, zstd, ...
_END_OF_ZIP = b"PK\x05\x06"
_END_OF_ZIP_SIZE = 22
_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (_LOCAL_FILE, "a ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office 97-2003 file (.xls, .doc)"),
    (b"{\\rtf", "an RTF document"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)
_SAVE_XLSX = "Save it from Excel as 'Excel Workbook (.xlsx)' and upload that."
_SAVE_PDF = "Save or print the document as a PDF and upload that."


def _looks_like(head: bytes) -> str:
    """What the first bytes of a file say it is, for a message."""
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return what
    if _MARKUP.search(head):
        return "an HTML page"
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        decoder.decode(head)
    except UnicodeDecodeError:
        return "a binary file of no format the portal knows"
    return "a text file"


def _sniff(path: Path, extension: str, original: str) -> None:
    """The content must be what the extension says: no renamed files, no polyglots."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if extension == ".xlsx":
        _sniff_xlsx(path, head, original)
    elif extension == ".csv":
        _sniff_csv(path, original)
    elif extension == ".pdf":
        _sniff_pdf(path, head, original)
    else:
        _sniff_image(path, head, extension, original)


def _sniff_xlsx(path: Path, head: bytes, original: str) -> None:
    """A ZIP package from its first byte to its last, holding the workbook's parts."""
    if not head.startswith(_LOCAL_FILE):
        raise UploadRejected(f"{original}: this is not an Excel workbook; it looks like "
                             f"{_looks_like(head)}. {_SAVE_XLSX}")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRejected(f"{original}: this is not an Excel workbook; its ZIP package is "
                             f"damaged or incomplete. {_SAVE_XLSX}") from None
    names = {entry.filename for entry in entries}
    first = min((entry.header_offset for entry in entries), default=None)
    if first != 0:
        raise UploadRejected(f"{original}: this is not a plain Excel workbook; something else "
                             f"comes before its ZIP package (its first part is at byte {first}, "
                             f"not 0). {_SAVE_XLSX}")
    missing = [part for part in ("[Content_Types].xml", "xl/workbook.xml") if part not in names]
    if missing:
        raise UploadRejected(f"{original}: this is {_package(names)}, not an Excel workbook (it "
                             f"has no {' or '.join(missing)}). {_SAVE_XLSX}")
    if "xl/vbaProject.bin" in names:
        raise UploadRejected(f"{original}: this workbook holds macros (xl/vbaProject.bin); the "
                             "portal takes workbooks without them. " + _SAVE_XLSX)
    after = _bytes_after_zip(path)
    if after:
        raise UploadRejected(f"{original}: this is not a plain Excel workbook; {after:,} bytes of "
                             f"something else follow its ZIP package. {_SAVE_XLSX}")


def _package(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    if "mimetype" in names and "content.xml" in names:
        return "an OpenDocument file (.ods, .odt)"
    return "a ZIP archive"


def _bytes_after_zip(path: Path) -> int:
    """How many bytes follow the ZIP's end-of-central-directory record and its comment."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - (_END_OF_ZIP_SIZE + 0xFFFF)))
        tail = handle.read()
    end = tail.rfind(_END_OF_ZIP)
    if end < 0 or len(tail) < end + _END_OF_ZIP_SIZE:
        return 0  # zipfile read it: not reached
    comment = int.from_bytes(tail[end + 20:end + 22], "little")
    return max(0, len(tail) - (end + _END_OF_ZIP_SIZE + comment))


def _zip_inside(path: Path) -> int | None:
    """Where a ZIP archive hides in a file of another format: the first plausible local-file
    header (what a streaming ZIP reader extracts), or else the end-of-directory record when a
    ZIP reader (which reads from the end) opens the file; None when there is neither."""
    window = 1024 * 1024
    overlap = _LOCAL_FILE_HEADER.size + 1024
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(window + overlap):
            found = block.find(_LOCAL_FILE)
            while 0 <= found < window:
                if _plausible_local_header(block, found):
                    return offset + found
                found = block.find(_LOCAL_FILE, found + 1)
            if len(block) <= window:
                break
            offset += window
            handle.seek(offset)
    if not zipfile.is_zipfile(path):
        return None
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - (_END_OF_ZIP_SIZE + 0xFFFF)))
        tail = handle.read()
    return size - len(tail) + max(0, tail.rfind(_END_OF_ZIP))


def _plausible_local_header(block: bytes, at: int) -> bool:
    """Whether the signature at `at` starts a real ZIP entry (a compressed stream may hold the
    four bytes by chance): a known method and a printable name of sane length."""
    header = block[at:at + _LOCAL_FILE_HEADER.size]
    if len(header) < _LOCAL_FILE_HEADER.size:
        return False
    fields = _LOCAL_FILE_HEADER.unpack(header)
    version, method, name_length = fields[1], fields[4], fields[10]
    if version > 63 or method not in _ZIP_METHODS or not 0 < name_length <= 1024:
        return False
    raw_name = block[at + _LOCAL_FILE_HEADER.size:at + _LOCAL_FILE_HEADER.size + name_length]
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(raw_name) == name_length and name.isprintable()


def _sniff_pdf(path: Path, head: bytes, original: str) -> None:
    """A PDF from its header to its %%EOF, that a PDF reader opens, and no other format too."""
    if not head.startswith(b"%PDF-"):
        raise UploadRejected(f"{original}: this is not a PDF document; it looks like "
                             f"{_looks_like(head)}. {_SAVE_PDF}")
    markup = _MARKUP.search(head)
    if markup:
        raise UploadRejected(f"{original}: this is an HTML page behind a PDF header (it has "
                             f"{markup.group().decode('ascii')} near its start), not a PDF "
                             f"document. {_SAVE_PDF}")
    _refuse_zip_inside(path, original, "PDF document", _SAVE_PDF)
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1024))
        tail = handle.read()
    if not tail.rstrip(_PDF_WHITESPACE).endswith(b"%%EOF"):
        raise UploadRejected(f"{original}: this PDF is incomplete or has something appended (it "
                             f"does not end with %%EOF). {_SAVE_PDF}")
    with path.open("rb") as handle:
        readable = _pdf_readable(handle)
    if readable is None:
        raise UploadRejected(f"{original}: this PDF is password-protected, so reviewers could not "
                             "open it; save it without a password and upload that.")
    if not readable:
        raise UploadRejected(f"{original}: this cannot be read as a PDF document (its structure "
                             f"is damaged). {_SAVE_PDF}")


def _pdf_readable(handle: Any) -> bool | None:
    """Whether pyHanko's reader finds the cross-reference table, the trailer and the page tree;
    None when it needs a password. A hostile file may break the reader in any way, so any error
    means the file is not a readable PDF."""
    # Imported here: the `assess` command and the workers that only read evidence never load
    # the PDF and image libraries.
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(handle, strict=False)
        if reader.encrypted and reader.decrypt(b"").status == AuthStatus.FAILED:
            return None
        reader.root["/Pages"]
    except Exception:
        return False
    return True


def _refuse_zip_inside(path: Path, original: str, what: str, instead: str) -> None:
    at = _zip_inside(path)
    if at is not None:
        raise UploadRejected(f"{original}: this {what} also holds a ZIP archive (from byte "
                             f"{at:,}); a file that is two formats at once is not accepted. "
                             f"{instead}")


_IMAGES = {".png": ("PNG", b"\x89PNG\r\n\x1a\n"), ".jpg": ("JPEG", b"\xff\xd8\xff"),
           ".jpeg": ("JPEG", b"\xff\xd8\xff")}


def _sniff_image(path: Path, head: bytes, extension: str, original: str) -> None:
    image_format, signature = _IMAGES[extension]
    instead = f"Save it as a {image_format} image (or a PDF) and upload that."
    if not head.startswith(signature):
        raise UploadRejected(f"{original}: this is not a {image_format} image; it looks like "
                             f"{_looks_like(head)}. {instead}")
    _refuse_zip_inside(path, original, f"{image_format} image", instead)
    from PIL import Image

    try:
        with Image.open(path, formats=(image_format,)) as image:
            image.verify()
    except Exception:  # Pillow reports a broken file in many ways: it is not an image
        raise UploadRejected(f"{original}: this {image_format} image is damaged and cannot be "
                             f"read. {instead}") from None


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
