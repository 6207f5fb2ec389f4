"""Benchmark: filings submitted through the API and assessed by two Celery workers.

    python -m bench.submissions                  (a line of `make bench`)
    python -m bench.submissions --count 200      (fewer filings)

Makes a fresh PostgreSQL database (`cvc_bench_submissions_<pid>` on DATABASE_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/postgres), migrates it, makes a manufacturer with a signer
and an API token, writes `--shapes` evidence workbooks of `--lines` critical-mineral lines
(minerals, countries and suppliers drawn per line, so lines rarely share a chain), and starts
TWO `celery worker --concurrency=1` processes on a Redis queue of their own. Then, in one run:

  floor        the same two workers running only the engine: `count` tasks, each reading one of
               the workbooks from disk (read_evidence) and assessing it (assess_period) over the
               filings' coverage, touching no database (a Redis counter says when all are done)
  portal       `count` filings created and their workbooks uploaded through the API (each upload
               queues the evidence check, which reads the file once and stores its groups), then,
               once every check is ready, each filing submitted through the API (POST
               /api/v1/filings/<ref>/submit/, Django's test client in this process: the API's
               authentication, throttling, idempotency, services), the workers assessing them

Reports the portal's throughput from the first submission to the last assessment stored, and,
for the whole journey, from the first upload to the last assessment (the checks included), each
against the floor's throughput. Goal: submission to assessment >= 50 % of the floor. Every filing
must end assessed with exactly one assessment (none lost, none assessed twice). A miss exits 1.
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
from pathlib import Path
from typing import Any

from bench.services import ADMIN_URL, admin_psql, portal_env, start_worker
from portal.celery import app
from tests.celery_worker import stop_process

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.50
QUEUE = f"bench-submissions-{os.getpid()}"
COUNTER = f"bench-submissions-{os.getpid()}-done"
COVERAGE = (dt.date(2024, 6, 1), dt.date(2024, 12, 31))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MINERALS = ("lithium", "nickel", "cobalt", "graphite", "manganese", "aluminum", "vanadium")
_COUNTRIES = ("US", "CA", "MX", "AU", "CL", "AR", "JP", "KR", "CN", "ID", "CD", "ZA", "FI", "DE")


@app.task(name="bench.submissions.engine_only")
def engine_only(path: str, redis_url: str, counter: str) -> None:
    """The floor's task: read and assess one workbook; no database, only a Redis counter."""
    import redis

    from filings.evidence import read_evidence
    from filings.rules import assess_period, load_rulebook

    rulebook = load_rulebook()  # parsed once per process
    evidence = read_evidence([Path(path)], rulebook=rulebook)
    assess_period(evidence, rulebook=rulebook, start=COVERAGE[0], end=COVERAGE[1]).to_dict()
    redis.Redis.from_url(redis_url).incr(counter)


def _workbook(path: Path, seed: int, lines: int) -> None:
    import openpyxl

    rnd = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    vehicle = book.create_sheet("vehicle")
    vehicle.append(["make", "model", "model_year", "vehicle_class", "msrp_usd",
                    "battery_capacity_kwh", "gvwr_lb", "final_assembly_country"])
    vehicle.append(["Granite Motor Company", "Ironwood EV", 2024, "pickup", 54990, 82.5, 7200, "US"])
    components = book.create_sheet("battery_components")
    components.append(["component_id", "component_type", "supplier", "manufacturing_country",
                       "value_usd", "feoc"])
    for i in range(30):
        components.append([f"BC-{i:04d}", rnd.choice(("battery_cell", "battery_module", "separator")),
                           f"Cells {rnd.randrange(40)}", rnd.choice(("US", "CA", "MX", "KR", "JP")),
                           rnd.randrange(100, 900_000) / 100, "no"])
    minerals = book.create_sheet("critical_minerals")
    minerals.append(["line_id", "mineral", "supplier", "extraction_country", "processing_country",
                     "recycling_country", "value_usd", "feoc", "impracticable_to_trace"])
    for i in range(lines):
        minerals.append([f"CM-{i:06d}", rnd.choice(_MINERALS), f"Supplier {rnd.randrange(10_000)}",
                         rnd.choice(_COUNTRIES), rnd.choice(_COUNTRIES),
                         rnd.choice(("", "", "", "US", "KR")), rnd.randrange(1, 10_000_000) / 100,
                         "no", "no"])
    book.save(path)


