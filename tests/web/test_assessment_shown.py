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


def test_the_sample_with_mistakes_lists_them_by_sheet_row_and_column(
        client, signer, filing, django_capture_on_commit_callbacks):
    client.force_login(signer)
    submit_through_the_pages(client, filing, "mistakes.xlsx", django_capture_on_commit_callbacks)
    page = client.get(reverse("filings:detail", kwargs={"reference": filing.reference})).content.decode()
    filing.refresh_from_db()
    assert filing.state == State.INVALID
    table = page.split('class="table errors-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", table)
    assert len(rows) >= 2
    assert all(sheet != "—" for sheet, _, _ in rows[:2])
    assert "Reopen as a draft" in page
