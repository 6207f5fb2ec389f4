"""`Idempotency-Key`: the same key and body replays the first response; a different body is a 409.

Only successful responses are kept, so a refused request can be corrected and retried with the
same key. Keys are per user (a token acts as its creator). The key is claimed before the request
acts, so a concurrent duplicate gets a 409 instead of acting twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from rest_framework.request import Request
from rest_framework.response import Response

from filings.api.errors import PROBLEM_CONTENT_TYPE, problem
from filings.api.models import IdempotencyRecord
from portal.accounts.models import User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_PROGRESS = 0


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"{upload.name}:{upload.size}:{digest.hexdigest()}"


def request_hash(request: Request) -> str:
    """A digest of what the request asks for: method, path and body (files by content)."""
    data = request.data
    items: dict[str, Any] = {}
    keys = data.keys() if hasattr(data, "keys") else []
    for key in sorted(keys):
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        items[key] = [_file_digest(v) if isinstance(v, UploadedFile) else v for v in values]
    if not hasattr(data, "keys"):
        items = {"": data}
    canonical = json.dumps([request.method, request.path, items], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        return Response(problem(400, f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} "
                                     "characters."), status=400, content_type=PROBLEM_CONTENT_TYPE)
    user = request.user
    assert isinstance(user, User)  # the API is authenticated by default
    digest = request_hash(request)
    record, claimed = _claim(user, key, digest)
    if not claimed:
        return _replay(record, digest)
    try:
        response = handler()
    except Exception:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()  # a refusal may be retried
        raise
    if 200 <= response.status_code < 300:
        IdempotencyRecord.objects.filter(pk=record.pk).update(status=response.status_code,
                                                              body=response.data)
    else:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
    return response


def _claim(user: User, key: str, digest: str) -> tuple[IdempotencyRecord, bool]:
    """Claim the key before acting (committed at once), so two concurrent requests with the
    same key cannot both act: the second finds the claim (status 0, still running)."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=user, key=key, request_hash=digest,
                                                    status=IN_PROGRESS), True
    except IntegrityError:
        return IdempotencyRecord.objects.get(user=user, key=key), False


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.status == IN_PROGRESS:
        return Response(problem(409, "A request with this Idempotency-Key is still being processed; "
                                     "retry in a moment.", slug="idempotency-key-in-use"),
                        status=409, content_type=PROBLEM_CONTENT_TYPE)
    if record.request_hash != digest:
        return Response(problem(409, f"This {HEADER} was used for a different request; use a new "
                                     "key for a new request.", slug="idempotency-key-reused"),
                        status=409, content_type=PROBLEM_CONTENT_TYPE)
    return Response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"})
