"""Thin Celery tasks of the rulebooks app. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from filings.rulebooks.services import planning, preview, publishing


@shared_task(acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT,
             time_limit=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT + 60)
def rulebook_preview(preview_id: int) -> None:
    """Which filings a draft amendment would change; progress is written as it goes."""
    preview.rulebook_preview_run(preview_id=preview_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=60, max_retries=5,
             soft_time_limit=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT,
             time_limit=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT + 60)
def rulebook_preview_chunk(preview_id: int, index: int) -> bool:
    """One chunk of an impact preview: a few filings compared under the draft."""
    return preview.rulebook_preview_chunk_run(preview_id=preview_id, index=index)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=60, max_retries=5,
             soft_time_limit=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT,
             time_limit=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT + 60)
def rulebook_apply(version_id: int) -> dict[str, int]:
    """Re-assess the filings a published version changes (safe to run again)."""
    return publishing.rulebook_apply(version_id=version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_rulebook_jobs() -> dict[str, int]:
    return publishing.rulebook_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.PLAN_SOFT_TIME_LIMIT,
             time_limit=settings.PLAN_SOFT_TIME_LIMIT + 30)
def plan_outcome(token: str) -> None:
    """A sourcing plan's outcome, into its cache entry (nothing else is written)."""
    planning.plan_run(token=token)
