"""Thin Celery tasks of the dossiers app. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from filings.dossiers import services


@shared_task(acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.DOSSIER_BUILD_SOFT_TIME_LIMIT,
             time_limit=settings.DOSSIER_BUILD_TIME_LIMIT)
def dossier_build(dossier_id: int) -> None:
    """Build one dossier; a failure ends in the `failed` state with the reason."""
    services.dossier_build(dossier_id=dossier_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_pending_dossiers() -> int:
    return services.dossier_sweep()