def _wait(what: str, done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _floor(paths: list[Path], count: int, redis_url: str) -> float:
    import redis

    counter = redis.Redis.from_url(redis_url)
    counter.delete(COUNTER)
    started = time.perf_counter()
    for i in range(count):
        engine_only.apply_async((str(paths[i % len(paths)]), redis_url, COUNTER), queue=QUEUE)
    _wait("the floor's tasks", lambda: int(counter.get(COUNTER) or 0) >= count, 3600)
    return time.perf_counter() - started


def _portal(paths: list[Path], count: int, key: str) -> tuple[float, float, list[str]]:
    from django.test import Client

    from filings.models import Assessment, EvidenceCheck, Filing
    from filings.states import State

    api = Client(HTTP_AUTHORIZATION=f"Token {key}")

    def call(path: str, **kwargs: Any) -> dict[str, Any]:
        response = api.post(f"/api/v1{path}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.content[:300]!r}")
        body: dict[str, Any] = response.json()
        return body

    journey = time.perf_counter()
    references = []
    for i in range(count):
        filing = call("/filings/", content_type="application/json", data={
            "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": 2024,
            "vehicle_class": "pickup", "coverage_start": COVERAGE[0].isoformat(),
            "coverage_end": COVERAGE[1].isoformat()})
        with paths[i % len(paths)].open("rb") as workbook:
            call(f"/filings/{filing['reference']}/evidence/",
                 data={"kind": "evidence", "file": workbook})
        references.append(filing["reference"])
    _wait("the evidence checks", lambda: EvidenceCheck.objects.filter(
        status=EvidenceCheck.Status.READY).count() >= count, 3600)
    submitted = time.perf_counter()
    for reference in references:
        call(f"/filings/{reference}/submit/", content_type="application/json",
             data={"attestation_confirmed": True})
    _wait("the assessments", lambda: Filing.objects.filter(
        state=State.ASSESSED).count() + Filing.objects.filter(state=State.INVALID).count()
        >= count, 3600)
    finished = time.perf_counter()
    problems = []
    if Filing.objects.exclude(state=State.ASSESSED).exists():
        problems.append(f"{Filing.objects.exclude(state=State.ASSESSED).count()} not assessed")
    if Assessment.objects.count() != count:
        problems.append(f"{Assessment.objects.count()} assessments for {count} filings")
    return finished - submitted, finished - journey, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--shapes", type=int, default=10)
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_ADMIN_URL", ADMIN_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    db_name = f"cvc_bench_submissions_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="bench-submissions-"))
    env = portal_env(db_name, QUEUE, folder, redis_url,
                     API_THROTTLE_PER_TOKEN="1000000/minute", API_THROTTLE_PER_USER="1000000/minute",
                     ALLOWED_HOSTS="testserver,127.0.0.1,localhost")
    paths = [folder / f"evidence-{i}.xlsx" for i in range(args.shapes)]
    for i, path in enumerate(paths):
        _workbook(path, i, args.lines)
    workers: list[subprocess.Popen[bytes]] = []
    admin_psql(admin_url, f'CREATE DATABASE "{db_name}"')
    try:
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from django.db import connections

        from filings.api.services import api_token_create
        from portal.accounts.roles import Role
        from tests.factories import member

        signer = member(Role.SIGNER)
        _, key = api_token_create(actor=signer, name="bench")
        app.control.purge()
        connections.close_all()
        workers = [start_worker(f"submissions{i}", QUEUE, env, folder / f"worker-{i}.log",
                                include="bench.submissions") for i in range(2)]
        _floor(paths, min(20, args.count), redis_url)  # warm: imports, rulebook, fonts
        floor = _floor(paths, args.count, redis_url)
        submit_to_assessed, journey, problems = _portal(paths, args.count, key)
    finally:
        for process in workers:
            stop_process(process)
        # WITH (FORCE) ends this process's connections too.
        admin_psql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    floor_rate = args.count / floor
    rate, journey_rate = args.count / submit_to_assessed, args.count / journey
    print(f"{args.count:,} filings of {args.lines:,} lines, two workers")
    print(f"  floor: read + assess only            {floor_rate:7.1f} filings/s")
    print(f"  portal: submitted -> assessed        {rate:7.1f} filings/s  "
          f"{rate / floor_rate:5.0%} of the floor  target >= {GOAL:.0%}  "
          f"{'met' if rate / floor_rate >= GOAL else 'MISSED'}")
    print(f"  portal: uploaded -> assessed (all)   {journey_rate:7.1f} filings/s  "
          f"{journey_rate / floor_rate:5.0%} of the floor (information)")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    return 0 if rate / floor_rate >= GOAL and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
