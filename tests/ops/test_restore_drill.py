"""The restore drill as an operator runs it: `python -m portal.ops.restore_drill` as a process,
backing up a real PostgreSQL database and a real S3 bucket that `manage.py demo_data` filled
(through the services, so the audit trail is genuine and the certificate really signed).

PostgreSQL even when the suite itself runs on SQLite: the drill backs up PostgreSQL only, and it
runs on every machine of this project. The server is DATABASE_URL's when that is PostgreSQL,
otherwise postgres@127.0.0.1:5432; when it does not answer the test fails, never skips.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from portal.ops import restore_drill
from tests.s3_server import S3Bucket, S3Server

ROOT = Path(__file__).resolve().parents[2]
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.slow


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in ("postgres", "postgresql") else LOCAL_POSTGRES


def _connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL does not answer at {urlsplit(url).hostname}:{urlsplit(url).port}"
                    f" ({exc}). The restore drill's test needs it even on SQLite: start it "
                    "(`.ci/run` does), or set DATABASE_URL to a PostgreSQL server.")


@dataclass
class Source:
    """The portal's database and bucket that the drill backs up, and the settings naming them."""

    url: str
    bucket: S3Bucket
    environment: dict[str, str]

    def drill(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "portal.ops.restore_drill", *arguments],
                              cwd=ROOT, env=self.environment, capture_output=True, text=True,
                              timeout=300, check=False)

    def query(self, statement: str, *parameters: object) -> list[tuple[Any, ...]]:
        with _connect(self.url) as connection:
            return connection.execute(statement, parameters).fetchall()

    def tamper(self, statement: str, *parameters: object) -> None:
        """As an attacker with database access would: around the append-only triggers."""
        with _connect(self.url) as connection, connection.transaction():
            connection.execute("SET LOCAL session_replication_role = replica")
            connection.execute(statement, parameters)

    def leftovers(self) -> tuple[list[str], list[str]]:
        """Databases and buckets a drill made from this source and did not drop."""
        name = urlsplit(self.url).path.lstrip("/")
        databases = [row[0] for row in self.query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", f"{name}_drill_")]
        listed = self.bucket.server.client().list_buckets()["Buckets"]
        prefix = f"{self.bucket.name}-drill-"
        return databases, [b["Name"] for b in listed if b["Name"].startswith(prefix)]

    def certificate(self) -> tuple[str, str, str]:
        """(serial, stored name, recorded SHA-256) of the demo's issued certificate."""
        [row] = self.query("SELECT serial, stored_name, pdf_sha256 FROM filings_certificate "
                           "WHERE status = 'issued'")
        return row


def _manage(environment: dict[str, str], *arguments: str) -> None:
    done = subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"manage.py {' '.join(arguments)}:\n{done.stdout}\n{done.stderr}"


def _environment(url: str, server: S3Server, bucket: str, home: Path) -> dict[str, str]:
    """The portal's settings for the source: its own database, bucket and var/, the local PKI;
    the filesystem broker under that var/, so no message reaches a worker of another run."""
    return {**os.environ, **server.environment(bucket), "DATABASE_URL": url,
            "VAR_DIR": str(home / "var"), "REDIS_URL": "", "CACHE_URL": "",
            # Signed and checked with the local PKI (its CERTIFICATE_* settings are in os.environ:
            # tests/conftest.py).
            "CERTIFICATE_PREVIOUS_CERTS": "",
            "EVIDENCE_ROOT": str(home / "evidence"), "CERTIFICATE_ROOT": str(home / "certificates"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}


@pytest.fixture(scope="module")
def source(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """A `cvc_ops_src_…` database and a bucket, migrated and filled by `manage.py demo_data`."""
    server_url, suffix = _server_url(), uuid.uuid4().hex[:8]
    name = f"cvc_ops_src_{suffix}"
    bucket = S3Bucket(s3_server, f"cvc-ops-src-{suffix}")
    with _connect(server_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    s3_server.client().create_bucket(Bucket=bucket.name)
    url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    environment = _environment(url, s3_server, bucket.name, tmp_path_factory.mktemp("source"))
    try:
        _manage(environment, "migrate", "--no-input")
        _manage(environment, "demo_data")
        yield Source(url, bucket, environment)
    finally:
        with _connect(server_url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = s3_server.client()
        for key in bucket.stored_keys():
            client.delete_object(Bucket=bucket.name, Key=key)
        client.delete_bucket(Bucket=bucket.name)


def test_the_drill_restores_the_demo_data_and_verifies_it(source, tmp_path):
    [(events,)] = source.query("SELECT count(*) FROM filings_auditevent")
    keys = source.bucket.stored_keys()
    backup = tmp_path / "backup"

    done = source.drill("--backup-dir", str(backup), "--keep")

    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.rstrip().endswith("Restore drill passed."), out
    assert f": {len(keys)} object(s), " in out
    assert f": {len(keys)} object(s) uploaded; keys and sizes match the backup" in out
    assert f"The audit trail is intact: {events} event(s) checked." in out
    assert ("Every published certificate verifies: 1 checked (1 issued, 0 superseded, "
            "0 revoked).") in out
    # The backup: a custom-format dump, and a copy of every object listed with its hash.
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"
    manifest = json.loads((backup / "objects.json").read_text())
    assert [entry["key"] for entry in manifest] == keys
    for entry in manifest:
        copy = (backup / "objects" / entry["key"]).read_bytes()
        assert copy == source.bucket.read(entry["key"])
        assert entry["sha256"] == hashlib.sha256(copy).hexdigest()
    # --keep: the fresh database and bucket hold what the source holds.
    [database], [bucket] = source.leftovers()
    fresh = Source(urlsplit(source.url)._replace(path=f"/{database}").geturl(),
                   S3Bucket(source.bucket.server, bucket), source.environment)
    try:
        assert fresh.query("SELECT count(*) FROM filings_auditevent") == [(events,)]
        assert fresh.certificate() == source.certificate()
        assert fresh.bucket.stored_keys() == keys
    finally:
        _drop(fresh)
    assert source.leftovers() == ([], [])


def _drop(fresh: Source) -> None:
    with _connect(_server_url()) as connection:
        connection.execute(f'DROP DATABASE "{urlsplit(fresh.url).path.lstrip("/")}" WITH (FORCE)')
    client = fresh.bucket.server.client()
    for key in fresh.bucket.stored_keys():
        client.delete_object(Bucket=fresh.bucket.name, Key=key)
    client.delete_bucket(Bucket=fresh.bucket.name)


def test_a_flipped_byte_in_a_stored_certificate_fails_the_drill_naming_it(source):
    serial, stored_name, recorded = source.certificate()
    key = f"certificates/{stored_name}"
    original = source.bucket.read(key)
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0x01
    client = source.bucket.server.client()
    client.put_object(Bucket=source.bucket.name, Key=key, Body=bytes(tampered))
    try:
        done = source.drill()
    finally:
        client.put_object(Bucket=source.bucket.name, Key=key, Body=original)

    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert (f"Certificate {serial}: the stored PDF {stored_name} has SHA-256 "
            f"{hashlib.sha256(tampered).hexdigest()}, the recorded one is {recorded}.") in out
    assert f"failed verification: {serial}." in out
    assert "The audit trail is intact" in out
    assert out.rstrip().endswith("Restore drill FAILED: certificates_verify."), out
    assert source.leftovers() == ([], [])


def test_an_audit_row_altered_around_the_triggers_fails_the_drill_naming_it(source):
    (pk, action, reason), *_ = source.query(
        "SELECT id, action, reason FROM filings_auditevent ORDER BY id OFFSET 2 LIMIT 1")
    source.tamper("UPDATE filings_auditevent SET reason = 'forged' WHERE id = %s", pk)
    try:
        done = source.drill()
    finally:
        source.tamper("UPDATE filings_auditevent SET reason = %s WHERE id = %s", reason, pk)

    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert f"the chain breaks at event {pk} ({action}, " in out
    assert "1 organisation(s) with an altered audit trail." in out
    assert "Every published certificate verifies" in out
    assert out.rstrip().endswith("Restore drill FAILED: audit_verify."), out
    assert source.leftovers() == ([], [])


# --- settings the drill cannot run with: exit status 2, saying which and how -----------------

@pytest.mark.parametrize(("environment", "message"), [
    ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
    ({"DATABASE_URL": "sqlite:///var/portal.sqlite3"}, "must name a PostgreSQL database"),
    ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/"}, "names no database"),
    ({"DATABASE_URL": LOCAL_POSTGRES, "AWS_STORAGE_BUCKET_NAME": ""},
     "AWS_STORAGE_BUCKET_NAME is not set"),
])
def test_missing_or_wrong_settings_stop_the_drill_before_it_starts(monkeypatch, capsys,
                                                                   environment, message):
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "cvc-portal")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert restore_drill.main([]) == 2
    assert message in capsys.readouterr().err


def test_a_used_backup_folder_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", LOCAL_POSTGRES)
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "cvc-portal")
    (tmp_path / "database.dump").write_bytes(b"an older backup")

    assert restore_drill.main(["--backup-dir", str(tmp_path)]) == 2
    assert "is not an empty folder" in capsys.readouterr().err
