"""Benchmark: the impact preview over many assessed filings, on one and on two Celery workers.

    python -m bench.preview                      (a line of `make bench`)
    python -m bench.preview --filings 300        (smaller, on a slow machine)

Makes a fresh PostgreSQL database (`cvc_bench_preview_<pid>` on DATABASE_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/postgres), migrates it, seeds the rules before Japan counted
as the version in force and drafts the Japan amendment (the issue 6 story). It then stores
`--filings` assessed filings of `--lines` critical-mineral lines each, as the portal stores them
after reading a version's files: the packed groups (`filings.rules.packed`) with their hashes,
and the latest valid assessment made by the engine under the rules in force. The evidence comes
in `--shapes` different random shapes (minerals, three countries and recycling drawn per line;
values random to the cent), so no two neighbouring filings are alike; in half of them the
minerals are processed mostly in Japan, so the amendment changes their outcome.

Then, in the same run:

  floor      load every affected filing's stored groups from the database and unpack them
             (one process, no engine): what any re-assessment has to do at the least
  1 worker   the impact preview of the draft, from request to done, with one
             `celery worker --concurrency=1` consuming the chunks over Redis
  2 workers  the same with two such workers

Goals: 2 workers <= 3x the floor; 2 workers >= 1.7x faster than 1. A miss exits 1. Both
previews must list the same rows. Cleans up the workers, the database and the queue at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.services import ADMIN_URL, admin_psql, portal_env, start_worker
from tests.celery_worker import stop_process

ROOT = Path(__file__).resolve().parents[1]
MAX_VS_FLOOR = 3.0
MIN_SPEEDUP = 1.7
QUEUE = f"bench-preview-{os.getpid()}"
COVERAGE = (dt.date(2024, 1, 1), dt.date(2025, 6, 30))
_MINERALS = ("lithium", "nickel", "cobalt", "graphite", "manganese", "aluminum", "vanadium",
             "tin", "zinc", "titanium")
_COUNTRIES = ("US", "CA", "MX", "AU", "CL", "AR", "JP", "KR", "CN", "ID", "CD", "ZA", "PH",
              "FI", "DE", "BR")


def _evidence(seed: int, lines: int) -> Any:
    from filings.rules import BatteryComponent, Evidence, MineralLine, Vehicle

    rnd = random.Random(seed)
    # Half the shapes have their minerals processed mostly in Japan and extracted where no
    # agreement counts: the Japan amendment changes their outcome.
    japanese = seed % 2 == 1
    extraction = ("CN", "CD", "ID", "AR", "ZA", "PH") if japanese else _COUNTRIES
    processing = ("JP", "JP", "JP", "CN", "ID") if japanese else _COUNTRIES
    minerals = [
        MineralLine(row, f"CM-{row}", rnd.choice(_MINERALS), f"Supplier {rnd.randrange(5000)}",
                    rnd.choice(extraction), rnd.choice(processing),
                    rnd.choice((None, None, None, "US", "KR")),
                    Decimal(rnd.randrange(1, 10_000_000)) / 100, False, False)
        for row in range(2, lines + 2)]
    components = [
        BatteryComponent(row, f"BC-{row}", rnd.choice(("battery_cell", "battery_module",
                                                       "separator", "anode_electrode")),
                         f"Cells {row}", rnd.choice(("US", "CA", "MX", "KR", "JP")),
                         Decimal(rnd.randrange(1, 1_000_000)) / 100, False)
        for row in range(2, 42)]
    vehicle = Vehicle("Granite Motor Company", "Ironwood EV", 2024, "pickup",
                      Decimal("54990"), Decimal("82.5"), Decimal("7200"), "US")
    return Evidence.from_lines(vehicle, components, minerals)


def _store_filings(count: int, shapes: int, lines: int) -> None:
    """`count` assessed filings of one manufacturer, with stored evidence and an assessment."""
    from filings.models import (
        Assessment,
        EvidenceFile,
        EvidenceVersion,
        FileKind,
        Filing,
        StoredEvidence,
        outcome_document,
    )
    from filings.rulebooks.selectors import rulebook_in_force
    from filings.rules import assess_period, packed
    from filings.services.assessment import files_sha256
    from filings.states import State
    from portal.accounts.roles import Role
    from tests.factories import member

    rulebook = rulebook_in_force()
    preparer = member(Role.PREPARER)
    membership = preparer.membership()
    assert membership is not None
    made = []
    for shape in range(shapes):
        evidence = _evidence(shape, lines)
        data = packed.pack(evidence)
        result = assess_period(evidence, rulebook=rulebook, start=COVERAGE[0],
                               end=COVERAGE[1]).to_dict()
        made.append((data, result, len(evidence.critical_minerals),
                     len(evidence.critical_minerals.groups())))
    for first in range(0, count, 200):
        batch = range(first, min(count, first + 200))
        filings = Filing.objects.bulk_create([Filing(
            organisation=membership.organisation, make="Granite Motor Company",
            model="Ironwood EV", model_year=2024, vehicle_class="pickup",
            coverage_start=COVERAGE[0], coverage_end=COVERAGE[1], state=State.ASSESSED,
            created_by=preparer) for _ in batch])
        versions = EvidenceVersion.objects.bulk_create([EvidenceVersion(
            filing=f, number=1, created_by=preparer) for f in filings])
        files = EvidenceFile.objects.bulk_create([EvidenceFile(
            version=v, kind=FileKind.EVIDENCE, stored_name=f"{uuid.uuid4().hex}.xlsx",
            original_name="evidence.xlsx", size=1, sha256=uuid.uuid4().hex * 2,
            uploaded_by=preparer) for v in versions])
        stored, assessments = [], []
        for i, version, file in zip(batch, versions, files, strict=True):
            data, result, mineral_lines, groups = made[i % shapes]
            credits = [s["credit_usd"] for s in result["segments"]]
            stored.append(StoredEvidence(version=version, files_sha256=files_sha256([file]),
                                         data=data, data_sha256=packed.sha256(data),
                                         mineral_lines=mineral_lines, mineral_groups=groups))
            assessments.append(Assessment(
                version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
                evidence_hashes={file.original_name: file.sha256}, valid=True, result=result,
                outcome=outcome_document(result),
                errors=[], credit_min_usd=min(credits), credit_max_usd=max(credits),
                duration_ms=0))
        StoredEvidence.objects.bulk_create(stored)
        Assessment.objects.bulk_create(assessments)


def _floor() -> float:
    from filings.models import StoredEvidence
    from filings.rulebooks.services.preview import affected_filings
    from filings.rules import packed

    started = time.perf_counter()
    rows = StoredEvidence.objects.filter(version__filing__in=affected_filings()).values_list(
        "data", flat=True)
    for data in rows.iterator(chunk_size=100):
        packed.unpack(bytes(data))
    return time.perf_counter() - started


def _preview(draft: Any, author: Any) -> tuple[float, list[dict[str, Any]]]:
    from filings.rulebooks.models import ImpactPreview, JobStatus
    from filings.rulebooks.services.preview import rulebook_preview_request

    started = time.perf_counter()
    preview = rulebook_preview_request(actor=author, draft=draft)
    deadline = time.monotonic() + 3600
    while True:
        preview = ImpactPreview.objects.get(pk=preview.pk)
        if preview.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the preview did not finish within an hour")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if preview.status != JobStatus.DONE:
        raise RuntimeError(f"the preview failed: {preview.error}")
    return elapsed, list(preview.rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--shapes", type=int, default=40)
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_ADMIN_URL", ADMIN_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    db_name = f"cvc_bench_preview_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    env = portal_env(db_name, QUEUE, folder, redis_url)
    workers: list[subprocess.Popen[bytes]] = []
    admin_psql(admin_url, f'CREATE DATABASE "{db_name}"')
    try:
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from django.db import connections

        from filings.rulebooks.selectors import rulebook_seed
        from filings.rules import load_rulebook
        from filings.rules.amend import rulebook_data, with_version, without_fta
        from portal.accounts.roles import Role
        from portal.celery import app
        from tests.factories import member
        from tests.rulebooks.conftest import japan_draft

        rulebook_seed(with_version(without_fta(rulebook_data(load_rulebook()), "JP"),
                                   version="2023.0", note="Before Japan counted."),
                      citation="26 CFR 1.30D-2(b)(13)(ii) as first read", note="Before Japan.")
        author = member(Role.APPROVER)
        draft = japan_draft(author)
        built = time.perf_counter()
        _store_filings(args.filings, args.shapes, args.lines)
        print(f"stored {args.filings:,} assessed filings of {args.lines:,} lines "
              f"({args.shapes} shapes) in {time.perf_counter() - built:.0f} s", flush=True)
        app.control.purge()
        connections.close_all()
        floor = min(_floor() for _ in range(2))
        workers.append(start_worker("preview0", QUEUE, env, folder / "worker-0.log"))
        one, rows_one = _preview(draft, author)
        workers.append(start_worker("preview1", QUEUE, env, folder / "worker-1.log"))
        two, rows_two = _preview(draft, author)
    finally:
        for process in workers:
            stop_process(process)
        # WITH (FORCE) ends this process's connections too.
        admin_psql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    if rows_one != rows_two:
        print("the two previews listed different rows")
        return 1
    vs_floor, speedup = two / floor, one / two
    print(f"impact preview, {args.filings:,} filings x {args.lines:,} lines, "
          f"{len(rows_two):,} changed")
    print(f"  floor (load + unpack every filing's stored groups)  {floor:8.2f} s")
    print(f"  preview, 1 worker                                   {one:8.2f} s")
    print(f"  preview, 2 workers                                  {two:8.2f} s")
    ok_floor, ok_speed = vs_floor <= MAX_VS_FLOOR, speedup >= MIN_SPEEDUP
    print(f"  2 workers / floor   {vs_floor:6.3f}x  target <= {MAX_VS_FLOOR}x  "
          f"{'met' if ok_floor else 'MISSED'}")
    print(f"  1 worker / 2        {speedup:6.3f}x  target >= {MIN_SPEEDUP}x  "
          f"{'met' if ok_speed else 'MISSED'}")
    return 0 if ok_floor and ok_speed else 1


if __name__ == "__main__":
    sys.exit(main())
