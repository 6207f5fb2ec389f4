"""The named file storages of settings.STORAGES, from the environment (no Django import).

Evidence (with supporting documents), certificate PDFs and exam dossiers each have a storage. By
default they are private folders on this machine (EVIDENCE_ROOT, CERTIFICATE_ROOT, DOSSIER_ROOT).
With AWS_STORAGE_BUCKET_NAME set they are one S3-compatible bucket, a prefix each, so a worker on
another machine reads what the web server stored:

    AWS_STORAGE_BUCKET_NAME   the bucket (switches object storage on)
    AWS_S3_ENDPOINT_URL       an S3-compatible server (MinIO, rclone, ...); unset means AWS
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   unset means boto3's own chain (instance roles)
    AWS_S3_REGION_NAME        optional

Nothing is ever served from a storage URL: downloads stream through the views that check
permission, so the bucket stays private.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EVIDENCE = "evidence"
CERTIFICATES = "certificates"
DOSSIERS = "dossiers"
# Each storage's local folder is the value of this setting, read when a file is stored or opened.
_ROOT_SETTINGS = {EVIDENCE: "EVIDENCE_ROOT", CERTIFICATES: "CERTIFICATE_ROOT",
                  DOSSIERS: "DOSSIER_ROOT"}
# A download from the bucket is buffered in memory up to this size, then in a temporary file.
_S3_MEMORY_BUFFER_BYTES = 2 * 1024 * 1024


def file_storages(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The "evidence", "certificates" and "dossiers" entries of STORAGES for this environment."""
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    return {alias: _object_storage(alias, bucket, environ) if bucket else _folder_storage(alias)
            for alias in _ROOT_SETTINGS}


def _folder_storage(alias: str) -> dict[str, Any]:
    return {"BACKEND": "filings.storage.WriteOnceFileSystemStorage",
            "OPTIONS": {"root_setting": _ROOT_SETTINGS[alias], "file_permissions_mode": 0o600,
                        "directory_permissions_mode": 0o700}}


def _object_storage(alias: str, bucket: str, environ: Mapping[str, str]) -> dict[str, Any]:
    endpoint = environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "location": alias,
        "endpoint_url": endpoint,
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        # S3-compatible servers name the bucket in the path, not in the host name.
        "addressing_style": "path" if endpoint else None,
        "signature_version": "s3v4",
        # A taken name gets another name; a stored object is never replaced.
        "file_overwrite": False,
        # The bucket's own (private) policy; objects are never made public.
        "default_acl": None,
        "querystring_auth": True,
        "max_memory_size": _S3_MEMORY_BUFFER_BYTES,
    }}
