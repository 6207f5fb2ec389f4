"""Benchmark: the filing lists at 10,000 filings in one organisation (issue 13).

    python -m bench.lists                  (a line of `make bench`)
    python -m bench.lists --seconds 20     (a shorter load run)
    python -m bench.lists --filings 2000   (a smaller organisation)

Makes a fresh PostgreSQL database (`bench_lists_<pid>` on DATABASE_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/postgres), migrates it and bulk-loads one manufacturer with
`--filings` filings (a first version each, a second for one in ten; three in five assessed, valid
or not, with credits), its preparer and an API token; then VACUUM ANALYZE, as autovacuum would.
Starts gunicorn on a loopback socket with the portal's own configuration
(portal/gunicorn_conf.py: gthread, 4 threads) and 2 workers, on that database, the cache in Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/7, a key prefix of its own).

Then, one after the other:

  depth  the dashboard and GET /api/v1/filings/, logged in, one request at a time: page 1, the
         middle page and the last page, the median of `--repeat` requests each, and each as a
         ratio to page 1. Goal: <= 1.5x.
  load   locust (bench/lists_locust.py, headless, a process of its own): 20 users for `--seconds`
         seconds, a manufacturer's mixed workload (dashboard first and deep pages, search, API
         list, filing pages) beside a logged-in constant view (/filings/new/) in the same run.
         Goals: each row's p95 <= 3x the constant view's p95; no errors.

Prints each row with its goal; a miss exits 1. Stops the server and drops the database at the end.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

# The process helper the tests stop their servers and workers with.
from bench.services import admin_psql
from tests.celery_worker import stop_process

ROOT = Path(__file__).resolve().parents[1]
DEPTH_GOAL = 1.5
LOAD_GOAL = 3.0
USERS = 20
WEB_WORKERS = 2
PAGE = 25
EMAIL, PASSWORD = "preparer@granite.example", "bench lists password 42"
SEARCH = "Ironwood"
MAKES = ("Granite Motor Company", "Granite Motor Co.", "GMC Electric")
MODELS = ("Ironwood EV", "Basalt Van", "Tamarack AWD", "Meridian", "Aurelia e")


def _load(count: int) -> dict[str, Any]:
    """One manufacturer's `count` filings, bulk-created; what the clients need to know."""
    from django.db import connection, transaction

    from filings.api.services import api_token_create
    from filings.models import Assessment, EvidenceVersion, Filing
    from filings.rules import assess_period, load_rulebook
    from filings.states import State
    from portal.accounts.models import Membership, Organisation, User
    from portal.accounts.roles import OrganisationKind, Role
    from tests.rules.builders import evidence, share_components, share_minerals

    rulebook = load_rulebook()
    start, end = dt.date(2024, 6, 1), dt.date(2024, 12, 31)
    result = assess_period(evidence(minerals=share_minerals("625", "375"),
                                    components=share_components("550", "450")),
                           rulebook=rulebook, start=start, end=end).to_dict()
    credits = [s["credit_usd"] for s in result["segments"]]
    errors = [{"sheet": "vehicle", "row": 2, "column": "msrp_usd", "value": "x",
               "message": "The MSRP is not a number."}]
    states = ([State.DRAFT] * 3 + [State.ASSESSED] * 2 + [State.INVALID, State.IN_REVIEW,
                                                          State.APPROVED, State.WITHDRAWN,
                                                          State.ASSESSED])
    assessed_states = {State.ASSESSED, State.INVALID, State.IN_REVIEW, State.APPROVED}
    with transaction.atomic():
        organisation = Organisation.objects.create(name="Granite Motor Company",
                                                   kind=OrganisationKind.MANUFACTURER)
        Organisation.objects.create(name="Clean Vehicle Review Office",
                                    kind=OrganisationKind.AUTHORITY)
        user = User.objects.create_user(EMAIL, PASSWORD, full_name="Pat Preparer")
        Membership.objects.create(user=user, organisation=organisation, role=Role.PREPARER)
        now = dt.datetime.now(dt.UTC)
        filings = Filing.objects.bulk_create([
            Filing(organisation=organisation, make=MAKES[n % len(MAKES)],
                   model=MODELS[n % len(MODELS)], model_year=2024 + n % 2,
                   vehicle_class="pickup", coverage_start=start, coverage_end=end,
                   state=states[n % len(states)], created_by=user,
                   submitted_at=now if states[n % len(states)] != State.DRAFT else None,
                   submitted_by=user if states[n % len(states)] != State.DRAFT else None)
            for n in range(count)], batch_size=2000)
        versions = EvidenceVersion.objects.bulk_create(
            [EvidenceVersion(filing=f, number=1, created_by=user,
                             submitted_at=f.submitted_at) for f in filings]
            + [EvidenceVersion(filing=f, number=2, created_by=user, submitted_at=f.submitted_at)
               for n, f in enumerate(filings) if n % 10 == 4], batch_size=2000)
        latest = {v.filing_id: v for v in versions}  # number 2 comes after number 1
        Assessment.objects.bulk_create([
            Assessment(version=latest[f.pk], rulebook_id=rulebook.id,
                       rulebook_version=rulebook.version, valid=f.state != State.INVALID,
                       result=result if f.state != State.INVALID else None,
                       errors=errors if f.state == State.INVALID else [],
                       credit_min_usd=min(credits) if f.state != State.INVALID else None,
                       credit_max_usd=max(credits) if f.state != State.INVALID else None,
                       duration_ms=8)
            for f in filings if f.state in assessed_states], batch_size=2000)
        with connection.cursor() as cursor:
            # A history: one filing an hour, newest last (bulk_create stamped them all now).
            cursor.execute("UPDATE filings_filing SET created_at = now() - (%s - id) * "
                           "interval '1 hour', state_changed_at = now() - (%s - id) * "
                           "interval '1 hour'", [count + 1, count + 1])
        _, token = api_token_create(actor=user, name="ERP")
    connection.close()
    with connection.cursor() as cursor:  # outside a transaction, as VACUUM must be
        cursor.execute("VACUUM ANALYZE")
    searched = Filing.objects.filter(model__icontains=SEARCH).count()
    references = [str(r) for r in Filing.objects.order_by("?").values_list("reference",
                                                                           flat=True)[:500]]
    return {"email": EMAIL, "password": PASSWORD, "token": token, "references": references,
            "pages": -(-count // PAGE), "api_pages": -(-count // PAGE), "search": SEARCH,
            "search_pages": -(-searched // PAGE)}


def _start_server(env: dict[str, str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    listener = socket.create_server(("127.0.0.1", 0))
    with log.open("wb") as out:
        # The socket is bound before the process starts: requests sent while Django boots wait
        # in its backlog (as tests/processes.py's web_server does).
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
             "--config", "python:portal.gunicorn_conf", "--workers", str(WEB_WORKERS),
             "--bind", f"fd://{listener.fileno()}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    return url, process


def _session(url: str) -> Any:
    import re

    import requests

    session = requests.Session()
    form = session.get(f"{url}/accounts/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert csrf, "no CSRF token on the login page"
    done = session.post(f"{url}/accounts/login/", timeout=30, data={
        "csrfmiddlewaretoken": csrf.group(1), "username": EMAIL, "password": PASSWORD})
    assert "Log out" in done.text, "the bench could not log in"
    return session


def _depth(url: str, data: dict[str, Any], repeat: int) -> list[tuple[str, float, float]]:
    """(row, median ms, ratio to page 1) for the dashboard's and the API's pages: every page
    requested a few times first (both web processes warm), then `repeat` rounds, each page once
    a round, so that any disturbance falls on all pages alike."""
    session = _session(url)
    last, middle = data["pages"], max(1, data["pages"] // 2)
    api = {"Authorization": f"Token {data['token']}"}
    pages = [(f"{label} page {number}", url + path.format(number), headers)
             for label, path, headers in (("dashboard", "/?page={}", {}),
                                          ("api list", "/api/v1/filings/?page={}", api))
             for number in (1, middle, last)]
    times: dict[str, list[float]] = {name: [] for name, _, _ in pages}
    for round_ in range(repeat + 5):
        for name, page, headers in pages:
            started = time.perf_counter()
            response = session.get(page, headers=headers, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, f"{page}: {response.status_code}"
            if round_ >= 5:
                times[name].append(elapsed)
    rows = []
    for label in ("dashboard", "api list"):
        first = statistics.median(times[f"{label} page 1"])
        for name in (f"{label} page 1", f"{label} page {middle}", f"{label} page {last}"):
            ms = statistics.median(times[name])
            rows.append((name, ms, ms / first))
    return rows


def _load_run(url: str, data_file: Path, seconds: int, folder: Path,
              env: dict[str, str]) -> dict[str, dict[str, float]]:
    """locust's figures per request name: requests, failures, p50 and p95 (ms)."""
    prefix = folder / "locust"
    with (folder / "locust.log").open("wb") as log:
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "lists_locust.py"),
             "--headless", "--users", str(USERS), "--spawn-rate", str(USERS),
             "--run-time", f"{seconds}s", "--host", url, "--csv", str(prefix),
             "--only-summary", "--stop-timeout", "10"],
            cwd=folder, env={**env, "BENCH_LISTS_DATA": str(data_file)}, stdout=log,
            stderr=subprocess.STDOUT, check=False, timeout=seconds + 120)
    figures = {}
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            figures[row["Name"]] = {"requests": float(row["Request Count"]),
                                    "failures": float(row["Failure Count"]),
                                    "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0),
                                    "rps": float(row["Requests/s"] or 0)}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60, help="the load run's length")
    parser.add_argument("--repeat", type=int, default=15, help="requests per page timed")
    args = parser.parse_args(argv)

    admin_url = os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    db_name = f"bench_lists_{os.getpid()}"
    db_url = admin_url.rsplit("/", 1)[0] + f"/{db_name}"
    folder = Path(tempfile.mkdtemp(prefix="bench-lists-"))
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "CACHE_URL": redis_url,
           "CACHE_KEY_PREFIX": f"bench-lists-{uuid.uuid4().hex[:8]}", "VAR_DIR": str(folder / "var"),
           "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "TRUSTED_PROXY_COUNT": "0",
           # The throttles are lifted: the load is 20 users from one address and one API token,
           # and on a fast machine the token's list requests pass the shipped 600 a minute
           # (61 answered 429 on 2026-12-04), which measures the throttle, not the lists.
           "LOGIN_THROTTLE_PER_ADDRESS": "1000", "API_THROTTLE_PER_TOKEN": "100000/minute",
           "WEB_MAX_REQUESTS": "0", "LOG_LEVEL": "WARNING",
           "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
           "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("AWS_STORAGE_BUCKET_NAME", None)
    server: subprocess.Popen[bytes] | None = None
    created_db = False
    try:
        admin_psql(admin_url, f'CREATE DATABASE "{db_name}"')
        created_db = True
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        data = _load(args.filings)
        print(f"loaded {args.filings:,} filings in one organisation in "
              f"{time.perf_counter() - started:.1f} s")
        data_file = folder / "data.json"
        data_file.write_text(json.dumps(data))
        from django.db import connections

        connections.close_all()

        url, server = _start_server(env, folder / "gunicorn.log")
        deadline = time.monotonic() + 60
        while True:
            try:
                _session(url)
                break
            except Exception:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the web server did not come up: "
                                       + (folder / "gunicorn.log").read_text()[-2000:]) from None
                time.sleep(0.2)

        misses = 0
        print(f"\ndepth: one request at a time, median of {args.repeat} (goal: <= "
              f"{DEPTH_GOAL}x page 1)")
        for label, ms, ratio in _depth(url, data, args.repeat):
            ok = ratio <= DEPTH_GOAL
            misses += not ok
            print(f"  {label:<24} {ms:8.1f} ms  {ratio:5.2f}x  {'ok' if ok else 'MISS'}")

        figures = _load_run(url, data_file, args.seconds, folder, env)
        constant = figures["constant"]["p95"]
        print(f"\nload: {USERS} users, {args.seconds} s, {WEB_WORKERS} gunicorn workers (goal: "
              f"p95 <= {LOAD_GOAL}x the constant view's, no errors)")
        print(f"  {'row':<16} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'x const':>7}")
        for name in ("constant", "dashboard", "dashboard deep", "search", "api list", "detail"):
            row = figures[name]
            ratio = row["p95"] / constant if constant else float("inf")
            ok = row["failures"] == 0 and (name == "constant" or ratio <= LOAD_GOAL)
            misses += not ok
            print(f"  {name:<16} {row['requests']:8.0f} {row['failures']:6.0f} {row['p50']:7.0f} "
                  f"{row['p95']:7.0f} {ratio:7.2f}  {'ok' if ok else 'MISS'}")
        total = figures.get("Aggregated", {})
        errors = sum(row["failures"] for name, row in figures.items() if name != "Aggregated")
        misses += errors > 0
        print(f"  all: {total.get('requests', 0):.0f} requests, {total.get('rps', 0):.1f}/s, "
              f"{errors:.0f} errors (login included)")
        print("\nall goals met" if not misses else f"\n{misses} goal(s) missed")
        return 1 if misses else 0
    finally:
        if server is not None:
            stop_process(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up yet
            pass
        if created_db:
            admin_psql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        _clear_cache(redis_url, env["CACHE_KEY_PREFIX"])
        shutil.rmtree(folder, ignore_errors=True)


def _clear_cache(url: str, prefix: str) -> None:
    """The sessions' and throttles' keys the run left in Redis (its own prefix only)."""
    import redis

    try:
        stored = redis.Redis.from_url(url)
        for key in stored.scan_iter(match=f"{prefix}:*"):
            stored.delete(key)
    except redis.RedisError:
        pass


if __name__ == "__main__":
    sys.exit(main())
