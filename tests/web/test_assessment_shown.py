"""The sample workbooks, uploaded and submitted through the pages, assessed by the task's service
(called directly: no broker) and shown on the filing page."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import Filing
from filings.services.assessment import assessment_run
from filings.states import State
from tests.conftest import DATA
from tests.factories import run_queued_check


def submit_through_the_pages(client, filing: Filing, workbook: str,
                             django_capture_on_commit_callbacks) -> None:
    upload = SimpleUploadedFile(workbook, (DATA / workbook).read_bytes())
    client.post(reverse("filings:evidence_upload", kwargs={"reference": filing.reference}),
                {"kind": "evidence", "file": upload})
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("filings:submit", kwargs={"reference": filing.reference}),
                    {"attest": "on"})
    filing.refresh_from_db()
    assert filing.state == State.SUBMITTED
    version = filing.current_version()
    assert version is not None
    # What the worker would run for the queued task, without the broker.
    assessment_run(filing_id=filing.pk, version_id=version.pk)


def test_the_us_pickup_sample_is_shown_eligible_with_both_shares_drawn(
        client, signer, filing, django_capture_on_commit_callbacks):
    client.force_login(signer)
    submit_through_the_pages(client, filing, "us-pickup-japan-minerals.xlsx",
                             django_capture_on_commit_callbacks)
    response = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    page = response.content.decode()
    filing.refresh_from_db()
    assert filing.state == State.ASSESSED
    assert "verdict-eligible" in page
    assert "$7,500" in page
    bars = re.findall(r'<svg [^>]*role="img" aria-label="([^"]+)"', page)
    assert [label.split(":")[0] for label in bars] == ["Critical-mineral share",
                                                       "Battery-component share"]
    assert 'data-poll="1"' not in page

    status = client.get(reverse("filings:status", kwargs={"reference": filing.reference})).json()
    assert (status["state"], status["assessment_pending"]) == ("assessed", False)


def test_the_sample_with_mistakes_lists_them_on_the_draft_and_cannot_be_submitted(
        client, signer, filing, django_capture_on_commit_callbacks):
    client.force_login(signer)
    upload = SimpleUploadedFile("mistakes.xlsx", (DATA / "mistakes.xlsx").read_bytes())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("filings:evidence_upload", kwargs={"reference": filing.reference}),
                    {"kind": "evidence", "file": upload})
    assert len(queued) == 1  # the check, queued for the worker
    page_url = reverse("filings:detail", kwargs={"reference": filing.reference})
    checking = client.get(page_url).content.decode()
    assert "Checking the evidence" in checking and 'data-poll="1"' in checking
    run_queued_check(filing)

    page = client.get(page_url).content.decode()
    filing.refresh_from_db()
    assert filing.state == State.DRAFT
    table = page.split('class="table errors-table"', 1)[1].split("</table>", 1)[0]
    cell = r"\s*<td[^>]*>([^<]*)</td>"
    rows = re.findall(r"<tr>" + cell * 3, table)
    assert len(rows) == 19
    assert all(sheet != "—" for sheet, _, _ in rows[:2])
    assert "19 problems" in page
    assert "cannot be submitted while the check finds problems" in page
    assert 'class="submit-form"' not in page

    with django_capture_on_commit_callbacks(execute=False) as submitted:
        refused = client.post(reverse("filings:submit", kwargs={"reference": filing.reference}),
                              {"attest": "on"})
    assert refused.status_code == 400
    assert "The evidence has 19 problems" in refused.content.decode()
    assert not submitted
    filing.refresh_from_db()
    assert (filing.state, filing.submitted_at) == (State.DRAFT, None)
