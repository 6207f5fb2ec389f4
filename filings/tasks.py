"""Thin Celery tasks: ids in, one service call, done. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from filings import services


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=60, max_retries=5)
def assess_filing(filing_id: int, version_id: int) -> None:
    services.assessment_run(filing_id=filing_id, version_id=version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_stuck_assessments() -> int:
    return services.assessment_sweep()
