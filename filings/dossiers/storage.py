"""Where built dossiers are kept: the "dossiers" storage of settings.STORAGES (a private folder,
DOSSIER_ROOT, or a bucket prefix), under a name fixed by the dossier, written once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from django.core.files import File
from django.core.files.storage import Storage, storages

from filings.dossiers.models import Dossier
from filings.storage import StorageUnavailable, open_stored
from portal.file_storages import DOSSIERS


def dossier_storage() -> Storage:
    return storages[DOSSIERS]


def dossier_name(dossier: Dossier) -> str:
    return f"{dossier.public_id.hex}.zip"


def dossier_store(dossier: Dossier, path: Path) -> str:
    """Store the built ZIP (streamed from its temporary file); the name kept."""
    name = dossier_name(dossier)
    try:
        with path.open("rb") as handle:
            return dossier_storage().save(name, File(handle, name=name))
    except (BotoCoreError, ClientError, OSError) as exc:
        raise StorageUnavailable(StorageUnavailable.message) from exc


def dossier_open(dossier: Dossier) -> File[Any]:
    """The stored ZIP, opened for reading; FileNotFoundError or StorageUnavailable."""
    return open_stored(dossier_storage(), dossier.stored_name or dossier_name(dossier))
