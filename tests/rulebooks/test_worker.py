"""The impact preview and a publication's re-assessment run in a real Celery worker process."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.models import Assessment
from filings.rulebooks.models import ImpactPreview, JobStatus, RulebookVersion
from filings.states import State
from portal.accounts.services import console_access_sync
from tests.admin.conftest import second_factor_passed
from tests.celery_worker import wait_for
from tests.rulebooks.conftest import JAPAN, japan_draft, submitted

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_previews_and_applies_the_japan_amendment(
        client, celery_worker_process, pre_japan, manufacturer, preparer, signer, approver):
    console_access_sync(user=approver)
    filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    client.force_login(approver)
    second_factor_passed(client, approver)

    client.post(reverse("admin:rulebooks_rulebookversion_preview", args=[draft.pk]))
    preview = ImpactPreview.objects.get(draft=draft)

    def finished() -> bool:
        preview.refresh_from_db()
        return preview.status in (JobStatus.DONE, JobStatus.FAILED)

    wait_for(finished, timeout=90, what="the worker to finish the impact preview")
    assert (preview.status, preview.done, preview.total) == (JobStatus.DONE, 1, 1)
    assert [row["reference"] for row in preview.rows] == [str(filing.reference)]

    client.post(reverse("admin:rulebooks_rulebookversion_publish", args=[draft.pk]),
                {"preview": preview.pk, "confirm": "publish"})
    assert RulebookVersion.objects.get(pk=draft.pk).status == "published"
    wait_for(lambda: Assessment.objects.filter(version__filing=filing,
                                               rulebook_version=JAPAN).exists(),
             timeout=90, what="the worker to re-assess the filing under the new version")
    reassessed = Assessment.objects.get(version__filing=filing, rulebook_version=JAPAN)
    assert (reassessed.credit_min_usd, reassessed.credit_max_usd) == (7500, 7500)
    filing.refresh_from_db()
    assert filing.state == State.ASSESSED
