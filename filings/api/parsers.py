"""JSON bodies, bounded before they are parsed: a hostile body is a clear problem (413 for its
size, 400 for its depth), never a RecursionError and a 500 (issue 11). Multipart bodies refused
while they stream (filings.uploads) answered as what they are."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.utils.datastructures import MultiValueDict
from rest_framework import exceptions, renderers, status
from rest_framework.parsers import BaseParser, DataAndFiles, MultiPartParser
from rest_framework.utils import json

from filings.uploads import upload_refusal

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

# Deeper than any request this API takes (its bodies are flat objects), far below Python's
# recursion limit.
MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def json_depth(raw: bytes, *, stop_above: int = MAX_JSON_DEPTH) -> int:
    """How deeply arrays and objects nest in `raw` (brackets inside strings do not count);
    the count stops once it passes `stop_above`."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
        if deepest > stop_above:
            break
    return deepest


class BoundedJSONParser(BaseParser):
    """JSON, after two checks on the raw body: at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes (read
    no further), at most `MAX_JSON_DEPTH` levels. Not a subclass of DRF's JSONParser: DRF reads
    `request.body` for that one, where Django's own size check answers an HTML 400."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(f"The JSON body is larger than {limit // (1024 * 1024)} MiB; "
                                  "send less (evidence files go to the evidence endpoint).")
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"The JSON body nests arrays or objects more than "
                                        f"{MAX_JSON_DEPTH} levels deep; this API takes flat "
                                        "objects of fields.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=json.strict_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if not isinstance(data, dict):
            raise exceptions.ParseError("The JSON body must be an object of fields.")
        return data


class UploadMultiPartParser(MultiPartParser):
    """DRF's multipart parser, but an upload refused while it streamed is answered as what it
    is: a 413 naming the file and its cap, a 400 saying the file name is too long to read,
    rather than "Multipart form parse error - ..."."""

    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None
              ) -> DataAndFiles[_ImmutableQueryDict, MultiValueDict[Any, Any]]:
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as exc:
            refusal = upload_refusal(exc.__context__)  # DRF raises it from Django's error
            if refusal is None:
                raise
            status_code, message = refusal
            if status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
                raise RequestTooLarge(message) from None
            raise exceptions.ParseError(message) from None
