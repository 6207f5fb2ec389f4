"""The object store for the restore drill: the bucket the AWS_* settings name (as
portal/file_storages.py reads them), copied object by object into a folder and from the folder
into a fresh bucket, then dropped.

Evidence and certificates are written once and never replaced, so a copy of each object is the
whole backup of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from portal.ops.errors import DrillConfigError, StepFailed

MANIFEST = "objects.json"
OBJECTS = "objects"
MAX_BUCKET_NAME_LENGTH = 63
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ObjectStore:
    """An S3-compatible server and the credentials the portal uses for it."""

    endpoint_url: str | None
    access_key: str | None
    secret_key: str | None
    region: str | None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> tuple[ObjectStore, str]:
        """The server and the bucket of AWS_STORAGE_BUCKET_NAME and the other AWS_* settings."""
        bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
        if not bucket:
            raise DrillConfigError(
                "AWS_STORAGE_BUCKET_NAME is not set: the drill backs up the bucket that holds the "
                "evidence and the certificates. Set it with the other AWS_* settings the portal "
                "runs with (a portal keeping files in folders is backed up by copying them).")
        store = cls(endpoint_url=environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None,
                    access_key=environ.get("AWS_ACCESS_KEY_ID") or None,
                    secret_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
                    region=environ.get("AWS_S3_REGION_NAME") or None)
        return store, bucket

    def client(self) -> Any:
        addressing = {"addressing_style": "path"} if self.endpoint_url else {}
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3=addressing, signature_version="s3v4",
                                          retries={"max_attempts": 5, "mode": "standard"}))

    def describe(self, bucket: str) -> str:
        return f"bucket {bucket} at {self.endpoint_url or 'AWS S3'}"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str


def fresh_name(bucket: str, suffix: str) -> str:
    """`<bucket>-drill-<suffix>`, the source's name shortened to fit S3's limit."""
    tail = f"-drill-{suffix}"
    return bucket[: MAX_BUCKET_NAME_LENGTH - len(tail)].rstrip(".-") + tail


def backup(store: ObjectStore, bucket: str, folder: Path) -> list[StoredObject]:
    """Every object of `bucket` into `folder`/objects/<key>, and a manifest (key, size, SHA-256,
    content type) in `folder`/objects.json."""
    client, objects = store.client(), []
    with _s3_errors(store.describe(bucket)):
        for key in _keys(client, bucket):
            objects.append(_download(client, bucket, key, _local_path(folder, key)))
    (folder / MANIFEST).write_text(json.dumps([asdict(o) for o in objects], indent=1) + "\n",
                                   encoding="utf-8")
    return objects


def create(store: ObjectStore, bucket: str) -> None:
    """A new, empty bucket (the keys need permission to create buckets)."""
    client = store.client()
    with _s3_errors(store.describe(bucket)):
        if store.region and store.region != "us-east-1":  # AWS wants any other region named
            client.create_bucket(Bucket=bucket,
                                 CreateBucketConfiguration={"LocationConstraint": store.region})
        else:
            client.create_bucket(Bucket=bucket)


def upload(store: ObjectStore, bucket: str, folder: Path, objects: list[StoredObject]) -> None:
    """Every backed-up object into `bucket`, under its key, with its content type."""
    client = store.client()
    with _s3_errors(store.describe(bucket)):
        for stored in objects:
            client.upload_file(str(_local_path(folder, stored.key)), bucket, stored.key,
                               ExtraArgs={"ContentType": stored.content_type})


def differences(store: ObjectStore, bucket: str, objects: list[StoredObject]) -> list[str]:
    """How the objects listed in `bucket` differ from the backup's (missing, extra, size)."""
    client = store.client()
    with _s3_errors(store.describe(bucket)):
        listed = dict(_sizes(client, bucket))
    expected = {o.key: o.size for o in objects}
    problems = [f"{key} is missing" for key in sorted(expected.keys() - listed.keys())]
    problems += [f"{key} was not in the backup" for key in sorted(listed.keys() - expected.keys())]
    problems += [f"{key} has {listed[key]} bytes, the backup {size}"
                 for key, size in sorted(expected.items()) if key in listed and listed[key] != size]
    return problems


def drop(store: ObjectStore, bucket: str) -> None:
    """Delete every object of `bucket`, then the bucket."""
    client = store.client()
    with _s3_errors(store.describe(bucket)):
        for key in list(_keys(client, bucket)):
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)


def _keys(client: Any, bucket: str) -> Iterator[str]:
    for key, _ in _sizes(client, bucket):
        yield key


def _sizes(client: Any, bucket: str) -> Iterator[tuple[str, int]]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"], int(item["Size"])


def _download(client: Any, bucket: str, key: str, target: Path) -> StoredObject:
    response = client.get_object(Bucket=bucket, Key=key)
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with target.open("xb") as out:
        for chunk in response["Body"].iter_chunks(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return StoredObject(key=key, size=size, sha256=digest.hexdigest(),
                        content_type=response.get("ContentType") or "binary/octet-stream")


def _local_path(folder: Path, key: str) -> Path:
    """Where an object's copy goes; a key that would leave the folder is refused."""
    root = (folder / OBJECTS).resolve()
    target = (root / key).resolve()
    if key.endswith("/") or not target.is_relative_to(root) or target == root:
        raise StepFailed(f"The object key {key!r} cannot be copied to a file under {root}: the "
                         "portal never stores such a key; look at who wrote it to the bucket.")
    return target


@contextmanager
def _s3_errors(where: str) -> Iterator[None]:
    """Turn boto3's errors into a StepFailed that names the bucket and the server."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise StepFailed(f"The {where} refused or did not answer: {error}. Check the AWS_* "
                         "settings and that these keys may list, read, create and delete "
                         "buckets and objects.") from error
