"""The dashboard: the organisation's filings with state and outcome, filtered, searched, paged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings.models import Filing
from filings.states import State
from tests.factories import FilingFactory
from tests.web.conftest import engine_result, store_assessment

DASHBOARD = reverse("filings:dashboard")


def assessed(filing: Filing, **kwargs) -> Filing:
    version = filing.current_version()
    assert version is not None
    store_assessment(version, **kwargs)
    return filing


def titles(response) -> list[str]:
    return [f"{f.make} {f.model}" for f in response.context["page"].object_list]


def row_of(page: str, model: str) -> str:
    """The table row of the filing whose model is `model`."""
    rows = [row for row in page.split("<tr>") if f" {model} " in row]
    assert len(rows) == 1, f"{len(rows)} rows for {model}"
    return rows[0]


def test_a_member_sees_the_organisations_filings_and_not_anothers(client, viewer, manufacturer,
                                                                  outsider):
    FilingFactory.create(organisation=manufacturer, model="Ironwood EV")
    FilingFactory.create(organisation=outsider.membership().organisation, model="Rival Volt")
    client.force_login(viewer)
    page = client.get(DASHBOARD).content.decode()
    assert "Ironwood EV" in page
    assert "Rival Volt" not in page


def test_each_filing_shows_its_state_and_the_credit_of_its_latest_assessment(client, viewer,
                                                                             manufacturer):
    assessed(FilingFactory.create(organisation=manufacturer, model="Ironwood EV"),
             result=engine_result())
    assessed(FilingFactory.create(organisation=manufacturer, model="Broken EV"),
             errors=[{"sheet": "vehicle", "row": 2, "column": "msrp_usd", "value": "x",
                      "message": "not a number"}])
    assessed(FilingFactory.create(organisation=manufacturer, model="Offshore EV"),
             result=engine_result(minerals=("1", "99"), components=("1", "99")))
    FilingFactory.create(organisation=manufacturer, model="Fresh EV")
    client.force_login(viewer)
    page = client.get(DASHBOARD).content.decode()
    ironwood = row_of(page, "Ironwood EV")
    assert "Assessed" in ironwood
    assert "Eligible" in ironwood
    assert "$3,750" in ironwood
    assert "Invalid evidence" in row_of(page, "Broken EV")
    assert "Evidence invalid" in row_of(page, "Broken EV")
    assert "Not eligible" in row_of(page, "Offshore EV")
    assert "Not assessed" in row_of(page, "Fresh EV")


def test_the_list_filters_by_state(client, viewer, manufacturer):
    FilingFactory.create(organisation=manufacturer, model="Draft EV")
    FilingFactory.create(organisation=manufacturer, model="Withdrawn EV", state=State.WITHDRAWN)
    client.force_login(viewer)
    assert titles(client.get(DASHBOARD, {"state": "withdrawn"})) == [
        "Granite Motor Company Withdrawn EV"]


def test_the_list_searches_make_and_model(client, viewer, manufacturer):
    FilingFactory.create(organisation=manufacturer, make="Granite", model="Ironwood EV")
    FilingFactory.create(organisation=manufacturer, make="Granite", model="Basalt Van")
    client.force_login(viewer)
    assert titles(client.get(DASHBOARD, {"q": "basalt"})) == ["Granite Basalt Van"]


def test_an_unknown_state_in_the_query_is_ignored_not_an_error(client, viewer, manufacturer):
    FilingFactory.create(organisation=manufacturer)
    client.force_login(viewer)
    response = client.get(DASHBOARD, {"state": "<script>", "page": "nonsense"})
    assert response.status_code == 200
    assert len(titles(response)) == 1


def test_the_list_shows_25_filings_a_page_and_keeps_the_filter_across_pages(client, viewer,
                                                                              manufacturer):
    FilingFactory.create_batch(30, organisation=manufacturer, model="Ironwood EV")
    client.force_login(viewer)
    first = client.get(DASHBOARD, {"q": "Ironwood"})
    assert len(titles(first)) == 25
    assert "q=Ironwood&amp;page=2" in first.content.decode()
    assert len(titles(client.get(DASHBOARD, {"q": "Ironwood", "page": 2}))) == 5


def test_the_number_of_queries_does_not_grow_with_the_number_of_filings(
        client, viewer, manufacturer, django_assert_max_num_queries):
    result = engine_result()
    for filing in FilingFactory.create_batch(3, organisation=manufacturer):
        assessed(filing, result=result)
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as few:
        assert len(titles(client.get(DASHBOARD))) == 3
    for filing in FilingFactory.create_batch(27, organisation=manufacturer):
        assessed(filing, result=result)
    with django_assert_max_num_queries(len(few)):
        response = client.get(DASHBOARD)
    assert len(titles(response)) == 25
    assert "$3,750" in response.content.decode()


def test_the_new_filing_button_shows_only_for_roles_that_can_edit(client, viewer, preparer):
    client.force_login(viewer)
    assert reverse("filings:create") not in client.get(DASHBOARD).content.decode()
    client.force_login(preparer)
    assert reverse("filings:create") in client.get(DASHBOARD).content.decode()


@pytest.mark.parametrize("state", [State.SUBMITTED, State.DRAFT])
def test_the_authority_sees_only_filings_submitted_at_least_once(client, reviewer, manufacturer,
                                                                 state):
    filing = FilingFactory.create(organisation=manufacturer, state=state)
    if state == State.SUBMITTED:
        Filing.objects.filter(pk=filing.pk).update(submitted_at=filing.created_at)
    client.force_login(reviewer)
    response = client.get(DASHBOARD)
    assert len(titles(response)) == (1 if state == State.SUBMITTED else 0)
