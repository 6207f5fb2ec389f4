"""The restore drill (docs/operations.md, "Restore drill"): back up the database and the bucket,
restore both into fresh ones, and check what came back the way an auditor would.

    python -m portal.ops.restore_drill [--backup-dir DIR] [--keep]

It reads the settings every process of the portal reads: DATABASE_URL (PostgreSQL),
AWS_STORAGE_BUCKET_NAME with the other AWS_* settings, and CERTIFICATE_SIGNING_CERT /
CERTIFICATE_PREVIOUS_CERTS for the signature checks.

1. backup: `pg_dump --format=custom` into DIR/database.dump; every object of the bucket into
   DIR/objects/<key>, listed with its size and SHA-256 in DIR/objects.json.
2. restore: a fresh database `<name>_drill_<suffix>` (pg_restore) and a fresh bucket
   `<bucket>-drill-<suffix>` (every object uploaded, then listed against the backup).
3. `manage.py audit_verify` and `manage.py certificates_verify` on the restored database and
   bucket: every organisation's hash chain, every published certificate's PDF and signature.
4. a summary; exit status 0 when every step passed, 1 when one failed, 2 when a setting is
   missing or wrong.
5. the fresh database and bucket are dropped unless --keep; DIR is kept when --backup-dir names
   it, otherwise it is a temporary folder, removed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from portal.ops import buckets, postgres
from portal.ops.buckets import ObjectStore, StoredObject
from portal.ops.errors import DrillConfigError, StepFailed
from portal.ops.postgres import Database

ROOT = Path(__file__).resolve().parents[2]
DUMP = "database.dump"
CHECKS = ("audit_verify", "certificates_verify")
# A check of a large trail or many certificates may take a while, but never forever.
CHECK_TIMEOUT_SECONDS = 3 * 3600


@dataclass(frozen=True)
class Plan:
    """What the drill copies, and the fresh database and bucket it restores into."""

    source: Database
    store: ObjectStore
    bucket: str
    fresh_database: str
    fresh_bucket: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, suffix: str) -> Plan:
        url = environ.get("DATABASE_URL", "").strip()
        if not url:
            raise DrillConfigError("DATABASE_URL is not set: run the drill with the settings of "
                                   "the portal it backs up (its PostgreSQL database and bucket).")
        source = Database.from_url(url)
        store, bucket = ObjectStore.from_environment(environ)
        return cls(source=source, store=store, bucket=bucket,
                   fresh_database=postgres.fresh_name(source, suffix),
                   fresh_bucket=buckets.fresh_name(bucket, suffix))


@dataclass(frozen=True)
class Step:
    name: str
    passed: bool
    lines: list[str]
    seconds: float


@dataclass
class Drill:
    plan: Plan
    folder: Path
    steps: list[Step] = field(default_factory=list)
    objects: list[StoredObject] = field(default_factory=list)
    database_created: bool = False
    bucket_created: bool = False

    @property
    def passed(self) -> bool:
        return len(self.steps) == 2 + len(CHECKS) + 1 and all(s.passed for s in self.steps)


def run(plan: Plan, folder: Path, *, keep: bool) -> Drill:
    """Every step in order; the checks only after a complete restore; the clean-up always."""
    drill = Drill(plan, folder)
    try:
        if _step(drill, "backup", _backup) and _step(drill, "restore", _restore):
            for command in CHECKS:
                _step(drill, command, partial(_check, command=command))
    finally:
        _step(drill, "keep" if keep else "clean up", _keep if keep else _clean_up)
    return drill


def _step(drill: Drill, name: str, action: Callable[[Drill], list[str]]) -> bool:
    print(f"restore drill: {name} ...", flush=True)
    started = time.monotonic()
    try:
        lines, passed = action(drill), True
    except StepFailed as exc:
        lines, passed = str(exc).splitlines(), False
    drill.steps.append(Step(name, passed, lines, time.monotonic() - started))
    return passed


def _backup(drill: Drill) -> list[str]:
    plan, dump = drill.plan, drill.folder / DUMP
    postgres.dump(plan.source, dump)
    drill.objects = buckets.backup(plan.store, plan.bucket, drill.folder)
    total = sum(o.size for o in drill.objects)
    return [f"database {plan.source.describe()} -> {dump} ({_size(dump.stat().st_size)}, "
            "pg_dump --format=custom)",
            f"{plan.store.describe(plan.bucket)}: {len(drill.objects)} object(s), {_size(total)} "
            f"-> {drill.folder / buckets.OBJECTS} (listed in {buckets.MANIFEST})"]


def _restore(drill: Drill) -> list[str]:
    plan = drill.plan
    fresh = postgres.create(plan.source, plan.fresh_database)
    drill.database_created = True
    postgres.restore(fresh, drill.folder / DUMP)
    buckets.create(plan.store, plan.fresh_bucket)
    drill.bucket_created = True
    buckets.upload(plan.store, plan.fresh_bucket, drill.folder, drill.objects)
    problems = buckets.differences(plan.store, plan.fresh_bucket, drill.objects)
    if problems:
        raise StepFailed("\n".join(["The restored bucket differs from the backup:", *problems]))
    return [f"database {fresh.describe()} restored from {DUMP}",
            f"{plan.store.describe(plan.fresh_bucket)}: {len(drill.objects)} object(s) "
            "uploaded; keys and sizes match the backup"]


def _check(drill: Drill, *, command: str) -> list[str]:
    """`manage.py <command>` as its own process, on the restored database and bucket."""
    plan = drill.plan
    environment = {**os.environ, "DATABASE_URL": plan.source.named(plan.fresh_database).url,
                   "AWS_STORAGE_BUCKET_NAME": plan.fresh_bucket}
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), command],  # noqa: S603
                          cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=CHECK_TIMEOUT_SECONDS, check=False)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode != 0:
        raise StepFailed("\n".join([*lines, f"manage.py {command} exited with status "
                                            f"{done.returncode}."]))
    return lines


def _clean_up(drill: Drill) -> list[str]:
    """Drop what this run created, and nothing else; both are tried even when one fails."""
    plan, lines, problems = drill.plan, [], []
    if drill.bucket_created:
        try:
            buckets.drop(plan.store, plan.fresh_bucket)
            lines.append(f"dropped the {plan.store.describe(plan.fresh_bucket)}")
        except StepFailed as exc:
            problems.append(f"{exc} Delete the bucket {plan.fresh_bucket} by hand.")
    if drill.database_created:
        try:
            postgres.drop(plan.source, plan.fresh_database)
            lines.append(f"dropped the database {plan.fresh_database}")
        except StepFailed as exc:
            problems.append(f"{exc} Drop the database {plan.fresh_database} by hand.")
    if problems:
        raise StepFailed("\n".join([*lines, *problems]))
    return lines or ["nothing was created"]


def _keep(drill: Drill) -> list[str]:
    plan, lines = drill.plan, []
    if drill.database_created:
        url, _ = plan.source.named(plan.fresh_database).conninfo()
        lines.append(f"kept the database {plan.fresh_database} ({url}); drop it when done")
    if drill.bucket_created:
        lines.append(f"kept the {plan.store.describe(plan.fresh_bucket)}; delete it when done")
    return lines or ["nothing was created"]


def summary(drill: Drill) -> str:
    plan = drill.plan
    out = [f"Restore drill of the database {plan.source.describe()} and the "
           f"{plan.store.describe(plan.bucket)}:"]
    for step in drill.steps:
        state = "passed" if step.passed else "FAILED"
        out.append(f"  {step.name:<20} {state} ({step.seconds:.1f} s)")
        out.extend(f"      {line}" for line in step.lines)
    ran = {step.name for step in drill.steps}
    if skipped := [name for name in CHECKS if name not in ran]:
        out.append(f"  not run, as the backup or the restore failed: {', '.join(skipped)}")
    failed = [step.name for step in drill.steps if not step.passed]
    out.append("Restore drill passed." if drill.passed
               else f"Restore drill FAILED: {', '.join(failed + skipped)}.")
    return "\n".join(out)


@contextmanager
def backup_folder(path: Path | None) -> Iterator[Path]:
    """The folder named (new or empty; kept), or a temporary one (removed)."""
    if path is None:
        with tempfile.TemporaryDirectory(prefix="cvc-restore-drill-") as temporary:
            yield Path(temporary)
        return
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise DrillConfigError(f"--backup-dir {path} exists and is not an empty folder: name a "
                               "new one, so one backup never mixes with another.")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    yield path


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.1f} kB"


def _suffix() -> str:
    """When, and a random part, so two drills started in one second never share a name."""
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.token_hex(2)}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m portal.ops.restore_drill",
        description="Back up the portal's database and bucket, restore them into fresh ones, "
                    "and verify the audit trail and every published certificate there.")
    parser.add_argument("--backup-dir", type=Path,
                        help="keep the backup in this new (or empty) folder; by default it is "
                             "a temporary folder, removed at the end")
    parser.add_argument("--keep", action="store_true",
                        help="keep the fresh database and bucket to look at; drop them yourself")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    umask = os.umask(0o077)  # the dump and the copies hold secrets: readable by this user only
    try:
        plan = Plan.from_environment(os.environ, suffix=_suffix())
        with backup_folder(options.backup_dir) as folder:
            drill = run(plan, folder, keep=options.keep)
    except DrillConfigError as exc:
        print(f"restore drill: {exc}", file=sys.stderr)
        return 2
    finally:
        os.umask(umask)
    print(summary(drill), flush=True)
    return 0 if drill.passed else 1


if __name__ == "__main__":
    sys.exit(main())
