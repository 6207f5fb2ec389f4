"""The draft's page and the API show the check on upload (issue 11): "checking…" while the worker
reads the evidence, then every row error or "ready to submit" with a preliminary outcome, and who
acts next; coverage dates outside what the credit can cover are refused on the web and the API."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import EvidenceCheck, Filing
from tests.api.conftest import token_client
from tests.conftest import DATA
from tests.factories import run_queued_check


def page(client, filing: Filing) -> str:
    response = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    return str(response.content.decode())


def upload(client, filing: Filing, name: str) -> None:
    response = client.post(reverse("filings:evidence_upload", kwargs={"reference": filing.reference}),
                           {"kind": "evidence", "file": SimpleUploadedFile(name, (DATA / name).read_bytes())})
    assert response.status_code == 302, response.content.decode()[:500]


def next_step(html: str) -> str:
    match = re.search(r'<p class="next-step" id="next-step">(.*?)</p>', html, re.S)
    assert match, "no next step on the page"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_a_new_draft_says_who_uploads_first(client, preparer, filing):
    client.force_login(preparer)
    assert "a preparer or signer of" in next_step(page(client, filing))
    assert "uploads the evidence workbook" in next_step(page(client, filing))


def test_the_page_polls_while_checking_then_shows_ready_and_who_submits(
        client, preparer, signer, filing):
    client.force_login(preparer)
    upload(client, filing, "us-pickup-japan-minerals.xlsx")
    checking = page(client, filing)
    assert 'data-poll="1"' in checking and 'data-check="checking"' in checking
    assert "Checking the evidence" in checking
    status = client.get(reverse("filings:status", kwargs={"reference": filing.reference})).json()
    assert (status["check_status"], status["check_pending"]) == ("checking", True)

    run_queued_check(filing)
    ready = page(client, filing)
    assert 'data-poll="1"' not in ready and 'data-check="ready"' in ready
    assert "Ready to submit." in ready
    assert "Preliminary outcome — not an assessment." in ready
    assert "$7,500" in ready
    assert "preliminary-table" in ready
    # A preparer is told a signer submits, and which.
    step = next_step(ready)
    assert "a signer of" in step and "a preparer cannot" in step
    assert (signer.full_name or signer.email) in step
    status = client.get(reverse("filings:status", kwargs={"reference": filing.reference})).json()
    assert (status["check_status"], status["check_pending"]) == ("ready", False)

    client.force_login(signer)
    as_signer = page(client, filing)
    assert "Next: you, or another signer" in next_step(as_signer)
    assert 'class="submit-form"' in as_signer and "Attest and submit" in as_signer


def test_a_mismatched_vehicle_is_shown_as_an_error_naming_both_values(client, preparer, manufacturer):
    from tests.factories import FilingFactory

    filing = FilingFactory.create(organisation=manufacturer, created_by=preparer,
                                  model="Ironwood EV Crew Cab")
    client.force_login(preparer)
    upload(client, filing, "us-pickup-japan-minerals.xlsx")
    run_queued_check(filing)
    html = page(client, filing)
    assert "1 problem found." in html
    assert "The filing is for model \u201cIronwood EV Crew Cab\u201d but the vehicle sheet says " \
           "\u201cIronwood EV\u201d" in html
    assert "cannot be submitted until the check finds no problems" in next_step(html)


def test_the_api_lists_each_version_with_its_check(preparer, filing, client):
    client.force_login(preparer)
    upload(client, filing, "mistakes.xlsx")
    api = token_client(preparer)
    url = reverse("api:versions", kwargs={"reference": filing.reference})
    [version] = api.get(url).json()
    assert version["check"]["status"] == "checking" and version["check"]["preliminary"] is True
    run_queued_check(filing)
    [version] = api.get(url).json()
    check = version["check"]
    assert (check["status"], check["error_count"], check["result"]) == ("errors", 19, None)
    assert check["row_errors"][0].keys() == {"sheet", "row", "column", "value", "message"}
    assert version["files"][0]["original_name"] == "mistakes.xlsx"
    errors = api.get(reverse("api:evidence_errors", kwargs={"reference": filing.reference})).json()
    assert errors["title"] == "The evidence has errors" and len(errors["errors"]) == 19


def test_a_signer_submitting_evidence_with_errors_through_the_api_gets_a_problem(signer, filing,
                                                                                  client):
    client.force_login(signer)
    upload(client, filing, "mistakes.xlsx")
    response = token_client(signer).post(
        reverse("api:submit", kwargs={"reference": filing.reference}),
        {"attestation_confirmed": True}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "The evidence has 19 problems" in response.json()["detail"]
    assert EvidenceCheck.objects.get(version__filing=filing).status == "errors"
    assert Filing.objects.get(pk=filing.pk).state == "draft"


DATES = [("2022-12-31", "2024-12-31", "before 2023-01-01"),
         ("2024-01-01", "9999-12-31", "after 2025-09-30")]


@pytest.mark.parametrize(("start", "end", "needle"), DATES)
def test_coverage_outside_the_credit_is_refused_on_the_web_form(client, preparer, start, end,
                                                                needle):
    client.force_login(preparer)
    response = client.post(reverse("filings:create"), {
        "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": "2024",
        "vehicle_class": "pickup", "coverage_start": start, "coverage_end": end})
    assert response.status_code == 400
    assert needle in response.content.decode()
    assert not Filing.objects.exists()


@pytest.mark.parametrize(("start", "end", "needle"), DATES)
def test_coverage_outside_the_credit_is_a_problem_on_the_api(preparer, start, end, needle):
    response = token_client(preparer).post(reverse("api:filings"), {
        "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": 2024,
        "vehicle_class": "pickup", "coverage_start": start, "coverage_end": end}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert needle in response.json()["detail"]
    assert not Filing.objects.exists()


def test_the_preparer_can_correct_the_filing_to_the_vehicle_its_evidence_describes(
        client, preparer, manufacturer):
    from tests.factories import FilingFactory

    filing = FilingFactory.create(organisation=manufacturer, created_by=preparer,
                                  model="Ironwood EV Crew Cab", model_year=2025,
                                  vehicle_class="suv")
    client.force_login(preparer)
    upload(client, filing, "us-pickup-japan-minerals.xlsx")
    run_queued_check(filing)
    assert "Use the vehicle the evidence describes" in page(client, filing)
    response = client.post(reverse("filings:take_vehicle", kwargs={"reference": filing.reference}),
                           follow=True)
    assert "The filing now names the vehicle as its evidence does: Granite Motor Company " \
           "Ironwood EV, model year 2024, Pickup." in response.content.decode()
    filing.refresh_from_db()
    assert (filing.model, filing.model_year, filing.vehicle_class) == ("Ironwood EV", 2024, "pickup")
    assert run_queued_check(filing).status == EvidenceCheck.Status.READY
    assert filing.audit_events.filter(action="filing_update").exists()

    again = client.post(reverse("filings:take_vehicle", kwargs={"reference": filing.reference}))
    assert again.status_code == 400
    assert "already names the vehicle its evidence describes" in again.content.decode()
