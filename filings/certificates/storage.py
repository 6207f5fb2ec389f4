"""Where issued certificate PDFs are kept: the "certificates" storage of settings.STORAGES (a
private folder or a bucket prefix), under a name fixed by the certificate, written once.

Only the worker writes here; downloads read through the views that check permission.
"""

from __future__ import annotations

from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction

from filings.certificates.models import Certificate
from filings.storage import open_stored
from portal.file_storages import CERTIFICATES


def certificate_storage() -> Storage:
    return storages[CERTIFICATES]


def certificate_name(certificate: Certificate) -> str:
    return f"{certificate.public_id.hex}.pdf"


def certificate_stored(certificate: Certificate) -> bool:
    return certificate_storage().exists(certificate_name(certificate))


def certificate_store_once(certificate: Certificate, pdf: bytes) -> bool:
    """Store the certificate's PDF unless one is stored already; True if this call stored it.

    A stored PDF is never replaced: a render after a crash, or a second delivery of the task,
    keeps the one it finds. On object storage "is it there?" and "put it" are two requests (S3
    has no create-only PUT every server honours), so stores of one certificate take turns on its
    database row (a folder storage never replaces a file in any case).
    """
    storage, name = certificate_storage(), certificate_name(certificate)
    with transaction.atomic():
        list(Certificate.objects.select_for_update().filter(pk=certificate.pk).values("pk"))
        if storage.exists(name):
            return False
        storage.save(name, ContentFile(pdf, name=name))
    return True


def certificate_open(certificate: Certificate) -> File[Any]:
    """The stored PDF, opened for reading; FileNotFoundError when it is not in the storage,
    StorageUnavailable when the storage does not answer. Callers check the reader's permission
    first (filings.certificates.selectors)."""
    return open_stored(certificate_storage(), certificate_name(certificate))


def certificate_read(certificate: Certificate) -> bytes:
    """The stored PDF's bytes (to hash it or check its signature)."""
    with certificate_open(certificate) as stored:
        content: bytes = stored.read()
    return content
