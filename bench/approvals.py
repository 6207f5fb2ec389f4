"""Benchmark: approval to downloadable certificate, through two real Celery workers.

    python -m bench.approvals                 (a line of `make bench`)
    python -m bench.approvals --count 60      (fewer approvals on a slow machine)
    python -m bench.approvals --interval 1.5  (approvals paced, not a burst)

Starts the local PKI (portal/pki: TSA, OCSP, CRLs) on a free port in a temporary folder, makes a
fresh PostgreSQL database (`cvc_bench_<pid>` on DATABASE_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/postgres) and migrates it, loads the demo data, and starts TWO
`celery worker` processes (concurrency 1 each) consuming the certificates queue over Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/7; queues of their own, `bench-*`).

Then, in the same run, alternating nothing (one after the other):

  floor      the same two processes' worth of work with no database, broker or storage: two plain
             processes each rendering (render_pdf), signing and timestamping (sign_pdf, PAdES B-LTA
             against the local TSA/OCSP) count/2 certificates from one context built beforehand
  approvals  `count` filings (clones of the demo's assessed filing) approved through the real
             services (review_start, review_recommend, filing_approve), which create the pending
             certificate in the approval's transaction and queue `certificate_render` on commit;
             the two workers render, sign, store and issue them

Reports, from each certificate's created_at (the approval) to its issued_at (downloadable): p50,
p95 and max latency, certificates per minute over the run (first approval to last issue), the
floor's certificates per minute and the ratio, and the workers' own task times (from their logs).
Goals: throughput >= 70 % of the floor; p95 <= 3 s. With a burst (the default, --interval 0),
the workers are saturated: the throughput is the pipeline's, and the p95 is mostly queueing
behind earlier approvals, so only the throughput goal decides the exit status. With
--interval > 0 the throughput is the arrival rate, and only the p95 goal decides. A miss exits 1.

Cleans up the workers, the PKI server, the database and the bench queues at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from bench.services import ADMIN_URL, admin_psql, portal_env, start_pki
from tests.celery_worker import stop_process

if TYPE_CHECKING:
    from filings.models import Assessment, EvidenceFile, EvidenceVersion, Filing

ROOT = Path(__file__).resolve().parents[1]
THROUGHPUT_GOAL = 0.70
P95_GOAL = 3.0
WORKERS = 2
QUEUE, CERT_QUEUE = "bench-portal", "bench-certificates"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- the floor: one plain process -------------------------------------------------------------

def _floor_worker(count: int, folder: Path) -> int:
    """One floor process: warm, say ready, wait for the go file, render+sign `count` times."""
    import django

    django.setup()
    from filings.certificates.content import assessment_json, certificate_context
    from filings.certificates.models import Certificate
    from filings.certificates.rendering import render_pdf
    from filings.certificates.signing import sign_pdf

    certificate = Certificate.objects.select_related(
        "filing__organisation", "assessment__version", "approved_by").order_by("pk").first()
    assert certificate is not None, "the demo data has no certificate"
    context = certificate_context(certificate)
    for key in ("evidence", "supporting"):
        context[key] = list(context[key])  # no query inside the loop
    attachment = assessment_json(certificate)
    from django.db import connections

    connections.close_all()
    sign_pdf(render_pdf(context, assessment_json=attachment))  # warm: stylesheet, fonts, key
    (folder / f"ready-{os.getpid()}").touch()
    while not (folder / "go").exists():
        time.sleep(0.01)
    renders, signs = [], []
    started = time.time()
    for _ in range(count):
        t0 = time.perf_counter()
        pdf = render_pdf(context, assessment_json=attachment)
        t1 = time.perf_counter()
        sign_pdf(pdf)
        renders.append(t1 - t0)
        signs.append(time.perf_counter() - t1)
    finished = time.time()
    (folder / f"result-{os.getpid()}.json").write_text(json.dumps(
        {"started": started, "finished": finished, "renders": renders, "signs": signs}))
    return 0


def _run_floor(count: int, env: dict[str, str], folder: Path) -> dict[str, float]:
    folder.mkdir()
    shares = [count // WORKERS + (1 if i < count % WORKERS else 0) for i in range(WORKERS)]
    processes = []
    for i, share in enumerate(shares):
        with (folder / f"floor-{i}.log").open("wb") as log:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "bench.approvals", "--floor-worker", str(share),
                 "--floor-dir", str(folder)], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 120
        while len(list(folder.glob("ready-*"))) < WORKERS:
            if time.monotonic() > deadline or any(p.poll() not in (None, 0) for p in processes):
                raise RuntimeError("the floor processes did not get ready")
            time.sleep(0.05)
        (folder / "go").touch()
        for process in processes:
            if process.wait(timeout=3600) != 0:
                raise RuntimeError("a floor process failed")
    finally:
        for process in processes:
            stop_process(process)
    results = [json.loads(p.read_text()) for p in folder.glob("result-*.json")]
    wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    renders = [x for r in results for x in r["renders"]]
    signs = [x for r in results for x in r["signs"]]
    return {"wall": wall, "per_minute": count / wall * 60,
            "render": statistics.median(renders), "sign": statistics.median(signs)}


# --- the approvals ----------------------------------------------------------------------------

def _clone_assessed(template_filing: Filing, template_version: EvidenceVersion,
                    files: list[EvidenceFile], assessment: Assessment) -> Filing:
    """A copy of an assessed filing (its evidence rows and valid assessment), in `assessed`."""
    from filings.models import Assessment, EvidenceFile, EvidenceVersion, Filing
    from filings.states import State

    filing = Filing.objects.get(pk=template_filing.pk)
    filing.pk = None
    filing.reference = uuid.uuid4()
    filing.state = State.ASSESSED
    filing.reviewer = filing.recommended_by = filing.decided_by = None
    filing.recommendation = ""
    filing.decided_at = None
    filing.save()
    version = EvidenceVersion.objects.get(pk=template_version.pk)
    version.pk = None
    version.filing = filing
    version.number = 1
    version.save()
    for source in files:
        copy = EvidenceFile.objects.get(pk=source.pk)
        copy.pk = None
        copy.version = version
        copy.stored_name = f"{uuid.uuid4().hex}{Path(source.stored_name).suffix}"
        copy.save()
    copy_assessment = Assessment.objects.get(pk=assessment.pk)
    copy_assessment.pk = None
    copy_assessment.version = version
    copy_assessment.save()
    return filing


def _worker_task_times(logs: list[Path]) -> list[float]:
    pattern = re.compile(r"certificate_render\[[^\]]+\] succeeded in ([0-9.]+)s")
    return [float(m.group(1)) for log in logs
            for m in pattern.finditer(log.read_text(errors="replace"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="approvals (and floor renders)")
    parser.add_argument("--interval", type=float, default=0.0,
                        help="seconds between approvals (0: a burst)")
    parser.add_argument("--floor-worker", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--floor-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if args.floor_worker is not None:
        return _floor_worker(args.floor_worker, args.floor_dir)

    admin_url = os.environ.get("DATABASE_ADMIN_URL", ADMIN_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    db_name = f"cvc_bench_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="bench-approvals-"))
    processes: list[subprocess.Popen[bytes]] = []
    created_db = False
    try:
        pki, pki_server = start_pki(folder / "pki")
        processes.append(pki_server)
        admin_psql(admin_url, f'CREATE DATABASE "{db_name}"')
        created_db = True
        env = portal_env(db_name, QUEUE, folder, redis_url, CELERY_CERTIFICATE_QUEUE=CERT_QUEUE,
                         **pki.environment())
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        logging.disable(logging.INFO)  # pyHanko's fetch log; the workers log to their files
        call_command("migrate", verbosity=0)
        call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
        from django.db import connections

        from portal.celery import app

        app.control.purge()
        # Everything the floor needs is in the database now (the demo's issued certificate).
        connections.close_all()
        load_before = os.getloadavg()
        floor = _run_floor(args.count, env, folder / "floor")

        from filings.certificates.models import Certificate, CertificateStatus
        from filings.models import Assessment, ReviewNote
        from filings.services.review import filing_approve, review_recommend, review_start
        from portal.accounts.models import User

        assessment = (Assessment.objects.filter(valid=True, version__filing__certificates__isnull=False)
                      .select_related("version__filing").order_by("pk").first())
        assert assessment is not None, "the demo data has no approved, assessed filing"
        template_version = assessment.version
        template_filing = template_version.filing
        files = list(template_version.files.all())
        reviewer = User.objects.get(email="reviewer@authority.example")
        approver = User.objects.get(email="approver@authority.example")
        filings = [_clone_assessed(template_filing, template_version, files, assessment)
                   for _ in range(args.count)]
        before = set(Certificate.objects.values_list("pk", flat=True))
        for filing in filings:  # taken into review and recommended: the approver's queue
            review_start(actor=reviewer, filing=filing)
            review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                             comment="Recommend approval.")

        logs = [folder / f"worker-{i}.log" for i in range(WORKERS)]
        for i, log_path in enumerate(logs):
            with log_path.open("wb") as log:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency=1",
                     "-n", f"bench{i}@%h", "-Q", CERT_QUEUE, "--loglevel=INFO",
                     "--without-gossip", "--without-mingle", "--without-heartbeat"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while not all("ready." in p.read_text(errors="replace") for p in logs):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.2)
        # One certificate through each worker before the clock: what a long-running worker
        # has warm (stylesheet, fonts, signing key) is not counted against the approvals.
        warm = [_clone_assessed(template_filing, template_version, files, assessment)
                for _ in range(WORKERS)]
        for filing in warm:
            review_start(actor=reviewer, filing=filing)
            review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                             comment="Recommend approval.")
            filing_approve(actor=approver, filing=filing, comment="Warm-up.")
        warm_ids = set(Certificate.objects.values_list("pk", flat=True)) - before
        deadline = time.monotonic() + 120
        while Certificate.objects.filter(pk__in=warm_ids,
                                         status=CertificateStatus.PENDING).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the warm-up certificates were not issued")
            time.sleep(0.1)
        before |= warm_ids
        # Tasks each worker ran before the clock (the warm-up, and the message the demo data's
        # own approval queued); a task logs its success just after it issues the certificate.
        time.sleep(1)
        warm_tasks = [len(_worker_task_times([log])) for log in logs]

        started = time.time()
        for filing in filings:
            filing_approve(actor=approver, filing=filing,
                           comment="Approved: sourcing traced to Japanese processors.")
            if args.interval:
                time.sleep(args.interval)
        approved_in = time.time() - started
        mine = Certificate.objects.exclude(pk__in=before)
        deadline = time.monotonic() + max(600, args.count * 10)
        while mine.filter(status=CertificateStatus.PENDING).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("certificates still pending at the deadline")
            time.sleep(0.1)
        certificates = list(mine)
        issued = [c for c in certificates if c.status == CertificateStatus.ISSUED]
        failed = [c for c in certificates if c.status != CertificateStatus.ISSUED]
        assert ReviewNote.objects.filter(kind=ReviewNote.Kind.APPROVE).count() >= args.count
        issued_at = {c.pk: c.issued_at for c in issued if c.issued_at is not None}
        latencies = [(issued_at[c.pk] - c.created_at).total_seconds() for c in issued]
        first = min(c.created_at for c in certificates)
        last = max(issued_at.values()) if issued_at else first
        span = (last - first).total_seconds()
        per_minute = len(issued) / span * 60 if span else 0.0
        tasks = [t for i, log in enumerate(logs) for t in _worker_task_times([log])[warm_tasks[i]:]]
        load_after = os.getloadavg()

        ratio = per_minute / floor["per_minute"]
        p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
        throughput_ok = ratio >= THROUGHPUT_GOAL and not failed
        p95_ok = p95 <= P95_GOAL
        load = " / ".join(" ".join(f"{x:.1f}" for x in avg) for avg in (load_before, load_after))
        mode = f"one every {args.interval:g} s" if args.interval else "a burst"
        print(f"approvals ({args.count} approvals, {mode}; {WORKERS} workers x concurrency 1; "
              f"{os.cpu_count()} CPUs; load average before / after: {load})")
        print(f"  floor      {WORKERS} processes render+sign+timestamp {args.count} in "
              f"{floor['wall']:.1f} s: {floor['per_minute']:6.1f}/min "
              f"(medians: render {floor['render'] * 1000:.0f} ms, sign {floor['sign'] * 1000:.0f} ms)")
        print(f"  approvals  {len(issued)} issued, {len(failed)} failed, approved in "
              f"{approved_in:.1f} s, last issued after {span:.1f} s: {per_minute:6.1f}/min  "
              f"{ratio:.0%} of the floor (goal >= {THROUGHPUT_GOAL:.0%}) "
              f"{'ok' if throughput_ok else 'MISS'}")
        if latencies:
            print(f"  latency    approval -> issued: p50 {p50:.2f} s, p95 {p95:.2f} s, max "
                  f"{max(latencies):.2f} s (goal p95 <= {P95_GOAL:.0f} s) "
                  f"{'ok' if p95_ok else 'MISS'}"
                  + ("" if args.interval else " (a burst: mostly waiting in the queue)"))
        if tasks:
            print(f"  worker     certificate_render task: median {statistics.median(tasks):.2f} s, "
                  f"p95 {_percentile(tasks, 0.95):.2f} s ({len(tasks)} tasks)")
        for c in failed[:3]:
            print(f"  failed     {c.serial}: {c.error}")
        if args.interval:
            print("  (paced: the throughput is the approvals' rate, not the workers'; the p95 decides)")
            return 0 if p95_ok and not failed else 1
        return 0 if throughput_ok else 1
    finally:
        for process in reversed(processes):
            stop_process(process)
        try:
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in (QUEUE, CERT_QUEUE):
                client.delete(key, *client.keys(f"{key}\x06\x16*"),
                              f"_kombu.binding.{key}", f"_kombu.binding_permanent.{key}")
        except Exception as exc:  # cleanup is best effort
            print(f"could not clear the bench queues: {exc}", file=sys.stderr)
        if created_db:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:
                pass
            admin_psql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
