"""A filing submitted through the web views is assessed by a real Celery worker process."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.models import Assessment, Filing
from filings.states import State
from portal.accounts.roles import Role
from tests.celery_worker import wait_for
from tests.conftest import DATA
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_submitted_filing_is_assessed_by_the_worker_process(client, celery_worker_process):
    organisation = OrganisationFactory(name="Granite Motor Company")
    signer = member(Role.SIGNER, organisation, email="signer@granite.example")
    client.force_login(signer)

    created = client.post(reverse("filings:create"), {
        "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": "2024",
        "vehicle_class": "pickup", "coverage_start": "2024-06-01", "coverage_end": "2025-09-30"})
    assert created.status_code == 302, created.content
    filing = Filing.objects.get()
    with (DATA / "us-pickup-japan-minerals.xlsx").open("rb") as workbook:
        uploaded = client.post(reverse("filings:evidence_upload", args=[filing.reference]),
                               {"kind": "evidence", "file": workbook})
    assert uploaded.status_code in (200, 302)
    submitted = client.post(reverse("filings:submit", args=[filing.reference]), {"attest": "on"})
    assert submitted.status_code in (200, 302)
    filing.refresh_from_db()
    assert filing.state in (State.SUBMITTED, State.ASSESSING, State.ASSESSED)

    def assessed() -> bool:
        filing.refresh_from_db()
        return bool(filing.state == State.ASSESSED)

    wait_for(assessed, timeout=90, what="the worker to assess the filing")
    assessment = Assessment.objects.get(version__filing=filing)
    segments = assessment.result["segments"]
    # 2024-06-01..2025-09-30 earns $7,500 (coverage cannot go past the last acquisition date).
    first = segments[0]
    assert (first["from"], first["to"], first["credit_usd"]) == ("2024-06-01", "2024-12-31", 7500)
    assert segments[-1]["to"] == "2025-09-30" and segments[-1]["credit_usd"] == 7500
    assert assessment.duration_ms >= 0
    status = client.get(reverse("filings:status", args=[filing.reference])).json()
    assert status["state"] == State.ASSESSED


def test_an_upload_with_mistakes_shows_its_row_errors_on_the_draft_within_seconds(
        client, celery_worker_process):
    """The check on upload, end to end: the web view queues it, the worker process answers, the
    draft's page lists every row error before anyone attests (issue 11's "done when")."""
    import time

    organisation = OrganisationFactory(name="Granite Motor Company")
    preparer = member(Role.PREPARER, organisation, email="preparer@granite.example")
    client.force_login(preparer)
    created = client.post(reverse("filings:create"), {
        "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": "2024",
        "vehicle_class": "pickup", "coverage_start": "2024-06-01", "coverage_end": "2024-12-31"})
    assert created.status_code == 302, created.content
    filing = Filing.objects.get()
    started = time.monotonic()
    with (DATA / "mistakes.xlsx").open("rb") as workbook:
        uploaded = client.post(reverse("filings:evidence_upload", args=[filing.reference]),
                               {"kind": "evidence", "file": workbook})
    assert uploaded.status_code == 302

    def checked() -> bool:
        status = client.get(reverse("filings:status", args=[filing.reference])).json()
        return bool(status["check_status"] == "errors")

    wait_for(checked, timeout=30, what="the worker to check the upload")
    elapsed = time.monotonic() - started
    page = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    assert "19 problems found." in page
    assert page.count("<tr>") >= 19
    print(f"the worker answered the check {elapsed:.2f} s after the upload began")
    assert elapsed < 30, f"the check took {elapsed:.1f} s"
    filing.refresh_from_db()
    assert (filing.state, filing.submitted_at) == (State.DRAFT, None)


def test_a_task_delivered_twice_stores_one_assessment(celery_worker_process):
    """submit enqueues once on commit; a duplicate delivery must not store a second result."""
    from filings.tasks import assess_filing
    from tests.services.test_filing_services import submitted

    organisation = OrganisationFactory()
    filing = submitted(member(Role.PREPARER, organisation), member(Role.SIGNER, organisation))
    version = filing.current_version()
    assess_filing.delay(filing.pk, version.pk)

    def done() -> bool:
        filing.refresh_from_db()
        return bool(filing.state == State.ASSESSED)

    wait_for(done, timeout=90, what="the filing to be assessed")
    wait_for(lambda: not _queued(), timeout=30, what="the duplicate message to be consumed")
    assert Assessment.objects.filter(version=version).count() == 1
    assert filing.audit_events.filter(action="assessment_finish").count() == 1


def _queued() -> int:
    from amqp.exceptions import ChannelError

    from portal.celery import app

    with app.connection_for_write() as connection, connection.channel() as channel:
        try:
            declared = channel.queue_declare(app.conf.task_default_queue, passive=True)  # type: ignore[attr-defined]
            return int(declared.message_count)
        except ChannelError:  # Redis drops an empty queue's key: nothing is waiting
            return 0
