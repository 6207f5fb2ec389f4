"""Thin Celery tasks of the filing lifecycle: ids in, one service call, done. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from filings.services.assessment import assessment_advice_run, assessment_run, assessment_sweep
from filings.services.checking import evidence_check_run, evidence_check_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=60, max_retries=5)
def assess_filing(filing_id: int, version_id: int) -> None:
    assessment_run(filing_id=filing_id, version_id=version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_stuck_assessments() -> int:
    return assessment_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=30, max_retries=5)
def check_evidence(version_id: int, token: str) -> None:
    evidence_check_run(version_id=version_id, token=token)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_stuck_checks() -> int:
    return evidence_check_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=60, max_retries=5)
def advise_assessment(assessment_id: int) -> bool:
    """The sourcing advice of an assessment stored without it (a re-assessment)."""
    return assessment_advice_run(assessment_id=assessment_id)
