"""Upload caps applied while the body streams in, before anything reaches the disk (issue 11).

`UploadCapHandler` comes first in settings.FILE_UPLOAD_HANDLERS, so it sees every multipart
request before Django's memory and temporary-file handlers do:

* a request whose Content-Length is over the largest upload (plus the multipart framing) is
  refused before one byte of its body is read;
* each file is counted as it streams and refused once it passes its cap, before the chunk that
  passes it goes on to the handlers that keep it. The cap follows the name's extension (each
  allowed extension belongs to one kind: .xlsx and .csv are evidence, .pdf .png .jpg supporting
  documents); store_upload checks the kind chosen in the form again once the file has arrived.

The refusal is `UploadTooLarge`, a MultiPartParserError: Django answers it through handler400
(portal.errors: the 413 page, or problem JSON on the API) and the API's multipart parser turns
it into a 413 problem (filings.api.parsers).
"""

from __future__ import annotations

from typing import IO

from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError

from filings.evidence.errors import size_text
from filings.models import FileKind
from filings.storage import (
    clean_original_name,
    largest_upload,
    size_limit,
    too_large_message,
    upload_size_limit,
)

# The multipart framing around the files of one request: boundaries, each part's headers (at
# most 1 KiB each; Django reads no more), the CSRF token and the kind field.
MULTIPART_OVERHEAD = 64 * 1024

# Django's parser refuses a part whose headers pass 1,024 bytes (django.http.multipartparser's
# MAX_TOTAL_HEADER_SIZE) with this text; in an upload that is a very long file name.
_HEADER_TOO_LONG = "max total header size exceeded"
NAME_TOO_LONG_MESSAGE = (
    "The file name is too long for the portal to read: the headers of one part of this upload, "
    "its file name among them, pass the 1,024 bytes the portal reads. Nothing was stored. Rename "
    "the file to a shorter name (at most 255 characters) and upload it again.")


class UploadTooLarge(MultiPartParserError):
    """An upload over its cap, refused while it streams; `message` names the file and the cap."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def upload_refusal(exception: BaseException | None) -> tuple[int, str] | None:
    """The status and message for an upload Django's parser could not take, or None when the
    exception is not one of these."""
    if isinstance(exception, UploadTooLarge):
        return 413, exception.message
    if isinstance(exception, MultiPartParserError) and _HEADER_TOO_LONG in str(exception).lower():
        return 400, NAME_TOO_LONG_MESSAGE
    return None


def request_too_large_message(content_length: int) -> str:
    return (f"This upload is {size_text(content_length)}, more than the "
            f"{size_text(largest_upload())} one upload may carry (an evidence file at most "
            f"{size_text(size_limit(FileKind.EVIDENCE))}, a supporting document at most "
            f"{size_text(size_limit(FileKind.SUPPORTING))}); nothing was read or stored. "
            "Upload fewer or smaller files.")


class UploadCapHandler(FileUploadHandler):
    """Refuses an upload over its cap as soon as that is known (see the module's docstring)."""

    limit = 0
    kind: FileKind | None = None
    received = 0

    def handle_raw_input(self, input_data: IO[bytes], META: dict[str, str], content_length: int,
                         boundary: str, encoding: str | None = None) -> None:
        if content_length > largest_upload() + MULTIPART_OVERHEAD:
            raise UploadTooLarge(request_too_large_message(content_length))

    def new_file(self, field_name: str, file_name: str, content_type: str,
                 content_length: int | None, charset: str | None = None,
                 content_type_extra: dict[str, bytes] | None = None) -> None:
        super().new_file(field_name, file_name, content_type, content_length, charset,
                         content_type_extra)
        self.limit, self.kind = upload_size_limit(file_name)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._discard_what_the_others_kept()
            raise UploadTooLarge(too_large_message(clean_original_name(self.file_name or ""),
                                                   self.limit, self.kind))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers make the file

    def _discard_what_the_others_kept(self) -> None:
        """The file being received is dropped at once: the temporary-file handler deletes what
        it wrote of it (Django's parser closes only the files already complete)."""
        handlers = getattr(self.request, "upload_handlers", None) or []
        for handler in handlers:
            if handler is not self:
                handler.upload_interrupted()
