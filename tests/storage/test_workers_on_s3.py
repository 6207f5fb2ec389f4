"""Real Celery worker processes reading evidence from an S3 bucket (a real server), as workers on
other machines do: nothing but the database, the broker and the bucket is shared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from filings.models import Assessment, Filing
from filings.states import State
from tests.celery_worker import (
    ROOT,
    _clear_audit_events,
    process_environment,
    start_worker,
    stop_process,
    wait_for,
)
from tests.services.test_filing_services import submitted

pytestmark = pytest.mark.django_db(transaction=True)

FILINGS = 6


def _all_assessed(filings: list[Filing]) -> bool:
    states = set(Filing.objects.filter(pk__in=[f.pk for f in filings])
                 .values_list("state", flat=True))
    return states == {State.ASSESSED}


def test_a_worker_assesses_evidence_it_reads_from_the_bucket(s3_storage, celery_worker_process,
                                                             preparer, signer, settings):
    filing = submitted(preparer, signer)

    wait_for(lambda: _all_assessed([filing]), timeout=90, what="the worker to assess the filing")
    assessment = Assessment.objects.get(version__filing=filing)
    assert assessment.valid, assessment.errors
    assert assessment.result["segments"][0]["credit_usd"] == 7500
    assert not Path(settings.EVIDENCE_ROOT).exists()  # the evidence only ever was in the bucket


@pytest.fixture
def two_machines(s3_storage, transactional_db, tmp_path) -> Iterator[list[Path]]:
    """Two worker processes as on two machines: each its own working directory, temporary folder
    and (empty) local file folders, on the same database, broker and bucket. Yields their logs."""
    from portal.celery import app

    app.control.purge()
    workers, logs = [], []
    try:
        for number in (1, 2):
            home = tmp_path / f"machine{number}"
            (home / "tmp").mkdir(parents=True)
            env = process_environment(EVIDENCE_ROOT=str(home / "evidence"),
                                      CERTIFICATE_ROOT=str(home / "certificates"),
                                      TMPDIR=str(home / "tmp"), PYTHONPATH=str(ROOT))
            logs.append(home / "worker.log")
            workers.append(start_worker(logs[-1], env=env, cwd=home,
                                        hostname=f"worker{number}@%h"))
        for log in logs:
            wait_for(lambda log=log: " ready." in log.read_text(errors="replace"), timeout=60,
                     what=f"the worker of {log.parent.name} to be ready")
        yield logs
    finally:
        for worker in workers:
            stop_process(worker)
        for log in logs:
            print(f"--- {log}\n{log.read_text(errors='replace')[-4000:]}")
        _clear_audit_events()


def _evidence_tasks_run(log: Path) -> int:
    """Tasks that read the evidence from the bucket: checks on upload and assessments."""
    text = log.read_text(errors="replace")
    return len(re.findall(r"Task filings\.tasks\.(?:assess_filing|check_evidence)\[[^\]]+\] "
                          "succeeded", text))


def test_two_workers_on_two_machines_share_the_work_through_the_bucket(two_machines, preparer,
                                                                       signer, settings):
    filings = [submitted(preparer, signer) for _ in range(FILINGS)]

    wait_for(lambda: _all_assessed(filings), timeout=180, what="every filing to be assessed")
    for filing in filings:
        assessment = Assessment.objects.get(version__filing=filing)
        assert assessment.valid, assessment.errors
    runs = {log.parent.name: _evidence_tasks_run(log) for log in two_machines}
    assert all(count >= 1 for count in runs.values()), runs
    for log in two_machines:
        assert not (log.parent / "evidence").exists()
    assert not Path(settings.EVIDENCE_ROOT).exists()
