"""PostgreSQL for the restore drill: the database a URL names, pg_dump and pg_restore, and the
fresh database the drill creates and drops.

The password never goes on a command line (where `ps` shows it): the tools get it as PGPASSWORD.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from portal.ops.errors import DrillConfigError, StepFailed

SCHEMES = ("postgres", "postgresql")
# PostgreSQL's limit on a database name, in bytes.
MAX_NAME_LENGTH = 63


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database, from a URL such as DATABASE_URL."""

    url: str

    @classmethod
    def from_url(cls, url: str, *, setting: str = "DATABASE_URL") -> Database:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise DrillConfigError(
                f"{setting} must name a PostgreSQL database (postgres://user@host:port/name); it "
                f"is {parts.scheme or 'unset'!r}. The drill backs up PostgreSQL only.")
        database = cls(url)
        if not database.name:
            raise DrillConfigError(f"{setting} names no database: add /<name> after the host.")
        return database

    @property
    def name(self) -> str:
        return unquote(urlsplit(self.url).path.lstrip("/"))

    def named(self, name: str) -> Database:
        """Another database on the same server, with the same user."""
        return Database(urlsplit(self.url)._replace(path=f"/{name}").geturl())

    def describe(self) -> str:
        parts = urlsplit(self.url)
        return f"{self.name} on {parts.hostname or 'localhost'}:{parts.port or 5432}"

    def conninfo(self) -> tuple[str, dict[str, str]]:
        """The URL without its password, and the environment that passes the password."""
        parts = urlsplit(self.url)
        host = parts.netloc.rpartition("@")[2]
        user = f"{parts.username}@" if parts.username else ""
        password = {"PGPASSWORD": unquote(parts.password)} if parts.password else {}
        return parts._replace(netloc=f"{user}{host}").geturl(), password


def fresh_name(source: Database, suffix: str) -> str:
    """`<source>_drill_<suffix>`, the source's name shortened to fit PostgreSQL's limit."""
    tail = f"_drill_{suffix}"
    return source.name.encode()[: MAX_NAME_LENGTH - len(tail)].decode(errors="ignore") + tail


def dump(database: Database, target: Path) -> None:
    """pg_dump's custom format (compressed; pg_restore reads it), one file."""
    url, password = database.conninfo()
    _tool("pg_dump", ["--format=custom", "--no-password", f"--file={target}", f"--dbname={url}"],
          password)


def restore(database: Database, source: Path) -> None:
    """pg_restore into an empty database, stopping at the first error. Owners and grants are
    left out: the restoring user owns what it restores."""
    url, password = database.conninfo()
    _tool("pg_restore", ["--exit-on-error", "--no-owner", "--no-acl", "--no-password",
                         f"--dbname={url}", str(source)], password)


def create(server: Database, name: str) -> Database:
    """CREATE DATABASE `name` on the server of `server` (the user needs CREATEDB)."""
    _execute(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.named(name)


def drop(server: Database, name: str) -> None:
    _execute(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _execute(server: Database, statement: sql.Composed) -> None:
    url, password = server.conninfo()
    try:
        with psycopg.connect(url, autocommit=True, password=password.get("PGPASSWORD")) as conn:
            conn.execute(statement)
    except psycopg.Error as exc:
        raise StepFailed(f"{statement.as_string()} on {server.describe()} failed: "
                         f"{str(exc).strip()}") from exc


def _tool(name: str, arguments: list[str], password: dict[str, str]) -> None:
    path = shutil.which(name)
    if path is None:
        raise StepFailed(f"{name} is not installed: install the PostgreSQL client tools "
                         "(Debian: postgresql-client), the server's major version or newer.")
    done = subprocess.run([path, *arguments], capture_output=True, text=True,  # noqa: S603
                          env={**os.environ, **password}, check=False)
    if done.returncode != 0:
        raise StepFailed(f"{name} exited with status {done.returncode}: "
                         f"{done.stderr.strip()[-2000:] or '(no message)'}")
