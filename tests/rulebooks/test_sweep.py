"""TRUST 18 for rulebook work: a preview or an apply run whose message was lost is re-sent by
the beat sweep; a preview whose worker died is marked failed, not left running forever."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from filings.rulebooks.models import ImpactPreview, JobStatus
from filings.rulebooks.services.preview import rulebook_preview_request
from filings.rulebooks.services.publishing import rulebook_apply, rulebook_sweep
from portal.audit.models import AuditEvent
from tests.rulebooks.conftest import japan_draft, publish


def _age(preview: ImpactPreview, seconds: int) -> None:
    ImpactPreview.objects.filter(pk=preview.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_preview_left_queued_is_resent_and_a_dead_one_fails(settings, pre_japan, approver):
    draft = japan_draft(approver)
    queued = rulebook_preview_request(actor=approver, draft=draft)
    running = rulebook_preview_request(actor=approver, draft=draft)
    ImpactPreview.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)
    fresh = rulebook_preview_request(actor=approver, draft=draft)
    _age(queued, settings.RULEBOOK_JOB_STUCK_AFTER_SECONDS + 1)
    _age(running, settings.RULEBOOK_JOB_SOFT_TIME_LIMIT + 121)

    assert rulebook_sweep() == {"previews_resent": 1, "preview_chunks_resent": 0, "previews_failed": 1,
                                         "apply_resent": 0}

    running.refresh_from_db()
    assert running.status == JobStatus.FAILED and "run it again" in running.error
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.QUEUED


def test_a_published_version_is_applied_again_until_its_run_has_finished(settings, pre_japan,
                                                                        approver):
    draft = publish(approver, japan_draft(approver))
    assert rulebook_sweep()["apply_resent"] == 0  # just published: give it time

    settings.RULEBOOK_JOB_STUCK_AFTER_SECONDS = 0
    assert rulebook_sweep()["apply_resent"] == 1

    rulebook_apply(version_id=draft.pk)
    assert AuditEvent.objects.filter(action="rulebook_applied").get().data["version"] == draft.version
    assert rulebook_sweep()["apply_resent"] == 0
