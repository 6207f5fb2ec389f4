"""Filings through the API: list with filters and pages, create, retrieve, update while draft;
the error shape; fields a client may not set."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from filings.models import Filing
from filings.states import State
from portal.audit.models import AuditEvent
from tests.api.conftest import token_client
from tests.factories import FilingFactory

NEW = {"make": "Granite Motor Company", "model": "Ironwood EV", "model_year": 2025,
       "vehicle_class": "pickup", "coverage_start": "2025-01-01", "coverage_end": "2025-06-30"}


def detail(filing: Filing) -> str:
    return reverse("api:filing", kwargs={"reference": filing.reference})


def test_a_preparer_creates_a_draft_for_its_own_organisation(preparer, manufacturer):
    response = token_client(preparer).post(reverse("api:filings"), NEW, format="json")
    assert response.status_code == 201
    body = response.json()
    filing = Filing.objects.get(reference=body["reference"])
    assert (filing.organisation, filing.state, filing.created_by) == (manufacturer, State.DRAFT,
                                                                       preparer)
    assert body["state"] == "draft" and body["organisation"] == manufacturer.name


def test_it_ignores_organisation_state_and_submitted_by_in_the_body(preparer, manufacturer,
                                                                    outsider, signer):
    foreign = outsider.membership().organisation
    body = {**NEW, "organisation": foreign.pk, "state": "approved", "submitted_by": signer.pk}
    response = token_client(preparer).post(reverse("api:filings"), body, format="json")
    filing = Filing.objects.get(reference=response.json()["reference"])
    assert (filing.organisation, filing.state, filing.submitted_by) == (manufacturer, State.DRAFT,
                                                                         None)
    token_client(preparer).patch(detail(filing), {"state": "approved",
                                                   "organisation": foreign.pk}, format="json")
    filing.refresh_from_db()
    assert (filing.organisation, filing.state) == (manufacturer, State.DRAFT)


def test_an_invalid_body_is_a_400_problem_naming_each_field(preparer):
    response = token_client(preparer).post(reverse("api:filings"),
                                           {**NEW, "model_year": "soon", "vehicle_class": "tank"},
                                           format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/invalid-request")
    assert {e["field"] for e in body["errors"]} == {"model_year", "vehicle_class"}


def test_a_service_refusal_is_a_problem_with_the_services_message(preparer):
    response = token_client(preparer).post(
        reverse("api:filings"), {**NEW, "coverage_end": "2024-01-01"}, format="json")
    assert response.status_code == 400
    assert "ends before it starts" in response.json()["detail"]


def test_the_list_shows_only_the_organisations_filings_with_filters_and_pages(
        preparer, manufacturer, outsider):
    for n in range(3):
        FilingFactory.create(organisation=manufacturer, created_by=preparer, model=f"M{n}")
    FilingFactory.create(organisation=manufacturer, created_by=preparer, state=State.WITHDRAWN)
    FilingFactory.create(organisation=outsider.membership().organisation, created_by=outsider)
    client = token_client(preparer)
    page = client.get(reverse("api:filings"), {"page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    assert client.get(reverse("api:filings"), {"state": "withdrawn"}).json()["count"] == 1
    assert client.get(reverse("api:filings"), {"search": "M1"}).json()["count"] == 1
    assert client.get(reverse("api:filings"), {"state": "nonsense"}).status_code == 400


def test_an_update_changes_a_draft_and_is_audited(preparer, filing):
    response = token_client(preparer).patch(detail(filing), {"coverage_end": "2024-11-30"},
                                            format="json")
    assert response.status_code == 200
    filing.refresh_from_db()
    assert filing.coverage_end == dt.date(2024, 11, 30)
    assert AuditEvent.objects.filter(filing=filing, action="filing_update").count() == 1


def test_an_update_after_submission_is_a_409(preparer, filing):
    Filing.objects.filter(pk=filing.pk).update(state=State.SUBMITTED)
    response = token_client(preparer).patch(detail(filing), {"model": "X"}, format="json")
    assert response.status_code == 409
    filing.refresh_from_db()
    assert filing.model == "Ironwood EV"


def test_an_unknown_reference_is_a_404_problem(preparer):
    response = token_client(preparer).get("/api/v1/filings/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


def test_the_browsable_api_shows_errors_as_a_page_not_as_problem_json(client, preparer):
    client.force_login(preparer)
    response = client.get("/api/v1/filings/00000000-0000-0000-0000-000000000000/",
                          HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_id_that_is_not_a_uuid_is_a_404_problem_too(preparer):
    response = token_client(preparer).get("/api/v1/filings/not-a-uuid/evidence/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not found"


def test_the_detail_lists_the_actions_the_caller_may_take_now(preparer, signer, viewer, filing):
    def actions(user):
        response = token_client(user).get(detail(filing))
        assert response.status_code == 200
        return response.json()["actions"]

    assert actions(signer) == sorted({"evidence_remove", "evidence_upload", "filing_submit",
                                      "filing_update", "filing_withdraw"})
    assert "filing_submit" not in actions(preparer)
    assert actions(viewer) == []
