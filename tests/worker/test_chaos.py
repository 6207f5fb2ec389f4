"""TRUST 19: a worker killed with SIGKILL in the middle of an assessment loses nothing and
duplicates nothing: the message is redelivered (late acks, reject on worker loss) and the task,
which is idempotent, completes exactly once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.evidence_data import write_csv_set
from filings.models import Assessment, FileKind, Filing
from filings.services.manufacturer import evidence_upload, filing_create, filing_submit
from filings.states import State
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.celery_worker import wait_for
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
LINES = 150_000  # big enough that the assessment takes a while, small enough for CI


def _pool_children(worker_pid: int) -> list[int]:
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_worker_killed_mid_assessment_finishes_it_exactly_once(celery_worker_process,
                                                                  tmp_path):
    organisation = OrganisationFactory(name="Granite Motor Company")
    preparer = member(Role.PREPARER, organisation)
    signer = member(Role.SIGNER, organisation)
    # The vehicle bench.evidence_data's vehicle sheet describes.
    filing = filing_create(actor=preparer, make="Granite",
                           model="Ridgeline EV", model_year=2024, vehicle_class="pickup",
                           coverage_start=dt.date(2024, 6, 1),
                           coverage_end=dt.date(2024, 12, 31))
    for path in write_csv_set(tmp_path / "evidence", LINES):
        evidence_upload(actor=preparer, filing=filing, kind=FileKind.EVIDENCE,
                        upload=SimpleUploadedFile(path.name, path.read_bytes(),
                                                  "text/csv"))
    wait_for(lambda: bool(_pool_children(celery_worker_process.pid)), timeout=30,
             what="the worker's pool process")
    filing_submit(actor=signer, filing=filing, attestation_confirmed=True)

    deadline = time.monotonic() + 60
    while Filing.objects.get(pk=filing.pk).state != State.ASSESSING:
        assert time.monotonic() < deadline, "the worker never started the assessment"
        time.sleep(0.01)
    [child] = _pool_children(celery_worker_process.pid)
    os.kill(child, signal.SIGKILL)
    assert not Assessment.objects.filter(version__filing=filing).exists(), \
        "the assessment finished before the kill; make LINES larger"

    def assessed() -> bool:
        return Filing.objects.get(pk=filing.pk).state == State.ASSESSED

    wait_for(assessed, timeout=120, what="the redelivered assessment to finish")
    assert Assessment.objects.filter(version__filing=filing).count() == 1
    actions = list(AuditEvent.objects.filter(filing=filing).values_list("action", flat=True))
    assert actions.count("assessment_start") == 1
    assert actions.count("assessment_finish") == 1
    assert celery_worker_process.poll() is None  # the worker itself lived on
