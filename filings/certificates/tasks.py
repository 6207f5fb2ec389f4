"""Thin Celery tasks of the certificates app. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from filings.certificates import services


@shared_task(acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.CERTIFICATE_RENDER_SOFT_TIME_LIMIT,
             time_limit=settings.CERTIFICATE_RENDER_TIME_LIMIT)
def certificate_render(certificate_id: int) -> None:
    """Routed to its own queue (settings.CERTIFICATE_QUEUE); a failure ends in a state."""
    services.certificate_render(certificate_id=certificate_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_stuck_certificates() -> int:
    return services.certificate_sweep()
